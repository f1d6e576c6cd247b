package dev.beamline.training;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.List;

/** Hand-made fitted features for tests: each factory sets the analyzer constants its steps need. */
final class Fitted {
  private Fitted() {}

  static FittedFeature passThrough(String name, double impute) {
    return new FittedFeature(FeatureTransform.numeric(name), FeatureType.FLOAT, OutputKind.FLOAT, 0, impute, null, null, null, null, null, null, null, null, null, 100);
  }

  static FittedFeature zScore(String name, double impute, double mean, double std) {
    return new FittedFeature(FeatureTransform.numeric(name).withScale(FeatureTransform.Scale.Z_SCORE), FeatureType.FLOAT, OutputKind.FLOAT, 0, impute, null, mean, std, null, null, null, null, null, null, 100);
  }

  static FittedFeature numeric(FeatureTransform spec, FeatureType type, OutputKind kind, int cardinality, Double impute, Double mean, Double std, Double min, Double max, double[] boundaries) {
    return new FittedFeature(spec, type, kind, cardinality, impute, null, mean, std, min, max, boundaries, null, null, null, 100);
  }

  static FittedFeature bucketized(String name, double impute, double... boundaries) {
    return new FittedFeature(FeatureTransform.numeric(name).withBucketize(boundaries.length + 1), FeatureType.FLOAT, OutputKind.ID, boundaries.length + 1, impute, null, null, null, null, null, boundaries, null, null, null, 100);
  }

  static FittedFeature timePart(String name, FeatureTransform.TimePart part, FeatureTransform.Encoding encode, long imputePart) {
    OutputKind kind = encode == FeatureTransform.Encoding.ID ? OutputKind.ID : OutputKind.VECTOR;
    Double impute = encode == FeatureTransform.Encoding.CYCLICAL ? null : (double) imputePart;
    return new FittedFeature(FeatureTransform.numeric(name).withTimePart(part).withEncode(encode), FeatureType.TIMESTAMP, kind, ids(part), impute, null, null, null, null, null, null, null, null, null, 100);
  }

  /** The year of a timestamp, a number: missing becomes {@code impute}, then the scale with these constants (null where unused). */
  static FittedFeature year(String name, FeatureTransform.Scale scale, double impute, Double mean, Double std, Double min, Double max) {
    return new FittedFeature(FeatureTransform.numeric(name).withTimePart(FeatureTransform.TimePart.YEAR).withScale(scale), FeatureType.TIMESTAMP, OutputKind.FLOAT, 0, impute, null, mean, std, min, max, null, null, null, null, 100);
  }

  /** The number of ids of a time part, as {@code FeatureTransform} defines them. */
  static int ids(FeatureTransform.TimePart part) {
    return part.ids();
  }


  /** A single-valued string feature with a vocabulary. */
  static FittedFeature vocabulary(String name, List<String> vocabulary, int oov, String impute, FeatureTransform.Encoding encode, boolean lowercase) {
    FeatureTransform spec = FeatureTransform.string(name).withVocabulary(new FeatureTransform.Vocabulary(null, 1, oov)).withEncode(encode).withLowercase(lowercase);
    OutputKind kind = encode == FeatureTransform.Encoding.ONE_HOT ? OutputKind.VECTOR : OutputKind.ID;
    return new FittedFeature(spec, FeatureType.STRING, kind, vocabulary.size() + oov, null, impute, null, null, null, null, null, vocabulary, counts(vocabulary.size()), null, 100);
  }

  static FittedFeature hashed(String name, int buckets, FeatureTransform.Encoding encode) {
    FeatureTransform spec = FeatureTransform.string(name).withHashBuckets(buckets).withEncode(encode);
    OutputKind kind = encode == FeatureTransform.Encoding.ONE_HOT ? OutputKind.VECTOR : OutputKind.ID;
    return new FittedFeature(spec, FeatureType.STRING, kind, buckets, null, null, null, null, null, null, null, null, null, null, 100);
  }

  /** A multi-valued string feature (text n-grams or separator) with a vocabulary. */
  static FittedFeature tokens(FeatureTransform spec, List<String> vocabulary, double[] idf) {
    int card = vocabulary.size() + spec.vocabulary().oovBuckets();
    OutputKind kind = OutputKind.of(spec, FeatureType.STRING);
    return new FittedFeature(spec, FeatureType.STRING, kind, card, null, null, null, null, null, null, null, vocabulary, counts(vocabulary.size()), idf, 100);
  }

  private static long[] counts(int n) {
    long[] c = new long[n];
    for (int i = 0; i < n; i++) {
      c[i] = n - i;
    }
    return c;
  }
}
