package dev.beamline.transform;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.DoublesSortedView;

/**
 * Quantile bucket boundaries of finite values, from a KLL sketch (Karnin, Lang and Liberty, "Optimal
 * quantile approximation in streams", FOCS 2016; Apache DataSketches): the state of the bucketize
 * analyzer.
 *
 * <p>Boundary {@code i} of {@code n} buckets is the smallest value {@code v} with at least {@code i/n}
 * of the values {@code <= v} (the inverse of the empirical distribution function), for i = 1..n-1;
 * equal boundaries are kept once. The answer is exact while the sketch retains every value: up to
 * {@value #K} values, in every merge order. Past that each boundary's rank is off by at most {@code
 * KllSketch.getNormalizedRankError(200, false)}, about 1.33% of the values, with 99% confidence; the
 * sketch then compacts at random, so two runs may give slightly different boundaries.
 *
 * <pre>{@code
 * Quantiles q = new Quantiles();
 * for (double x : new double[] {1, 2, 3, 4}) q.add(x);
 * q.boundaries(2);   // [2.0]
 * }</pre>
 */
final class Quantiles {
  /** The sketch's accuracy parameter. */
  static final int K = 200;

  /** Created with the first value, so that accumulators of empty shards stay small. */
  private KllDoublesSketch sketch;

  void add(double x) {
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(K);
    }
    sketch.update(x);
  }

  /** Adds {@code other} into this; {@code other} is left unchanged. */
  void merge(Quantiles other) {
    if (other.sketch == null) {
      return;
    }
    if (sketch == null) {
      sketch = KllDoublesSketch.newHeapInstance(K);
    }
    sketch.merge(other.sketch);
  }

  long count() {
    return sketch == null ? 0 : sketch.getN();
  }

  /** The distinct, sorted boundaries of {@code buckets} quantile buckets; none without values. */
  double[] boundaries(int buckets) {
    if (sketch == null || sketch.isEmpty()) {
      return new double[0];
    }
    // The sorted view holds the retained values with integer cumulative weights, so "at least i/n of
    // the values" is tested in exact integer arithmetic: weight * n >= i * total.
    DoublesSortedView view = sketch.getSortedView();
    double[] values = view.getQuantiles();
    long[] cumulative = view.getCumulativeWeights();
    long total = view.getN();
    double[] out = new double[buckets - 1];
    int size = 0;
    int j = 0;
    for (int i = 1; i < buckets; i++) {
      // The last cumulative weight is the total, which always qualifies: j stays in range.
      while (Math.multiplyExact(cumulative[j], (long) buckets) < Math.multiplyExact((long) i, total)) {
        j++;
      }
      if (size == 0 || values[j] > out[size - 1]) {
        out[size++] = values[j];
      }
    }
    return Arrays.copyOf(out, size);
  }

  void encode(DataOutputStream out) throws IOException {
    if (sketch == null) {
      out.writeInt(-1);
      return;
    }
    // Building the sorted view sorts level 0 in place and flags it sorted: the bytes then no longer
    // depend on the order the values came in (while the sketch is exact), and a decoded copy writes the
    // same bytes again.
    sketch.getSortedView();
    byte[] b = sketch.toByteArray();
    out.writeInt(b.length);
    out.write(b);
  }

  static Quantiles decode(DataInputStream in) throws IOException {
    Quantiles q = new Quantiles();
    int n = in.readInt();
    if (n >= 0) {
      byte[] b = new byte[n];
      in.readFully(b);
      q.sketch = KllDoublesSketch.heapify(Memory.wrap(b));
    }
    return q;
  }
}
