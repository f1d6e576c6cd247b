package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.special.Erf;

/**
 * A Gaussian-process regression of observed objectives on points of the unit cube (Rasmussen and Williams,
 * "Gaussian Processes for Machine Learning", MIT Press 2006, algorithm 2.1), with a Matérn 5/2 kernel
 * with a length scale per coordinate, a constant mean and Gaussian noise, and the expected improvement of
 * a point over the best observation (Jones, Schonlau and Welch, "Efficient global optimization of
 * expensive black-box functions", J. Global Optimization 1998). Immutable.
 *
 * <p>The outputs are standardised (mean 0, standard deviation 1). The signal variance is the maximum of
 * the marginal likelihood given the other hyperparameters, found in closed form (it is y'K⁻¹y / n for the
 * kernel matrix K of unit variance); the length scales and the noise are chosen by maximum marginal
 * likelihood, first over a grid of one shared length scale and noise levels, then by scaling each
 * coordinate's length scale in turn ("ARD"). The Cholesky factor is commons-math3's.
 *
 * <pre>{@code
 * GaussianProcess gp = GaussianProcess.fit(x, y);
 * double ei = gp.expectedImprovement(point);
 * GaussianProcess withLie = gp.with(point, lie);   // same hyperparameters, one more observation
 * }</pre>
 */
final class GaussianProcess {
  /** The shared length scales tried first (in units of the unit cube's side). */
  private static final double[] LENGTH_SCALES = {0.05, 0.075, 0.11, 0.17, 0.25, 0.38, 0.56, 0.84, 1.26, 1.9, 2.8, 4.2};
  /** Noise variances tried, relative to the signal variance. */
  private static final double[] NOISES = {1e-6, 1e-4, 1e-3, 1e-2, 1e-1};
  /** Factors tried on one coordinate's length scale, and the bounds it stays in. */
  private static final double[] ARD_FACTORS = {0.25, 0.5, 2, 4};
  private static final double MIN_LENGTH_SCALE = 0.02;
  private static final double MAX_LENGTH_SCALE = 20;
  /** Passes of coordinate-wise length-scale moves. */
  private static final int ARD_PASSES = 2;
  /** The improvement asked for beyond the best observation, in standard deviations of the outputs. */
  private static final double XI = 0.01;
  private static final double SQRT5 = Math.sqrt(5);

  private final double[][] x;
  private final double[] y;
  private final double[] lengthScales;
  private final double noise;
  private final double mean;
  private final double scale;
  private final double best;
  private final double signal;
  private final double[][] chol;
  private final double[] alpha;
  private final double logLikelihood;

  private GaussianProcess(double[][] x, double[] y, double[] lengthScales, double noise) {
    this.x = x;
    this.y = y;
    this.lengthScales = lengthScales;
    this.noise = noise;
    int n = y.length;
    double m = 0;
    for (double v : y) {
      m += v;
    }
    m /= n;
    double ss = 0;
    for (double v : y) {
      ss += (v - m) * (v - m);
    }
    double sd = Math.sqrt(ss / n);
    this.mean = m;
    this.scale = sd > 1e-12 * Math.max(1, Math.abs(m)) ? sd : 1;
    double[] z = new double[n];
    double b = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      z[i] = (y[i] - mean) / scale;
      b = Math.min(b, z[i]);
    }
    this.best = b;
    double[][] k = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        k[i][j] = kernel(x[i], x[j]);
        k[j][i] = k[i][j];
      }
      k[i][i] += noise;
    }
    // Throws NonPositiveDefiniteMatrixException for a matrix too near singular: the caller skips those.
    this.chol = new CholeskyDecomposition(new Array2DRowRealMatrix(k, false), 1e-10, 1e-12).getL().getData();
    double[] v = forward(z);
    this.alpha = backward(v);
    double quad = 0;
    for (int i = 0; i < n; i++) {
      quad += z[i] * alpha[i];
    }
    this.signal = Math.max(quad / n, 1e-12);
    double logDet = 0;
    for (int i = 0; i < n; i++) {
      logDet += StrictMath.log(chol[i][i]);
    }
    // log p(z) with the signal variance at its maximum quad/n: -n/2 log(quad/n) - log|L| - n/2 (1 + log 2 pi).
    this.logLikelihood = -0.5 * n * StrictMath.log(signal) - logDet - 0.5 * n * (1 + StrictMath.log(2 * Math.PI));
  }

  /**
   * The process for the observations {@code y} at {@code x} (points of the unit cube, at least one), its
   * hyperparameters chosen by maximum marginal likelihood.
   */
  static GaussianProcess fit(double[][] x, double[] y) {
    checkArgument(x.length == y.length && y.length >= 1, "needs as many points as values, at least one; got %s and %s", x.length, y.length);
    int d = x[0].length;
    GaussianProcess best = null;
    for (double l : LENGTH_SCALES) {
      for (double g : NOISES) {
        double[] ls = new double[d];
        Arrays.fill(ls, l);
        best = better(best, tryFit(x, y, ls, g));
      }
    }
    if (best == null) {
      // Every grid point is numerically singular (many equal points): a noisy, smooth model always is not.
      double[] ls = new double[d];
      Arrays.fill(ls, 1.0);
      return new GaussianProcess(x, y, ls, 0.5);
    }
    for (int pass = 0; pass < ARD_PASSES; pass++) {
      for (int j = 0; j < d; j++) {
        GaussianProcess start = best;
        for (double f : ARD_FACTORS) {
          double l = start.lengthScales[j] * f;
          if (l < MIN_LENGTH_SCALE || l > MAX_LENGTH_SCALE) {
            continue;
          }
          double[] ls = start.lengthScales.clone();
          ls[j] = l;
          best = better(best, tryFit(x, y, ls, start.noise));
        }
      }
    }
    return best;
  }

  /** This process's hyperparameters fitted to its observations and one more, {@code value} at {@code point}. */
  GaussianProcess with(double[] point, double value) {
    double[][] x2 = Arrays.copyOf(x, x.length + 1);
    x2[x.length] = point;
    double[] y2 = Arrays.copyOf(y, y.length + 1);
    y2[y.length] = value;
    // One more noisy observation keeps the matrix positive definite, unless it repeats a point exactly
    // with almost no noise: then more noise.
    for (double g = noise; ; g = Math.max(g * 10, 1e-6)) {
      GaussianProcess gp = tryFit(x2, y2, lengthScales, g);
      if (gp != null || g >= 1) {
        return gp != null ? gp : new GaussianProcess(x2, y2, lengthScales, 1);
      }
    }
  }

  private static GaussianProcess tryFit(double[][] x, double[] y, double[] ls, double noise) {
    try {
      return new GaussianProcess(x, y, ls, noise);
    } catch (NonPositiveDefiniteMatrixException e) {
      return null;
    }
  }

  private static GaussianProcess better(GaussianProcess a, GaussianProcess b) {
    // Strictly better only: a tie keeps the one tried first, so the choice is deterministic.
    return a == null || (b != null && b.logLikelihood > a.logLikelihood) ? b : a;
  }

  /** The posterior mean and standard deviation of the latent objective at {@code point}, in the objective's units. */
  double[] predict(double[] point) {
    double[] ms = predictStandardised(point);
    return new double[] {mean + scale * ms[0], scale * ms[1]};
  }

  private double[] predictStandardised(double[] point) {
    int n = y.length;
    double[] k = new double[n];
    for (int i = 0; i < n; i++) {
      k[i] = kernel(point, x[i]);
    }
    double mu = 0;
    for (int i = 0; i < n; i++) {
      mu += k[i] * alpha[i];
    }
    double[] v = forward(k);
    double vv = 0;
    for (double e : v) {
      vv += e * e;
    }
    double var = signal * Math.max(1 - vv, 0);
    return new double[] {mu, Math.sqrt(var)};
  }

  /**
   * The expected improvement at {@code point} over the best observation (by a margin of {@value #XI}
   * standard deviations of the outputs), in standardised units: comparable between points of one process.
   */
  double expectedImprovement(double[] point) {
    double[] ms = predictStandardised(point);
    double sd = ms[1];
    double gain = best - ms[0] - XI;
    if (sd < 1e-12) {
      return Math.max(gain, 0);
    }
    double u = gain / sd;
    return sd * (u * cdf(u) + pdf(u));
  }

  /** The log marginal likelihood of the standardised observations at the fitted hyperparameters. */
  double logLikelihood() {
    return logLikelihood;
  }

  /** The fitted length scale of each coordinate. */
  double[] lengthScales() {
    return lengthScales.clone();
  }

  /** The fitted noise variance, relative to the signal variance. */
  double noise() {
    return noise;
  }

  /** Matérn 5/2 of unit variance: (1 + √5 r + 5r²/3) exp(-√5 r), r the scaled distance. */
  private double kernel(double[] a, double[] b) {
    double r2 = 0;
    for (int i = 0; i < a.length; i++) {
      double t = (a[i] - b[i]) / lengthScales[i];
      r2 += t * t;
    }
    double r = Math.sqrt(r2);
    return (1 + SQRT5 * r + 5 * r2 / 3) * StrictMath.exp(-SQRT5 * r);
  }

  /** Solves L v = b. */
  private double[] forward(double[] b) {
    int n = b.length;
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      double[] row = chol[i];
      for (int j = 0; j < i; j++) {
        s -= row[j] * v[j];
      }
      v[i] = s / row[i];
    }
    return v;
  }

  /** Solves L' a = v. */
  private double[] backward(double[] v) {
    int n = v.length;
    double[] a = new double[n];
    for (int i = n - 1; i >= 0; i--) {
      double s = v[i];
      for (int j = i + 1; j < n; j++) {
        s -= chol[j][i] * a[j];
      }
      a[i] = s / chol[i][i];
    }
    return a;
  }

  private static double cdf(double u) {
    return 0.5 * Erf.erfc(-u / Math.sqrt(2));
  }

  private static double pdf(double u) {
    return StrictMath.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
  }
}
