package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * The default thresholds of drift and skew, used for every feature whose schema entry sets none:
 * {@value #DEFAULT_CATEGORICAL} for the L-infinity distance of categorical features and {@value
 * #DEFAULT_NUMERIC} for the Jensen–Shannon divergence (bits) of numeric ones (see {@link Distances}).
 * TFDV ships no default; these flag a change of a tenth of any category's frequency, and a numeric
 * shift of about one standard deviation of a normal distribution (JS ≈ 0.16) but not of a third of one
 * (JS ≈ 0.02). Drift is an error by default; {@code driftSeverity} makes it a warning instead.
 */
public record DriftThresholds(double categorical, double numeric, Anomaly.Severity driftSeverity) implements Serializable {
  public static final double DEFAULT_CATEGORICAL = 0.1;
  public static final double DEFAULT_NUMERIC = 0.1;

  public DriftThresholds {
    checkArgument(categorical >= 0 && categorical <= 1, "categorical threshold must be in [0, 1], got %s", categorical);
    checkArgument(numeric >= 0 && numeric <= 1, "numeric threshold must be in [0, 1], got %s", numeric);
    checkArgument(driftSeverity != null, "the severity of drift must be given");
  }

  /** Thresholds whose drift anomalies are errors (they fail the validate stage). */
  public DriftThresholds(double categorical, double numeric) {
    this(categorical, numeric, Anomaly.Severity.ERROR);
  }

  /**
   * The same thresholds, drift reported at {@code severity}: {@code WARNING} lets a run go on past drift
   * and lets later stages act on it (the train stage's {@code on_label_drift: reweight}).
   */
  public DriftThresholds withDriftSeverity(Anomaly.Severity severity) {
    return new DriftThresholds(categorical, numeric, severity);
  }

  public static DriftThresholds defaults() {
    return new DriftThresholds(DEFAULT_CATEGORICAL, DEFAULT_NUMERIC);
  }
}
