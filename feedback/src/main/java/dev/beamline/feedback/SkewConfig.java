package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.validation.DriftThresholds;
import java.io.Serializable;
import java.time.Duration;

/**
 * How the {@code serving_skew} stage compares the logged inputs with the training statistics, the {@code
 * feedback.skew:} section: the length of its time windows (null: the live metrics' window), the thresholds
 * of validation's skew check ({@link DriftThresholds}, its defaults unless set), the split of the training
 * statistics taken as the baseline, and whether each model version gets its own entries as well. Immutable;
 * every {@code withX} checks its argument.
 *
 * <pre>{@code
 * SkewConfig c = SkewConfig.of().withWindow(Duration.ofDays(1)).withThresholds(0.1, 0.05);
 * }</pre>
 *
 * @param window the windows' length, aligned to the epoch (UTC); null for {@code feedback.metrics.window}
 * @param categorical the L-infinity threshold of categorical features, in [0, 1]
 * @param numeric the Jensen–Shannon threshold (bits) of numeric features, in [0, 1]
 * @param baselineSplit the split of the training statistics compared with (its only split when it has one)
 * @param perVersion also an entry per (window, model version) when the traffic has several versions
 */
public record SkewConfig(Duration window, double categorical, double numeric, String baselineSplit, boolean perVersion)
    implements Serializable {
  public static final String DEFAULT_BASELINE_SPLIT = "train";

  public SkewConfig {
    checkArgument(window == null || (!window.isNegative() && !window.isZero()), "window must be positive, got %s", window);
    new DriftThresholds(categorical, numeric);
    checkArgument(baselineSplit != null && !baselineSplit.isBlank(), "baseline_split must name a split, got '%s'", baselineSplit);
  }

  /** The live metrics' window, validation's default thresholds, the {@code train} split, entries per version. */
  public static SkewConfig of() {
    return new SkewConfig(null, DriftThresholds.DEFAULT_CATEGORICAL, DriftThresholds.DEFAULT_NUMERIC, DEFAULT_BASELINE_SPLIT, true);
  }

  public SkewConfig withWindow(Duration window) {
    checkArgument(window != null, "window must be given");
    return new SkewConfig(window, categorical, numeric, baselineSplit, perVersion);
  }

  public SkewConfig withThresholds(double categorical, double numeric) {
    return new SkewConfig(window, categorical, numeric, baselineSplit, perVersion);
  }

  public SkewConfig withBaselineSplit(String split) {
    return new SkewConfig(window, categorical, numeric, split, perVersion);
  }

  public SkewConfig withPerVersion(boolean perVersion) {
    return new SkewConfig(window, categorical, numeric, baselineSplit, perVersion);
  }

  /** The window used: this one, else {@code metricsWindow}. */
  public Duration windowOr(Duration metricsWindow) {
    return window != null ? window : metricsWindow;
  }

  /** Validation's thresholds of skew, with these values. */
  public DriftThresholds thresholds() {
    return new DriftThresholds(categorical, numeric);
  }
}
