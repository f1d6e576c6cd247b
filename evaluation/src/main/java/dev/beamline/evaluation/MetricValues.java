package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The metrics of one slice as named numbers: {@link ClassificationMetrics} or {@link RegressionMetrics} flattened
 * into an ordered map under stable snake_case names, the names that blessing thresholds ({@link MetricThreshold})
 * and reports use. {@link #describe} gives each name's one-line definition, {@link #DEFINITIONS} all of them.
 *
 * <pre>{@code
 * Map<String, Double> values = MetricValues.of(classification, List.of("Adelie", "Chinstrap", "Gentoo"));
 * values.get("f1_macro");
 * values.get("recall/Gentoo");
 * MetricValues.of(regression).get("residual_p50");
 * MetricValues.describe("recall/Gentoo"); // "the weight of the examples of class Gentoo predicted as Gentoo, ..."
 * }</pre>
 *
 * <p>Classification, in this order: {@code example_count, weighted_count, accuracy, precision_macro,
 * recall_macro, f1_macro, precision_micro, recall_micro, f1_micro, precision_weighted, recall_weighted,
 * f1_weighted, roc_auc, pr_auc, log_loss, brier_score}, for 2 classes {@code mean_prediction, mean_label} (of
 * class 1), then {@code precision/<class>} for every class, {@code recall/<class>}, {@code f1/<class>}.
 * Regression: {@code example_count, weighted_count, mse, rmse, mae, r2, mean_label, mean_prediction}, then {@code
 * residual_p<pct>} per configured quantile ({@code residual_p50} for 0.5, {@code residual_p2.5} for 0.025).
 * Undefined values are {@code NaN}, never left out, so a threshold on one fails with that reason.
 */
public final class MetricValues {
  /**
   * Every name with its one-line definition, in the order above; {@code <class>} and {@code <pct>} stand for a
   * class name and a percentage. The bias metrics of {@link BiasGaps} are included, as the report explains them
   * too.
   */
  public static final Map<String, String> DEFINITIONS = definitions();

  private MetricValues() {}

  private static Map<String, String> definitions() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("example_count", "the number of examples, those of weight 0 included");
    d.put("weighted_count", "the sum of the examples' weights");
    d.put("accuracy", "the weight of the correctly predicted examples over the total weight; the predicted class"
        + " is the most probable one (accuracy_score)");
    for (String m : List.of("precision", "recall", "f1")) {
      d.put(m + "_macro", m + " of each class averaged with equal weight per class (scikit-learn's average='macro')");
      d.put(m + "_micro", m + " of the counts pooled over all classes; equal to accuracy for single-label data"
          + " (average='micro')");
      d.put(m + "_weighted", m + " of each class averaged with the class's weight as its weight"
          + " (average='weighted')");
    }
    d.put("roc_auc", "the area under the ROC curve of P(class 1), ties counted half (roc_auc_score); for more than 2"
        + " classes the mean of the one-vs-rest areas (multi_class='ovr', average='macro')");
    d.put("pr_auc", "the average precision, the area under the precision-recall curve as the sum of"
        + " (R_n - R_n-1) P_n over the thresholds (average_precision_score); for more than 2 classes the mean of"
        + " the one-vs-rest values");
    d.put("log_loss", "the weighted mean of -ln P(true class), probabilities clipped to [2^-52, 1 - 2^-52]"
        + " (log_loss)");
    d.put("brier_score", "for 2 classes the weighted mean of (P(class 1) - y)^2 (brier_score_loss); for more the"
        + " weighted mean of the sum over classes of (p_k - [y = k])^2");
    d.put("mean_prediction", "the weighted mean prediction: P(class 1) for a binary classifier, the predicted value"
        + " for a regression model");
    d.put("mean_label", "the weighted mean label: the share of class 1 for a binary classifier, the true value for"
        + " a regression model");
    d.put("precision/<class>", "the weight of the examples predicted as <class> that are <class>, over the weight"
        + " predicted as <class>; 0 when none is");
    d.put("recall/<class>", "the weight of the examples of class <class> predicted as <class>, over the weight of"
        + " class <class>; 0 when it has none");
    d.put("f1/<class>", "the harmonic mean of precision/<class> and recall/<class>; 0 when both are 0");
    d.put("mse", "the mean squared error: the weighted mean of (label - prediction)^2 (mean_squared_error)");
    d.put("rmse", "the root mean squared error: the square root of mse");
    d.put("mae", "the mean absolute error: the weighted mean of |label - prediction| (mean_absolute_error)");
    d.put("r2", "the coefficient of determination, 1 - sum w (y - p)^2 / sum w (y - mean y)^2 (r2_score); for a"
        + " constant label 1 when every prediction is exact, else 0");
    d.put("residual_p<pct>", "the <pct>th percentile of label - prediction over the examples, unweighted, linearly"
        + " interpolated (numpy.quantile)");
    d.put(BiasGaps.POSITIVE_RATE, "the share of a group's weight predicted as the positive class; its gap between"
        + " groups measures demographic parity");
    d.put(BiasGaps.POSITIVE_RATE + "/<class>", "the share of a group's weight predicted as <class>; its gap between"
        + " groups measures demographic parity");
    d.put(BiasGaps.TRUE_POSITIVE_RATE, "the share of a group's positive weight predicted positive; its gap between"
        + " groups measures equal opportunity");
    d.put(BiasGaps.TRUE_POSITIVE_RATE + "/<class>", "the share of a group's weight of class <class> predicted as"
        + " <class>; its gap between groups measures equal opportunity");
    d.put(BiasGaps.FALSE_POSITIVE_RATE, "the share of a group's negative weight predicted positive");
    d.put(BiasGaps.FALSE_POSITIVE_RATE + "/<class>", "the share of a group's weight of the other classes predicted"
        + " as <class>");
    return Collections.unmodifiableMap(d);
  }

  /**
   * The classifier's metrics by name; {@code classNames} names the classes in index order, one per class, each
   * distinct.
   */
  public static Map<String, Double> of(ClassificationMetrics m, List<String> classNames) {
    checkArgument(classNames != null && classNames.size() == m.numClasses(),
        "classNames must name the %s classes; got %s", m.numClasses(), classNames);
    checkArgument(classNames.stream().noneMatch(Objects::isNull) && new HashSet<>(classNames).size() == classNames.size(),
        "classNames must be distinct and not null; got %s", classNames);
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("example_count", (double) m.exampleCount());
    v.put("weighted_count", m.weightedCount());
    v.put("accuracy", m.accuracy());
    for (String average : List.of("macro", "micro", "weighted")) {
      ClassificationMetrics.Averages a = switch (average) {
        case "macro" -> m.macro();
        case "micro" -> m.micro();
        default -> m.weighted();
      };
      v.put("precision_" + average, a.precision());
      v.put("recall_" + average, a.recall());
      v.put("f1_" + average, a.f1());
    }
    v.put("roc_auc", m.rocAuc());
    v.put("pr_auc", m.averagePrecision());
    v.put("log_loss", m.logLoss());
    v.put("brier_score", m.brierScore());
    if (m.numClasses() == 2 && !m.calibration().isEmpty()) {
      v.put("mean_prediction", m.calibration().get(0).meanPrediction());
      v.put("mean_label", m.calibration().get(0).meanLabel());
    }
    for (int c = 0; c < m.numClasses(); c++) {
      v.put("precision/" + classNames.get(c), m.precision()[c]);
    }
    for (int c = 0; c < m.numClasses(); c++) {
      v.put("recall/" + classNames.get(c), m.recall()[c]);
    }
    for (int c = 0; c < m.numClasses(); c++) {
      v.put("f1/" + classNames.get(c), m.f1()[c]);
    }
    return Collections.unmodifiableMap(v);
  }

  /** The regression model's metrics by name. */
  public static Map<String, Double> of(RegressionMetrics m) {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put("example_count", (double) m.exampleCount());
    v.put("weighted_count", m.weightedCount());
    v.put("mse", m.meanSquaredError());
    v.put("rmse", m.rootMeanSquaredError());
    v.put("mae", m.meanAbsoluteError());
    v.put("r2", m.r2());
    v.put("mean_label", m.meanLabel());
    v.put("mean_prediction", m.meanPrediction());
    double[] p = m.quantileProbabilities();
    for (int i = 0; i < p.length; i++) {
      v.put(residualName(p[i]), m.residualQuantiles()[i]);
    }
    return Collections.unmodifiableMap(v);
  }

  /** {@code residual_p50} for 0.5: the percentage in decimal, so that 0.05 is {@code p5}, not {@code p5.000000000000001}. */
  static String residualName(double probability) {
    return "residual_p" + new BigDecimal(Double.toString(probability)).movePointRight(2).stripTrailingZeros()
        .toPlainString();
  }

  /**
   * The one-line definition of {@code name}: one of {@link #DEFINITIONS}' names (patterns included, as a table of
   * them shows them), or a per-class or percentile name such as {@code recall/Gentoo} or {@code residual_p95}, with
   * the class or percentage filled in.
   *
   * @throws IllegalArgumentException for a name this class does not produce
   */
  public static String describe(String name) {
    checkArgument(name != null, "name must not be null");
    String d = DEFINITIONS.get(name);
    if (d != null) {
      return d;
    }
    int slash = name.indexOf('/');
    if (slash > 0 && slash < name.length() - 1) {
      String pattern = DEFINITIONS.get(name.substring(0, slash) + "/<class>");
      if (pattern != null) {
        return pattern.replace("<class>", name.substring(slash + 1));
      }
    }
    if (name.matches("residual_p[0-9]+(\\.[0-9]+)?")) {
      return DEFINITIONS.get("residual_p<pct>").replace("<pct>", name.substring("residual_p".length()));
    }
    throw new IllegalArgumentException(
        "unknown metric '" + name + "'; known: " + String.join(", ", DEFINITIONS.keySet()));
  }
}
