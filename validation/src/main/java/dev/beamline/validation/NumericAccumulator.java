package dev.beamline.validation;

import static org.apache.datasketches.quantilescommon.QuantileSearchCriteria.EXCLUSIVE;
import static org.apache.datasketches.quantilescommon.QuantileSearchCriteria.INCLUSIVE;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/**
 * The mergeable state of the statistics of one numeric feature: exact counts, extremes, mean and
 * variance, and a KLL sketch of the finite values. See {@link NumericStatistics} for what comes out.
 *
 * <p>Values arrive one at a time ({@link #add(double)}) or as a vector ({@link #addAll(double[], int)});
 * both update the same state. The mean and the standard deviation come from the sum and the sum of
 * squares of the finite values, each kept as an unevaluated sum of two doubles (about 106 bits), so they
 * hardly depend on the order in which values are added and accumulators merged: two computations that
 * split the data differently report the same mean and standard deviation unless the true value lies
 * within about 1e-20 (relative) of a rounding boundary of a double.
 */
final class NumericAccumulator {
  private static final double[] DECILE_RANKS =
      NumericStatistics.DECILE_RANKS.stream().mapToDouble(Double::doubleValue).toArray();

  long count;
  long missing;
  /** Finite values: the ones that {@link #mean}, {@link #m2}, the extremes and the sketch cover. */
  long finite;
  /** The sum of the finite values, with Neumaier's compensation: the mean that is reported. */
  double sum;
  double sumCompensation;
  /**
   * The sum of the squares of the finite values, as sumSq + sumSqCompensation: each square is split
   * exactly into two doubles by a fused multiply-add and added with an error-free sum, as in Ogita,
   * Rump and Oishi, "Accurate Sum and Dot Product" (SIAM J. Sci. Comput. 26(6), 2005).
   */
  double sumSq;
  double sumSqCompensation;
  /**
   * Welford's running mean, which {@link #m2} is relative to: the standard deviation where the squares
   * overflow (values beyond about 1e154).
   */
  double mean;
  /** The sum of squared differences from the mean. */
  double m2;
  double min = Double.POSITIVE_INFINITY;
  double max = Double.NEGATIVE_INFINITY;
  long zeros;
  long nan;
  long infinity;
  /** Created with the first finite value, so that accumulators of empty shards stay small. */
  KllDoublesSketch sketch;

  void addMissing() {
    missing++;
  }

  void add(double x) {
    count++;
    if (x == 0) {
      zeros++;
    }
    if (Double.isNaN(x)) {
      nan++;
      return;
    }
    if (Double.isInfinite(x)) {
      infinity++;
      return;
    }
    finite++;
    addToSum(x);
    addToSumSq(x);
    // Welford's update (Technometrics 4(3), 1962): stable where sum and sum of squares would cancel.
    double delta = x - mean;
    mean += delta / finite;
    m2 += delta * (x - mean);
    if (x < min) {
      min = x;
    }
    if (x > max) {
      max = x;
    }
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(FeatureStatisticsFn.KLL_K);
    }
    sketch.update(x);
  }

  /**
   * Adds {@code values[0..size)}: the same state as {@link #add(double)} of each in turn, except for
   * rounding in Welford's mean and {@link #m2} (combined per vector with Chan's formula) and the sketch's
   * random compaction.
   */
  void addAll(double[] values, int size) {
    count += size;
    double[] x = values;
    int n = size;
    int nonFinite = 0;
    for (int i = 0; i < size; i++) {
      double v = values[i];
      if (v == 0) {
        zeros++;
      }
      if (!Double.isFinite(v)) {
        nonFinite++;
      }
    }
    if (nonFinite > 0) {
      // Rare: count NaN and infinities, and go on with the finite values only.
      x = new double[size - nonFinite];
      n = 0;
      for (int i = 0; i < size; i++) {
        double v = values[i];
        if (Double.isNaN(v)) {
          nan++;
        } else if (Double.isInfinite(v)) {
          infinity++;
        } else {
          x[n++] = v;
        }
      }
    }
    if (n == 0) {
      return;
    }
    double s = sum;
    double sc = sumCompensation;
    double q = sumSq;
    double qc = sumSqCompensation;
    double lo = min;
    double hi = max;
    double plain = 0;
    for (int i = 0; i < n; i++) {
      double v = x[i];
      // Knuth's TwoSum: t + e == s + v exactly. Its e equals the one of Neumaier's branch in addToSum,
      // so both paths build the same compensated sums.
      double t = s + v;
      double bv = t - s;
      sc += (s - (t - bv)) + (v - bv);
      s = t;
      double p = v * v;
      double pe = Math.fma(v, v, -p);
      double u = q + p;
      double bp = u - q;
      qc += ((q - (u - bp)) + (p - bp)) + pe;
      q = u;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      plain += v;
    }
    sum = s;
    sumCompensation = sc;
    sumSq = q;
    sumSqCompensation = qc;
    min = lo;
    max = hi;
    // The vector's own mean and squared differences (the corrected two-pass algorithm), then Chan's
    // combination with what came before, as in merge().
    double vectorMean = plain / n;
    double d = 0;
    double d2 = 0;
    for (int i = 0; i < n; i++) {
      double e = x[i] - vectorMean;
      d += e;
      d2 += e * e;
    }
    combineMoments(n, vectorMean, Math.max(0, d2 - d * d / n));
    finite += n;
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(FeatureStatisticsFn.KLL_K);
    }
    sketch.update(x, 0, n);
  }

  /** Adds {@code n} missing values. */
  void addMissing(long n) {
    missing += n;
  }

  /** Adds {@code other} into this accumulator; {@code other} is left unchanged. */
  void merge(NumericAccumulator other) {
    count += other.count;
    missing += other.missing;
    zeros += other.zeros;
    nan += other.nan;
    infinity += other.infinity;
    if (other.finite == 0) {
      return;
    }
    addToSum(other.sum);
    sumCompensation += other.sumCompensation;
    addToSumSq(other.sumSq, other.sumSqCompensation);
    combineMoments(other.finite, other.mean, other.m2);
    finite += other.finite;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(FeatureStatisticsFn.KLL_K);
    }
    sketch.merge(other.sketch);
  }

  /**
   * Combines Welford's mean and m2 with those of {@code nb} other finite values (before {@link #finite}
   * counts them): Chan, Golub and LeVeque's pairwise formula ("Updating formulae and a pairwise algorithm
   * for computing sample variances", COMPSTAT 1982; Stanford report STAN-CS-79-773), exact in real
   * arithmetic, stable in floating point.
   */
  private void combineMoments(long nb, double meanB, double m2B) {
    if (finite == 0) {
      mean = meanB;
      m2 = m2B;
      return;
    }
    double na = finite;
    double n = na + nb;
    double delta = meanB - mean;
    mean += delta * (nb / n);
    m2 += m2B + delta * delta * (na * nb / n);
  }

  NumericStatistics extract() {
    if (finite == 0) {
      return new NumericStatistics(
          Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, zeros, nan, infinity, List.of(), 0.0,
          Histogram.empty(), Histogram.empty());
    }
    double[] q = sketch.getQuantiles(DECILE_RANKS, INCLUSIVE);
    // The sketch knows the extremes exactly; say so even where its sorted view would round them.
    q[0] = min;
    q[q.length - 1] = max;
    List<Double> quantiles = new ArrayList<>(q.length);
    for (double v : q) {
      quantiles.add(v);
    }
    double rankError = sketch.isEstimationMode() ? sketch.getNormalizedRankError(false) : 0.0;
    return new NumericStatistics(
        mean(),
        stdDev(),
        min,
        max,
        q[5],
        zeros,
        nan,
        infinity,
        quantiles,
        rankError,
        equalWidth(),
        quantileHistogram(q));
  }

  /**
   * Adds to the compensated sum: Neumaier's improvement of Kahan summation (ZAMM 54(1), 1974), whose
   * error does not grow with the number of values, so the mean hardly depends on the merge order.
   */
  private void addToSum(double x) {
    double t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) {
      sumCompensation += (sum - t) + x;
    } else {
      sumCompensation += (x - t) + sum;
    }
    sum = t;
  }

  /** Adds the square of {@code x}, split exactly by a fused multiply-add, to the compensated sum of squares. */
  private void addToSumSq(double x) {
    double p = x * x;
    addToSumSq(p, Math.fma(x, x, -p));
  }

  /** Adds {@code high + low} to the compensated sum of squares (Knuth's TwoSum for the high part). */
  private void addToSumSq(double high, double low) {
    double t = sumSq + high;
    double b = t - sumSq;
    sumSqCompensation += ((sumSq - (t - b)) + (high - b)) + low;
    sumSq = t;
  }

  /**
   * The population standard deviation: sqrt((n·Σx² − (Σx)²) / n²), evaluated exactly (BigDecimal) from
   * the compensated sums, so that the only rounding is that of the sums themselves and of the result.
   * Where a sum overflows, Welford's and Chan's m2 instead.
   */
  private double stdDev() {
    if (min == max) {
      return 0.0;
    }
    if (!(Double.isFinite(sum) && Double.isFinite(sumCompensation)
        && Double.isFinite(sumSq) && Double.isFinite(sumSqCompensation))) {
      return Math.sqrt(Math.max(0, m2) / finite);
    }
    BigDecimal n = BigDecimal.valueOf(finite);
    BigDecimal s = new BigDecimal(sum).add(new BigDecimal(sumCompensation));
    BigDecimal q = new BigDecimal(sumSq).add(new BigDecimal(sumSqCompensation));
    BigDecimal scaled = q.multiply(n).subtract(s.multiply(s));
    if (scaled.signum() <= 0) {
      return 0.0;
    }
    return Math.sqrt(scaled.divide(n.multiply(n), MathContext.DECIMAL128).doubleValue());
  }

  /**
   * The mean: the compensated sum divided by the count, evaluated exactly and rounded once, or
   * Welford's running mean where the sum overflows.
   */
  private double mean() {
    if (!(Double.isFinite(sum) && Double.isFinite(sumCompensation))) {
      return mean;
    }
    BigDecimal total = new BigDecimal(sum).add(new BigDecimal(sumCompensation));
    return total.divide(BigDecimal.valueOf(finite), MathContext.DECIMAL128).doubleValue();
  }

  /**
   * Buckets of equal width between min and max; boundary i is {@code min + (max - min) * i / 10}, with
   * the last one exactly {@code max}. Counts come from the sketch's PMF: each interval holds a whole sum
   * of the retained items' weights, so rounding {@code PMF * n} recovers it and the counts add up to n.
   */
  private Histogram equalWidth() {
    if (min == max) {
      return Histogram.of(List.of(Bucket.of(min, max, finite)));
    }
    int buckets = FeatureStatisticsFn.EQUAL_WIDTH_BUCKETS;
    double range = max - min;
    double[] bounds = new double[buckets + 1];
    int size = 0;
    bounds[size++] = min;
    for (int i = 1; i < buckets; i++) {
      double t = (double) i / buckets;
      // min + range * t would overflow where max - min does; interpolate there instead.
      double b = Double.isInfinite(range) ? min * (1 - t) + max * t : min + range * i / buckets;
      // Boundaries too close to tell apart (a range of a few ulps) collapse into one bucket.
      if (b > bounds[size - 1] && b < max) {
        bounds[size++] = b;
      }
    }
    bounds[size++] = max;
    double[] splits = new double[size - 2];
    System.arraycopy(bounds, 1, splits, 0, splits.length);
    double[] pmf = sketch.getPMF(splits, EXCLUSIVE);
    List<Bucket> result = new ArrayList<>(size - 1);
    for (int i = 0; i < size - 1; i++) {
      result.add(Bucket.of(bounds[i], bounds[i + 1], Math.rint(pmf[i] * finite)));
    }
    return Histogram.of(result);
  }

  /** Buckets between consecutive deciles, each with a tenth of the values (as TFDV's QUANTILES histogram). */
  private Histogram quantileHistogram(double[] deciles) {
    List<Bucket> result = new ArrayList<>(deciles.length - 1);
    double share = (double) finite / (deciles.length - 1);
    for (int i = 0; i < deciles.length - 1; i++) {
      result.add(Bucket.of(deciles[i], deciles[i + 1], share));
    }
    return Histogram.of(result);
  }

  void encode(DataOutputStream out) throws IOException {
    Varints.write(out, count);
    Varints.write(out, missing);
    Varints.write(out, finite);
    Varints.write(out, zeros);
    Varints.write(out, nan);
    Varints.write(out, infinity);
    if (finite > 0) {
      out.writeDouble(sum);
      out.writeDouble(sumCompensation);
      out.writeDouble(sumSq);
      out.writeDouble(sumSqCompensation);
      out.writeDouble(mean);
      out.writeDouble(m2);
      out.writeDouble(min);
      out.writeDouble(max);
      Varints.writeBytes(out, sketch.toByteArray());
    }
  }

  static NumericAccumulator decode(DataInputStream in) throws IOException {
    NumericAccumulator a = new NumericAccumulator();
    a.count = Varints.read(in);
    a.missing = Varints.read(in);
    a.finite = Varints.read(in);
    a.zeros = Varints.read(in);
    a.nan = Varints.read(in);
    a.infinity = Varints.read(in);
    if (a.finite > 0) {
      a.sum = in.readDouble();
      a.sumCompensation = in.readDouble();
      a.sumSq = in.readDouble();
      a.sumSqCompensation = in.readDouble();
      a.mean = in.readDouble();
      a.m2 = in.readDouble();
      a.min = in.readDouble();
      a.max = in.readDouble();
      a.sketch = KllDoublesSketch.heapify(Memory.wrap(Varints.readBytes(in)));
    }
    return a;
  }
}
