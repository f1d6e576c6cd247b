package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.util.CombinatoricsUtils;

/**
 * The privacy spent by DP-SGD: a Rényi differential privacy (RDP) accountant for the Poisson-subsampled Gaussian
 * mechanism, the computation of TensorFlow Privacy's {@code compute_rdp} and {@code get_privacy_spent} (and of
 * {@code dp_accounting}'s {@code RdpAccountant}).
 *
 * <p>One step samples each record with probability {@code q} and adds Gaussian noise of standard deviation
 * {@code sigma} times the clipping norm. Its RDP at order {@code alpha} is {@code log(A_alpha) / (alpha - 1)}, with
 * {@code A_alpha} from Mironov, Talwar and Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
 * (2019): the binomial sum of Section 3.2 for an integer order, the two-sided series of Section 3.3 for a fractional
 * one. RDP composes additively over steps (Mironov, "Rényi Differential Privacy", CSF 2017, Prop. 1), and is turned
 * into an {@code (epsilon, delta)} guarantee by a {@link Conversion}, minimised over the orders.
 *
 * <pre>{@code
 * long steps = (long) Math.ceil(60 * 60_000 / 256.0);       // 60 epochs, batches of 256 out of 60,000
 * RdpAccountant.Epsilon e = RdpAccountant.epsilon(256 / 60_000.0, 1.1, steps, 1e-5, Conversion.TIGHT);
 * double sigma = RdpAccountant.noiseMultiplier(256 / 60_000.0, steps, 3.0, 1e-5, Conversion.TIGHT);
 * }</pre>
 */
public final class RdpAccountant {
  private RdpAccountant() {}

  /** How an RDP curve becomes an {@code (epsilon, delta)}-DP guarantee at one order. */
  public enum Conversion {
    /**
     * {@code eps = rdp + log(1/delta) / (alpha - 1)}: Mironov, "Rényi Differential Privacy" (CSF 2017), Prop. 3. What
     * TensorFlow Privacy's {@code get_privacy_spent} printed for years (its README's 2.92 for MNIST).
     */
    CLASSIC,
    /**
     * {@code eps = rdp + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1)}: Balle, Barthe, Gaboardi,
     * Hsu and Sato, "Hypothesis Testing Interpretations and Rényi Differential Privacy" (AISTATS 2020), Thm. 21, as
     * {@code dp_accounting}'s {@code compute_epsilon} applies it. Never larger than {@link #CLASSIC} for {@code alpha
     * > 1}, so a valid and tighter bound.
     */
    TIGHT
  }

  /**
   * The default orders: 1.1, 1.2, ..., 10.9 (fractional, by the series), then the integers 11 to 256, 512 and 1024,
   * a superset of TensorFlow Privacy's grid. Read only: the accountant uses its own copy.
   */
  public static final double[] DEFAULT_ORDERS =
      DoubleStream.concat(
              DoubleStream.concat(
                  IntStream.rangeClosed(1, 99).mapToDouble(x -> 1 + x / 10.0),
                  IntStream.rangeClosed(11, 256).mapToDouble(x -> x)),
              DoubleStream.of(512, 1024))
          .toArray();

  private static final double[] ORDERS = DEFAULT_ORDERS.clone();

  /** The series of a fractional order stops once both of its terms are below {@code e^-30} (as in the paper's code). */
  private static final double LOG_TERM_CUTOFF = -30;

  /** A guard on the fractional series, far above what convergence needs on any practical (q, sigma). */
  private static final int MAX_SERIES_TERMS = 10_000_000;

  /** Beyond this, erfc(x) nears the bottom of double's range and log(erfc(x)) is taken from its asymptotic series. */
  private static final double ERFC_ASYMPTOTIC_FROM = 25;

  /** Relative precision of {@link #noiseMultiplier}. */
  private static final double SIGMA_RELATIVE_PRECISION = 1e-5;

  /** The largest noise multiplier {@link #noiseMultiplier} tries before calling the target unreachable. */
  private static final double SIGMA_MAX = 1e6;

  /**
   * The guarantee at the best order: {@code epsilon} for the given {@code delta}, and the order that achieves it.
   */
  public record Epsilon(double epsilon, double order, double delta, Conversion conversion) {}

  /**
   * The RDP at each of {@code orders} after {@code steps} steps of the sampled Gaussian mechanism with sampling rate
   * {@code samplingRate} and noise multiplier {@code noiseMultiplier}. Zero when {@code samplingRate} or {@code steps}
   * is zero; {@code +Infinity} when {@code noiseMultiplier} is zero (and both are not).
   */
  public static double[] rdp(double samplingRate, double noiseMultiplier, long steps, double[] orders) {
    checkRate(samplingRate);
    checkSigma(noiseMultiplier);
    checkSteps(steps);
    checkOrders(orders);
    double[] out = new double[orders.length];
    for (int k = 0; k < orders.length; k++) {
      out[k] = rdpOfSteps(samplingRate, noiseMultiplier, steps, orders[k]);
    }
    return out;
  }

  /** The smallest epsilon over {@link #DEFAULT_ORDERS}: see {@link #epsilon(double, double, long, double, Conversion, double[])}. */
  public static Epsilon epsilon(
      double samplingRate, double noiseMultiplier, long steps, double delta, Conversion conversion) {
    return epsilon(samplingRate, noiseMultiplier, steps, delta, conversion, ORDERS);
  }

  /**
   * The smallest epsilon, over {@code orders}, for which {@code steps} steps of the sampled Gaussian mechanism are
   * {@code (epsilon, delta)}-DP, and the order that gives it (the first such order on ties, the first order when every
   * epsilon is infinite).
   */
  public static Epsilon epsilon(
      double samplingRate,
      double noiseMultiplier,
      long steps,
      double delta,
      Conversion conversion,
      double[] orders) {
    checkDelta(delta);
    checkNotNull(conversion, "conversion must not be null");
    double[] rdp = rdp(samplingRate, noiseMultiplier, steps, orders);
    double best = Double.POSITIVE_INFINITY;
    double bestOrder = orders[0];
    for (int k = 0; k < orders.length; k++) {
      double eps = convert(rdp[k], orders[k], delta, conversion);
      if (eps < best) {
        best = eps;
        bestOrder = orders[k];
      }
    }
    return new Epsilon(Math.max(0, best), bestOrder, delta, conversion);
  }

  /**
   * The smallest noise multiplier whose epsilon (over {@link #DEFAULT_ORDERS}) is at most {@code targetEpsilon}, to
   * a relative precision of {@code 1e-5}, by bisection (epsilon decreases as the noise grows). Zero when no noise is
   * needed ({@code samplingRate} or {@code steps} zero and the target met). Throws {@link IllegalArgumentException}
   * when no noise multiplier up to {@code 1e6} reaches the target (with {@link Conversion#CLASSIC}, epsilon never
   * falls below {@code log(1/delta) / 1023}).
   */
  public static double noiseMultiplier(
      double samplingRate, long steps, double targetEpsilon, double delta, Conversion conversion) {
    checkRate(samplingRate);
    checkSteps(steps);
    checkArgument(
        targetEpsilon > 0 && !Double.isInfinite(targetEpsilon),
        "targetEpsilon must be positive and finite, got %s",
        targetEpsilon);
    checkDelta(delta);
    checkNotNull(conversion, "conversion must not be null");
    if (samplingRate == 0 || steps == 0) {
      // No record is ever looked at: epsilon does not depend on the noise.
      double eps = epsilon(samplingRate, 0, steps, delta, conversion).epsilon();
      checkArgument(
          eps <= targetEpsilon,
          "targetEpsilon %s is below %s, the least epsilon the orders can show for delta %s",
          targetEpsilon,
          eps,
          delta);
      return 0;
    }
    double lo = 0; // epsilon(0) = +Infinity > target
    double hi = 1;
    while (eps(samplingRate, hi, steps, delta, conversion) > targetEpsilon) {
      lo = hi;
      hi *= 2;
      checkArgument(
          hi <= SIGMA_MAX,
          "targetEpsilon %s is unreachable for delta %s: noise multiplier %s still gives more",
          targetEpsilon,
          delta,
          SIGMA_MAX);
    }
    if (lo == 0) {
      lo = hi / 2;
      while (eps(samplingRate, lo, steps, delta, conversion) <= targetEpsilon) {
        hi = lo;
        lo /= 2;
        if (lo < Double.MIN_NORMAL) {
          return hi; // cannot happen for q > 0 and steps > 0 (epsilon grows without bound as sigma -> 0)
        }
      }
    }
    // Invariant: epsilon(lo) > target >= epsilon(hi).
    while (hi - lo > SIGMA_RELATIVE_PRECISION * hi) {
      double mid = lo + (hi - lo) / 2;
      if (eps(samplingRate, mid, steps, delta, conversion) <= targetEpsilon) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  private static double eps(double q, double sigma, long steps, double delta, Conversion conversion) {
    return epsilon(q, sigma, steps, delta, conversion, ORDERS).epsilon();
  }

  /** Epsilon at one order; {@code +Infinity} where the conversion gives no bound. */
  static double convert(double rdp, double order, double delta, Conversion conversion) {
    if (rdp == Double.POSITIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    switch (conversion) {
      case CLASSIC:
        return rdp - Math.log(delta) / (order - 1);
      case TIGHT:
        // dp_accounting's compute_epsilon: delta <= sqrt(1 - exp(-KL)) (Bretagnolle-Huber) and the RDP of any order
        // bounds KL (RDP grows with the order), so rdp <= -log(1 - delta^2) already gives epsilon 0.
        if (delta * delta + Math.expm1(-rdp) >= 0) {
          return 0;
        }
        // Thm. 21 is numerically unstable as alpha -> 1 and useless there anyway.
        if (order <= 1.01) {
          return Double.POSITIVE_INFINITY;
        }
        return rdp + Math.log1p(-1 / order) - Math.log(delta * order) / (order - 1);
    }
    throw new AssertionError(conversion);
  }

  /** The RDP of {@code steps} steps at one order. */
  private static double rdpOfSteps(double q, double sigma, long steps, double order) {
    if (q == 0 || steps == 0) {
      return 0;
    }
    if (sigma == 0) {
      return Double.POSITIVE_INFINITY;
    }
    if (q == 1) {
      // No subsampling: the Gaussian mechanism of sensitivity 1, alpha / (2 sigma^2) per step (Mironov 2017, Prop. 7).
      return order * steps / (2 * sigma * sigma);
    }
    double logA = isInteger(order) ? logAInteger(q, sigma, (int) order) : logAFractional(q, sigma, order);
    // A_alpha >= 1 in exact arithmetic; a log a hair below 0 is rounding in the alternating series.
    return steps * Math.max(0, logA / (order - 1));
  }

  private static boolean isInteger(double order) {
    return order == Math.rint(order) && order <= Integer.MAX_VALUE;
  }

  /**
   * {@code log(A_alpha)} for an integer order: {@code A_alpha = sum_{i=0..alpha} C(alpha, i) (1-q)^(alpha-i) q^i
   * exp((i^2 - i) / (2 sigma^2))}, Mironov, Talwar and Zhang (2019), Section 3.2, summed in log space.
   */
  static double logAInteger(double q, double sigma, int alpha) {
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double logA = Double.NEGATIVE_INFINITY;
    for (int i = 0; i <= alpha; i++) {
      double term =
          CombinatoricsUtils.binomialCoefficientLog(alpha, i)
              + i * logQ
              + (alpha - i) * log1mQ
              + ((double) i * i - i) / (2 * sigma * sigma);
      logA = logAdd(logA, term);
    }
    return logA;
  }

  /**
   * {@code log(A_alpha)} for any real order {@code alpha > 1} by the two-sided series of Mironov, Talwar and Zhang
   * (2019), Section 3.3: with {@code z0 = sigma^2 log(1/q - 1) + 1/2} and {@code j = alpha - i},
   *
   * <pre>
   * A = sum_i C(alpha, i) q^i (1-q)^j exp((i^2 - i) / (2 sigma^2)) erfc((i - z0) / (sqrt(2) sigma)) / 2
   *   + sum_i C(alpha, i) q^j (1-q)^i exp((j^2 - j) / (2 sigma^2)) erfc((z0 - j) / (sqrt(2) sigma)) / 2
   * </pre>
   *
   * <p>The binomial coefficients of a real {@code alpha} change sign, so positive and negative terms are summed apart
   * in log space and subtracted once. At an integer order the series equals the binomial sum.
   */
  static double logAFractional(double q, double sigma, double alpha) {
    checkArgument(q > 0 && q < 1, "q must be in (0, 1) for the series, got %s", q);
    double logQ = Math.log(q);
    double log1mQ = Math.log1p(-q);
    double z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
    double sqrt2Sigma = Math.sqrt(2) * sigma;
    double twoSigma2 = 2 * sigma * sigma;
    double logHalf = Math.log(0.5);
    double positive = Double.NEGATIVE_INFINITY;
    double negative = Double.NEGATIVE_INFINITY;
    double logAbsCoef = 0; // log |C(alpha, 0)|
    boolean coefPositive = true;
    for (int i = 0; ; i++) {
      if (i > 0) {
        // C(alpha, i) = C(alpha, i - 1) (alpha - i + 1) / i
        double factor = alpha - i + 1;
        if (factor == 0) {
          break; // integer alpha: every later coefficient is 0
        }
        logAbsCoef += Math.log(Math.abs(factor)) - Math.log(i);
        coefPositive ^= factor < 0;
      }
      double j = alpha - i;
      double s0 =
          logAbsCoef + i * logQ + j * log1mQ + ((double) i * i - i) / twoSigma2
              + logHalf + logErfc((i - z0) / sqrt2Sigma);
      double s1 =
          logAbsCoef + j * logQ + i * log1mQ + (j * j - j) / twoSigma2
              + logHalf + logErfc((z0 - j) / sqrt2Sigma);
      double pair = logAdd(s0, s1);
      if (coefPositive) {
        positive = logAdd(positive, pair);
      } else {
        negative = logAdd(negative, pair);
      }
      if (Math.max(s0, s1) < LOG_TERM_CUTOFF) {
        break;
      }
      if (i >= MAX_SERIES_TERMS) {
        throw new ArithmeticException(
            String.format("series for order %s, q %s, sigma %s did not converge in %d terms", alpha, q, sigma, i));
      }
    }
    if (negative == Double.NEGATIVE_INFINITY) {
      return positive;
    }
    if (!(positive > negative)) {
      throw new ArithmeticException(
          String.format("series for order %s, q %s, sigma %s lost all precision", alpha, q, sigma));
    }
    return positive + Math.log(-Math.expm1(negative - positive));
  }

  /**
   * {@code log(erfc(x))}, accurate where {@code erfc(x)} underflows: for {@code x > 25}, the asymptotic series
   * {@code erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8))} (Abramowitz and
   * Stegun 7.1.23), whose next term is below {@code 1e-12} there.
   */
  static double logErfc(double x) {
    if (x <= ERFC_ASYMPTOTIC_FROM) {
      return Math.log(Erf.erfc(x));
    }
    double u = 1 / (x * x);
    double series = 1 + u * (-0.5 + u * (0.75 + u * (-1.875 + u * 6.5625)));
    return -x * x - Math.log(x) - 0.5 * Math.log(Math.PI) + Math.log(series);
  }

  /** {@code log(exp(a) + exp(b))}. */
  private static double logAdd(double a, double b) {
    double hi = Math.max(a, b);
    double lo = Math.min(a, b);
    if (lo == Double.NEGATIVE_INFINITY) {
      return hi;
    }
    return hi + Math.log1p(Math.exp(lo - hi));
  }

  private static void checkRate(double samplingRate) {
    checkArgument(
        samplingRate >= 0 && samplingRate <= 1, "samplingRate must be in [0, 1], got %s", samplingRate);
  }

  private static void checkSigma(double noiseMultiplier) {
    checkArgument(
        noiseMultiplier >= 0 && !Double.isInfinite(noiseMultiplier),
        "noiseMultiplier must be finite and >= 0, got %s",
        noiseMultiplier);
  }

  private static void checkSteps(long steps) {
    checkArgument(steps >= 0, "steps must be >= 0, got %s", steps);
  }

  private static void checkDelta(double delta) {
    checkArgument(delta > 0 && delta < 1, "delta must be in (0, 1), got %s", delta);
  }

  private static void checkOrders(double[] orders) {
    checkNotNull(orders, "orders must not be null");
    checkArgument(orders.length > 0, "orders must not be empty");
    for (int k = 0; k < orders.length; k++) {
      checkArgument(
          orders[k] > 1 && !Double.isInfinite(orders[k]),
          "orders must be finite and > 1, got orders[%s] = %s",
          Integer.toString(k),
          orders[k]);
    }
  }
}
