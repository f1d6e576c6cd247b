package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The metrics of a classifier with a fixed number of classes, as a mergeable {@link Combine.CombineFn} over
 * {@link Prediction}s: accuracy, per-class and averaged precision/recall/F1, log loss, Brier score, the
 * confusion matrix, ROC AUC and average precision, the ROC and precision-recall curves, the calibration
 * (reliability diagram) and, for a binary model, the metrics at a list of decision thresholds. Testable without
 * a pipeline; the evaluate stage applies it per slice.
 *
 * <pre>{@code
 * PCollection<ClassificationMetrics> metrics =
 *     predictions.apply(Combine.globally(ClassificationMetricsFn.of(3)));
 * // or, without a pipeline, with other thresholds and at most 201 points per curve:
 * ClassificationMetricsFn fn = ClassificationMetricsFn.of(2).withThresholds(0.3, 0.5, 0.7).withMaxCurvePoints(201);
 * ClassificationMetricsFn.Accumulator acc = fn.createAccumulator();
 * acc = fn.addInput(acc, Prediction.of(1, new double[] {0.2, 0.8}));
 * ClassificationMetrics m = fn.extractOutput(acc);
 * }</pre>
 *
 * <h2>Definitions</h2>
 *
 * <p>They are scikit-learn 1.2's, with every example weighted by {@link Prediction#weight()} as scikit-learn's
 * {@code sample_weight}, and the classes fixed to {@code labels=range(numClasses)}, so a class that never
 * occurs still has its row, its column and its (zero) entries in the macro average.
 *
 * <ul>
 *   <li>The predicted class is the argmax of the probabilities, ties to the lowest index ({@code numpy.argmax}).
 *   <li>Precision, recall and F1 follow {@code precision_recall_fscore_support} with {@code zero_division=0}: a
 *       class with no predicted weight has precision 0, one with no true weight recall 0, and F1 is 0 where
 *       precision + recall is 0. The weighted average is 0 when the total support is 0.
 *   <li>Log loss is {@code log_loss}: each probability clipped to {@code [eps, 1 - eps]} (eps = 2^-52, the
 *       double's machine epsilon), the row renormalized, then the weighted mean of {@code -ln p(true class)}.
 *   <li>The Brier score, for 2 classes, is {@code brier_score_loss} of {@code P(class 1)}; for more classes it
 *       is the weighted mean of {@code sum_k (p_k - [y = k])^2}, which scikit-learn 1.2 does not offer.
 *   <li>ROC AUC is {@code roc_auc_score} (for more than 2 classes {@code multi_class="ovr", average="macro"}):
 *       the trapezoidal area under the ROC curve through one point per distinct score, so that tied scores
 *       count as half-ordered. Average precision is {@code average_precision_score}: {@code sum_n (R_n -
 *       R_{n-1}) P_n} over the distinct scores, highest first (for more classes, the macro mean of the
 *       one-vs-rest values, as scikit-learn gives for a {@code label_binarize}d target). Examples of weight 0
 *       are left out of both, as scikit-learn does. Where a class (for 2 classes: either class) has no weight,
 *       scikit-learn raises or warns; here the value is {@code NaN}.
 *   <li>Accuracy, log loss and the Brier score are {@code NaN} when the total weight is 0.
 * </ul>
 *
 * <h2>Exactness and merging</h2>
 *
 * <p>The accumulator holds sums kept exactly ({@link ExactSum}) of per-example terms that are each computed
 * the same way whatever the order: the weights, the confusion matrix in counts and weight, the weighted log
 * loss and Brier terms, and, for every class scored (class 1 only for a binary model), the exact weight of
 * positives and negatives at every distinct score, in a sorted map. The curves, the calibration and the
 * threshold metrics are read from that map too (the score-weighted sums of the calibration as exact products
 * of the score and the exact weight). The output is computed from these exact totals in a fixed order, so
 * adding and merging in any order gives bit-identical metrics, and the AUC and the average precision are exact
 * up to the final floating-point divisions. The cost is memory linear in the
 * number of distinct scores (times the number of classes for more than 2); a sketch may replace it later.
 */
public final class ClassificationMetricsFn
    extends MergingCombineFn<Prediction, ClassificationMetricsFn.Accumulator, ClassificationMetrics> {
  private static final long serialVersionUID = 1L;
  /** scikit-learn's {@code eps="auto"} for float64: {@code np.finfo(np.float64).eps}. */
  static final double EPS = Math.ulp(1.0);
  /** The most points a curve keeps unless configured: every percent of its length, both ends included. */
  public static final int DEFAULT_MAX_CURVE_POINTS = 101;
  /** The calibration bins unless configured: scikit-learn's default {@code n_bins}. */
  public static final int DEFAULT_CALIBRATION_BINS = 10;
  // Written as literals, not i / 10.0, so that 0.3 is the double nearest 0.3, as a user would type it.
  private static final double[] DEFAULT_THRESHOLDS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

  private final int numClasses;
  private final int maxCurvePoints;
  private final int calibrationBins;
  private final double[] thresholds;

  private ClassificationMetricsFn(int numClasses, int maxCurvePoints, int calibrationBins, double[] thresholds) {
    super(Accumulator.class, ClassificationMetrics.class);
    this.numClasses = numClasses;
    this.maxCurvePoints = maxCurvePoints;
    this.calibrationBins = calibrationBins;
    this.thresholds = thresholds;
  }

  /**
   * The metrics of a model with {@code numClasses} classes, indexed {@code 0 .. numClasses - 1}, with the default
   * curve points, calibration bins and (for 2 classes) thresholds.
   */
  public static ClassificationMetricsFn of(int numClasses) {
    checkArgument(numClasses >= 2, "numClasses must be at least 2; got %s", numClasses);
    return new ClassificationMetricsFn(numClasses, DEFAULT_MAX_CURVE_POINTS, DEFAULT_CALIBRATION_BINS,
        numClasses == 2 ? DEFAULT_THRESHOLDS.clone() : new double[0]);
  }

  /** The same metrics with at most {@code maxCurvePoints} points, at least 2, kept of each curve. */
  public ClassificationMetricsFn withMaxCurvePoints(int maxCurvePoints) {
    checkArgument(maxCurvePoints >= 2, "maxCurvePoints must be at least 2 (the curve's two ends); got %s",
        maxCurvePoints);
    return new ClassificationMetricsFn(numClasses, maxCurvePoints, calibrationBins, thresholds);
  }

  /** The same metrics with {@code calibrationBins} equal-width calibration bins, at least 1. */
  public ClassificationMetricsFn withCalibrationBins(int calibrationBins) {
    checkArgument(calibrationBins >= 1, "calibrationBins must be at least 1; got %s", calibrationBins);
    return new ClassificationMetricsFn(numClasses, maxCurvePoints, calibrationBins, thresholds);
  }

  /**
   * The same metrics of a binary model with the threshold metrics at {@code thresholds}, each in {@code [0, 1]},
   * reported in the order given (none: no threshold metrics).
   */
  public ClassificationMetricsFn withThresholds(double... thresholds) {
    checkArgument(numClasses == 2, "thresholds apply to a binary model's P(class 1); this model has %s classes",
        numClasses);
    checkArgument(thresholds != null, "thresholds must not be null");
    double[] copy = thresholds.clone();
    for (int i = 0; i < copy.length; i++) {
      checkArgument(copy[i] >= 0 && copy[i] <= 1, "thresholds must be in [0, 1]; got %s",
          Arrays.toString(thresholds));
      // + 0.0 folds -0.0 into 0.0, as the scores are.
      copy[i] += 0.0;
    }
    return new ClassificationMetricsFn(numClasses, maxCurvePoints, calibrationBins, copy);
  }

  public int numClasses() {
    return numClasses;
  }

  public int maxCurvePoints() {
    return maxCurvePoints;
  }

  public int calibrationBins() {
    return calibrationBins;
  }

  /** The thresholds of the threshold metrics; empty for more than 2 classes. */
  public double[] thresholds() {
    return thresholds.clone();
  }

  /** The exact tallies the metrics are computed from; see the class Javadoc. */
  public static final class Accumulator implements MergingCombineFn.Accumulator<Prediction, Accumulator> {
    private static final long serialVersionUID = 1L;

    private final int k;
    private long count;
    private final ExactSum weight = new ExactSum();
    private final long[][] counts;
    private final ExactSum[][] confusion;
    private final ExactSum logLoss = new ExactSum();
    private final ExactSum brier = new ExactSum();
    /** Per scored class: score -> exact weight of (positives, negatives) at that score. */
    /** Written compactly by {@link #writeObject}: Java serialisation of a tree of objects per score is slow. */
    private transient List<TreeMap<Double, Tally>> scores;

    private Accumulator(int k) {
      this.k = k;
      counts = new long[k][k];
      confusion = new ExactSum[k][k];
      for (ExactSum[] row : confusion) {
        for (int j = 0; j < k; j++) {
          row[j] = new ExactSum();
        }
      }
      int scored = k == 2 ? 1 : k;
      scores = new ArrayList<>(scored);
      for (int c = 0; c < scored; c++) {
        scores.add(new TreeMap<>());
      }
    }

    @Override
    public void add(Prediction p) {
      checkArgument(p.numClasses() == k, "a prediction must have %s probabilities; got %s", k, p.numClasses());
      double w = p.weight();
      int y = p.label();
      int predicted = 0;
      double sum = 0;
      double sq = 0;
      for (int c = 0; c < k; c++) {
        double pc = p.probability(c);
        if (pc > p.probability(predicted)) {
          predicted = c;
        }
        sum += Math.min(Math.max(pc, EPS), 1 - EPS);
        double e = pc - (c == y ? 1 : 0);
        sq += e * e;
      }
      count++;
      weight.add(w);
      counts[y][predicted]++;
      confusion[y][predicted].add(w);
      double pTrue = Math.min(Math.max(p.probability(y), EPS), 1 - EPS) / sum;
      logLoss.add(w * -Math.log(pTrue));
      if (k == 2) {
        double e = p.probability(1) - y;
        brier.add(w * (e * e));
      } else {
        brier.add(w * sq);
      }
      if (w > 0) {
        for (int c = 0; c < scores.size(); c++) {
          int scored = k == 2 ? 1 : c;
          // + 0.0 folds -0.0 into 0.0: numpy orders them as equal.
          Tally t = scores.get(c).computeIfAbsent(p.probability(scored) + 0.0, s -> new Tally());
          (y == scored ? t.positive : t.negative).add(w);
        }
      }
    }

    @Override
    public void merge(Accumulator o) {
      checkArgument(o.k == k, "cannot merge accumulators of %s and %s classes", k, o.k);
      count += o.count;
      weight.add(o.weight);
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          counts[i][j] += o.counts[i][j];
          confusion[i][j].add(o.confusion[i][j]);
        }
      }
      logLoss.add(o.logLoss);
      brier.add(o.brier);
      for (int c = 0; c < scores.size(); c++) {
        TreeMap<Double, Tally> mine = scores.get(c);
        for (Map.Entry<Double, Tally> e : o.scores.get(c).entrySet()) {
          Tally t = mine.computeIfAbsent(e.getKey(), s -> new Tally());
          t.positive.add(e.getValue().positive);
          t.negative.add(e.getValue().negative);
        }
      }
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
      out.defaultWriteObject();
      out.writeInt(scores.size());
      for (TreeMap<Double, Tally> m : scores) {
        out.writeInt(m.size());
        for (Map.Entry<Double, Tally> e : m.entrySet()) {
          out.writeDouble(e.getKey());
          e.getValue().positive.write(out);
          e.getValue().negative.write(out);
        }
      }
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
      in.defaultReadObject();
      int n = in.readInt();
      scores = new ArrayList<>(n);
      for (int c = 0; c < n; c++) {
        int size = in.readInt();
        // Written in ascending order: a sorted map built from it is linear, not one insertion per score.
        Double[] keys = new Double[size];
        Tally[] values = new Tally[size];
        for (int i = 0; i < size; i++) {
          keys[i] = in.readDouble();
          values[i] = new Tally(ExactSum.read(in), ExactSum.read(in));
        }
        scores.add(new TreeMap<>(new SortedArrayMap(keys, values)));
      }
    }
  }

  /** The exact weight of the positive and the negative examples at one score. */
  private static final class Tally implements Serializable {
    private static final long serialVersionUID = 1L;
    final ExactSum positive;
    final ExactSum negative;

    Tally() {
      this(new ExactSum(), new ExactSum());
    }

    Tally(ExactSum positive, ExactSum negative) {
      this.positive = positive;
      this.negative = negative;
    }
  }

  /**
   * Sorted keys and their values as a read-only {@link java.util.SortedMap}, so that {@code new
   * TreeMap<>(it)} builds the tree in linear time (TreeMap's {@code buildFromSorted}).
   */
  private static final class SortedArrayMap extends java.util.AbstractMap<Double, Tally> implements java.util.SortedMap<Double, Tally> {
    private final Double[] keys;
    private final Tally[] values;

    SortedArrayMap(Double[] keys, Tally[] values) {
      this.keys = keys;
      this.values = values;
    }

    @Override
    public java.util.Set<Map.Entry<Double, Tally>> entrySet() {
      return new java.util.AbstractSet<>() {
        @Override
        public java.util.Iterator<Map.Entry<Double, Tally>> iterator() {
          return new java.util.Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
              return i < keys.length;
            }

            @Override
            public Map.Entry<Double, Tally> next() {
              Map.Entry<Double, Tally> e = Map.entry(keys[i], values[i]);
              i++;
              return e;
            }
          };
        }

        @Override
        public int size() {
          return keys.length;
        }
      };
    }

    @Override
    public java.util.Comparator<? super Double> comparator() {
      return null;
    }

    @Override
    public java.util.SortedMap<Double, Tally> subMap(Double from, Double to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedMap<Double, Tally> headMap(Double to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.util.SortedMap<Double, Tally> tailMap(Double from) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Double firstKey() {
      return keys[0];
    }

    @Override
    public Double lastKey() {
      return keys[keys.length - 1];
    }
  }

  @Override
  public Accumulator createAccumulator() {
    return new Accumulator(numClasses);
  }

  @Override
  public ClassificationMetrics extractOutput(Accumulator acc) {
    int k = acc.k;
    double total = acc.weight.value();
    long[][] counts = new long[k][];
    double[][] matrix = new double[k][k];
    ExactSum[] trueSums = new ExactSum[k];
    ExactSum[] predSums = new ExactSum[k];
    ExactSum correct = new ExactSum();
    for (int i = 0; i < k; i++) {
      trueSums[i] = new ExactSum();
      predSums[i] = new ExactSum();
    }
    for (int i = 0; i < k; i++) {
      counts[i] = acc.counts[i].clone();
      for (int j = 0; j < k; j++) {
        matrix[i][j] = acc.confusion[i][j].value();
        trueSums[i].add(acc.confusion[i][j]);
        predSums[j].add(acc.confusion[i][j]);
      }
      correct.add(acc.confusion[i][i]);
    }
    double[] precision = new double[k];
    double[] recall = new double[k];
    double[] f1 = new double[k];
    double[] support = new double[k];
    for (int c = 0; c < k; c++) {
      double tp = matrix[c][c];
      double predicted = predSums[c].value();
      support[c] = trueSums[c].value();
      precision[c] = predicted > 0 ? tp / predicted : 0;
      recall[c] = support[c] > 0 ? tp / support[c] : 0;
      double denom = precision[c] + recall[c];
      f1[c] = denom == 0 ? 0 : 2 * precision[c] * recall[c] / denom;
    }
    double tpAll = correct.value();
    double micro = total > 0 ? tpAll / total : 0;
    double supportTotal = 0;
    for (double s : support) {
      supportTotal += s;
    }
    ClassificationMetrics.Averages weighted = supportTotal > 0
        ? new ClassificationMetrics.Averages(
            weightedMean(precision, support, supportTotal), weightedMean(recall, support, supportTotal),
            weightedMean(f1, support, supportTotal))
        : new ClassificationMetrics.Averages(0, 0, 0);
    List<ClassificationMetrics.Curve> curves = new ArrayList<>();
    List<ClassificationMetrics.Calibration> calibration = new ArrayList<>();
    for (int c = 0; c < acc.scores.size(); c++) {
      int positive = k == 2 ? 1 : c;
      curves.add(curve(positive, acc.scores.get(c), maxCurvePoints));
      calibration.add(calibration(positive, acc.scores.get(c), calibrationBins));
    }
    List<ClassificationMetrics.ThresholdMetrics> atThresholds = new ArrayList<>();
    for (double t : thresholds) {
      atThresholds.add(atThreshold(acc.scores.get(0), t));
    }
    double rocAuc;
    double averagePrecision;
    if (k == 2) {
      rocAuc = rocAuc(acc.scores.get(0));
      averagePrecision = averagePrecision(acc.scores.get(0));
    } else {
      double aucSum = 0;
      double apSum = 0;
      for (TreeMap<Double, Tally> m : acc.scores) {
        aucSum += rocAuc(m);
        apSum += averagePrecision(m);
      }
      rocAuc = aucSum / k;
      averagePrecision = apSum / k;
    }
    return new ClassificationMetrics(
        k,
        acc.count,
        total,
        total > 0 ? tpAll / total : Double.NaN,
        precision,
        recall,
        f1,
        support,
        new ClassificationMetrics.Averages(mean(precision), mean(recall), mean(f1)),
        new ClassificationMetrics.Averages(micro, micro, micro),
        weighted,
        total > 0 ? acc.logLoss.value() / total : Double.NaN,
        total > 0 ? acc.brier.value() / total : Double.NaN,
        counts,
        matrix,
        rocAuc,
        averagePrecision,
        curves,
        calibration,
        atThresholds);
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double weightedMean(double[] x, double[] w, double wTotal) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += x[i] * w[i];
    }
    return s / wTotal;
  }

  /**
   * The area under the ROC curve through one point per distinct score, highest score first (the trapezoid
   * rule, as {@code sklearn.metrics.roc_auc_score}); {@code NaN} when either class has no weight.
   */
  private static double rocAuc(TreeMap<Double, Tally> byScore) {
    ExactSum tp = new ExactSum();
    ExactSum fp = new ExactSum();
    double prevTp = 0;
    double prevFp = 0;
    double area = 0;
    for (Tally t : byScore.descendingMap().values()) {
      tp.add(t.positive);
      fp.add(t.negative);
      double tpNow = tp.value();
      double fpNow = fp.value();
      area += (fpNow - prevFp) * (tpNow + prevTp) / 2;
      prevTp = tpNow;
      prevFp = fpNow;
    }
    return prevTp > 0 && prevFp > 0 ? area / (prevTp * prevFp) : Double.NaN;
  }

  /**
   * {@code sum_n (R_n - R_{n-1}) P_n} over the distinct scores, highest first, as {@code
   * sklearn.metrics.average_precision_score}; {@code NaN} when no positive has weight.
   */
  private static double averagePrecision(TreeMap<Double, Tally> byScore) {
    ExactSum positives = new ExactSum();
    for (Tally t : byScore.values()) {
      positives.add(t.positive);
    }
    double allPositives = positives.value();
    if (!(allPositives > 0)) {
      return Double.NaN;
    }
    ExactSum tp = new ExactSum();
    ExactSum fp = new ExactSum();
    double prevRecall = 0;
    double ap = 0;
    for (Tally t : byScore.descendingMap().values()) {
      tp.add(t.positive);
      fp.add(t.negative);
      double tpNow = tp.value();
      double predicted = tpNow + fp.value();
      double recall = tpNow / allPositives;
      ap += (recall - prevRecall) * (predicted > 0 ? tpNow / predicted : 0);
      prevRecall = recall;
    }
    return ap;
  }

  /**
   * The curve through one point per distinct score, highest first, after scikit-learn 1.2's start point, keeping
   * at most {@code maxPoints} of them: those at indices {@code floor(i (n - 1) / (maxPoints - 1))}, which are
   * distinct (the step is above 1 when there are more than {@code maxPoints}) and include both ends.
   */
  private static ClassificationMetrics.Curve curve(int positiveClass, TreeMap<Double, Tally> byScore,
      int maxPoints) {
    if (byScore.isEmpty()) {
      return new ClassificationMetrics.Curve(positiveClass, 0, List.of());
    }
    ExactSum positives = new ExactSum();
    ExactSum negatives = new ExactSum();
    for (Tally t : byScore.values()) {
      positives.add(t.positive);
      negatives.add(t.negative);
    }
    double allPositives = positives.value();
    double allNegatives = negatives.value();
    int n = byScore.size() + 1;
    List<ClassificationMetrics.CurvePoint> points = new ArrayList<>(Math.min(n, maxPoints));
    // scikit-learn 1.2's roc_curve starts at threshold max + 1 (1.3 and later use infinity).
    points.add(new ClassificationMetrics.CurvePoint(byScore.lastKey() + 1, 0, 0, allNegatives > 0 ? 0 : Double.NaN,
        allPositives > 0 ? 0 : Double.NaN, 1, 0));
    ExactSum tp = new ExactSum();
    ExactSum fp = new ExactSum();
    ExactSum predicted = new ExactSum();
    int index = 0;
    int kept = 1;
    long next = n <= maxPoints ? 1 : nextIndex(kept, n, maxPoints);
    for (Map.Entry<Double, Tally> e : byScore.descendingMap().entrySet()) {
      index++;
      Tally t = e.getValue();
      tp.add(t.positive);
      fp.add(t.negative);
      predicted.add(t.positive);
      predicted.add(t.negative);
      if (index != next) {
        continue;
      }
      double tpNow = tp.value();
      double fpNow = fp.value();
      double predictedNow = predicted.value();
      points.add(new ClassificationMetrics.CurvePoint(e.getKey(), tpNow, fpNow,
          allNegatives > 0 ? fpNow / allNegatives : Double.NaN,
          allPositives > 0 ? tpNow / allPositives : Double.NaN,
          predictedNow > 0 ? tpNow / predictedNow : 0,
          // precision_recall_curve sets the recall to 1 everywhere when there is no positive.
          allPositives > 0 ? tpNow / allPositives : 1));
      kept++;
      next = n <= maxPoints ? index + 1 : nextIndex(kept, n, maxPoints);
    }
    return new ClassificationMetrics.Curve(positiveClass, n, points);
  }

  /** The index of the {@code i}-th point kept of {@code n} when {@code max < n} are kept evenly. */
  private static long nextIndex(int i, int n, int max) {
    return (long) i * (n - 1) / (max - 1);
  }

  /**
   * The calibration of one score from its tallies. The edges are numpy's {@code linspace(0, 1, bins + 1)}: {@code
   * i * (1.0 / bins)}, the last exactly 1; a score goes to the bin {@code np.searchsorted} (side "left") gives it
   * among the inner edges, the number of inner edges strictly below it.
   */
  private static ClassificationMetrics.Calibration calibration(int positiveClass, TreeMap<Double, Tally> byScore,
      int bins) {
    double step = 1.0 / bins;
    ExactSum[] binWeight = new ExactSum[bins];
    ExactSum[] binPositive = new ExactSum[bins];
    ExactSum[] binScoreWeight = new ExactSum[bins];
    for (int b = 0; b < bins; b++) {
      binWeight[b] = new ExactSum();
      binPositive[b] = new ExactSum();
      binScoreWeight[b] = new ExactSum();
    }
    for (Map.Entry<Double, Tally> e : byScore.entrySet()) {
      double score = e.getKey();
      int b = bin(score, bins, step);
      ExactSum w = new ExactSum();
      w.add(e.getValue().positive);
      w.add(e.getValue().negative);
      binWeight[b].add(w);
      binPositive[b].add(e.getValue().positive);
      binScoreWeight[b].addProduct(w, score);
    }
    ExactSum weight = new ExactSum();
    ExactSum positive = new ExactSum();
    BigDecimal scoreWeight = BigDecimal.ZERO;
    List<ClassificationMetrics.CalibrationBin> out = new ArrayList<>(bins);
    for (int b = 0; b < bins; b++) {
      weight.add(binWeight[b]);
      positive.add(binPositive[b]);
      scoreWeight = scoreWeight.add(binScoreWeight[b].exact());
      BigDecimal w = binWeight[b].exact();
      out.add(new ClassificationMetrics.CalibrationBin(b * step, b == bins - 1 ? 1.0 : (b + 1) * step,
          w.doubleValue(), ratio(binScoreWeight[b].exact(), w), ratio(binPositive[b].exact(), w)));
    }
    BigDecimal total = weight.exact();
    return new ClassificationMetrics.Calibration(positiveClass, total.doubleValue(), ratio(scoreWeight, total),
        ratio(positive.exact(), total), out);
  }

  /** The bin of {@code score}: the number of inner edges {@code i * step}, {@code 0 < i < bins}, below it. */
  static int bin(double score, int bins, double step) {
    // A first guess from the product, then moved to agree with the edges as numpy computes them.
    int b = Math.max(0, Math.min(bins - 1, (int) Math.ceil(score * bins) - 1));
    while (b > 0 && b * step >= score) {
      b--;
    }
    while (b < bins - 1 && (b + 1) * step < score) {
      b++;
    }
    return b;
  }

  /** {@code a / b} rounded once to a double (through 34 digits); {@code NaN} when {@code b} is 0. */
  private static double ratio(BigDecimal a, BigDecimal b) {
    return b.signum() == 0 ? Double.NaN : a.divide(b, MathContext.DECIMAL128).doubleValue();
  }

  /** The metrics of predicting positive when the score is {@code >= threshold}. */
  private static ClassificationMetrics.ThresholdMetrics atThreshold(TreeMap<Double, Tally> byScore,
      double threshold) {
    ExactSum tpSum = new ExactSum();
    ExactSum fpSum = new ExactSum();
    ExactSum fnSum = new ExactSum();
    ExactSum tnSum = new ExactSum();
    for (Tally t : byScore.tailMap(threshold, true).values()) {
      tpSum.add(t.positive);
      fpSum.add(t.negative);
    }
    for (Tally t : byScore.headMap(threshold, false).values()) {
      fnSum.add(t.positive);
      tnSum.add(t.negative);
    }
    double tp = tpSum.value();
    double fp = fpSum.value();
    double fn = fnSum.value();
    double tn = tnSum.value();
    double predicted = sum(tpSum, fpSum);
    double actual = sum(tpSum, fnSum);
    double negatives = sum(fpSum, tnSum);
    ExactSum all = new ExactSum();
    all.add(tpSum);
    all.add(fpSum);
    all.add(fnSum);
    all.add(tnSum);
    double total = all.value();
    double precision = predicted > 0 ? tp / predicted : 0;
    double recall = actual > 0 ? tp / actual : 0;
    double denom = precision + recall;
    return new ClassificationMetrics.ThresholdMetrics(threshold, tp, fp, tn, fn, precision, recall,
        denom == 0 ? 0 : 2 * precision * recall / denom, negatives > 0 ? fp / negatives : 0,
        total > 0 ? sum(tpSum, tnSum) / total : Double.NaN);
  }

  private static double sum(ExactSum a, ExactSum b) {
    ExactSum s = new ExactSum();
    s.add(a);
    s.add(b);
    return s.value();
  }
}
