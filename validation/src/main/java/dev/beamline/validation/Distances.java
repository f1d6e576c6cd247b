package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Distances between two distributions, for drift (between spans) and skew (between datasets).
 *
 * <ul>
 *   <li>Categorical features: the L-infinity distance, the largest difference between the two
 *       frequencies of any one value, as TFDV computes it.
 *   <li>Numeric features: the Jensen–Shannon divergence (J. Lin, "Divergence measures based on the
 *       Shannon entropy", IEEE Trans. Information Theory 37(1), 1991), in bits so that it lies in [0, 1],
 *       over bins aligned on the baseline's quantiles: each bin holds an equal share of the baseline,
 *       plus one bin below the baseline's minimum and one above its maximum. The current data's mass
 *       in each bin comes from its own quantiles, the cumulative distribution being linear between
 *       them. Unlike TFDV's L-infinity on numeric histograms, this sees a shift of the whole
 *       distribution.
 * </ul>
 */
public final class Distances {
  private Distances() {}

  /** The L-infinity distance between two categorical distributions given as value counts. */
  public static double lInfinity(Map<String, Long> a, Map<String, Long> b) {
    double totalA = a.values().stream().mapToLong(Long::longValue).sum();
    double totalB = b.values().stream().mapToLong(Long::longValue).sum();
    if (totalA == 0 || totalB == 0) {
      return totalA == totalB ? 0 : 1;
    }
    Set<String> values = new HashSet<>(a.keySet());
    values.addAll(b.keySet());
    double max = 0;
    for (String v : values) {
      double d = Math.abs(a.getOrDefault(v, 0L) / totalA - b.getOrDefault(v, 0L) / totalB);
      max = Math.max(max, d);
    }
    return max;
  }

  /** The Jensen–Shannon divergence, in bits, of two discrete distributions (each normalized here). */
  public static double jensenShannon(double[] p, double[] q) {
    checkArgument(p.length == q.length, "distributions of %s and %s bins", p.length, q.length);
    double sp = 0;
    double sq = 0;
    for (int i = 0; i < p.length; i++) {
      checkArgument(p[i] >= 0 && q[i] >= 0, "negative mass in bin %s", i);
      sp += p[i];
      sq += q[i];
    }
    if (sp == 0 || sq == 0) {
      return sp == sq ? 0 : 1;
    }
    double js = 0;
    for (int i = 0; i < p.length; i++) {
      double pi = p[i] / sp;
      double qi = q[i] / sq;
      double m = (pi + qi) / 2;
      if (pi > 0) {
        js += 0.5 * pi * log2(pi / m);
      }
      if (qi > 0) {
        js += 0.5 * qi * log2(qi / m);
      }
    }
    // Rounding can leave a hair outside [0, 1].
    return Math.max(0, Math.min(1, js));
  }

  /**
   * The Jensen–Shannon divergence between two numeric distributions given by their quantiles at equally
   * spaced ranks (e.g. the deciles 0, 0.1, ..., 1: the first is the minimum, the last the maximum),
   * over bins aligned on the baseline's quantiles (see the class comment).
   */
  public static double quantileJensenShannon(List<Double> baselineQuantiles, List<Double> currentQuantiles) {
    checkArgument(baselineQuantiles.size() >= 2 && currentQuantiles.size() >= 2, "need at least the minimum and maximum of both");
    // Bin edges: the baseline's distinct quantiles e_0 < ... < e_k. Bins: below e_0, the point e_0, each
    // (e_{j-1}, e_j], and above e_k. Both masses come from the same cumulative function, so point masses
    // of discrete data (repeated quantiles) fall in the same bins on both sides.
    List<Double> edges = baselineQuantiles.stream().distinct().sorted().toList();
    int k = edges.size();
    double[] p = new double[k + 2];
    double[] q = new double[k + 2];
    fill(p, baselineQuantiles, edges);
    fill(q, currentQuantiles, edges);
    return jensenShannon(p, q);
  }

  private static void fill(double[] mass, List<Double> quantiles, List<Double> edges) {
    int k = edges.size();
    double below = cdf(quantiles, edges.get(0), false);
    mass[0] = below;
    double previous = cdf(quantiles, edges.get(0), true);
    mass[1] = previous - below;
    for (int j = 1; j < k; j++) {
      double c = cdf(quantiles, edges.get(j), true);
      mass[j + 1] = Math.max(0, c - previous);
      previous = c;
    }
    mass[k + 1] = Math.max(0, 1 - previous);
  }

  /**
   * The fraction of a distribution (given by quantiles at equally spaced ranks) below {@code x}, or at
   * most {@code x} when {@code inclusive}, linear between quantiles.
   */
  static double cdf(List<Double> quantiles, double x, boolean inclusive) {
    int n = quantiles.size();
    double lo = quantiles.get(0);
    double hi = quantiles.get(n - 1);
    if (x < lo || (!inclusive && x == lo)) {
      return 0;
    }
    if (x > hi || (inclusive && x == hi)) {
      return 1;
    }
    double step = 1.0 / (n - 1);
    for (int i = 1; i < n; i++) {
      double a = quantiles.get(i - 1);
      double b = quantiles.get(i);
      if (x < b || (x == b && !inclusive)) {
        if (b == a) {
          return (i - 1) * step;
        }
        return (i - 1) * step + step * (x - a) / (b - a);
      }
      if (x == b && inclusive) {
        // All quantiles equal to x count as at or below it.
        int j = i;
        while (j + 1 < n && quantiles.get(j + 1) == x) {
          j++;
        }
        return j * step;
      }
    }
    return 1;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
