package dev.beamline.transform;

import java.io.Serializable;
import java.util.List;

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
 * @param inputType the raw feature's type name ({@code int}, {@code float}, {@code boolean}, {@code
 *     timestamp} or {@code string})
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
    String inputType,
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

  /** The transformed feature's name. */
  public String name() {
    return spec.output();
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
