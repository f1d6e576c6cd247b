package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * Secure aggregation of the federated trainer's client updates ({@code train.federated.secure_aggregation};
 * Bonawitz et al., CCS 2017, in {@code dev.beamline.federated.secagg}): the server sees only masked updates
 * and their sum. Immutable; {@link #defaults()} sets every default and the {@code withX} methods check their
 * argument.
 *
 * <pre>{@code
 * FederatedConfig f = FederatedConfig.defaults("site")
 *     .withSecureAggregation(SecureAggregationConfig.defaults().withThreshold(0.75).withSimulatedDropout(0.1));
 * }</pre>
 *
 * @param threshold the Shamir threshold t: a fraction in (0, 1] of a round's participants (t = ⌈fraction·n⌉,
 *     at least 2), or a count of at least 2 when the value is a whole number above 1
 * @param clipRange R: each coordinate of a client's update Δ is clipped to [−R, R] before encoding; null takes
 *     {@code privacy.l2_norm_clip} under DP-FedAvg, else 1.0
 * @param fractionalBits f: updates are encoded as integers at scale 2^f
 * @param modulusBits k: the masked sums are taken in Z_{2^k}
 * @param simulatedDropout the probability that a participating client drops out after sharing its keys (sends no
 *     masked input): for demonstrating and testing recovery, 0 in production
 */
public record SecureAggregationConfig(double threshold, Double clipRange, int fractionalBits, int modulusBits, double simulatedDropout)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@code threshold} unless told otherwise: two thirds of a round's participants. */
  public static final double DEFAULT_THRESHOLD = 0.67;
  /** {@code clip_range} without DP-FedAvg unless told otherwise. */
  public static final double DEFAULT_CLIP_RANGE = 1.0;
  /** {@code fractional_bits} unless told otherwise: a resolution of about 10^−6. */
  public static final int DEFAULT_FRACTIONAL_BITS = 20;
  /** {@code modulus_bits} unless told otherwise: the largest ring. */
  public static final int DEFAULT_MODULUS_BITS = 62;

  public SecureAggregationConfig {
    checkThreshold(threshold);
    checkArgument(clipRange == null || clipRange > 0 && Double.isFinite(clipRange),
        "secure_aggregation.clip_range must be positive (or unset), got %s", clipRange);
    checkArgument(fractionalBits >= 0 && fractionalBits <= 40, "secure_aggregation.fractional_bits must be 0 to 40, got %s", fractionalBits);
    checkArgument(modulusBits >= 32 && modulusBits <= 62, "secure_aggregation.modulus_bits must be 32 to 62, got %s", modulusBits);
    checkArgument(modulusBits - fractionalBits >= 12,
        "secure_aggregation.modulus_bits (%s) must exceed fractional_bits (%s) by at least 12, to leave room for the sum", modulusBits,
        fractionalBits);
    checkArgument(simulatedDropout >= 0 && simulatedDropout < 1, "secure_aggregation.simulated_dropout must be in [0, 1), got %s",
        simulatedDropout);
  }

  /** Threshold 0.67 of the participants, R from DP or 1.0, f = 20, k = 62, no simulated dropout. */
  public static SecureAggregationConfig defaults() {
    return new SecureAggregationConfig(DEFAULT_THRESHOLD, null, DEFAULT_FRACTIONAL_BITS, DEFAULT_MODULUS_BITS, 0.0);
  }

  public SecureAggregationConfig withThreshold(double threshold) {
    checkThreshold(threshold);
    return new SecureAggregationConfig(threshold, clipRange, fractionalBits, modulusBits, simulatedDropout);
  }

  public SecureAggregationConfig withClipRange(Double clipRange) {
    return new SecureAggregationConfig(threshold, clipRange, fractionalBits, modulusBits, simulatedDropout);
  }

  public SecureAggregationConfig withFractionalBits(int fractionalBits) {
    return new SecureAggregationConfig(threshold, clipRange, fractionalBits, modulusBits, simulatedDropout);
  }

  public SecureAggregationConfig withModulusBits(int modulusBits) {
    return new SecureAggregationConfig(threshold, clipRange, fractionalBits, modulusBits, simulatedDropout);
  }

  public SecureAggregationConfig withSimulatedDropout(double simulatedDropout) {
    return new SecureAggregationConfig(threshold, clipRange, fractionalBits, modulusBits, simulatedDropout);
  }

  /** The threshold t for a round of {@code participants}: the configured count, or ⌈fraction·n⌉ and at least 2. */
  public int thresholdFor(int participants) {
    if (threshold > 1) {
      return (int) threshold;
    }
    return Math.max(2, (int) Math.ceil(threshold * participants - 1e-9));
  }

  /** R: the configured clip range, else DP-FedAvg's L2 clip ({@code dpClip}, or null without DP), else 1.0. */
  public double clipRangeOr(Double dpClip) {
    return clipRange != null ? clipRange : dpClip != null ? dpClip : DEFAULT_CLIP_RANGE;
  }

  private static void checkThreshold(double threshold) {
    checkArgument(threshold > 0 && threshold <= 1 || threshold >= 2 && threshold == Math.rint(threshold) && threshold <= Integer.MAX_VALUE,
        "secure_aggregation.threshold must be a fraction in (0, 1] of a round's participants or a whole count of at least 2, got %s",
        threshold);
  }
}
