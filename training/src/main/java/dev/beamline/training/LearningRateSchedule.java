package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * How the learning rate changes with the step, as Keras' schedules compute it from the initial rate
 * {@code lr} and the optimizer's step {@code t} (the number of updates already applied: 0 for the
 * first batch, counted over the whole run, not per epoch):
 *
 * <ul>
 *   <li>{@link Kind#EXPONENTIAL} ({@code keras.optimizers.schedules.ExponentialDecay}): {@code lr *
 *       decayRate ^ (t / decaySteps)}, with {@code floor(t / decaySteps)} when {@code staircase};
 *   <li>{@link Kind#COSINE} ({@code keras.optimizers.schedules.CosineDecay}, without warm-up; Loshchilov
 *       and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017, without
 *       restarts): with {@code s = min(t, decaySteps)}, {@code lr * ((1 - alpha) * 0.5 * (1 + cos(π s /
 *       decaySteps)) + alpha)}: from {@code lr} down to {@code alpha * lr} at {@code decaySteps}, then
 *       constant.
 * </ul>
 *
 * Computed in double and fed to the optimizer as a float32 each step, for Adam and SGD alike.
 *
 * <pre>{@code
 * LearningRateSchedule s = LearningRateSchedule.exponential(1000, 0.96, false);
 * double lr = s.rate(0.01, 2500);   // 0.01 * 0.96^2.5
 * }</pre>
 *
 * @param kind exponential or cosine decay
 * @param decaySteps the steps of one decay period (exponential) or of the whole decay (cosine); at least 1
 * @param decayRate exponential: the factor per {@code decaySteps}, in (0, 1]; 0 for cosine
 * @param staircase exponential: decay in whole periods; false for cosine
 * @param alpha cosine: the final rate as a fraction of the initial one, in [0, 1]; 0 for exponential
 */
public record LearningRateSchedule(Kind kind, long decaySteps, double decayRate, boolean staircase, double alpha) implements Serializable {
  /** The decay formula. */
  public enum Kind {
    EXPONENTIAL,
    COSINE
  }

  public LearningRateSchedule {
    checkArgument(kind != null, "a learning rate schedule needs a kind (exponential or cosine)");
    checkArgument(decaySteps >= 1, "decay_steps must be at least 1, got %s", decaySteps);
    if (kind == Kind.EXPONENTIAL) {
      checkArgument(decayRate > 0 && decayRate <= 1, "decay_rate must be in (0, 1], got %s", decayRate);
      checkArgument(alpha == 0, "alpha applies to the cosine schedule, not to exponential decay");
    } else {
      checkArgument(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got %s", alpha);
      checkArgument(decayRate == 0 && !staircase, "decay_rate and staircase apply to exponential decay, not to the cosine schedule");
    }
  }

  /** Exponential decay by {@code decayRate} every {@code decaySteps} steps. */
  public static LearningRateSchedule exponential(long decaySteps, double decayRate, boolean staircase) {
    return new LearningRateSchedule(Kind.EXPONENTIAL, decaySteps, decayRate, staircase, 0);
  }

  /** Cosine decay over {@code decaySteps} steps down to {@code alpha} times the initial rate. */
  public static LearningRateSchedule cosine(long decaySteps, double alpha) {
    return new LearningRateSchedule(Kind.COSINE, decaySteps, 0, false, alpha);
  }

  /** The learning rate at step {@code step} (0 for the first update) from the initial rate {@code initial}. */
  public double rate(double initial, long step) {
    checkArgument(step >= 0, "step must be 0 or more, got %s", step);
    if (kind == Kind.EXPONENTIAL) {
      double p = (double) step / decaySteps;
      return initial * Math.pow(decayRate, staircase ? Math.floor(p) : p);
    }
    double s = Math.min(step, decaySteps);
    double cosine = 0.5 * (1 + Math.cos(Math.PI * s / decaySteps));
    return initial * ((1 - alpha) * cosine + alpha);
  }
}
