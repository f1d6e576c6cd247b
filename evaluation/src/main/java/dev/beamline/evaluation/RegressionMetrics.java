package dev.beamline.evaluation;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A regression model's metrics over one set of examples, as {@link RegressionMetricsFn} computes them. Means
 * are weighted by the examples' weights, as scikit-learn's {@code sample_weight}; the residual quantiles are
 * not. A value that is undefined (no weight at all; a quantile of no examples) is {@code NaN}. Equality is by
 * value, bit for bit.
 *
 * <pre>{@code
 * RegressionMetrics m = ...;
 * double rmse = m.rootMeanSquaredError();
 * double medianResidual = m.residualQuantiles()[2]; // at m.quantileProbabilities()[2] = 0.5
 * }</pre>
 *
 * @param exampleCount the number of examples, those of weight 0 included
 * @param weightedCount the sum of the weights
 * @param meanSquaredError {@code mean_squared_error}
 * @param rootMeanSquaredError its square root ({@code mean_squared_error(squared=False)})
 * @param meanAbsoluteError {@code mean_absolute_error}
 * @param r2 {@code r2_score}: 1 - SSE / (weighted sum of squared deviations of the label from its weighted
 *     mean); when the labels do not vary, 1 for a perfect prediction and 0 otherwise ({@code force_finite=True})
 * @param meanLabel the weighted mean of the label
 * @param meanPrediction the weighted mean of the prediction
 * @param quantileProbabilities the probabilities of {@link #residualQuantiles}
 * @param residualQuantiles the quantiles of {@code label - prediction} over all examples, unweighted,
 *     interpolated linearly as {@code numpy.quantile}'s default
 */
public record RegressionMetrics(
    long exampleCount,
    double weightedCount,
    double meanSquaredError,
    double rootMeanSquaredError,
    double meanAbsoluteError,
    double r2,
    double meanLabel,
    double meanPrediction,
    double[] quantileProbabilities,
    double[] residualQuantiles)
    implements Serializable {

  @Override
  public boolean equals(Object o) {
    return o instanceof RegressionMetrics m
        && exampleCount == m.exampleCount
        && Double.compare(weightedCount, m.weightedCount) == 0
        && Double.compare(meanSquaredError, m.meanSquaredError) == 0
        && Double.compare(rootMeanSquaredError, m.rootMeanSquaredError) == 0
        && Double.compare(meanAbsoluteError, m.meanAbsoluteError) == 0
        && Double.compare(r2, m.r2) == 0
        && Double.compare(meanLabel, m.meanLabel) == 0
        && Double.compare(meanPrediction, m.meanPrediction) == 0
        && Arrays.equals(quantileProbabilities, m.quantileProbabilities)
        && Arrays.equals(residualQuantiles, m.residualQuantiles);
  }

  @Override
  public int hashCode() {
    return Objects.hash(exampleCount, weightedCount, meanSquaredError, rootMeanSquaredError, meanAbsoluteError, r2,
        meanLabel, meanPrediction, Arrays.hashCode(quantileProbabilities), Arrays.hashCode(residualQuantiles));
  }

  @Override
  public String toString() {
    return "RegressionMetrics[exampleCount=" + exampleCount + ", weightedCount=" + weightedCount
        + ", meanSquaredError=" + meanSquaredError + ", rootMeanSquaredError=" + rootMeanSquaredError
        + ", meanAbsoluteError=" + meanAbsoluteError + ", r2=" + r2 + ", meanLabel=" + meanLabel
        + ", meanPrediction=" + meanPrediction + ", quantileProbabilities=" + Arrays.toString(quantileProbabilities)
        + ", residualQuantiles=" + Arrays.toString(residualQuantiles) + "]";
  }
}
