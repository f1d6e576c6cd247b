package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.FeatureType;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
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
 * @param cardinality number of ids for ID, IDS and VECTOR outputs of categorical features; 0 for FLOAT
 * @param imputeNumber the replacement of missing numeric values (or the timestamp part), else null
 * @param imputeString the replacement of missing string values, else null
 * @param mean training mean after impute, clip and log (z-score), else null
 * @param std training population standard deviation (z-score), else null
 * @param min training minimum (min-max), else null
 * @param max training maximum (min-max), else null
 * @param boundaries bucket boundaries, sorted and distinct (bucketize), else null
 * @param vocabulary the vocabulary in id order (vocabulary), else null
 * @param counts each vocabulary token's training count, same order, else null
 * @param idf each vocabulary id's inverse document frequency then each OOV bucket's (tf-idf), else null
 * @param rows the number of training rows the analyzers saw
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
    long rows)
    implements Serializable {

  public FittedFeature {
    checkNotNull(spec, "spec");
    checkNotNull(inputType, "inputType");
    checkNotNull(kind, "kind");
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
        && f.rows == rows;
  }

  @Override
  public int hashCode() {
    return Objects.hash(spec, kind, cardinality, imputeNumber, imputeString, mean, std, min, max, vocabulary, rows)
        + 31 * (Arrays.hashCode(boundaries) + 31 * (Arrays.hashCode(counts) + 31 * Arrays.hashCode(idf)));
  }

  @Override
  public String toString() {
    return "FittedFeature{" + spec.output() + " <- " + spec.input() + " (" + inputType.configName() + "), " + kind
        + ", cardinality " + cardinality
        + (imputeNumber != null ? ", impute " + imputeNumber : "")
        + (imputeString != null ? ", impute '" + imputeString + "'" : "")
        + (mean != null ? ", mean " + mean + ", std " + std : "")
        + (min != null ? ", min " + min + ", max " + max : "")
        + (boundaries != null ? ", boundaries " + Arrays.toString(boundaries) : "")
        + (vocabulary != null ? ", vocabulary of " + vocabulary.size() : "")
        + (idf != null ? ", idf " + Arrays.toString(idf) : "")
        + ", rows " + rows + "}";
  }

  /** The width of a VECTOR output, or the length of an IDS output; 1 otherwise. */
  public int width() {
    switch (kind) {
      case VECTOR:
        return cardinality;
      case IDS:
        return spec.effectiveMaxTokens();
      default:
        return 1;
    }
  }
}
