package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * Differentially private training, DP-SGD (Abadi et al., "Deep Learning with Differential Privacy",
 * CCS 2016): each example's gradient is clipped to L2 norm {@code l2NormClip}, the clipped gradients of
 * a Poisson-sampled batch are summed, Gaussian noise of standard deviation {@code noiseMultiplier ×
 * l2NormClip} is added, and the sum is divided by the expected batch size. The noise is either given
 * ({@code noiseMultiplier}) or found before training as the smallest whose ε, by the Rényi-DP
 * accountant, is at most {@code targetEpsilon} ({@link DpSgd#noiseFor}).
 *
 * <pre>{@code
 * TrainConfig c = TrainConfig.defaults("species").withPrivacy(DpSgdConfig.targetEpsilon(1.0, 1.0, 1e-5));
 * }</pre>
 *
 * @param l2NormClip the bound C on each example's gradient norm
 * @param noiseMultiplier σ, the noise's standard deviation over C; null when {@code targetEpsilon} sets it
 * @param targetEpsilon the ε to reach, at {@code delta}; null when {@code noiseMultiplier} is given
 * @param delta the δ of the (ε, δ) guarantee; should be well below 1 / (training rows)
 */
public record DpSgdConfig(double l2NormClip, Double noiseMultiplier, Double targetEpsilon, double delta) implements Serializable {
  /** δ unless told otherwise, as TensorFlow Privacy's tutorials use for 60,000 rows. */
  public static final double DEFAULT_DELTA = 1e-5;

  public DpSgdConfig {
    checkArgument(l2NormClip > 0 && Double.isFinite(l2NormClip), "privacy.l2_norm_clip must be positive, got %s", l2NormClip);
    checkArgument((noiseMultiplier == null) != (targetEpsilon == null),
        "privacy needs exactly one of noise_multiplier and target_epsilon, got noise_multiplier %s and target_epsilon %s", noiseMultiplier, targetEpsilon);
    checkArgument(noiseMultiplier == null || (noiseMultiplier > 0 && Double.isFinite(noiseMultiplier)),
        "privacy.noise_multiplier must be positive, got %s", noiseMultiplier);
    checkArgument(targetEpsilon == null || (targetEpsilon > 0 && Double.isFinite(targetEpsilon)),
        "privacy.target_epsilon must be positive, got %s", targetEpsilon);
    checkArgument(delta > 0 && delta < 1, "privacy.delta must be in (0, 1), got %s", delta);
  }

  /** Noise of {@code noiseMultiplier × l2NormClip}. */
  public static DpSgdConfig noise(double l2NormClip, double noiseMultiplier, double delta) {
    return new DpSgdConfig(l2NormClip, noiseMultiplier, null, delta);
  }

  /** The least noise whose ε at {@code delta} is at most {@code targetEpsilon}. */
  public static DpSgdConfig targetEpsilon(double l2NormClip, double targetEpsilon, double delta) {
    return new DpSgdConfig(l2NormClip, null, targetEpsilon, delta);
  }
}
