package dev.beamline.evaluation;

import static dev.beamline.evaluation.MetricThreshold.Direction.HIGHER_IS_BETTER;
import static dev.beamline.evaluation.MetricThreshold.Direction.LOWER_IS_BETTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlessingCriteriaTest {
  private static final String OVERALL = MetricThreshold.OVERALL;

  /** Slices from alternating slice names and metric maps. */
  private static Map<String, Map<String, Double>> slices(Object... sliceAndMetrics) {
    Map<String, Map<String, Double>> m = new LinkedHashMap<>();
    for (int i = 0; i < sliceAndMetrics.length; i += 2) {
      @SuppressWarnings("unchecked")
      Map<String, Double> metrics = (Map<String, Double>) sliceAndMetrics[i + 1];
      m.put((String) sliceAndMetrics[i], metrics);
    }
    return m;
  }

  private static Blessing evaluate(List<MetricThreshold> thresholds, Map<String, Map<String, Double>> candidate,
      Map<String, Map<String, Double>> baseline) {
    return BlessingCriteria.of(thresholds, List.of()).evaluate(candidate, baseline, Set.of(), List.of());
  }

  /** The one change check of {@code t} on the overall slice. */
  private static Blessing.Check change(MetricThreshold t, double candidate, double baseline) {
    Blessing b = evaluate(List.of(t), slices(OVERALL, Map.of(t.metric(), candidate)),
        slices(OVERALL, Map.of(t.metric(), baseline)));
    assertThat(b.checks()).hasSize(1);
    assertThat(b.blessed()).isEqualTo(b.checks().get(0).passed());
    return b.checks().get(0);
  }

  @Test
  void valueThresholdsPassAtTheBoundAndFailBeyondIt() {
    Blessing b = evaluate(List.of(
            MetricThreshold.of("accuracy").withLowerBound(0.9),
            MetricThreshold.of("log_loss").withUpperBound(0.5),
            MetricThreshold.of("accuracy").withSlice("island=Biscoe").withLowerBound(0.9),
            MetricThreshold.of("log_loss").withLowerBound(0.1).withUpperBound(0.4999),
            MetricThreshold.of("recall_macro").withLowerBound(0.9)),
        slices(OVERALL, Map.of("accuracy", 0.9, "log_loss", 0.5, "recall_macro", Math.nextDown(0.9)),
            "island=Biscoe", Map.of("accuracy", 0.41)),
        null);
    assertThat(b.checks()).containsExactly(
        new Blessing.Check(Blessing.Kind.VALUE, "accuracy", OVERALL, 0.9, Double.NaN, ">= 0.9", Blessing.Status.PASSED,
            "accuracy on slice overall: 0.9 meets >= 0.9"),
        new Blessing.Check(Blessing.Kind.VALUE, "log_loss", OVERALL, 0.5, Double.NaN, "<= 0.5", Blessing.Status.PASSED,
            "log_loss on slice overall: 0.5 meets <= 0.5"),
        new Blessing.Check(Blessing.Kind.VALUE, "accuracy", "island=Biscoe", 0.41, Double.NaN, ">= 0.9",
            Blessing.Status.FAILED, "accuracy on slice island=Biscoe: 0.41 is below the lower bound 0.9"),
        new Blessing.Check(Blessing.Kind.VALUE, "log_loss", OVERALL, 0.5, Double.NaN, ">= 0.1 and <= 0.4999",
            Blessing.Status.FAILED, "log_loss on slice overall: 0.5 is above the upper bound 0.4999"),
        // One ulp below the bound is written with every digit, not rounded up to the bound.
        new Blessing.Check(Blessing.Kind.VALUE, "recall_macro", OVERALL, Math.nextDown(0.9), Double.NaN, ">= 0.9",
            Blessing.Status.FAILED, "recall_macro on slice overall: 0.8999999999999999 is below the lower bound 0.9"));
    assertThat(b.blessed()).isFalse();
    assertThat(b.note()).isNull();
    assertThat(b.failedChecks()).containsExactly(
        "accuracy on slice island=Biscoe: 0.41 is below the lower bound 0.9",
        "log_loss on slice overall: 0.5 is above the upper bound 0.4999",
        "recall_macro on slice overall: 0.8999999999999999 is below the lower bound 0.9");
    assertThat(evaluate(List.of(MetricThreshold.of("accuracy").withLowerBound(0.9)),
        slices(OVERALL, Map.of("accuracy", 0.98)), null).blessed()).isTrue();
  }

  @Test
  void absoluteChangeThresholdsInBothDirections() {
    MetricThreshold gain = MetricThreshold.of("accuracy").withDirection(HIGHER_IS_BETTER).withAbsoluteChange(0.25);
    assertThat(change(gain, 0.75, 0.5)).isEqualTo(new Blessing.Check(Blessing.Kind.CHANGE, "accuracy", OVERALL, 0.75,
        0.5, "change >= 0.25", Blessing.Status.PASSED,
        "accuracy on slice overall: 0.75 against the baseline's 0.5 changed by +0.25, which meets change >= 0.25"));
    assertThat(change(gain.withAbsoluteChange(0.5), 0.75, 0.5).message()).isEqualTo("accuracy on slice overall: 0.75"
        + " against the baseline's 0.5 changed by +0.25, below the allowed change 0.5 (higher is better)");
    // A negative limit allows a small loss: exactly -0.25 passes, -0.125 does not.
    MetricThreshold loss = gain.withAbsoluteChange(-0.25);
    assertThat(change(loss, 0.5, 0.75).status()).isEqualTo(Blessing.Status.PASSED);
    assertThat(change(loss.withAbsoluteChange(-0.125), 0.5, 0.75).message()).isEqualTo("accuracy on slice overall: 0.5"
        + " against the baseline's 0.75 changed by -0.25, below the allowed change -0.125 (higher is better)");

    MetricThreshold lower = MetricThreshold.of("log_loss").withDirection(LOWER_IS_BETTER).withAbsoluteChange(0.25);
    assertThat(change(lower, 0.5, 0.25).status()).isEqualTo(Blessing.Status.PASSED);
    Blessing.Check worse = change(lower.withAbsoluteChange(0.125), 0.5, 0.25);
    assertThat(worse.bound()).isEqualTo("change <= 0.125");
    assertThat(worse.message()).isEqualTo("log_loss on slice overall: 0.5 against the baseline's 0.25 changed by +0.25,"
        + " above the allowed change 0.125 (lower is better)");
    assertThat(change(lower.withAbsoluteChange(-0.25), 0.25, 0.5).status()).isEqualTo(Blessing.Status.PASSED);
    assertThat(change(lower.withAbsoluteChange(-0.5), 0.25, 0.5).status()).isEqualTo(Blessing.Status.FAILED);
  }

  @Test
  void relativeChangeThresholdsDivideByTheBaselinesMagnitude() {
    MetricThreshold gain = MetricThreshold.of("accuracy").withDirection(HIGHER_IS_BETTER).withRelativeChange(0.5);
    assertThat(change(gain, 0.75, 0.5).status()).isEqualTo(Blessing.Status.PASSED);
    Blessing.Check tooLittle = change(gain.withRelativeChange(0.75), 0.75, 0.5);
    assertThat(tooLittle.bound()).isEqualTo("relative change >= 0.75");
    assertThat(tooLittle.message()).isEqualTo("accuracy on slice overall: 0.75 against the baseline's 0.5 changed by"
        + " +0.25, relative change +0.5, below the allowed relative change 0.75 (higher is better)");
    // r2 from -0.5 to -0.25 is an improvement of half the baseline's magnitude (TFMA's signed division says -0.5).
    MetricThreshold r2 = MetricThreshold.of("r2").withDirection(HIGHER_IS_BETTER).withRelativeChange(0.5);
    assertThat(change(r2, -0.25, -0.5).status()).isEqualTo(Blessing.Status.PASSED);

    MetricThreshold lower = MetricThreshold.of("mse").withDirection(LOWER_IS_BETTER).withRelativeChange(-0.5);
    assertThat(change(lower, 0.25, 0.5).status()).isEqualTo(Blessing.Status.PASSED);
    assertThat(change(lower.withRelativeChange(-0.75), 0.25, 0.5).message()).isEqualTo("mse on slice overall: 0.25"
        + " against the baseline's 0.5 changed by -0.25, relative change -0.5, above the allowed relative change -0.75"
        + " (lower is better)");

    // Both limits: both must hold.
    MetricThreshold both = gain.withAbsoluteChange(-0.01).withRelativeChange(-0.02);
    assertThat(both.changeBound()).isEqualTo("change >= -0.01 and relative change >= -0.02");
    assertThat(change(both, 0.5, 0.5).status()).isEqualTo(Blessing.Status.PASSED);
    assertThat(change(both, 0.25, 0.5).message()).contains("below the allowed change -0.01");

    assertThat(change(gain, 0.25, 0.0).message()).isEqualTo("accuracy on slice overall: 0.25 against the baseline's 0"
        + " changed by +0.25; the relative change against a baseline of 0 is undefined, so it cannot meet relative"
        + " change >= 0.5");
  }

  @Test
  void withoutABaselineChangeThresholdsAreSkippedAndNoted() throws Exception {
    BlessingCriteria criteria = BlessingCriteria.of(List.of(
        MetricThreshold.of("accuracy").withLowerBound(0.5).withDirection(HIGHER_IS_BETTER).withAbsoluteChange(0),
        MetricThreshold.of("log_loss").withDirection(LOWER_IS_BETTER).withRelativeChange(0.1)), List.of());
    Blessing b = criteria.evaluate(slices(OVERALL, Map.of("accuracy", 0.75, "log_loss", 0.5)), null, Set.of(), List.of());
    assertThat(b.blessed()).isTrue();
    assertThat(b.note()).isEqualTo("no blessed baseline: 2 change threshold(s) skipped");
    assertThat(b.checks()).extracting(Blessing.Check::kind, Blessing.Check::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Blessing.Kind.VALUE, Blessing.Status.PASSED),
        org.assertj.core.groups.Tuple.tuple(Blessing.Kind.CHANGE, Blessing.Status.SKIPPED),
        org.assertj.core.groups.Tuple.tuple(Blessing.Kind.CHANGE, Blessing.Status.SKIPPED));
    assertThat(b.checks().get(1).message()).isEqualTo("accuracy on slice overall: no blessed baseline, change threshold skipped");
    assertThat(b.checks().get(1).passed()).isFalse();
    assertThat(b.failedChecks()).isEmpty();
    assertThat(new ObjectMapper().writeValueAsString(b.toJson())).isEqualTo("{\"blessed\":true,"
        + "\"note\":\"no blessed baseline: 2 change threshold(s) skipped\",\"too_small_slices\":[],\"checks\":["
        + "{\"kind\":\"value\",\"metric\":\"accuracy\",\"slice\":\"overall\",\"value\":0.75,\"baseline\":null,"
        + "\"bound\":\">= 0.5\",\"status\":\"passed\",\"message\":\"accuracy on slice overall: 0.75 meets >= 0.5\"},"
        + "{\"kind\":\"change\",\"metric\":\"accuracy\",\"slice\":\"overall\",\"value\":0.75,\"baseline\":null,"
        + "\"bound\":\"change >= 0\",\"status\":\"skipped\","
        + "\"message\":\"accuracy on slice overall: no blessed baseline, change threshold skipped\"},"
        + "{\"kind\":\"change\",\"metric\":\"log_loss\",\"slice\":\"overall\",\"value\":0.5,\"baseline\":null,"
        + "\"bound\":\"relative change <= 0.1\",\"status\":\"skipped\","
        + "\"message\":\"log_loss on slice overall: no blessed baseline, change threshold skipped\"}],\"bias\":[]}");
    // With a baseline there is no note.
    assertThat(criteria.evaluate(slices(OVERALL, Map.of("accuracy", 0.75, "log_loss", 0.5)),
        slices(OVERALL, Map.of("accuracy", 0.75, "log_loss", 0.5)), Set.of(), List.of()).note()).isNull();
  }

  @Test
  void missingOrNanMetricsAndAbsentOrTooSmallSlicesFailWithTheirReason() throws Exception {
    BlessingCriteria criteria = BlessingCriteria.of(List.of(
        MetricThreshold.of("roc_auc").withLowerBound(0.5),
        MetricThreshold.of("pr_auc").withLowerBound(0.5),
        MetricThreshold.of("accuracy").withSlice("island=Dream").withLowerBound(0.5),
        MetricThreshold.of("accuracy").withSlice("island=Nowhere").withLowerBound(0.5),
        MetricThreshold.of("accuracy").withDirection(HIGHER_IS_BETTER).withAbsoluteChange(-0.1),
        MetricThreshold.of("roc_auc").withSlice("island=Biscoe").withDirection(HIGHER_IS_BETTER).withAbsoluteChange(0)),
        List.of());
    // A slice of one example: all its metrics are there, roc_auc is NaN (one class).
    Map<String, Map<String, Double>> candidate = slices(OVERALL, Map.of("roc_auc", Double.NaN, "accuracy", 0.75),
        "island=Biscoe", Map.of("roc_auc", 0.75), "island=Dream", Map.of("accuracy", 1.0));
    Blessing b = criteria.evaluate(candidate, slices(OVERALL, Map.of("roc_auc", 0.5)), Set.of("island=Dream"), List.of());
    assertThat(b.blessed()).isFalse();
    assertThat(b.tooSmallSlices()).containsExactly("island=Dream");
    assertThat(b.failedChecks()).containsExactly(
        "roc_auc on slice overall: the metric is NaN (undefined on this slice), so it cannot meet >= 0.5",
        "pr_auc on slice overall: the metric is missing, so it cannot meet >= 0.5",
        "accuracy on slice island=Dream: the slice has too few examples to be evaluated, so it cannot meet >= 0.5",
        "accuracy on slice island=Nowhere: the slice is absent from the evaluation, so it cannot meet >= 0.5",
        "accuracy on slice overall: the baseline has no accuracy, so its change cannot meet change >= -0.1",
        "roc_auc on slice island=Biscoe: the baseline has no slice island=Biscoe, so its change cannot meet change >= 0");
    assertThat(b.checks().get(0).value()).isNaN();
    assertThat(b.toJson().get("checks").get(0).get("value").isNull()).isTrue();
    assertThat(new ObjectMapper().writeValueAsString(b.toJson().get("too_small_slices"))).isEqualTo("[\"island=Dream\"]");
  }

  @Test
  void biasGapsAboveTheirThresholdFailNamingBothGroups() throws Exception {
    BiasGaps sex = BiasGaps.compute("sex", BiasGapsTest.groups(), BiasGapsTest.YES_NO);
    BiasGaps island = BiasGaps.compute("island", Map.of("Dream", BiasGapsTest.groups().get("MALE")), BiasGapsTest.YES_NO);
    BlessingCriteria criteria = BlessingCriteria.of(List.of(), List.of(
        BiasThreshold.of("sex", "true_positive_rate", 0.1),
        BiasThreshold.of("sex", "positive_rate", 0.5),
        BiasThreshold.of("island", "accuracy", 0.1),
        BiasThreshold.of("race", "accuracy", 0.1)));
    Blessing b = criteria.evaluate(slices(OVERALL, Map.of()), null, Set.of(), List.of(sex, island));
    assertThat(b.blessed()).isFalse();
    assertThat(b.bias()).extracting(Blessing.BiasCheck::status).containsExactly(Blessing.Status.FAILED,
        Blessing.Status.PASSED, Blessing.Status.FAILED, Blessing.Status.FAILED);
    Blessing.BiasCheck tpr = b.bias().get(0);
    assertThat(tpr.gap()).isEqualTo(0.25);
    assertThat(tpr.maxGroup()).isEqualTo("MALE");
    assertThat(tpr.minGroup()).isEqualTo("FEMALE");
    assertThat(tpr.kind()).isEqualTo(Blessing.Kind.BIAS);
    assertThat(b.failedChecks()).containsExactly(
        "true_positive_rate across sex: gap 0.25 between MALE (0.75) and FEMALE (0.5) is above the maximum 0.1;"
            + " left out: NOPOS (no weight of class yes), SMALL (weight 0.5 is below the minimum 1),"
            + " ZERO (weight 0 is below the minimum 1)",
        "accuracy across island: the gap is undefined: 1 group(s) could take part, 2 are needed",
        "accuracy across race: no bias gaps were computed for feature race");
    // At the threshold it passes.
    assertThat(b.bias().get(1).message()).isEqualTo("positive_rate across sex: gap 0.5 between FEMALE (0.5) and NOPOS (0)"
        + " is within the maximum 0.5; left out: SMALL (weight 0.5 is below the minimum 1),"
        + " ZERO (weight 0 is below the minimum 1)");
    assertThat(new ObjectMapper().writeValueAsString(b.toJson().get("bias").get(0))).isEqualTo("{\"feature\":\"sex\","
        + "\"metric\":\"true_positive_rate\",\"groups\":{\"FEMALE\":0.5,\"MALE\":0.75},\"excluded\":{"
        + "\"NOPOS\":\"no weight of class yes\",\"SMALL\":\"weight 0.5 is below the minimum 1\","
        + "\"ZERO\":\"weight 0 is below the minimum 1\"},\"gap\":0.25,\"max_group\":\"MALE\",\"min_group\":\"FEMALE\","
        + "\"threshold\":0.1,\"status\":\"failed\",\"message\":\"" + b.failedChecks().get(0) + "\"}");
    assertThat(criteria.evaluate(slices(OVERALL, Map.of()), null, Set.of(), List.of(sex, island)).bias().get(1).passed())
        .isTrue();
  }

  @Test
  void aRateWithoutItsClassAppliesToEveryClass() {
    List<String> penguins = List.of("Adelie", "Chinstrap", "Gentoo");
    ClassificationMetrics a = BiasGapsTest.metrics(List.of(
        Prediction.of(0, new double[] {0.8, 0.1, 0.1}), Prediction.of(1, new double[] {0.1, 0.8, 0.1}),
        Prediction.of(2, new double[] {0.1, 0.1, 0.8}), Prediction.of(2, new double[] {0.6, 0.2, 0.2})));
    ClassificationMetrics b = BiasGapsTest.metrics(List.of(
        Prediction.of(0, new double[] {0.1, 0.8, 0.1}), Prediction.of(1, new double[] {0.1, 0.8, 0.1}),
        Prediction.of(2, new double[] {0.1, 0.1, 0.8})));
    BiasGaps gaps = BiasGaps.compute("island", Map.of("A", a, "B", b), penguins);
    Blessing blessing = BlessingCriteria.of(List.of(), List.of(BiasThreshold.of("island", "false_positive_rate", 0.4),
            BiasThreshold.of("island", "true_positive_rate/Gentoo", 0.5)))
        .evaluate(slices(OVERALL, Map.of()), null, Set.of(), List.of(gaps));
    assertThat(blessing.bias()).extracting(Blessing.BiasCheck::metric).containsExactly("false_positive_rate/Adelie",
        "false_positive_rate/Chinstrap", "false_positive_rate/Gentoo", "true_positive_rate/Gentoo");
    // Chinstrap: A predicts no other class as Chinstrap (0 of 3), B one of 2.
    assertThat(blessing.failedChecks()).containsExactly("false_positive_rate/Chinstrap across island: gap 0.5 between"
        + " B (0.5) and A (0) is above the maximum 0.4");
    assertThat(BlessingCriteria.of(List.of(), List.of(BiasThreshold.of("island", "positive_rate/Emperor", 0.1)))
        .evaluate(slices(OVERALL, Map.of()), null, Set.of(), List.of(gaps)).failedChecks().get(0))
        .startsWith("positive_rate/Emperor across island: no such gap; the feature has positive_rate/Adelie, ");
  }

  @Test
  void inconsistentThresholdsAreRejectedWithTheirReason() {
    assertThatThrownBy(() -> MetricThreshold.of("accuracy").withAbsoluteChange(-0.01).validate()).hasMessage(
        "threshold on accuracy (slice overall): a change threshold (absolute -0.01, relative null) needs a direction:"
            + " higher_is_better or lower_is_better");
    assertThatThrownBy(() -> BlessingCriteria.of(List.of(MetricThreshold.of("accuracy").withSlice("sex=MALE")
        .withLowerBound(0.9).withUpperBound(0.8)), List.of())).hasMessage(
            "threshold on accuracy (slice sex=MALE): lower_bound 0.9 is above upper_bound 0.8; no value can pass");
    assertThatThrownBy(() -> MetricThreshold.of("accuracy").withDirection(HIGHER_IS_BETTER).validate()).hasMessage(
        "threshold on accuracy (slice overall): direction higher_is_better without absolute or relative limits no"
            + " change; set at least one");
    assertThatThrownBy(() -> MetricThreshold.of("accuracy").validate()).hasMessage("threshold on accuracy (slice"
        + " overall): checks nothing; set lower_bound, upper_bound, or a direction with absolute or relative");
    assertThatThrownBy(() -> MetricThreshold.of("accuracy").withLowerBound(Double.NaN))
        .hasMessage("lower_bound must be a finite number; got NaN");
    assertThatThrownBy(() -> MetricThreshold.of(" ")).hasMessage("metric must be a name; got ' '");
    assertThatThrownBy(() -> MetricThreshold.Direction.of("up"))
        .hasMessage("direction must be higher_is_better or lower_is_better; got 'up'");
    assertThat(MetricThreshold.Direction.of("lower_is_better")).isEqualTo(LOWER_IS_BETTER);
    assertThat(MetricThreshold.of("accuracy").withLowerBound(0.9).withUpperBound(0.9).validate().valueBound())
        .isEqualTo(">= 0.9 and <= 0.9");
    assertThatThrownBy(() -> BiasThreshold.of("sex", "recall", 0.1)).hasMessage("bias metric must be one of"
        + " [positive_rate, true_positive_rate, false_positive_rate, accuracy], the first three optionally with"
        + " /<class>; got 'recall'");
    assertThatThrownBy(() -> BiasThreshold.of("sex", "accuracy/Adelie", 0.1)).hasMessageStartingWith("bias metric must be");
    assertThatThrownBy(() -> BiasThreshold.of("sex", "accuracy", -0.1))
        .hasMessage("max gap of accuracy across sex must be finite and >= 0; got -0.1");
    assertThatThrownBy(() -> BlessingCriteria.none().evaluate(Map.of(), null, Set.of(),
        List.of(BiasGaps.compute("sex", Map.of(), List.of("a", "b")), BiasGaps.compute("sex", Map.of(), List.of("a", "b")))))
        .hasMessage("two BiasGaps for feature sex");
    assertThat(BlessingCriteria.none().evaluate(slices(OVERALL, Map.of()), null, Set.of(), List.of()).blessed()).isTrue();
  }
}
