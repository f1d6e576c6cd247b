package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * The one-against-the-rest AUC of a stream of class probabilities, in bounded memory and mergeable:
 * exact while the stream is small, then from fixed-bin score histograms with an error bound computed
 * alongside. The AUC is that of {@link Auc#oneVsRest}: per class, the probability that a random
 * positive scores higher than a random negative, ties counting one half (Mann and Whitney 1947);
 * averaged over the classes that have both, or class 1's alone for two classes.
 *
 * <p><b>Exact</b> while at most {@code exactLimit} probabilities (rows times classes; {@value
 * #EXACT_LIMIT} by default, 16 MiB) have been added: they are kept and sorted at the end.
 *
 * <p><b>Binned</b> past that: each class keeps two histograms (positives, negatives) of its score over
 * fixed bins, and the rows are dropped. A score {@code s} is binned by {@code q = min(s, 1 - s)}, the
 * distance to the nearer end, on a log scale: the bins of {@code q} are {@code [2^e (1 + j 2^-m), 2^e
 * (1 + (j + 1) 2^-m))} for exponents {@code e} from -60 to -1 and {@code j < 2^m} ({@code q < 2^-60} is one
 * bin), mirrored for {@code s > 1/2}. With {@code m = }{@value #MANTISSA_BITS} (fewer above {@value
 * #CLASSES_AT_FULL_RESOLUTION} classes, so that the histograms stay under 64 MiB) two scores share a
 * bin only if their {@code q} differ by less than {@code 2^-m} (0.8%) relatively. Scores in one bin
 * count as ties, so the binned AUC is the exact AUC of the scores rounded to their bins, and it differs
 * from the exact AUC of the scores by at most
 *
 * <pre>    bound = 1/2 * sum over bins b of pos_b * neg_b / (P * N)</pre>
 *
 * <p>per class ({@code P}, {@code N}: the class's positives and negatives; {@code pos_b}, {@code
 * neg_b}: those in bin {@code b}), because only the pairs within a bin can be misordered and each
 * counts one half instead of 0 or 1. The mean over classes is within the mean of their bounds, which
 * {@link Estimate#errorBound} reports (0 when exact). Memory: two histograms of 15,108 bins of 8 bytes,
 * 236 KiB, per class at full resolution, whatever the number of rows.
 *
 * <p>Merging adds histograms (or concatenates rows while the total stays under the limit), so the
 * result does not depend on the order of adds and merges.
 *
 * <pre>{@code
 * StreamingAuc auc = StreamingAuc.create(3);
 * auc.add(probabilities, labels, rows);     // row-major, rows x 3
 * auc.merge(otherShard);
 * StreamingAuc.Estimate e = auc.estimate(); // e.auc(), e.errorBound(), e.exact()
 * }</pre>
 */
public final class StreamingAuc {
  /** Probabilities (rows times classes) kept for the exact AUC before switching to histograms. */
  public static final int EXACT_LIMIT = 1 << 22;
  /** Mantissa bits of the bins at full resolution: a relative bin width of {@code 2^-7}. */
  public static final int MANTISSA_BITS = 7;
  /** Up to this many classes the bins have {@value #MANTISSA_BITS} mantissa bits. */
  public static final int CLASSES_AT_FULL_RESOLUTION = 277;

  private static final long HISTOGRAM_BUDGET_BYTES = 64L << 20;
  /** Biased float exponent of 2^-60: smaller distances to 0 or 1 share the lowest bin. */
  private static final int MIN_EXPONENT = 127 - 60;
  /** Biased float exponent of 0.5, the largest distance. */
  private static final int MAX_EXPONENT = 126;

  /**
   * The AUC and how far it may be from the exact one.
   *
   * @param auc the macro one-against-the-rest AUC; NaN when no class has positives and negatives
   * @param errorBound the largest possible difference from the exact AUC (0 when exact)
   * @param exact whether every probability was kept
   */
  public record Estimate(double auc, double errorBound, boolean exact) {}

  private final int numClasses;
  private final int exactLimit;
  private final int mantissaBits;
  private final int halfBins;
  // Exact phase: row-major probabilities and labels, `rows` of them.
  private float[] probabilities = new float[0];
  private long[] labels = new long[0];
  private int rows;
  // Binned phase (null before): [class][bin] counts of positives and negatives.
  private long[][] positives;
  private long[][] negatives;

  private StreamingAuc(int numClasses, int exactLimit) {
    checkArgument(numClasses >= 2, "need two classes or more, not %s", numClasses);
    checkArgument(exactLimit >= 0, "exactLimit must be 0 or more, got %s", exactLimit);
    this.numClasses = numClasses;
    this.exactLimit = exactLimit;
    this.mantissaBits = mantissaBits(numClasses);
    this.halfBins = (MAX_EXPONENT - MIN_EXPONENT) * (1 << mantissaBits) + 2;
  }

  /** An empty AUC of {@code numClasses} classes, exact up to {@value #EXACT_LIMIT} probabilities. */
  public static StreamingAuc create(int numClasses) {
    return new StreamingAuc(numClasses, EXACT_LIMIT);
  }

  /** An empty AUC that keeps at most {@code exactLimit} probabilities before binning them. */
  static StreamingAuc create(int numClasses, int exactLimit) {
    return new StreamingAuc(numClasses, exactLimit);
  }

  /** The mantissa bits of the bins for {@code numClasses}: the most, up to 7, within the memory budget. */
  static int mantissaBits(int numClasses) {
    for (int m = MANTISSA_BITS; m > 0; m--) {
      long bins = 2L * ((MAX_EXPONENT - MIN_EXPONENT) * (1L << m) + 2);
      if (numClasses * bins * 2 * Long.BYTES <= HISTOGRAM_BUDGET_BYTES) {
        return m;
      }
    }
    return 0;
  }

  /** The number of score bins per class histogram. */
  int bins() {
    return 2 * halfBins;
  }

  /**
   * Adds {@code n} rows: {@code probabilities} row-major ({@code n} times the number of classes, each a
   * score in [0, 1]; outside it counts as the nearer end) and their class ids {@code labels} (ids
   * outside the classes count as a negative of every class).
   */
  public void add(float[] probabilities, long[] labels, int n) {
    checkArgument(n >= 0 && (long) n * numClasses <= probabilities.length && n <= labels.length,
        "n = %s rows of %s classes exceed the arrays (%s probabilities, %s labels)", n, numClasses, probabilities.length, labels.length);
    for (int i = 0; i < n * numClasses; i++) {
      checkArgument(!Float.isNaN(probabilities[i]), "probability %s of row %s is NaN", i % numClasses, i / numClasses);
    }
    if (positives == null && (long) (rows + n) * numClasses <= exactLimit) {
      keep(probabilities, labels, n);
      return;
    }
    toHistograms();
    for (int i = 0; i < n; i++) {
      count(probabilities, i * numClasses, labels[i]);
    }
  }

  /** Adds the rows of {@code other}, an AUC of as many classes; {@code other} is left unchanged. */
  public void merge(StreamingAuc other) {
    checkArgument(other.numClasses == numClasses && other.exactLimit == exactLimit,
        "cannot merge an AUC of %s classes (exact up to %s) into one of %s (exact up to %s)",
        other.numClasses, other.exactLimit, numClasses, exactLimit);
    if (other.positives == null) {
      add(other.probabilities, other.labels, other.rows);
      return;
    }
    toHistograms();
    for (int k = 0; k < numClasses; k++) {
      for (int b = 0; b < positives[k].length; b++) {
        positives[k][b] += other.positives[k][b];
        negatives[k][b] += other.negatives[k][b];
      }
    }
  }

  /** Whether every probability is still kept. */
  public boolean exact() {
    return positives == null;
  }

  /** The bytes of the arrays held: the kept rows while exact, then the histograms, whatever the rows. */
  public long retainedBytes() {
    if (positives == null) {
      return (long) probabilities.length * Float.BYTES + (long) labels.length * Long.BYTES;
    }
    return 2L * numClasses * bins() * Long.BYTES;
  }

  /** The AUC of the rows added so far, with its error bound. */
  public Estimate estimate() {
    if (positives == null) {
      return new Estimate(Auc.oneVsRest(probabilities, labels, numClasses, rows), 0, true);
    }
    double sum = 0;
    double bound = 0;
    int counted = 0;
    for (int k = numClasses == 2 ? 1 : 0; k < numClasses; k++) {
      long[] pos = positives[k];
      long[] neg = negatives[k];
      long p = 0;
      long n = 0;
      for (int b = 0; b < pos.length; b++) {
        p += pos[b];
        n += neg[b];
      }
      if (p == 0 || n == 0) {
        continue;
      }
      // Positives beat the negatives of lower bins, and tie those of their own.
      double wins = 0;
      double tiedPairs = 0;
      long negativesBelow = 0;
      for (int b = 0; b < pos.length; b++) {
        wins += pos[b] * (negativesBelow + neg[b] / 2.0);
        tiedPairs += (double) pos[b] * neg[b];
        negativesBelow += neg[b];
      }
      double pairs = (double) p * n;
      sum += wins / pairs;
      bound += tiedPairs / 2 / pairs;
      counted++;
    }
    return counted == 0 ? new Estimate(Double.NaN, 0, false) : new Estimate(sum / counted, bound / counted, false);
  }

  private void keep(float[] batchProbabilities, long[] batchLabels, int n) {
    int need = rows + n;
    if (labels.length < need) {
      // Doubling, but never past what the exact phase may hold.
      int capacity = Math.max(need, Math.min(Math.max(labels.length * 2, 16), exactLimit / numClasses));
      labels = Arrays.copyOf(labels, capacity);
      probabilities = Arrays.copyOf(probabilities, capacity * numClasses);
    }
    System.arraycopy(batchLabels, 0, labels, rows, n);
    System.arraycopy(batchProbabilities, 0, probabilities, rows * numClasses, n * numClasses);
    rows = need;
  }

  /** Moves the kept rows into the histograms and drops them; nothing when binned already. */
  private void toHistograms() {
    if (positives != null) {
      return;
    }
    positives = new long[numClasses][bins()];
    negatives = new long[numClasses][bins()];
    for (int i = 0; i < rows; i++) {
      count(probabilities, i * numClasses, labels[i]);
    }
    probabilities = new float[0];
    labels = new long[0];
    rows = 0;
  }

  private void count(float[] p, int offset, long label) {
    for (int k = 0; k < numClasses; k++) {
      int b = bin(p[offset + k]);
      if (label == k) {
        positives[k][b]++;
      } else {
        negatives[k][b]++;
      }
    }
  }

  /** The bin of score {@code s}: non-decreasing in {@code s}, from 0 (s = 0) to {@code bins() - 1} (s = 1). */
  int bin(float s) {
    float clamped = Math.max(0f, Math.min(1f, s));
    if (clamped <= 0.5f) {
      return halfIndex(clamped);
    }
    // 1 - s is exact for s in [1/2, 1] (Sterbenz), so the mirror loses nothing.
    return 2 * halfBins - 1 - halfIndex(1f - clamped);
  }

  /** The bin of a distance {@code q} in [0, 1/2]: 0 below 2^-60, then by exponent and top mantissa bits. */
  private int halfIndex(float q) {
    int bits = Float.floatToIntBits(q);
    int exponent = bits >>> 23;
    if (exponent < MIN_EXPONENT) {
      return 0;
    }
    int mantissa = (bits & 0x7FFFFF) >>> (23 - mantissaBits);
    return 1 + ((exponent - MIN_EXPONENT) << mantissaBits) + mantissa;
  }
}
