package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * One example of a regression model as {@link RegressionMetricsFn} reads it: the true value, the model's
 * prediction, and the example's weight (1 unless given).
 *
 * <pre>{@code
 * RegressionPrediction p = RegressionPrediction.of(3.0, 2.5);
 * RegressionPrediction weighted = RegressionPrediction.of(3.0, 2.5, 0.5);
 * }</pre>
 *
 * @param label the true value, finite
 * @param prediction the model's prediction, finite
 * @param weight the example's weight, finite and not negative
 */
public record RegressionPrediction(double label, double prediction, double weight) implements Serializable {
  public RegressionPrediction {
    checkArgument(Double.isFinite(label), "label must be finite; got %s", label);
    checkArgument(Double.isFinite(prediction), "prediction must be finite; got %s", prediction);
    checkArgument(weight >= 0 && Double.isFinite(weight), "weight must be finite and >= 0; got %s", weight);
  }

  /** An example of weight 1. */
  public static RegressionPrediction of(double label, double prediction) {
    return new RegressionPrediction(label, prediction, 1.0);
  }

  /** An example of the given weight. */
  public static RegressionPrediction of(double label, double prediction, double weight) {
    return new RegressionPrediction(label, prediction, weight);
  }
}
