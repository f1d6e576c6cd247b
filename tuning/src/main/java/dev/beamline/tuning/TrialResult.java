package dev.beamline.tuning;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a trial gave: its objective, or that it failed. A failed trial (an exception, out of memory, a NaN
 * or infinite objective) is recorded, never dropped: the searches go on without it (see each one's notes
 * on how it counts).
 *
 * <pre>{@code
 * TrialResult r = TrialResult.of(spec, objective.minimized(evalLoss));   // NaN: recorded as failed
 * TrialResult f = TrialResult.failed(spec, "OutOfMemoryError: Java heap space");
 * }</pre>
 *
 * @param spec the trial
 * @param objective the value to minimise (the caller negates a metric to maximise, see {@link
 *     TuneConfig.Objective#minimized}); NaN for a failed trial
 * @param failed whether the trial failed; forced true for an objective that is not finite
 * @param error why it failed; null for a trial that did not
 */
public record TrialResult(TrialSpec spec, double objective, boolean failed, String error) implements Serializable {
  public TrialResult {
    Objects.requireNonNull(spec, "spec");
    if (!failed && !Double.isFinite(objective)) {
      failed = true;
      error = "the objective is " + objective;
    }
    if (failed) {
      objective = Double.NaN;
      error = error == null || error.isBlank() ? "failed" : error;
    } else {
      error = null;
    }
  }

  /** The result of a trial that finished with {@code objective}: failed if that is NaN or infinite. */
  public static TrialResult of(TrialSpec spec, double objective) {
    return new TrialResult(spec, objective, false, null);
  }

  /** The result of a trial that failed, and why. */
  public static TrialResult failed(TrialSpec spec, String error) {
    return new TrialResult(spec, Double.NaN, true, error);
  }

  /** The trial's id. */
  public int id() {
    return spec.id();
  }

  /** Whether the trial finished with a finite objective. */
  public boolean succeeded() {
    return !failed;
  }
}
