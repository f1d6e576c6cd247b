package dev.beamline.feedback;

import dev.beamline.evaluation.Prediction;
import dev.beamline.evaluation.RegressionPrediction;
import java.io.Serializable;

/**
 * What one row of joined traffic adds to the live metrics of each of its keys: whether it had a label,
 * and, when it had, its prediction for the metrics ({@link Prediction} or {@link RegressionPrediction}),
 * or why it adds none (its prediction could not be read, or its label is not one the model knows).
 *
 * @param kind what the row is
 * @param classification the classifier's prediction, for {@link Kind#SCORED}
 * @param regression the regression's prediction, for {@link Kind#SCORED}
 * @param reason why a labelled row is not scored
 */
public record LiveExample(Kind kind, Prediction classification, RegressionPrediction regression, String reason) implements Serializable {
  /** What a row of joined traffic is, for the live metrics. */
  public enum Kind {
    /** No label joined it: counted. */
    UNLABELLED,
    /** Labelled and in the metrics. */
    SCORED,
    /** Labelled, but its prediction could not be read (no such output, a model folder not found). */
    UNSCORED,
    /** Labelled with a value that is not one of the model's classes (or, for regression, not a number). */
    UNKNOWN_LABEL
  }

  public static LiveExample unlabelled() {
    return new LiveExample(Kind.UNLABELLED, null, null, null);
  }

  public static LiveExample scored(Prediction p) {
    return new LiveExample(Kind.SCORED, p, null, null);
  }

  public static LiveExample scored(RegressionPrediction p) {
    return new LiveExample(Kind.SCORED, null, p, null);
  }

  public static LiveExample unscored(String reason) {
    return new LiveExample(Kind.UNSCORED, null, null, reason);
  }

  public static LiveExample unknownLabel(String reason) {
    return new LiveExample(Kind.UNKNOWN_LABEL, null, null, reason);
  }
}
