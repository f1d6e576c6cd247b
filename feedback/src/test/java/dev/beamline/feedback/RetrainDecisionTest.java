package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link RetrainDecision#decide}: each condition on hand-built live metrics, serving skew and canary
 * documents (the shapes of {@link LiveMetricsDocument}, {@link ServingSkewDocument} and {@link CanaryWindows}),
 * every expected value worked out by hand in the comments.
 */
class RetrainDecisionTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String DAY1 = "2024-05-01T00:00:00Z";
  private static final String DAY2 = "2024-05-02T00:00:00Z";
  private static final String DAY3 = "2024-05-03T00:00:00Z";
  private static final Instant CUTOFF = Instant.parse(DAY2);

  /** One overall entry of live_metrics.json's series. */
  private static ObjectNode entry(long version, String label, String start, String end, long scored, ObjectNode metrics, long[][] confusion) {
    return entry(version, label, start, end, "overall", scored, metrics, confusion);
  }

  private static ObjectNode entry(long version, String label, String start, String end, String slice, long scored, ObjectNode metrics,
      long[][] confusion) {
    ObjectNode o = F.objectNode();
    o.put("version", version).put("server_label", label).put("window_start", start).put("window_end", end).put("slice", slice);
    o.put("rows", scored).put("labelled", scored).put("scored", scored);
    if (metrics == null) {
      o.putNull("metrics");
    } else {
      o.set("metrics", metrics);
    }
    if (confusion != null) {
      ArrayNode c = o.putArray("confusion_counts");
      for (long[] row : confusion) {
        ArrayNode r = c.addArray();
        for (long n : row) {
          r.add(n);
        }
      }
    }
    return o;
  }

  private static ObjectNode metrics(double accuracy, double logLoss, Double weightedCount) {
    ObjectNode m = F.objectNode().put("accuracy", accuracy).put("log_loss", logLoss);
    if (weightedCount != null) {
      m.put("weighted_count", weightedCount);
    }
    return m;
  }

  private static ObjectNode live(ObjectNode... entries) {
    ObjectNode root = F.objectNode().put("model", "penguins");
    ArrayNode s = root.putArray("series");
    for (ObjectNode e : entries) {
      s.add(e);
    }
    return root;
  }

  /**
   * Two days of version 2 under stable. Day 1: confusion [[40,10],[5,45]] (85 right of 100), log_loss 0.5
   * weighted 100. Day 2: [[20,5],[15,10]] (30 right of 50), log_loss 0.8 weighted 50. Pooled accuracy:
   * 115/150 = 0.76666...; the mean of the two windows' accuracies (0.85 + 0.6) / 2 = 0.725 would be wrong.
   * Pooled log_loss: (100 * 0.5 + 50 * 0.8) / 150 = 90 / 150 = 0.6. The window accuracies stored in
   * "metrics" (0.1, 0.2) are deliberately wrong, to show accuracy comes from the counts. Plus entries that
   * must not count: a slice, the canary label, another model's label.
   */
  private static ObjectNode twoDays() {
    return live(
        entry(2, "stable", DAY1, DAY2, 100, metrics(0.1, 0.5, 100.0), new long[][] {{40, 10}, {5, 45}}),
        entry(2, "stable", DAY1, DAY2, "island=Biscoe", 100, metrics(0.1, 9.0, 100.0), new long[][] {{0, 100}, {0, 0}}),
        entry(3, "canary", DAY1, DAY2, 1000, metrics(0.1, 9.0, 1000.0), new long[][] {{0, 1000}, {0, 0}}),
        entry(2, "stable", DAY2, DAY3, 50, metrics(0.2, 0.8, 50.0), new long[][] {{20, 5}, {15, 10}}),
        entry(2, "canary", DAY2, DAY3, 1000, metrics(0.1, 9.0, 1000.0), new long[][] {{0, 1000}, {0, 0}}));
  }

  private static RetrainDecision.Outcome decide(RetrainConfig c, JsonNode live, long newLabels) {
    return RetrainDecision.decide(c, live, null, null, newLabels, null, Map.of());
  }

  private static RetrainConfig when(RetrainConfig.Condition... conditions) {
    return RetrainConfig.of(List.of(conditions));
  }

  @Test
  void accuracyIsPooledFromTheConfusionCountsOfTheStableLabelsOverallEntries() {
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.8)), twoDays(), 10);
    RetrainDecision.Check c = o.checks().get(0);
    assertThat(c.value()).isEqualTo(115.0 / 150.0);
    assertThat(c.threshold()).isEqualTo(0.8);
    assertThat(c.met()).isTrue();
    // 115/150 = 0.766666... printed with four digits.
    assertThat(c.detail()).isEqualTo("version 2 under 'stable' accuracy 0.7667 over 150 row(s) < 0.8000");
    assertThat(o.version()).isEqualTo(2L);
    assertThat(o.fired()).isTrue();
    assertThat(o.hold()).isNull();
    assertThat(o.reason()).isEqualTo("retrain: {metric: accuracy, below: 0.8}: version 2 under 'stable' accuracy 0.7667 over 150 row(s) < 0.8000");
  }

  @Test
  void accuracyAboveTheBoundDoesNotFire() {
    // 0.7667 is not below 0.75.
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.75)), twoDays(), 10);
    assertThat(o.checks().get(0).met()).isFalse();
    assertThat(o.checks().get(0).detail()).isEqualTo("version 2 under 'stable' accuracy 0.7667 over 150 row(s) >= 0.7500");
    assertThat(o.fired()).isFalse();
    assertThat(o.reason()).isEqualTo("no retraining: no condition holds");
  }

  @Test
  void logLossIsTheMeanWeightedByTheWindowsWeightedCount() {
    // (100 * 0.5 + 50 * 0.8) / 150 = 0.6 > 0.55.
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.above("log_loss", 0.55)), twoDays(), 10);
    RetrainDecision.Check c = o.checks().get(0);
    assertThat(c.value()).isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(c.threshold()).isEqualTo(0.55);
    assertThat(c.met()).isTrue();
    assertThat(c.detail()).isEqualTo("version 2 under 'stable' log_loss 0.6000 over 150 row(s) > 0.5500");
    // 0.6 is not above 0.65.
    RetrainDecision.Check not = decide(when(RetrainConfig.Condition.above("log_loss", 0.65)), twoDays(), 10).checks().get(0);
    assertThat(not.met()).isFalse();
    assertThat(not.detail()).isEqualTo("version 2 under 'stable' log_loss 0.6000 over 150 row(s) <= 0.6500");
  }

  @Test
  void withoutAWeightedCountTheScoredRowsWeighTheMean() {
    // (100 * 0.5 + 300 * 0.3) / 400 = 140 / 400 = 0.35.
    JsonNode live = live(entry(2, "stable", DAY1, DAY2, 100, metrics(0.9, 0.5, null), new long[][] {{1}}),
        entry(2, "stable", DAY2, DAY3, 300, metrics(0.9, 0.3, null), new long[][] {{1}}));
    RetrainDecision.Check c = decide(when(RetrainConfig.Condition.above("log_loss", 0.3)), live, 1).checks().get(0);
    assertThat(c.value()).isCloseTo(0.35, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(c.detail()).isEqualTo("version 2 under 'stable' log_loss 0.3500 over 400 row(s) > 0.3000");
  }

  @Test
  void onlyTheVersionStableAnsweredWithInTheNewestWindowIsMeasured() {
    // Day 1 served version 1 (all wrong), day 2 version 2: only day 2 counts, 30 right of 50 = 0.6.
    JsonNode live = live(entry(1, "stable", DAY1, DAY2, 100, metrics(0, 1, 100.0), new long[][] {{0, 60}, {40, 0}}),
        entry(2, "stable", DAY2, DAY3, 50, metrics(0.6, 1, 50.0), new long[][] {{20, 5}, {15, 10}}));
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.8)).withMinExamples(10), live, 1);
    assertThat(o.version()).isEqualTo(2L);
    assertThat(o.checks().get(0).value()).isEqualTo(0.6);
    assertThat(o.checks().get(0).detail()).isEqualTo("version 2 under 'stable' accuracy 0.6000 over 50 row(s) < 0.8000");
  }

  @Test
  void inTheNewestWindowAVersionWithScoredRowsWinsOverOneWithout() {
    // Day 2 has version 2 (50 scored, 30 right) and version 3 (nothing scored yet) under stable, in either order:
    // version 2 is measured, 30/50 = 0.6.
    ObjectNode v2 = entry(2, "stable", DAY2, DAY3, 50, metrics(0.6, 1, 50.0), new long[][] {{20, 5}, {15, 10}});
    ObjectNode v3 = entry(3, "stable", DAY2, DAY3, 0, null, null);
    for (JsonNode live : List.of(live(v2.deepCopy(), v3.deepCopy()), live(v3.deepCopy(), v2.deepCopy()))) {
      RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.8)).withMinExamples(50), live, 1);
      assertThat(o.version()).isEqualTo(2L);
      assertThat(o.checks().get(0).value()).isEqualTo(0.6);
    }
  }

  @Test
  void belowAndAboveTheBaselineCompareWithTheMeasuredVersionsEvaluation() {
    Map<Long, JsonNode> baselines = Map.of(2L, F.objectNode().put("accuracy", 0.875).put("log_loss", 0.5),
        1L, F.objectNode().put("accuracy", 0.1));
    // 0.875 - 0.125 = 0.75 (exact in binary); 0.7667 >= 0.75: not met.
    RetrainDecision.Check notMet = RetrainDecision.decide(when(RetrainConfig.Condition.belowBaseline("accuracy", 0.125)), twoDays(), null, null,
        10, null, baselines).checks().get(0);
    assertThat(notMet.met()).isFalse();
    assertThat(notMet.threshold()).isEqualTo(0.75);
    assertThat(notMet.detail()).isEqualTo(
        "version 2 under 'stable' accuracy 0.7667 over 150 row(s) >= 0.7500 (its evaluation 0.8750 minus margin 0.125)");
    // 0.9375 - 0.125 = 0.8125; 0.7667 < 0.8125: met.
    RetrainDecision.Outcome met = RetrainDecision.decide(when(RetrainConfig.Condition.belowBaseline("accuracy", 0.125)), twoDays(), null, null,
        10, null, Map.of(2L, F.objectNode().put("accuracy", 0.9375)));
    assertThat(met.checks().get(0).met()).isTrue();
    assertThat(met.checks().get(0).threshold()).isEqualTo(0.8125);
    assertThat(met.reason()).isEqualTo("retrain: {metric: accuracy, below_baseline: 0.125}: version 2 under 'stable' accuracy 0.7667 over 150"
        + " row(s) < 0.8125 (its evaluation 0.9375 minus margin 0.125)");
    // log_loss 0.6 against 0.5 + 0.0625 = 0.5625: met; against 0.5 + 0.125 = 0.625: not met. A whole margin prints without ".0".
    RetrainDecision.Check above = RetrainDecision.decide(when(RetrainConfig.Condition.aboveBaseline("log_loss", 0.0625)), twoDays(), null, null,
        10, null, baselines).checks().get(0);
    assertThat(above.met()).isTrue();
    assertThat(above.threshold()).isEqualTo(0.5625);
    assertThat(above.detail()).isEqualTo("version 2 under 'stable' log_loss 0.6000 over 150 row(s) > 0.5625 (its evaluation 0.5000 plus margin 0.0625)");
    RetrainDecision.Check aboveNot = RetrainDecision.decide(when(RetrainConfig.Condition.aboveBaseline("log_loss", 0.125)), twoDays(), null, null,
        10, null, baselines).checks().get(0);
    assertThat(aboveNot.met()).isFalse();
    assertThat(aboveNot.detail()).isEqualTo("version 2 under 'stable' log_loss 0.6000 over 150 row(s) <= 0.6250 (its evaluation 0.5000 plus margin 0.125)");
    RetrainDecision.Check zero = RetrainDecision.decide(when(RetrainConfig.Condition.aboveBaseline("log_loss", 0)), twoDays(), null, null,
        10, null, baselines).checks().get(0);
    assertThat(zero.detail()).isEqualTo("version 2 under 'stable' log_loss 0.6000 over 150 row(s) > 0.5000 (its evaluation 0.5000 plus margin 0)");
  }

  @Test
  void withoutAnEvaluationOfTheMeasuredVersionABaselineConditionDoesNotHold() {
    // Only version 1 has an evaluation; version 2 is measured.
    RetrainDecision.Check c = RetrainDecision.decide(when(RetrainConfig.Condition.belowBaseline("accuracy", 0.0)), twoDays(), null, null, 10,
        null, Map.of(1L, F.objectNode().put("accuracy", 0.99))).checks().get(0);
    assertThat(c.met()).isFalse();
    assertThat(c.value()).isEqualTo(115.0 / 150.0);
    assertThat(c.threshold()).isNull();
    assertThat(c.detail()).isEqualTo("version 2 under 'stable' accuracy 0.7667 over 150 row(s); no evaluation of version 2 to compare with");
    // An evaluation without that metric is the same.
    RetrainDecision.Check noMetric = RetrainDecision.decide(when(RetrainConfig.Condition.belowBaseline("log_loss", 0.0)), twoDays(), null, null,
        10, null, Map.of(2L, F.objectNode().put("accuracy", 0.99))).checks().get(0);
    assertThat(noMetric.met()).isFalse();
    assertThat(noMetric.detail()).endsWith("; no evaluation of version 2 to compare with");
  }

  @Test
  void fewerScoredRowsThanMinExamplesDoNotHold() {
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.99)).withMinExamples(151), twoDays(), 10);
    RetrainDecision.Check c = o.checks().get(0);
    assertThat(c.met()).isFalse();
    assertThat(c.value()).isNull();
    assertThat(c.threshold()).isNull();
    assertThat(c.detail()).isEqualTo("version 2 under 'stable' scored 150 row(s), fewer than min_examples 151");
    // Exactly min_examples is enough.
    assertThat(decide(when(RetrainConfig.Condition.below("accuracy", 0.99)).withMinExamples(150), twoDays(), 10).checks().get(0).met()).isTrue();
    // The default is 100: one window of 50 is not enough.
    JsonNode small = live(entry(2, "stable", DAY1, DAY2, 50, metrics(0.5, 1, 50.0), new long[][] {{25, 25}, {0, 0}}));
    assertThat(decide(when(RetrainConfig.Condition.below("accuracy", 0.99)), small, 10).checks().get(0).detail())
        .isEqualTo("version 2 under 'stable' scored 50 row(s), fewer than min_examples 100");
  }

  @Test
  void withoutTrafficUnderTheStableLabelNoMetricHolds() {
    JsonNode canaryOnly = live(entry(3, "canary", DAY1, DAY2, 500, metrics(0.1, 1, 500.0), new long[][] {{0, 500}, {0, 0}}));
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.99)), canaryOnly, 10);
    assertThat(o.version()).isNull();
    assertThat(o.checks().get(0).met()).isFalse();
    assertThat(o.checks().get(0).value()).isNull();
    assertThat(o.checks().get(0).detail()).isEqualTo("no traffic answered under label 'stable'");
    // Another stable label: the canary's traffic is measured then.
    RetrainDecision.Outcome other = decide(when(RetrainConfig.Condition.below("accuracy", 0.99)).withStableLabel("canary"), canaryOnly, 10);
    assertThat(other.version()).isEqualTo(3L);
    assertThat(other.checks().get(0).detail()).isEqualTo("version 3 under 'canary' accuracy 0.0000 over 500 row(s) < 0.9900");
    // With a cutoff, the sentence says since when.
    RetrainDecision.Check since = RetrainDecision.decide(when(RetrainConfig.Condition.below("accuracy", 0.99)), canaryOnly, null, null, 10,
        CUTOFF, Map.of()).checks().get(0);
    assertThat(since.detail()).isEqualTo("no traffic answered under label 'stable' since 2024-05-02T00:00:00Z");
  }

  @Test
  void windowsThatStartBeforeTheCutoffAreLeftOut() {
    // The cutoff is day 2's start: day 1 is left out, day 2 (starting at the cutoff) counts: 30/50 = 0.6.
    RetrainDecision.Outcome o = RetrainDecision.decide(when(RetrainConfig.Condition.below("accuracy", 0.8)).withMinExamples(50), twoDays(), null,
        null, 7, CUTOFF, Map.of());
    assertThat(o.checks().get(0).value()).isEqualTo(0.6);
    assertThat(o.checks().get(0).detail()).isEqualTo("version 2 under 'stable' accuracy 0.6000 over 50 row(s) since 2024-05-02T00:00:00Z < 0.8000");
    assertThat(o.fired()).isTrue();
    // A cutoff after every window: nothing is left.
    RetrainDecision.Outcome none = RetrainDecision.decide(when(RetrainConfig.Condition.below("accuracy", 0.8)), twoDays(), null, null, 7,
        Instant.parse("2024-05-02T00:00:01Z"), Map.of());
    assertThat(none.version()).isNull();
    assertThat(none.checks().get(0).detail()).isEqualTo("no traffic answered under label 'stable' since 2024-05-02T00:00:01Z");
  }

  private static ObjectNode skewWindow(String day, Long version, String... drifting) {
    ObjectNode w = F.objectNode().put("window", day).put("window_start", day + "T00:00:00Z");
    if (version != null) {
      w.put("version", version);
    }
    ArrayNode d = w.putArray("drifting");
    for (String f : drifting) {
      d.add(f);
    }
    return w;
  }

  private static ObjectNode skew(ObjectNode... windows) {
    ObjectNode s = F.objectNode();
    ArrayNode a = s.putArray("windows");
    for (ObjectNode w : windows) {
      a.add(w);
    }
    return s;
  }

  @Test
  void driftHoldsWhenAWindowOfAllVersionsTogetherHasADriftingFeature() {
    ObjectNode skew = skew(skewWindow("2024-05-01", null), skewWindow("2024-05-02", null, "bill_length_mm", "island"),
        skewWindow("2024-05-02", 2L, "body_mass_g"));
    RetrainDecision.Outcome o = RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), skew, null, 5, null, Map.of());
    RetrainDecision.Check c = o.checks().get(0);
    assertThat(c.met()).isTrue();
    assertThat(c.value()).isEqualTo(1.0);
    assertThat(c.threshold()).isNull();
    assertThat(c.detail()).isEqualTo("1 window(s) drift: bill_length_mm, island in 2024-05-02");
    assertThat(o.reason()).isEqualTo("retrain: {drift: true}: 1 window(s) drift: bill_length_mm, island in 2024-05-02");
    // A cutoff after day 2's start leaves no drifting window.
    RetrainDecision.Check after = RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), skew, null, 5, Instant.parse(DAY3),
        Map.of()).checks().get(0);
    assertThat(after.met()).isFalse();
    assertThat(after.value()).isEqualTo(0.0);
    assertThat(after.detail()).isEqualTo("no feature drifts in the serving skew's windows since 2024-05-03T00:00:00Z");
  }

  @Test
  void aDriftingWindowOfOneVersionAloneDoesNotCount() {
    ObjectNode skew = skew(skewWindow("2024-05-01", null), skewWindow("2024-05-01", 2L, "body_mass_g"), skewWindow("2024-05-02", 3L, "island"));
    RetrainDecision.Check c = RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), skew, null, 5, null, Map.of()).checks().get(0);
    assertThat(c.met()).isFalse();
    assertThat(c.value()).isEqualTo(0.0);
    assertThat(c.detail()).isEqualTo("no feature drifts in the serving skew's windows");
    // An explicit null version is all versions together.
    ObjectNode nullVersion = skew(skewWindow("2024-05-01", null, "island"));
    ((ObjectNode) nullVersion.get("windows").get(0)).putNull("version");
    assertThat(RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), nullVersion, null, 5, null, Map.of()).checks().get(0).met())
        .isTrue();
  }

  @Test
  void moreThanThreeDriftingWindowsAreCountedAndTheFirstThreeNamed() {
    ObjectNode skew = skew(skewWindow("2024-05-01", null, "a"), skewWindow("2024-05-02", null, "b"), skewWindow("2024-05-03", null, "c"),
        skewWindow("2024-05-04", null, "d"));
    RetrainDecision.Check c = RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), skew, null, 5, null, Map.of()).checks().get(0);
    assertThat(c.value()).isEqualTo(4.0);
    assertThat(c.detail()).isEqualTo("4 window(s) drift: a in 2024-05-01; b in 2024-05-02; c in 2024-05-03; ...");
  }

  @Test
  void withoutAServingSkewDriftDoesNotHold() {
    RetrainDecision.Check c = RetrainDecision.decide(when(RetrainConfig.Condition.drift()), twoDays(), null, null, 5, null, Map.of()).checks().get(0);
    assertThat(c.met()).isFalse();
    assertThat(c.value()).isNull();
    assertThat(c.detail()).isEqualTo("no serving skew in this pipeline (feedback.skew)");
  }

  @Test
  void newLabelsHoldFromTheirThresholdOn() {
    RetrainDecision.Outcome under = decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), 499);
    assertThat(under.checks().get(0).met()).isFalse();
    assertThat(under.checks().get(0).value()).isEqualTo(499.0);
    assertThat(under.checks().get(0).threshold()).isEqualTo(500.0);
    assertThat(under.checks().get(0).detail()).isEqualTo("499 labelled row(s), threshold 500");
    assertThat(under.fired()).isFalse();
    RetrainDecision.Outcome at = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null, null, 500, CUTOFF, Map.of());
    assertThat(at.checks().get(0).met()).isTrue();
    assertThat(at.checks().get(0).detail()).isEqualTo("500 labelled row(s) since the last retraining (2024-05-02T00:00:00Z), threshold 500");
    assertThat(at.fired()).isTrue();
    assertThat(at.reason()).isEqualTo("retrain: {new_labels: 500}: 500 labelled row(s) since the last retraining (2024-05-02T00:00:00Z), threshold 500");
  }

  @Test
  void everyConditionIsReportedInOrderAndTheMetOnesJoinTheReason() {
    RetrainDecision.Outcome o = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(1000), RetrainConfig.Condition.below("accuracy", 0.8),
        RetrainConfig.Condition.drift(), RetrainConfig.Condition.above("log_loss", 0.5)), twoDays(), skew(skewWindow("2024-05-01", null, "x")),
        null, 10, null, Map.of());
    assertThat(o.checks()).extracting(RetrainDecision.Check::met).containsExactly(false, true, true, true);
    assertThat(o.reason()).isEqualTo("retrain: {metric: accuracy, below: 0.8}: version 2 under 'stable' accuracy 0.7667 over 150 row(s) < 0.8000;"
        + " {drift: true}: 1 window(s) drift: x in 2024-05-01; {metric: log_loss, above: 0.5}: version 2 under 'stable' log_loss 0.6000 over 150"
        + " row(s) > 0.5000");
  }

  private static ObjectNode canary(String verdict, String reason, List<Long> stable, List<Long> candidate) {
    ObjectNode c = F.objectNode().put("verdict", verdict).put("reason", reason);
    stable.forEach(c.putArray("stable_versions")::add);
    candidate.forEach(c.putArray("canary_versions")::add);
    return c;
  }

  @Test
  void aCanaryStillBeingComparedHoldsTheRetrainingBack() {
    ObjectNode keep = canary("keep", "not enough data", List.of(2L), List.of(3L));
    RetrainDecision.Outcome o = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null, keep, 600, null, Map.of());
    assertThat(o.fired()).isFalse();
    assertThat(o.hold()).isEqualTo("canary version(s) [3] are still being compared with stable [2] (not enough data)");
    assertThat(o.reason()).isEqualTo("no retraining: canary version(s) [3] are still being compared with stable [2] (not enough data)"
        + " (although {new_labels: 500}: 600 labelled row(s), threshold 500)");
    // A hold with no condition met still says why.
    RetrainDecision.Outcome quiet = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null, keep, 1, null, Map.of());
    assertThat(quiet.reason()).isEqualTo("no retraining: canary version(s) [3] are still being compared with stable [2] (not enough data)");
  }

  @Test
  void aKeepVerdictOnTheSameVersionsOrWithoutACanaryDoesNotHold() {
    RetrainDecision.Outcome same = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null,
        canary("keep", "same version", List.of(2L), List.of(2L)), 600, null, Map.of());
    assertThat(same.hold()).isNull();
    assertThat(same.fired()).isTrue();
    RetrainDecision.Outcome noCanary = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null,
        canary("keep", "no canary traffic", List.of(2L), List.of()), 600, null, Map.of());
    assertThat(noCanary.hold()).isNull();
    assertThat(noCanary.fired()).isTrue();
  }

  @Test
  void aPromotionInThisRunHoldsButARollbackDoesNot() {
    RetrainDecision.Outcome promoted = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null,
        canary("promote", "better", List.of(2L), List.of(3L, 4L)), 600, null, Map.of());
    assertThat(promoted.fired()).isFalse();
    assertThat(promoted.hold()).isEqualTo("this run's canary comparison promoted version(s) [3, 4]: their live metrics start now");
    RetrainDecision.Outcome rolledBack = RetrainDecision.decide(when(RetrainConfig.Condition.newLabels(500)), twoDays(), null,
        canary("rollback", "worse", List.of(2L), List.of(3L)), 600, null, Map.of());
    assertThat(rolledBack.hold()).isNull();
    assertThat(rolledBack.fired()).isTrue();
  }

  @Test
  void withoutALabelledRowToRetrainWithNothingFires() {
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.below("accuracy", 0.8)), twoDays(), 0);
    assertThat(o.fired()).isFalse();
    assertThat(o.hold()).isEqualTo("no labelled row to retrain with");
    assertThat(o.reason()).isEqualTo("no retraining: no labelled row to retrain with (although {metric: accuracy, below: 0.8}: version 2 under"
        + " 'stable' accuracy 0.7667 over 150 row(s) < 0.8000)");
    RetrainDecision.Outcome since = RetrainDecision.decide(when(RetrainConfig.Condition.below("accuracy", 0.8)).withMinExamples(50), twoDays(),
        null, null, 0, CUTOFF, Map.of());
    assertThat(since.hold()).isEqualTo("no labelled row since 2024-05-02T00:00:00Z to retrain with");
    // With no condition met there is nothing to hold back.
    RetrainDecision.Outcome nothing = decide(when(RetrainConfig.Condition.below("accuracy", 0.5)), twoDays(), 0);
    assertThat(nothing.hold()).isNull();
    assertThat(nothing.reason()).isEqualTo("no retraining: no condition holds");
  }

  @Test
  void theOutcomeAsJson() {
    RetrainDecision.Outcome o = decide(when(RetrainConfig.Condition.newLabels(5)), twoDays(), 5);
    assertThat(o.toJson().toString()).isEqualTo("{\"fired\":true,\"reason\":\"retrain: {new_labels: 5}: 5 labelled row(s), threshold 5\","
        + "\"hold\":null,\"version\":2,\"checks\":[{\"condition\":\"{new_labels: 5}\",\"met\":true,\"value\":5.0,\"threshold\":5.0,"
        + "\"detail\":\"5 labelled row(s), threshold 5\"}]}");
  }
}
