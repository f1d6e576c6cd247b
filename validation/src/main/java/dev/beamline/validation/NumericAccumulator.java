package dev.beamline.validation;

import static org.apache.datasketches.quantilescommon.QuantileSearchCriteria.EXCLUSIVE;
import static org.apache.datasketches.quantilescommon.QuantileSearchCriteria.INCLUSIVE;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/**
 * The mergeable state of the statistics of one numeric feature: exact counts, extremes, mean and
 * variance, and a KLL sketch of the finite values. See {@link NumericStatistics} for what comes out.
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
  /** Welford's running mean, which {@link #m2} is relative to. */
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
    if (finite == 0) {
      mean = other.mean;
      m2 = other.m2;
    } else {
      // Chan, Golub and LeVeque's pairwise combination of means and sums of squared differences
      // ("Updating formulae and a pairwise algorithm for computing sample variances", COMPSTAT 1982;
      // Stanford report STAN-CS-79-773): exact in real arithmetic, stable in floating point.
      double na = finite;
      double nb = other.finite;
      double n = na + nb;
      double delta = other.mean - mean;
      mean += delta * (nb / n);
      m2 += other.m2 + delta * delta * (na * nb / n);
    }
    finite += other.finite;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(FeatureStatisticsFn.KLL_K);
    }
    sketch.merge(other.sketch);
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
        Math.sqrt(Math.max(0, m2) / finite),
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

  /** The mean from the compensated sum, or Welford's running mean where the sum overflows. */
  private double mean() {
    double total = sum + sumCompensation;
    return Double.isFinite(total) ? total / finite : mean;
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
      a.mean = in.readDouble();
      a.m2 = in.readDouble();
      a.min = in.readDouble();
      a.max = in.readDouble();
      a.sketch = KllDoublesSketch.heapify(Memory.wrap(Varints.readBytes(in)));
    }
    return a;
  }
}
