package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@link FeatureTransform} together with the constants its analyzers computed on the training
 * split. Fields that a transform does not use are null. Everything the Java implementation and the
 * TensorFlow graph need to transform a raw value is here.
 *
 * <pre>{@code
 * FittedFeature f = fitted.feature("bill_length_mm");
 * double z = (x - f.mean()) / f.std();
 * }</pre>
 *
 * @param spec the declaration
 * @param inputType the raw feature's type (written as its {@link FeatureType#configName()} in {@code
 *     transform.json})
 * @param kind the output's shape
 * @param cardinality number of ids for ID, IDS and VECTOR outputs of categorical features (for a
 *     cyclical time part, the ids of the part, though its vector has width 2); 0 for FLOAT
 * @param imputeNumber the replacement of missing numeric values (or the timestamp part's id, or year), else
 *     null
 * @param imputeString the replacement of missing string values, else null
 * @param mean training mean after impute, clip and log (z-score; of the years for a year), else null
 * @param std training population standard deviation (z-score), else null
 * @param min training minimum (min-max), else null
 * @param max training maximum (min-max), else null
 * @param boundaries bucket boundaries, sorted and distinct (bucketize), else null
 * @param vocabulary the vocabulary in id order (vocabulary), else null
 * @param counts each vocabulary token's training count, same order, else null
 * @param idf each vocabulary id's inverse document frequency then each OOV bucket's (tf-idf), else null
 * @param rows the number of training rows the analyzers saw
 * @param crossed a cross's crossed features, fitted, in the order of {@code spec.cross()}; null
 *     otherwise. A cross's {@code inputType} is null: it reads the raw features of its crossed features
 *     ({@link #rawInputs()})
 * @param vectors the pretrained vector of each vocabulary token, in id order ({@code encode: embedding}
 *     with {@code embedding.vectors}), else null
 */
public record FittedFeature(
    FeatureTransform spec,
    FeatureType inputType,
    OutputKind kind,
    int cardinality,
    Double imputeNumber,
    String imputeString,
    Double mean,
    Double std,
    Double min,
    Double max,
    double[] boundaries,
    List<String> vocabulary,
    long[] counts,
    double[] idf,
    long rows,
    List<FittedFeature> crossed,
    WordVectors vectors)
    implements Serializable {

  public FittedFeature {
    checkNotNull(spec, "spec");
    checkNotNull(kind, "kind");
    if (spec.isCross()) {
      checkArgument(crossed != null && crossed.size() == spec.cross().size(), "cross '%s' needs the fitted features %s, got %s",
          spec.output(), spec.cross(), crossed == null ? null : crossed.stream().map(FittedFeature::name).toList());
      for (int i = 0; i < crossed.size(); i++) {
        checkArgument(crossed.get(i).name().equals(spec.cross().get(i)) && !crossed.get(i).spec().isCross(),
            "cross '%s' crosses %s, got %s", spec.output(), spec.cross(), crossed.get(i).name());
      }
      crossed = List.copyOf(crossed);
    } else {
      checkNotNull(inputType, "inputType");
      checkArgument(crossed == null, "'%s' is not a cross, so it has no crossed features", spec.output());
    }
    if (vectors != null) {
      checkArgument(vocabulary != null && vectors.tokens().equals(vocabulary),
          "the vectors of '%s' must be those of its vocabulary, in id order", spec.output());
    }
  }

  /** Every field but {@code vectors}. */
  public FittedFeature(
      FeatureTransform spec,
      FeatureType inputType,
      OutputKind kind,
      int cardinality,
      Double imputeNumber,
      String imputeString,
      Double mean,
      Double std,
      Double min,
      Double max,
      double[] boundaries,
      List<String> vocabulary,
      long[] counts,
      double[] idf,
      long rows,
      List<FittedFeature> crossed) {
    this(spec, inputType, kind, cardinality, imputeNumber, imputeString, mean, std, min, max, boundaries, vocabulary, counts, idf, rows, crossed, null);
  }

  /** A feature that is not a cross: every field but {@code crossed}. */
  public FittedFeature(
      FeatureTransform spec,
      FeatureType inputType,
      OutputKind kind,
      int cardinality,
      Double imputeNumber,
      String imputeString,
      Double mean,
      Double std,
      Double min,
      Double max,
      double[] boundaries,
      List<String> vocabulary,
      long[] counts,
      double[] idf,
      long rows) {
    this(spec, inputType, kind, cardinality, imputeNumber, imputeString, mean, std, min, max, boundaries, vocabulary, counts, idf, rows, null);
  }

  /**
   * A cross of {@code crossed} (fitted, in the order of {@code spec.cross()}): no constants of its own,
   * {@code spec.hashBuckets()} ids, a one-hot vector of that width with {@code encode: one_hot}.
   */
  public static FittedFeature cross(FeatureTransform spec, List<FittedFeature> crossed, long rows) {
    checkArgument(spec.isCross() && spec.hashBuckets() != null, "'%s' is not a cross with hash_buckets", spec.output());
    OutputKind kind = spec.effectiveEncoding() == FeatureTransform.Encoding.ONE_HOT ? OutputKind.VECTOR : OutputKind.ID;
    return new FittedFeature(spec, null, kind, spec.hashBuckets(), null, null, null, null, null, null, null, null, null, null, rows, crossed);
  }

  /**
   * The raw features it reads, with their types: its {@code input}, or, for a cross, those of the
   * features it crosses (each once, in order).
   */
  public List<FeatureSpec> rawInputs() {
    if (crossed == null) {
      return List.of(FeatureSpec.of(spec.input(), inputType));
    }
    Map<String, FeatureSpec> out = new LinkedHashMap<>();
    for (FittedFeature c : crossed) {
      for (FeatureSpec r : c.rawInputs()) {
        out.putIfAbsent(r.name(), r);
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * The same categorical feature with its id as the output ({@code encode: id}, kind ID): what a cross
   * reads of a feature it crosses, whatever that feature's own encoding.
   */
  public FittedFeature asId() {
    checkArgument(kind == OutputKind.ID || (kind == OutputKind.VECTOR && spec.effectiveEncoding() == FeatureTransform.Encoding.ONE_HOT),
        "'%s' has no single id per row (it is %s, encoded %s)", spec.output(), kind, spec.effectiveEncoding());
    if (kind == OutputKind.ID) {
      return this;
    }
    return new FittedFeature(spec.withEncode(FeatureTransform.Encoding.ID), inputType, OutputKind.ID, cardinality, imputeNumber, imputeString,
        mean, std, min, max, boundaries, vocabulary, counts, idf, rows, crossed);
  }

  /** The same feature with the pretrained vectors of its vocabulary, in id order. */
  public FittedFeature withVectors(WordVectors vectors) {
    return new FittedFeature(spec, inputType, kind, cardinality, imputeNumber, imputeString, mean, std, min, max, boundaries, vocabulary, counts,
        idf, rows, crossed, vectors);
  }

  /** The transformed feature's name. */
  public String name() {
    return spec.output();
  }

  /** Equal when every field is: arrays by content (a record's own equals compares array references). */
  @Override
  public boolean equals(Object o) {
    return o instanceof FittedFeature f
        && f.spec.equals(spec)
        && f.inputType == inputType
        && f.kind == kind
        && f.cardinality == cardinality
        && Objects.equals(f.imputeNumber, imputeNumber)
        && Objects.equals(f.imputeString, imputeString)
        && Objects.equals(f.mean, mean)
        && Objects.equals(f.std, std)
        && Objects.equals(f.min, min)
        && Objects.equals(f.max, max)
        && Arrays.equals(f.boundaries, boundaries)
        && Objects.equals(f.vocabulary, vocabulary)
        && Arrays.equals(f.counts, counts)
        && Arrays.equals(f.idf, idf)
        && f.rows == rows
        && Objects.equals(f.crossed, crossed)
        && Objects.equals(f.vectors, vectors);
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, kind, cardinality, imputeNumber, imputeString, mean, std, min, max, vocabulary, rows)
        + 31 * (Arrays.hashCode(boundaries) + 31 * (Arrays.hashCode(counts) + 31 * Arrays.hashCode(idf)));
  }

  @Override
  public String toString() {
    return "FittedFeature{" + spec.output() + " <- "
        + (crossed != null ? "cross " + spec.cross() : spec.input() + " (" + inputType.configName() + ")") + ", " + kind
        + ", cardinality " + cardinality
        + (imputeNumber != null ? ", impute " + imputeNumber : "")
        + (imputeString != null ? ", impute '" + imputeString + "'" : "")
        + (mean != null ? ", mean " + mean + ", std " + std : "")
        + (min != null ? ", min " + min + ", max " + max : "")
        + (boundaries != null ? ", boundaries " + Arrays.toString(boundaries) : "")
        + (vocabulary != null ? ", vocabulary of " + vocabulary.size() : "")
        + (idf != null ? ", idf " + Arrays.toString(idf) : "")
        + (vectors != null ? ", vectors of dim " + vectors.dim() : "")
        + ", rows " + rows + "}";
  }

  /** The width of a VECTOR output, or the length of an IDS output; 1 otherwise. */
  public int width() {
    switch (kind) {
      case VECTOR:
        return spec.effectiveEncoding() == FeatureTransform.Encoding.CYCLICAL ? 2 : cardinality;
      case IDS:
        return spec.effectiveMaxTokens();
      default:
        return 1;
    }
  }
}
