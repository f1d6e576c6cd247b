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
    int card = part == FeatureTransform.TimePart.HOUR_OF_DAY ? 24 : 7;
    OutputKind kind = encode == FeatureTransform.Encoding.ONE_HOT ? OutputKind.VECTOR : OutputKind.ID;
    return new FittedFeature(FeatureTransform.numeric(name).withTimePart(part).withEncode(encode), FeatureType.TIMESTAMP, kind, card, (double) imputePart, null, null, null, null, null, null, null, null, null, 100);
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
    OutputKind kind = spec.effectiveEncoding() == FeatureTransform.Encoding.IDS ? OutputKind.IDS : OutputKind.VECTOR;
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
