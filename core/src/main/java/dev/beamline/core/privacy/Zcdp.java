package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Zero-concentrated differential privacy (zCDP) of Gaussian noise, after Bun and Steinke 2016,
 * "Concentrated Differential Privacy: Simplifications, Extensions, and Lower Bounds" (TCC 2016):
 * Gaussian noise of standard deviation σ on a query of L2 sensitivity Δ is ρ-zCDP with
 * ρ = Δ²/(2σ²) (their Proposition 1.6); the discrete Gaussian has the same guarantee (Canonne, Kamath,
 * Steinke 2020, Theorem 4); ρ-zCDP implies (ε, δ)-DP with ε = ρ + 2·sqrt(ρ·ln(1/δ)) (Bun and Steinke,
 * Proposition 1.3), and the ρ of a composition is the sum of the ρs.
 *
 * <pre>{@code
 * double rho = Zcdp.rhoFor(1.0, 1e-6);     // largest rho giving (1.0, 1e-6)-DP
 * double sigma = Zcdp.sigma(1.0, rho);      // noise for a count of sensitivity 1
 * long noisy = SnappedNoise.gaussianCount(count, sigma, NoiseSource.secure());
 * }</pre>
 *
 * <p>All values are computed in double precision; callers who need a strict bound should leave a
 * margin of a few ulps.
 */
public final class Zcdp {
  private Zcdp() {}

  /** ρ = Δ²/(2σ²): the zCDP of Gaussian noise of standard deviation {@code sigma} on sensitivity {@code sensitivity}. */
  public static double rho(double sensitivity, double sigma) {
    checkPositive("sensitivity", sensitivity);
    checkPositive("sigma", sigma);
    double ratio = sensitivity / sigma;
    return ratio * ratio / 2;
  }

  /** σ = Δ/sqrt(2ρ): the standard deviation that makes a query of sensitivity {@code sensitivity} ρ-zCDP. */
  public static double sigma(double sensitivity, double rho) {
    checkPositive("sensitivity", sensitivity);
    checkPositive("rho", rho);
    return sensitivity / Math.sqrt(2 * rho);
  }

  /** ε = ρ + 2·sqrt(ρ·ln(1/δ)): the (ε, δ)-DP implied by ρ-zCDP (Bun and Steinke 2016, Proposition 1.3). */
  public static double epsilon(double rho, double delta) {
    checkPositive("rho", rho);
    checkDelta(delta);
    return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
  }

  /**
   * The largest ρ with {@link #epsilon(double, double) epsilon(ρ, δ)} ≤ {@code epsilon}: with x = sqrt(ρ) and
   * L = ln(1/δ), x² + 2·sqrt(L)·x − ε = 0 gives x = sqrt(L + ε) − sqrt(L), written here as
   * ε/(sqrt(L + ε) + sqrt(L)) to avoid cancellation.
   */
  public static double rhoFor(double epsilon, double delta) {
    checkPositive("epsilon", epsilon);
    checkDelta(delta);
    double logInverseDelta = Math.log(1 / delta);
    double x = epsilon / (Math.sqrt(logInverseDelta + epsilon) + Math.sqrt(logInverseDelta));
    return x * x;
  }

  private static void checkPositive(String name, double value) {
    checkArgument(value > 0 && Double.isFinite(value), "%s must be finite and > 0, got %s", name, value);
  }

  private static void checkDelta(double delta) {
    checkArgument(delta > 0 && delta < 1, "delta must be in (0, 1), got %s", delta);
  }
}
