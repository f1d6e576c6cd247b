package dev.beamline.validation.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.privacy.NoiseSource;
import dev.beamline.core.privacy.SnappedNoise;
import dev.beamline.validation.privacy.DpStatistics.CategoricalRelease;
import dev.beamline.validation.privacy.DpStatistics.NumericRelease;
import dev.beamline.validation.privacy.DpStatistics.SplitRelease;
import dev.beamline.validation.privacy.PrivacyConfig.Bounds;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The noise added to the exact sums: its grid, its size against the stated one, and what is derived from it. */
class NoisyReleaseTest {
  private static DpSums sums(DpQueryPlan plan) {
    DpSums s = DpSums.empty(plan, "train");
    DpSumsTest.table().forEach(s::add);
    return s;
  }

  @Test
  void withAHugeEpsilonTheReleaseIsTheExactAggregates() {
    for (PrivacyConfig.Mechanism m : PrivacyConfig.Mechanism.values()) {
      DpQueryPlan plan = DpSumsTest.plan(DpSumsTest.config().withMechanism(m).withEpsilon(1e6));
      SplitRelease r = NoisyRelease.of(plan, List.of(sums(plan)), NoiseSource.deterministicForTests(1)).split("train");
      assertThat(r.rows()).isEqualTo(6);
      NumericRelease x = r.numeric().get(0);
      assertThat(x.count()).isEqualTo(4);
      assertThat(x.histogram()).containsExactly(1L, 1L, 1L, 0L, 1L);
      assertThat(x.centredSum()).isCloseTo(-3.5, within(20 * plan.query("train/x/sum").noiseStd()));
      assertThat(x.mean()).isCloseTo(5 - 3.5 / 4, within(1e-3));   // the mean of 0, 2.5, 10, 4
      assertThat(x.edges()).containsExactly(0.0, 2.0, 4.0, 6.0, 8.0, 10.0);
      CategoricalRelease s = r.categorical().get(0);
      assertThat(s.values()).containsExactly("a", "b");
      assertThat(s.counts()).containsExactly(2L, 2L);
      assertThat(s.other()).isEqualTo(1);
    }
  }

  @Test
  void sumsAreReleasedOnTheSnappedGridOfTheirNoiseScale() {
    for (PrivacyConfig.Mechanism m : PrivacyConfig.Mechanism.values()) {
      DpQueryPlan plan = DpSumsTest.plan(DpSumsTest.config().withMechanism(m));
      double g = SnappedNoise.granularity(plan.query("train/x/sum").noiseScale());
      for (long seed = 0; seed < 20; seed++) {
        double v = NoisyRelease.of(plan, List.of(sums(plan)), NoiseSource.deterministicForTests(seed)).split("train").numeric().get(0).centredSum();
        assertThat(v / g).isEqualTo(Math.rint(v / g));
      }
    }
  }

  @Test
  void theNoiseHasTheStatedStandardDeviation() {
    for (PrivacyConfig.Mechanism m : PrivacyConfig.Mechanism.values()) {
      DpQueryPlan plan = DpSumsTest.plan(DpSumsTest.config().withMechanism(m));
      DpSums exact = sums(plan);
      NoiseSource source = NoiseSource.deterministicForTests(7);
      int n = 4000;
      double rowsSq = 0;
      double sumSq = 0;
      double bucketSq = 0;
      for (int i = 0; i < n; i++) {
        SplitRelease r = NoisyRelease.of(plan, List.of(exact), source).split("train");
        rowsSq += Math.pow(r.rows() - 6, 2);
        sumSq += Math.pow(r.numeric().get(0).centredSum() + 3.5, 2);
        bucketSq += Math.pow(r.numeric().get(0).histogram().get(3), 2);
      }
      assertThat(Math.sqrt(rowsSq / n)).as("rows, %s", m).isCloseTo(plan.query("train/rows").noiseStd(), withinPercent(plan, "train/rows"));
      assertThat(Math.sqrt(sumSq / n)).as("sum, %s", m).isCloseTo(plan.query("train/x/sum").noiseStd(), withinPercent(plan, "train/x/sum"));
      assertThat(Math.sqrt(bucketSq / n)).as("bucket, %s", m).isCloseTo(plan.query("train/x/histogram").noiseStd(), withinPercent(plan, "train/x/histogram"));
    }
  }

  private static org.assertj.core.data.Offset<Double> withinPercent(DpQueryPlan plan, String query) {
    return within(0.1 * plan.query(query).noiseStd());
  }

  @Test
  void quantilesComeFromTheNoisyHistogramWithNegativeCountsAsZero() {
    Bounds b = new Bounds(0, 10);
    Map<Double, Double> q = NoisyRelease.quantiles(b, List.of(0L, 10L, 0L, 10L, -3L));
    assertThat(q).containsExactly(Map.entry(0.1, 2.4), Map.entry(0.25, 3.0), Map.entry(0.5, 4.0), Map.entry(0.75, 7.0), Map.entry(0.9, 7.6));
    assertThat(NoisyRelease.quantiles(b, List.of(0L, -1L, 0L, 0L, 0L))).isNull();
  }

  @Test
  void theJsonStatesTheBudgetAndTheErrorOfEveryValue() throws IOException {
    DpQueryPlan plan = DpSumsTest.plan(DpSumsTest.config().withUserColumn("u", 2));
    String json = NoisyRelease.of(plan, List.of(sums(plan)), NoiseSource.deterministicForTests(3)).toJson();
    JsonNode root = new ObjectMapper().readTree(json);
    assertThat(root.get("mechanism").asText()).isEqualTo("laplace");
    assertThat(root.get("unit_of_privacy").asText()).isEqualTo("user (column 'u', at most 2 rows each)");
    assertThat(root.get("epsilon").asDouble()).isEqualTo(1.0);
    assertThat(root.get("delta").asDouble()).isEqualTo(0.0);
    assertThat(root.get("noise_source").asText()).contains("no privacy");
    assertThat(root.get("note").asText()).contains("statistics.json beside it is exact and NOT private");
    JsonNode budget = root.get("budget");
    assertThat(budget.get("queries_count").asInt()).isEqualTo(5);
    assertThat(budget.get("total_epsilon").asDouble()).isEqualTo(1.0);
    JsonNode sum = budget.get("queries").get(2);
    assertThat(sum.get("id").asText()).isEqualTo("train/x/sum");
    assertThat(sum.get("l1_sensitivity").asDouble()).isEqualTo(10.0);   // 2 rows x (10 - 0) / 2
    assertThat(sum.get("epsilon").asDouble()).isEqualTo(0.2);
    assertThat(sum.get("noise_scale").asDouble()).isEqualTo(50.0);
    assertThat(root.get("withheld").get(0).get("column").asText()).isEqualTo("u");
    JsonNode train = root.get("splits").get(0);
    assertThat(train.get("split").asText()).isEqualTo("train");
    assertThat(train.get("rows").get("noise_std").asDouble()).isEqualTo(Math.sqrt(2) * 10);
    JsonNode x = train.get("numeric").get("x");
    assertThat(x.get("histogram").get("counts")).hasSize(5);
    assertThat(x.get("quantiles").fieldNames()).toIterable().containsExactly("p10", "p25", "p50", "p75", "p90");
    assertThat(train.get("categorical").get("s").get("counts").fieldNames()).toIterable().containsExactly("a", "b");
  }
}
