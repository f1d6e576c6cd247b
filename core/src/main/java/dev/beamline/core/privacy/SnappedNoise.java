package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Adds differential-privacy noise to integer counts and to real values, with exact integer samplers
 * ({@link DiscreteLaplace}, {@link DiscreteGaussian}) so that the floating-point attack of Mironov 2012
 * ("On significance of the least significant bits for differential privacy", CCS 2012) does not apply.
 *
 * <p>Real values are released on a grid: with granularity g = {@link #granularity(double)} of the noise
 * scale, the clamped value is rounded to the nearest multiple of g and g·Z is added, Z an exact discrete
 * noise of scale (noise scale)/g ≈ 2²⁰. The released value is always a multiple of g (Mironov's snapping
 * idea, here through an integer sampler), so its low-order bits carry no information about the input.
 * Every real parameter is converted to a rational in the direction that never weakens privacy: noise
 * scales and σ² are rounded up, never down.
 *
 * <p>Rounding to the grid can move two neighbouring inputs one grid step further apart, so the
 * sensitivity on the grid is ⌈Δ/g⌉ steps, i.e. g·⌈Δ/g⌉ ≤ Δ + g in real units. {@link #laplace} knows Δ and
 * scales its noise by that rounded-up sensitivity, so it is exactly epsilon-DP; {@link #gaussian} does not
 * know Δ, and its guarantee for a value of L2 sensitivity Δ is ρ = (g·⌈Δ/g⌉)²/(2σ²), at most
 * (Δ + g)²/(2σ²) with g ≤ σ/2¹⁹.
 *
 * <pre>{@code
 * NoiseSource source = NoiseSource.secure();
 * long count = SnappedNoise.laplaceCount(1234, 1, 0.5, source);             // 0.5-DP count
 * double mean = SnappedNoise.laplace(37.2, 0, 100, 100.0 / n, 0.5, source);  // 0.5-DP bounded value
 * }</pre>
 */
public final class SnappedNoise {
  /** Bits of the numerator of a rounded-up rational scale: relative rounding ≤ 2⁻⁴⁷, products stay in a long. */
  private static final int RATIONAL_BITS = 48;
  /** Noise scales are in units of 2⁻²⁰ of the scale: granularity(scale) lies in (scale·2⁻²¹, scale·2⁻²⁰]. */
  private static final int GRID_BITS = 20;
  private static final double MIN_SCALE = 0x1p-1000;
  private static final double MAX_SCALE = 0x1p1000;
  /** Largest noise scale, in grid steps or counts, that the integer samplers accept. */
  private static final double MAX_INTEGER_SCALE = 0x1p60;

  private SnappedNoise() {}

  /**
   * {@code count} plus discrete Laplace noise of scale at least sensitivity/epsilon: epsilon-DP for a count
   * of L1 sensitivity {@code sensitivity}. The scale is rounded up to a rational of relative precision
   * 2⁻⁴⁷.
   *
   * @throws ArithmeticException if the noisy count does not fit in a long
   */
  public static long laplaceCount(long count, long sensitivity, double epsilon, NoiseSource source) {
    checkNotNull(source, "source");
    checkArgument(
        sensitivity >= 1 && sensitivity <= (1L << 53), "sensitivity must be in [1, 2^53], got %s", sensitivity);
    checkEpsilon(epsilon);
    // The quotient is correctly rounded, so its next double up is an upper bound of the exact sensitivity/epsilon.
    double scale = Math.nextUp(sensitivity / epsilon);
    checkArgument(
        scale <= MAX_INTEGER_SCALE,
        "sensitivity/epsilon must be <= 2^60, got %s/%s = %s",
        sensitivity,
        epsilon,
        scale);
    long[] t = roundUp(scale);
    return Math.addExact(count, DiscreteLaplace.sample(source, t[0], t[1]));
  }

  /**
   * {@code count} plus discrete Gaussian noise with σ² at least {@code sigma}²: (Δ²/(2σ²))-zCDP for a count of
   * L2 sensitivity Δ ({@link Zcdp#rho(double, double)}). σ² is rounded up to a rational of relative
   * precision 2⁻⁴⁷.
   *
   * @throws ArithmeticException if the noisy count does not fit in a long
   */
  public static long gaussianCount(long count, double sigma, NoiseSource source) {
    checkNotNull(source, "source");
    checkSigma(sigma);
    double sigmaSquared = Math.nextUp(sigma * sigma);
    checkArgument(
        sigmaSquared <= MAX_INTEGER_SCALE && sigmaSquared >= Double.MIN_NORMAL,
        "sigma must be in [1e-154, 2^30], got %s",
        sigma);
    long[] s2 = roundUp(sigmaSquared);
    return Math.addExact(count, DiscreteGaussian.sample(source, s2[0], s2[1]));
  }

  /**
   * {@code value} clamped to [lower, upper], plus Laplace noise of scale at least sensitivity/epsilon,
   * released on the grid of g = {@link #granularity(double) granularity(sensitivity/epsilon)}: epsilon-DP for
   * a value of L1 sensitivity {@code sensitivity}.
   *
   * <p>The clamped value is rounded to k = round(value/g) (half up), and the result is g·(k + Z) rounded to
   * the nearest double (exact unless |k + Z| > 2⁵³), Z discrete Laplace of scale ⌈Δ/g⌉/ε grid steps. The
   * effective noise scale g·⌈Δ/g⌉/ε exceeds Δ/ε by a factor at most 1 + g/Δ ≤ 1 + 1/(ε·2¹⁹).
   */
  public static double laplace(
      double value, double lower, double upper, double sensitivity, double epsilon, NoiseSource source) {
    checkNotNull(source, "source");
    checkRange(value, lower, upper);
    checkArgument(
        sensitivity > 0 && Double.isFinite(sensitivity), "sensitivity must be finite and > 0, got %s", sensitivity);
    checkEpsilon(epsilon);
    double scale = Math.nextUp(sensitivity / epsilon);
    checkScale("sensitivity/epsilon", scale);
    double g = granularity(scale);
    // Exact: g is a power of two and the quotient is a normal double.
    double stepsOfSensitivity = Math.ceil(sensitivity / g);
    checkArgument(
        stepsOfSensitivity <= 0x1p52,
        "epsilon must be <= 2^32 for the grid, got %s (sensitivity %s)",
        epsilon,
        sensitivity);
    double gridScale = Math.nextUp(stepsOfSensitivity / epsilon);
    checkArgument(
        gridScale <= MAX_INTEGER_SCALE,
        "epsilon %s is too small for sensitivity %s on the grid %s (scale %s grid steps, at most 2^60)",
        epsilon,
        sensitivity,
        g,
        gridScale);
    long[] t = roundUp(gridScale);
    return snap(Math.min(Math.max(value, lower), upper), g, DiscreteLaplace.sample(source, t[0], t[1]));
  }

  /**
   * {@code value} clamped to [lower, upper], plus discrete Gaussian noise of parameter σ at least
   * {@code sigma} in real units, released on the grid of g = {@link #granularity(double) granularity(sigma)}:
   * the clamped value is rounded to k = round(value/g) (half up) and the result is g·(k + Z) rounded to the
   * nearest double, Z discrete Gaussian with σ² ≥ (sigma/g)² grid steps squared. For a value of L2
   * sensitivity Δ it is ρ-zCDP with ρ = (g·⌈Δ/g⌉)²/(2σ²) ≤ (Δ + g)²/(2σ²) (rounding to the grid can add one
   * step to the sensitivity).
   */
  public static double gaussian(double value, double lower, double upper, double sigma, NoiseSource source) {
    checkNotNull(source, "source");
    checkRange(value, lower, upper);
    checkSigma(sigma);
    checkScale("sigma", sigma);
    double g = granularity(sigma);
    double gridSigma = sigma / g; // exact, in (2^19, 2^20]
    long[] s2 = roundUp(Math.nextUp(gridSigma * gridSigma));
    return snap(Math.min(Math.max(value, lower), upper), g, DiscreteGaussian.sample(source, s2[0], s2[1]));
  }

  /**
   * The grid step used for noise of scale {@code scale} (Laplace scale or Gaussian σ): the smallest power of
   * two ≥ scale/2²⁰, so one unit of scale spans more than 2¹⁹ and at most 2²⁰ grid steps.
   *
   * <pre>{@code
   * SnappedNoise.granularity(1.0);  // 2^-20
   * SnappedNoise.granularity(3.0);  // 2^-18 (3·2^-20 rounded up to a power of two)
   * }</pre>
   */
  public static double granularity(double scale) {
    checkScale("scale", scale);
    double x = Math.scalb(scale, -GRID_BITS);
    double power = Math.scalb(1.0, Math.getExponent(x));
    return power == x ? power : 2 * power;
  }

  /**
   * RN(g·(k + z)) with k = round(v/g): v is already a multiple of g where |v| ≥ 2⁵²·g (its ulp is ≥ g), and
   * there the double sum v + g·z is the same correctly rounded value.
   */
  private static double snap(double v, double g, long z) {
    checkArgument(Math.abs(z) <= (1L << 53), "noise %s grid steps is beyond 2^53", z);
    if (Math.abs(v) < Math.scalb(g, 52)) {
      long k = Math.round(v / g); // floor(v/g + 1/2): monotone, so neighbours move at most ⌈Δ/g⌉ steps
      return (double) Math.addExact(k, z) * g;
    }
    return v + g * z;
  }

  /**
   * A rational num/den ≥ x with den a power of two and num {@literal <} 2⁴⁸ where x allows, reduced by common
   * factors of two (so that 2.5 becomes 5/2).
   */
  static long[] roundUp(double x) {
    checkArgument(x > 0 && x <= MAX_INTEGER_SCALE, "a scale must be in (0, 2^60], got %s", x);
    int k = Math.min(62, Math.max(0, RATIONAL_BITS - 1 - Math.getExponent(x)));
    long numerator = (long) Math.ceil(Math.scalb(x, k)); // scaling up by 2^k is exact
    long denominator = 1L << k;
    int common = Math.min(Long.numberOfTrailingZeros(numerator), k);
    return new long[] {numerator >> common, denominator >> common};
  }

  private static void checkEpsilon(double epsilon) {
    checkArgument(epsilon > 0 && Double.isFinite(epsilon), "epsilon must be finite and > 0, got %s", epsilon);
  }

  private static void checkSigma(double sigma) {
    checkArgument(sigma > 0 && Double.isFinite(sigma), "sigma must be finite and > 0, got %s", sigma);
  }

  private static void checkScale(String name, double scale) {
    checkArgument(
        scale >= MIN_SCALE && scale <= MAX_SCALE, "%s must be in [2^-1000, 2^1000], got %s", name, scale);
  }

  private static void checkRange(double value, double lower, double upper) {
    checkArgument(!Double.isNaN(value), "value must not be NaN");
    checkArgument(Double.isFinite(lower), "lower must be finite, got %s", lower);
    checkArgument(Double.isFinite(upper), "upper must be finite, got %s", upper);
    checkArgument(lower <= upper, "lower must be <= upper, got [%s, %s]", lower, upper);
  }
}
