package dev.beamline.evaluation;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
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
 * // Binary model: the curve, calibration and threshold table of class 1.
 * for (ClassificationMetrics.CurvePoint pt : m.curves().get(0).points()) {
 *   plot(pt.falsePositiveRate(), pt.truePositiveRate());
 * }
 * double meanP = m.calibration().get(0).meanPrediction();
 * double f1At05 = m.thresholds().get(4).f1(); // at the default thresholds 0.1 .. 0.9
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
 * @param curves the ROC and precision-recall curve, for 2 classes one of {@code P(class 1)}, for more one per
 *     class (one-vs-rest), in class order
 * @param calibration the calibration of the same scores, in the same order as {@code curves}
 * @param thresholds for 2 classes, the metrics of predicting class 1 when {@code P(class 1) >= t} at each
 *     configured threshold {@code t}, in the configured order; empty for more classes
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
    double averagePrecision,
    List<Curve> curves,
    List<Calibration> calibration,
    List<ThresholdMetrics> thresholds)
    implements Serializable {

  public ClassificationMetrics {
    curves = List.copyOf(curves);
    calibration = List.copyOf(calibration);
    thresholds = List.copyOf(thresholds);
  }

  /** Precision, recall and F1 averaged one way over the classes. */
  public record Averages(double precision, double recall, double f1) implements Serializable {}

  /**
   * The ROC curve and the precision-recall curve of one score (for 2 classes {@code P(class 1)}, for more {@code
   * P(class c)} against "not c"), as points that each carry one threshold. The exact curve has one point per
   * distinct score of an example of positive weight, highest first, preceded by the point of no positive
   * prediction; {@link #points} holds at most the configured number of them, chosen evenly by index, the first and
   * the last always kept.
   *
   * <pre>{@code
   * Curve roc = metrics.curves().get(0);
   * boolean complete = roc.points().size() == roc.exactPointCount();
   * }</pre>
   *
   * @param positiveClass the class whose score this is and that counts as positive
   * @param exactPointCount the number of points of the exact curve; 0 when no example has positive weight
   * @param points the points kept, threshold decreasing
   */
  public record Curve(int positiveClass, int exactPointCount, List<CurvePoint> points) implements Serializable {
    public Curve {
      points = List.copyOf(points);
    }
  }

  /**
   * One point of a {@link Curve}: what predicting positive when the score is {@code >= threshold} gives. The
   * values are those of scikit-learn 1.2's {@code roc_curve(drop_intermediate=False)} and {@code
   * precision_recall_curve} at that threshold, weighted. The first point of a curve is scikit-learn's added
   * start: threshold {@code max score + 1}, no positive prediction, false- and true-positive rate 0, precision
   * 1 and recall 0.
   *
   * <pre>{@code
   * CurvePoint p = curve.points().get(1); // the highest score
   * double f1 = 2 * p.precision() * p.recall() / (p.precision() + p.recall());
   * }</pre>
   *
   * @param threshold the score from which an example is predicted positive
   * @param truePositives the weight of positives with a score {@code >= threshold}
   * @param falsePositives the weight of negatives with a score {@code >= threshold}
   * @param falsePositiveRate {@code falsePositives} over the negatives' weight; {@code NaN} without negatives
   * @param truePositiveRate {@code truePositives} over the positives' weight; {@code NaN} without positives
   * @param precision {@code truePositives} over the weight predicted positive; 0 when that is 0 (1 at the start)
   * @param recall {@code truePositives} over the positives' weight; 1 without positives (0 at the start)
   */
  public record CurvePoint(double threshold, double truePositives, double falsePositives, double falsePositiveRate,
      double truePositiveRate, double precision, double recall) implements Serializable {}

  /**
   * How well one score (for 2 classes {@code P(class 1)}, for more {@code P(class c)}) is calibrated: its weighted
   * mean against the weighted share of positives, overall and in equal-width bins of {@code [0, 1]} (a
   * reliability diagram). Examples of weight 0 are left out.
   *
   * <pre>{@code
   * Calibration c = metrics.calibration().get(0);
   * double overconfidence = c.meanPrediction() - c.meanLabel();
   * }</pre>
   *
   * @param positiveClass the class whose score this is and that counts as positive
   * @param weight the total weight
   * @param meanPrediction the weighted mean score; {@code NaN} when the weight is 0
   * @param meanLabel the weighted share of the positive class; {@code NaN} when the weight is 0
   * @param bins all the configured bins, in increasing order, empty ones included
   */
  public record Calibration(int positiveClass, double weight, double meanPrediction, double meanLabel,
      List<CalibrationBin> bins) implements Serializable {
    public Calibration {
      bins = List.copyOf(bins);
    }
  }

  /**
   * One bin of a {@link Calibration}: a score {@code p} falls in the bin with {@code lower < p <= upper}, the
   * first bin also holding 0, as scikit-learn 1.2's {@code calibration_curve(strategy="uniform")} assigns them
   * ({@code np.searchsorted(bins[1:-1], p)}, numpy's default {@code side="left"}, with the edges of {@code
   * np.linspace(0, 1, n_bins + 1)}). For the bins of positive weight, {@code (fractionOfPositives,
   * meanPrediction)} is that function's {@code (prob_true, prob_pred)}, with the weights applied.
   *
   * <pre>{@code
   * for (CalibrationBin b : calibration.bins()) {
   *   if (b.weight() > 0) plot(b.meanPrediction(), b.fractionOfPositives());
   * }
   * }</pre>
   *
   * @param lower the bin's lower edge
   * @param upper the bin's upper edge
   * @param weight the weight of the examples in the bin
   * @param meanPrediction their weighted mean score; {@code NaN} when the bin is empty
   * @param fractionOfPositives their weighted share of the positive class; {@code NaN} when the bin is empty
   */
  public record CalibrationBin(double lower, double upper, double weight, double meanPrediction,
      double fractionOfPositives) implements Serializable {}

  /**
   * The metrics of a binary model that predicts class 1 when {@code P(class 1) >= threshold}: those of
   * scikit-learn 1.2 on {@code y_pred = (p >= threshold)} with the weights as {@code sample_weight} and {@code
   * zero_division=0}.
   *
   * <pre>{@code
   * ThresholdMetrics t = metrics.thresholds().get(0);
   * double specificity = 1 - t.falsePositiveRate();
   * }</pre>
   *
   * @param threshold the threshold
   * @param truePositives the weight of class 1 predicted 1
   * @param falsePositives the weight of class 0 predicted 1
   * @param trueNegatives the weight of class 0 predicted 0
   * @param falseNegatives the weight of class 1 predicted 0
   * @param precision {@code precision_score}: TP / (TP + FP), 0 when nothing is predicted 1
   * @param recall {@code recall_score}: TP / (TP + FN), 0 without class 1
   * @param f1 {@code f1_score}: {@code 2 P R / (P + R)}, 0 when {@code P + R = 0}
   * @param falsePositiveRate FP / (FP + TN), 0 without class 0
   * @param accuracy {@code accuracy_score}: (TP + TN) over the total weight; {@code NaN} when that is 0
   */
  public record ThresholdMetrics(double threshold, double truePositives, double falsePositives,
      double trueNegatives, double falseNegatives, double precision, double recall, double f1,
      double falsePositiveRate, double accuracy) implements Serializable {}

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
        && Double.compare(averagePrecision, m.averagePrecision) == 0
        && curves.equals(m.curves)
        && calibration.equals(m.calibration)
        && thresholds.equals(m.thresholds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(numClasses, exampleCount, weightedCount, accuracy, Arrays.hashCode(precision),
        Arrays.hashCode(recall), Arrays.hashCode(f1), Arrays.hashCode(support), macro, micro, weighted, logLoss,
        brierScore, Arrays.deepHashCode(confusionCounts), Arrays.deepHashCode(confusionMatrix), rocAuc,
        averagePrecision, curves, calibration, thresholds);
  }

  @Override
  public String toString() {
    return "ClassificationMetrics[numClasses=" + numClasses + ", exampleCount=" + exampleCount + ", weightedCount="
        + weightedCount + ", accuracy=" + accuracy + ", precision=" + Arrays.toString(precision) + ", recall="
        + Arrays.toString(recall) + ", f1=" + Arrays.toString(f1) + ", support=" + Arrays.toString(support)
        + ", macro=" + macro + ", micro=" + micro + ", weighted=" + weighted + ", logLoss=" + logLoss
        + ", brierScore=" + brierScore + ", confusionCounts=" + Arrays.deepToString(confusionCounts)
        + ", confusionMatrix=" + Arrays.deepToString(confusionMatrix) + ", rocAuc=" + rocAuc
        + ", averagePrecision=" + averagePrecision + ", curves=" + curves + ", calibration=" + calibration
        + ", thresholds=" + thresholds + "]";
  }
}
