package dev.beamline.evaluation;

import java.io.Serializable;

/**
 * The metric tallies of one slice of one model: a classifier's (its number of classes fixed by the
 * first example, as the classes come from the model, which is read only when the pipeline runs) or a
 * regression's. What the scoring step pre-aggregates per bundle and {@link SliceMetricsFn} merges.
 *
 * <pre>{@code
 * SliceAccumulator acc = SliceAccumulator.classification(ClassificationMetricsFn.of(3));
 * acc.add(Prediction.of(2, new double[] {0.1, 0.2, 0.7}));
 * }</pre>
 */
public final class SliceAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final boolean classification;
  private ClassificationMetricsFn classifier;
  private ClassificationMetricsFn.Accumulator classes;
  private RegressionMetricsFn.Accumulator regression;

  private SliceAccumulator(boolean classification) {
    this.classification = classification;
  }

  /** An empty tally for a classifier. */
  public static SliceAccumulator forClassification() {
    return new SliceAccumulator(true);
  }

  /** An empty tally for a regression model. */
  public static SliceAccumulator forRegression() {
    return new SliceAccumulator(false);
  }

  public boolean classification() {
    return classification;
  }

  public void add(Prediction p) {
    if (classes == null) {
      classifier = ClassificationMetricsFn.of(p.numClasses());
      classes = classifier.createAccumulator();
    }
    classifier.addInput(classes, p);
  }

  public void add(RegressionPrediction p) {
    if (regression == null) {
      regression = RegressionMetricsFn.of().createAccumulator();
    }
    regression.add(p);
  }

  /** Adds {@code other}'s tallies to this one's. */
  public SliceAccumulator merge(SliceAccumulator other) {
    if (other.classes != null) {
      if (classes == null) {
        // A copy: the other tally may be an input element, which must not change.
        classifier = ClassificationMetricsFn.of(other.classifier.numClasses());
        classes = classifier.createAccumulator();
      }
      classes.merge(other.classes);
    }
    if (other.regression != null) {
      if (regression == null) {
        regression = RegressionMetricsFn.of().createAccumulator();
      }
      regression.merge(other.regression);
    }
    return this;
  }

  /** The metrics of what was added: a {@link ClassificationMetrics}, a {@link RegressionMetrics}, or null for nothing. */
  public Serializable metrics() {
    if (classes != null) {
      return classifier.extractOutput(classes);
    }
    return regression != null ? RegressionMetricsFn.of().extractOutput(regression) : null;
  }
}
