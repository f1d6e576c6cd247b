package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricValuesTest {
  private static Prediction binary(int label, double p1) {
    return Prediction.of(label, new double[] {1 - p1, p1});
  }

  @Test
  void binaryClassificationHasTheDocumentedNamesInOrderWithTheRecordsValues() {
    // The hand-computed case of ClassificationMetricsFnTest: 0.1 (neg), 0.5 (neg), 0.5 (pos), 0.9 (pos).
    ClassificationMetrics m = ClassificationMetricsFnTest.compute(ClassificationMetricsFn.of(2),
        List.of(binary(0, 0.1), binary(0, 0.5), binary(1, 0.5), binary(1, 0.9)));
    Map<String, Double> v = MetricValues.of(m, List.of("no", "yes"));
    assertThat(v.keySet()).containsExactly("example_count", "weighted_count", "accuracy", "precision_macro",
        "recall_macro", "f1_macro", "precision_micro", "recall_micro", "f1_micro", "precision_weighted",
        "recall_weighted", "f1_weighted", "roc_auc", "pr_auc", "log_loss", "brier_score", "mean_prediction",
        "mean_label", "precision/no", "precision/yes", "recall/no", "recall/yes", "f1/no", "f1/yes");
    assertThat(v).contains(entry("example_count", 4.0), entry("weighted_count", 4.0), entry("accuracy", 0.75),
        entry("precision_micro", 0.75), entry("recall_macro", 0.75), entry("roc_auc", 0.875),
        entry("pr_auc", m.averagePrecision()), entry("log_loss", m.logLoss()), entry("brier_score", m.brierScore()),
        entry("mean_prediction", 0.5), entry("mean_label", 0.5), entry("precision/no", 2.0 / 3),
        entry("precision/yes", 1.0), entry("recall/no", 1.0), entry("recall/yes", 0.5), entry("f1/yes", m.f1()[1]),
        entry("precision_weighted", m.weighted().precision()), entry("f1_macro", m.macro().f1()));
    assertThatThrownBy(() -> v.put("x", 1.0)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void moreClassesHaveNoMeanPredictionAndKeepUndefinedValuesAsNaN() {
    ClassificationMetrics m = ClassificationMetricsFnTest.compute(ClassificationMetricsFn.of(3), List.of(
        Prediction.of(0, new double[] {0.7, 0.2, 0.1}),
        Prediction.of(1, new double[] {0.2, 0.5, 0.3}),
        Prediction.of(1, new double[] {0.6, 0.3, 0.1})));
    Map<String, Double> v = MetricValues.of(m, List.of("Adelie", "Chinstrap", "Gentoo"));
    assertThat(v).doesNotContainKeys("mean_prediction", "mean_label");
    assertThat(v.keySet()).endsWith("brier_score", "precision/Adelie", "precision/Chinstrap", "precision/Gentoo",
        "recall/Adelie", "recall/Chinstrap", "recall/Gentoo", "f1/Adelie", "f1/Chinstrap", "f1/Gentoo");
    // Gentoo never occurs: the macro AUC is undefined, and stays in the map as NaN.
    assertThat(v.get("roc_auc")).isNaN();
    assertThat(v).contains(entry("recall/Chinstrap", 0.5), entry("precision/Gentoo", 0.0), entry("example_count", 3.0));
    assertThatThrownBy(() -> MetricValues.of(m, List.of("a", "b")))
        .hasMessageContaining("classNames must name the 3 classes; got [a, b]");
    assertThatThrownBy(() -> MetricValues.of(m, List.of("a", "b", "a")))
        .hasMessageContaining("classNames must be distinct and not null; got [a, b, a]");
  }

  @Test
  void regressionHasItsNamesAndOnePercentileNamePerQuantile() {
    RegressionMetricsFn fn = RegressionMetricsFn.of();
    RegressionMetrics m = RegressionMetricsFnTest.compute(fn, List.of(
        RegressionPrediction.of(1, 0), RegressionPrediction.of(2, 3), RegressionPrediction.of(3, 1), RegressionPrediction.of(4, 4)));
    Map<String, Double> v = MetricValues.of(m);
    assertThat(v.keySet()).containsExactly("example_count", "weighted_count", "mse", "rmse", "mae", "r2", "mean_label",
        "mean_prediction", "residual_p0", "residual_p5", "residual_p25", "residual_p50", "residual_p75", "residual_p95",
        "residual_p100");
    assertThat(v).contains(entry("mse", 1.5), entry("rmse", Math.sqrt(1.5)), entry("mae", 1.0), entry("r2", 1 - 6.0 / 5),
        entry("mean_label", 2.5), entry("mean_prediction", 2.0), entry("residual_p0", -1.0), entry("residual_p50", 0.5),
        entry("residual_p100", 2.0));
    assertThat(MetricValues.of(RegressionMetricsFnTest.compute(fn.withQuantiles(0.025, 0.999),
        List.of(RegressionPrediction.of(1, 0)))).keySet()).contains("residual_p2.5", "residual_p99.9");
  }

  @Test
  void everyNameProducedIsDescribedInOneLine() {
    ClassificationMetrics c = ClassificationMetricsFnTest.compute(ClassificationMetricsFn.of(2), List.of(binary(1, 0.7)));
    RegressionMetrics r = RegressionMetricsFnTest.compute(RegressionMetricsFn.of().withQuantiles(0.025),
        List.of(RegressionPrediction.of(1, 0)));
    for (String name : List.copyOf(MetricValues.of(c, List.of("no", "yes")).keySet())) {
      assertThat(MetricValues.describe(name)).as(name).isNotBlank().doesNotContain("\n", "<class>");
    }
    for (String name : MetricValues.of(r).keySet()) {
      assertThat(MetricValues.describe(name)).as(name).isNotBlank().doesNotContain("\n", "<pct>");
    }
    assertThat(MetricValues.describe("recall/Gentoo")).isEqualTo(
        "the weight of the examples of class Gentoo predicted as Gentoo, over the weight of class Gentoo; 0 when it has none");
    assertThat(MetricValues.describe("residual_p95")).startsWith("the 95th percentile of label - prediction");
    assertThat(MetricValues.describe("true_positive_rate/Adelie")).contains("class Adelie predicted as Adelie");
    assertThat(MetricValues.describe("accuracy")).isEqualTo(MetricValues.DEFINITIONS.get("accuracy"));
    assertThat(MetricValues.DEFINITIONS).containsKeys("precision/<class>", "residual_p<pct>", "positive_rate");
    assertThatThrownBy(() -> MetricValues.describe("auc")).hasMessageStartingWith("unknown metric 'auc'; known: example_count,");
    assertThat(MetricValues.describe("precision/<class>")).isEqualTo(MetricValues.DEFINITIONS.get("precision/<class>"));
    assertThatThrownBy(() -> MetricValues.describe("accuracy/x")).hasMessageStartingWith("unknown metric");
  }
}
