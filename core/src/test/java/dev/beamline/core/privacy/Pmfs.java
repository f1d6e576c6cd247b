package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;

/** Goodness-of-fit checks of integer samples against an exact, symmetric pmf (shared by the sampler tests). */
final class Pmfs {
  private Pmfs() {}

  /** An unnormalised symmetric pmf on the integers, normalised by summing until the terms vanish. */
  static double[] normalisedHalf(LongToDoubleFunction unnormalised) {
    List<Double> half = new ArrayList<>();
    double total = 0;
    for (long x = 0; ; x++) {
      double p = unnormalised.applyAsDouble(x);
      half.add(p);
      total += x == 0 ? p : 2 * p;
      if (x > 10 && p < 1e-20) { // terms below 1e-20 of the mode (1 at x = 0) no longer change the sum
        break;
      }
    }
    double[] out = new double[half.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = half.get(i) / total;
    }
    return out; // out[|x|] = P(x)
  }

  /**
   * Pearson's chi-square goodness-of-fit p-value of {@code samples} against the symmetric pmf
   * {@code half} (half[|x|] = P(x)), with cells x in [−m, m] and the two tails pooled into one cell each,
   * m the largest value with expected counts ≥ 5 in every cell.
   */
  static double chiSquarePValue(long[] samples, double[] half) {
    int n = samples.length;
    Map<Long, Integer> counts = new HashMap<>();
    for (long s : samples) {
      counts.merge(s, 1, Integer::sum);
    }
    int m = 0;
    while (m + 2 < half.length && n * half[m + 1] >= 5 && n * tail(half, m + 2) >= 5) {
      m++;
    }
    double tailP = tail(half, m + 1);
    double stat = 0;
    int cells = 0;
    for (long x = -m; x <= m; x++) {
      double expected = n * half[(int) Math.abs(x)];
      stat += square(counts.getOrDefault(x, 0) - expected) / expected;
      cells++;
    }
    long low = 0;
    long high = 0;
    for (long s : samples) {
      if (s < -m) {
        low++;
      } else if (s > m) {
        high++;
      }
    }
    if (tailP > 0) {
      double expected = n * tailP;
      stat += square(low - expected) / expected + square(high - expected) / expected;
      cells += 2;
    }
    assertThat(cells).isGreaterThanOrEqualTo(3);
    return 1 - new ChiSquaredDistribution(cells - 1).cumulativeProbability(stat);
  }

  /** P(X ≥ from) for from ≥ 1 of one side. */
  static double tail(double[] half, int from) {
    double sum = 0;
    for (int i = half.length - 1; i >= from; i--) {
      sum += half[i];
    }
    return sum;
  }

  /** E[X^k] of the symmetric pmf, k even. */
  static double moment(double[] half, int k) {
    double sum = 0;
    for (int i = half.length - 1; i >= 1; i--) {
      sum += 2 * Math.pow(i, k) * half[i];
    }
    return sum;
  }

  /** Checks the sample mean (exactly 0) and variance against the pmf within {@code z} standard errors. */
  static void assertMomentsMatch(long[] samples, double[] half, double z) {
    int n = samples.length;
    double mean = 0;
    for (long s : samples) {
      mean += s;
    }
    mean /= n;
    double variance = 0;
    for (long s : samples) {
      variance += square(s - mean);
    }
    variance /= n - 1;
    double exactVariance = moment(half, 2);
    double fourth = moment(half, 4);
    assertThat(Math.abs(mean)).as("mean").isLessThan(z * Math.sqrt(exactVariance / n));
    assertThat(Math.abs(variance - exactVariance))
        .as("variance %s vs exact %s", variance, exactVariance)
        .isLessThan(z * Math.sqrt((fourth - exactVariance * exactVariance) / n));
  }

  static double square(double x) {
    return x * x;
  }
}
