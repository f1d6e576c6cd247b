package dev.beamline.evaluation;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A classifier's metrics over one set of examples, as {@link ClassificationMetricsFn} computes them. Every
 * rate is weighted by the examples' weights; the definitions and the zero-division conventions are
 * scikit-learn 1.2's with {@code zero_division=0} and {@code labels=range(numClasses)}, and are spelled out on
 * {@link ClassificationMetricsFn}. A value that is undefined (no weight at all; an AUC with a single class
 * present) is {@code NaN}. Equality is by value, bit for bit, arrays included.
 *
 * <pre>{@code
 * ClassificationMetrics m = ...;
 * double auc = m.rocAuc();
 * double macroF1 = m.macro().f1();
 * long missedPositives = m.confusionCounts()[1][0]; // true class 1 predicted as 0
 * }</pre>
 *
 * @param numClasses the number of classes
 * @param exampleCount the number of examples, those of weight 0 included
 * @param weightedCount the sum of the weights
 * @param accuracy the weight of correctly predicted examples over the total weight
 * @param precision per class: weighted true positives over weighted predicted positives
 * @param recall per class: weighted true positives over the class's weight
 * @param f1 per class: the harmonic mean of precision and recall
 * @param support per class: the weight of the examples of that class (scikit-learn's weighted support)
 * @param macro the unweighted mean of the per-class values, over all classes
 * @param micro precision, recall and F1 of the pooled counts (for single-label data each equals accuracy)
 * @param weighted the per-class values averaged with their support as weights
 * @param logLoss the weighted mean negative log probability of the true class
 * @param brierScore for 2 classes, the weighted mean of {@code (P(class 1) - y)^2} (scikit-learn's {@code
 *     brier_score_loss}); for more, the weighted mean over examples of the sum over classes of the squared
 *     error against the one-hot label (twice the binary definition for 2 classes, hence not used there)
 * @param confusionCounts rows are true classes, columns predicted ones, in examples
 * @param confusionMatrix the same in weight, as scikit-learn's {@code confusion_matrix} with sample weights
 * @param rocAuc for 2 classes the ROC AUC of {@code P(class 1)}; for more, the unweighted mean of the
 *     one-vs-rest AUCs ({@code multi_class="ovr", average="macro"})
 * @param averagePrecision for 2 classes the average precision of {@code P(class 1)}; for more, the unweighted
 *     mean of the one-vs-rest average precisions
 */
public record ClassificationMetrics(
    int numClasses,
    long exampleCount,
    double weightedCount,
    double accuracy,
    double[] precision,
    double[] recall,
    double[] f1,
    double[] support,
    Averages macro,
    Averages micro,
    Averages weighted,
    double logLoss,
    double brierScore,
    long[][] confusionCounts,
    double[][] confusionMatrix,
    double rocAuc,
    double averagePrecision)
    implements Serializable {

  /** Precision, recall and F1 averaged one way over the classes. */
  public record Averages(double precision, double recall, double f1) implements Serializable {}

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassificationMetrics m
        && numClasses == m.numClasses
        && exampleCount == m.exampleCount
        && Double.compare(weightedCount, m.weightedCount) == 0
        && Double.compare(accuracy, m.accuracy) == 0
        && Arrays.equals(precision, m.precision)
        && Arrays.equals(recall, m.recall)
        && Arrays.equals(f1, m.f1)
        && Arrays.equals(support, m.support)
        && macro.equals(m.macro)
        && micro.equals(m.micro)
        && weighted.equals(m.weighted)
        && Double.compare(logLoss, m.logLoss) == 0
        && Double.compare(brierScore, m.brierScore) == 0
        && Arrays.deepEquals(confusionCounts, m.confusionCounts)
        && Arrays.deepEquals(confusionMatrix, m.confusionMatrix)
        && Double.compare(rocAuc, m.rocAuc) == 0
        && Double.compare(averagePrecision, m.averagePrecision) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(numClasses, exampleCount, weightedCount, accuracy, Arrays.hashCode(precision),
        Arrays.hashCode(recall), Arrays.hashCode(f1), Arrays.hashCode(support), macro, micro, weighted, logLoss,
        brierScore, Arrays.deepHashCode(confusionCounts), Arrays.deepHashCode(confusionMatrix), rocAuc,
        averagePrecision);
  }

  @Override
  public String toString() {
    return "ClassificationMetrics[numClasses=" + numClasses + ", exampleCount=" + exampleCount + ", weightedCount="
        + weightedCount + ", accuracy=" + accuracy + ", precision=" + Arrays.toString(precision) + ", recall="
        + Arrays.toString(recall) + ", f1=" + Arrays.toString(f1) + ", support=" + Arrays.toString(support)
        + ", macro=" + macro + ", micro=" + micro + ", weighted=" + weighted + ", logLoss=" + logLoss
        + ", brierScore=" + brierScore + ", confusionCounts=" + Arrays.deepToString(confusionCounts)
        + ", confusionMatrix=" + Arrays.deepToString(confusionMatrix) + ", rocAuc=" + rocAuc
        + ", averagePrecision=" + averagePrecision + "]";
  }
}
