package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * How the {@code canary} stage compares a canary with the stable version, the {@code feedback.canary:}
 * section: the metric (accuracy, by a two-proportion test), the examples each arm needs before any
 * verdict, the confidence of the difference's interval, the improvement the canary must show to be
 * promoted (negative: a non-inferiority margin), and the two server labels. Immutable; every
 * {@code withX} checks its argument.
 *
 * <pre>{@code
 * CanaryConfig c = CanaryConfig.of().withMinExamples(500).withConfidence(0.99).withMinImprovement(-0.01);
 * }</pre>
 *
 * @param metric the metric compared; {@code accuracy} (the only one for now)
 * @param minExamples the scored examples each arm needs before a verdict other than {@code keep}
 * @param confidence the confidence of the interval of the difference (canary minus stable), in (0, 1)
 * @param minImprovement promote only when the interval's lower bound is above this; 0: significantly better,
 *     -0.01: at most one point worse with that confidence (non-inferiority)
 * @param stableLabel the server label of the version in production
 * @param canaryLabel the server label of the candidate
 * @param autoPromote whether the stage acts on its verdict in {@code modelConfig}: on {@code promote} the stable
 *     label moves to the canary's version, on {@code rollback} the canary label moves back to the stable's
 * @param modelConfig the model server's {@code --model-config} file; required with {@code autoPromote}
 */
public record CanaryConfig(String metric, int minExamples, double confidence, double minImprovement, String stableLabel, String canaryLabel,
    boolean autoPromote, String modelConfig) implements Serializable {
  /** The metrics that can be compared. */
  public static final String ACCURACY = "accuracy";
  public static final int DEFAULT_MIN_EXAMPLES = 200;
  public static final double DEFAULT_CONFIDENCE = 0.95;
  /** What the model server takes as a label. */
  private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public CanaryConfig {
    checkArgument(ACCURACY.equals(metric), "metric must be 'accuracy' (compared by a two-proportion test), got '%s'", metric);
    checkArgument(minExamples >= 1, "min_examples must be at least 1, got %s", minExamples);
    checkArgument(confidence > 0 && confidence < 1, "confidence must be in (0, 1), got %s", confidence);
    checkArgument(Double.isFinite(minImprovement) && minImprovement > -1 && minImprovement < 1,
        "min_improvement must be a difference of accuracies in (-1, 1), got %s", minImprovement);
    checkArgument(LABEL.matcher(stableLabel == null ? "" : stableLabel).matches(), "stable_label must be a server label, got '%s'", stableLabel);
    checkArgument(LABEL.matcher(canaryLabel == null ? "" : canaryLabel).matches(), "canary_label must be a server label, got '%s'", canaryLabel);
    checkArgument(!stableLabel.equals(canaryLabel), "stable_label and canary_label must differ, both are '%s'", stableLabel);
    checkArgument(modelConfig == null || !modelConfig.isBlank(), "model_config must be a file or null, got '%s'", modelConfig);
    checkArgument(!autoPromote || modelConfig != null, "auto_promote needs model_config: the model server's --model-config file to edit");
  }

  /** Accuracy, 200 examples per arm, 95 % confidence, promote when significantly better, labels {@code stable} and {@code canary}. */
  public static CanaryConfig of() {
    return new CanaryConfig(ACCURACY, DEFAULT_MIN_EXAMPLES, DEFAULT_CONFIDENCE, 0.0, "stable", "canary", false, null);
  }

  public CanaryConfig withMetric(String metric) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, autoPromote, modelConfig);
  }

  public CanaryConfig withMinExamples(int minExamples) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, autoPromote, modelConfig);
  }

  public CanaryConfig withConfidence(double confidence) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, autoPromote, modelConfig);
  }

  public CanaryConfig withMinImprovement(double minImprovement) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, autoPromote, modelConfig);
  }

  public CanaryConfig withLabels(String stableLabel, String canaryLabel) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, autoPromote, modelConfig);
  }

  /** Acts on the verdict in the server's model config file {@code modelConfig} (null: only writes the verdict). */
  public CanaryConfig withAutoPromote(String modelConfig) {
    return new CanaryConfig(metric, minExamples, confidence, minImprovement, stableLabel, canaryLabel, modelConfig != null, modelConfig);
  }
}
