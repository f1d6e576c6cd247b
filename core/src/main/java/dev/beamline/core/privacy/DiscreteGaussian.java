package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.math.BigInteger;

/**
 * Exact sampler of the discrete Gaussian distribution: P(x) ∝ exp(−x²/(2σ²)) over the integers, for a
 * rational variance parameter σ² = sigmaSquaredNumerator/sigmaSquaredDenominator.
 *
 * <p>Canonne, Kamath and Steinke 2020, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
 * Algorithm 3: rejection sampling from the discrete Laplace distribution of scale t = ⌊σ⌋ + 1
 * ({@link DiscreteLaplace}), accepting Y with probability exp(−(|Y| − σ²/t)²/(2σ²)), the exponent kept as
 * an exact rational. Only integer arithmetic and uniform integers are used. Adding it to an integer query
 * of L2 sensitivity Δ is (Δ²/(2σ²))-zCDP (their Theorem 4; see {@link Zcdp}). Note that the variance of
 * the discrete Gaussian is slightly below σ² (their Corollary 9), by less than 10⁻¹² relative for σ ≥ 1.
 *
 * <pre>{@code
 * long noise = DiscreteGaussian.sample(NoiseSource.secure(), 9, 4); // sigma^2 = 2.25
 * }</pre>
 */
public final class DiscreteGaussian {
  private DiscreteGaussian() {}

  /**
   * One sample with P(x) ∝ exp(−x²/(2σ²)) over the integers, σ² = sigmaSquaredNumerator/sigmaSquaredDenominator.
   *
   * @param sigmaSquaredNumerator numerator of σ², ≥ 1
   * @param sigmaSquaredDenominator denominator of σ², ≥ 1
   */
  public static long sample(NoiseSource source, long sigmaSquaredNumerator, long sigmaSquaredDenominator) {
    checkNotNull(source, "source");
    checkArgument(sigmaSquaredNumerator >= 1, "sigmaSquaredNumerator must be >= 1, got %s", sigmaSquaredNumerator);
    checkArgument(
        sigmaSquaredDenominator >= 1, "sigmaSquaredDenominator must be >= 1, got %s", sigmaSquaredDenominator);
    // ⌊σ⌋ = ⌊sqrt(⌊σ²⌋)⌋, exactly, in integers.
    long t = BigInteger.valueOf(sigmaSquaredNumerator / sigmaSquaredDenominator).sqrt().longValueExact() + 1;
    BigInteger a = BigInteger.valueOf(sigmaSquaredNumerator);
    BigInteger b = BigInteger.valueOf(sigmaSquaredDenominator);
    BigInteger bigT = BigInteger.valueOf(t);
    BigInteger tb = bigT.multiply(b);
    // (|Y| − σ²/t)²/(2σ²) = (|Y|·t·b − a)² / (2·a·t²·b) with σ² = a/b.
    BigInteger denominator = a.multiply(bigT).multiply(bigT).multiply(b).shiftLeft(1);
    while (true) {
      long y = DiscreteLaplace.sample(source, t, 1);
      BigInteger numerator = BigInteger.valueOf(y).abs().multiply(tb).subtract(a).pow(2);
      if (DiscreteLaplace.bernoulliExp(source, numerator, denominator)) {
        return y;
      }
    }
  }
}
