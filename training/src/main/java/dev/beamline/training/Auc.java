package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * The area under the ROC curve, exact: the probability that a random positive example scores higher
 * than a random negative one, ties counting one half (the Mann-Whitney U statistic divided by the
 * number of positive-negative pairs). For more than two classes, the unweighted mean of every class's
 * one-against-the-rest AUC (classes with no positive or no negative example left out), as scikit-learn's
 * {@code roc_auc_score(multi_class="ovr", average="macro")}.
 *
 * <p>Sorting costs {@code O(n log n)} and keeps the scores in memory: 4 bytes per example and class.
 * The trainer's eval AUC goes through {@link StreamingAuc}, which uses this class while the eval set is
 * small and bounded histograms past that.
 *
 * <pre>{@code
 * double auc = Auc.binary(scores, positive, n);        // NaN when a class is absent
 * double macro = Auc.oneVsRest(probabilities, labels, numClasses, n);
 * }</pre>
 */
public final class Auc {
  private Auc() {}

  /**
   * The AUC of {@code scores[0..n)}, where {@code positive[i]} says whether example {@code i} is
   * positive; NaN when there are no positive or no negative examples.
   */
  public static double binary(float[] scores, boolean[] positive, int n) {
    checkArgument(n <= scores.length && n <= positive.length, "n = %s exceeds the arrays", n);
    // Sort the examples by score, carrying the label in the lowest bit of a sortable key.
    long[] keys = new long[n];
    long positives = 0;
    for (int i = 0; i < n; i++) {
      checkArgument(!Float.isNaN(scores[i]), "score %s is NaN", i);
      keys[i] = ((long) sortable(scores[i]) << 1) | (positive[i] ? 1 : 0);
      if (positive[i]) {
        positives++;
      }
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    Arrays.sort(keys);
    // Sum over positives of (negatives scored lower + half the negatives scored equal).
    double pairs = 0;
    long negativesBelow = 0;
    int i = 0;
    while (i < n) {
      long score = keys[i] >> 1;
      long pos = 0;
      long neg = 0;
      for (; i < n && keys[i] >> 1 == score; i++) {
        if ((keys[i] & 1) == 1) {
          pos++;
        } else {
          neg++;
        }
      }
      pairs += pos * (negativesBelow + neg / 2.0);
      negativesBelow += neg;
    }
    return pairs / ((double) positives * negatives);
  }

  /**
   * The macro-averaged one-against-the-rest AUC of row-major probabilities ({@code n} rows of {@code
   * numClasses}) against class ids {@code labels}; for two classes, the AUC of class 1's probability.
   * NaN when no class has both positive and negative examples.
   */
  public static double oneVsRest(float[] probabilities, long[] labels, int numClasses, int n) {
    checkArgument(numClasses >= 2, "need two classes or more, not %s", numClasses);
    checkArgument((long) n * numClasses <= probabilities.length && n <= labels.length, "n = %s exceeds the arrays", n);
    float[] scores = new float[n];
    boolean[] positive = new boolean[n];
    double sum = 0;
    int counted = 0;
    for (int k = numClasses == 2 ? 1 : 0; k < numClasses; k++) {
      for (int i = 0; i < n; i++) {
        scores[i] = probabilities[i * numClasses + k];
        positive[i] = labels[i] == k;
      }
      double auc = binary(scores, positive, n);
      if (!Double.isNaN(auc)) {
        sum += auc;
        counted++;
      }
    }
    return counted == 0 ? Double.NaN : sum / counted;
  }

  /** An int whose signed order is the float's numeric order (-0.0 and 0.0 equal). */
  private static int sortable(float f) {
    int bits = Float.floatToIntBits(f == 0 ? 0f : f);
    return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
  }
}
