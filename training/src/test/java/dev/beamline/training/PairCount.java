package dev.beamline.training;

/**
 * The AUC by its definition, for tests: over every (positive, negative) pair of a class, 1 when the
 * positive scores higher, 1/2 on a tie, 0 otherwise, divided by the number of pairs; the mean over
 * classes with both (class 1 alone for two classes). Quadratic, and written without {@link Auc}.
 */
final class PairCount {
  private PairCount() {}

  /** The macro one-against-the-rest AUC of row-major {@code probabilities} ({@code n} rows of {@code classes}). */
  static double oneVsRest(float[] probabilities, long[] labels, int classes, int n) {
    double sum = 0;
    int counted = 0;
    for (int k = classes == 2 ? 1 : 0; k < classes; k++) {
      double wins = 0;
      long pairs = 0;
      for (int i = 0; i < n; i++) {
        if (labels[i] != k) {
          continue;
        }
        float positive = probabilities[i * classes + k];
        for (int j = 0; j < n; j++) {
          if (labels[j] == k) {
            continue;
          }
          float negative = probabilities[j * classes + k];
          pairs++;
          wins += positive > negative ? 1 : positive == negative ? 0.5 : 0;
        }
      }
      if (pairs > 0) {
        sum += wins / pairs;
        counted++;
      }
    }
    return counted == 0 ? Double.NaN : sum / counted;
  }
}
