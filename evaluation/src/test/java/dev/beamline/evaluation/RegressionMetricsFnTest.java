package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.testing.ScikitLearn;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegressionMetricsFnTest {
  private static final double TOLERANCE = 1e-9;

  @TempDir Path dir;

  static RegressionMetrics compute(RegressionMetricsFn fn, List<RegressionPrediction> rows) {
    RegressionMetricsFn.Accumulator acc = fn.createAccumulator();
    for (RegressionPrediction p : rows) {
      acc = fn.addInput(acc, p);
    }
    return fn.extractOutput(acc);
  }

  @Test
  void handComputed() {
    // Residuals 1, -1, 2, 0; labels 1, 2, 3, 4 (mean 2.5, squared deviations sum 5).
    RegressionMetrics m = compute(RegressionMetricsFn.of().withQuantiles(0, 0.5, 1), List.of(
        RegressionPrediction.of(1, 0), RegressionPrediction.of(2, 3), RegressionPrediction.of(3, 1), RegressionPrediction.of(4, 4)));
    assertThat(m.meanSquaredError()).isEqualTo(1.5);
    assertThat(m.rootMeanSquaredError()).isEqualTo(Math.sqrt(1.5));
    assertThat(m.meanAbsoluteError()).isEqualTo(1.0);
    assertThat(m.r2()).isEqualTo(1 - 6.0 / 5);
    assertThat(m.meanLabel()).isEqualTo(2.5);
    assertThat(m.meanPrediction()).isEqualTo(2.0);
    assertThat(m.residualQuantiles()).containsExactly(-1.0, 0.5, 2.0);
  }

  @Test
  void constantLabelsFollowR2ScoresForceFiniteRuleAndZeroWeightsChangeNothing() {
    RegressionMetricsFn fn = RegressionMetricsFn.of();
    assertThat(compute(fn, List.of(RegressionPrediction.of(1e9 + 0.1, 1e9 + 0.1), RegressionPrediction.of(1e9 + 0.1, 1e9 + 0.1))).r2()).isEqualTo(1.0);
    assertThat(compute(fn, List.of(RegressionPrediction.of(1e9 + 0.1, 1e9), RegressionPrediction.of(1e9 + 0.1, 1e9 + 0.1))).r2()).isEqualTo(0.0);
    RegressionMetrics one = compute(fn, List.of(RegressionPrediction.of(3, 1)));
    assertThat(one.meanSquaredError()).isEqualTo(4.0);
    assertThat(one.r2()).isEqualTo(0.0);
    assertThat(one.residualQuantiles()).containsOnly(2.0);
    RegressionMetrics zero = compute(fn, List.of(RegressionPrediction.of(3, 1), RegressionPrediction.of(100, -5, 0)));
    assertThat(zero.meanSquaredError()).isEqualTo(4.0);
    assertThat(zero.meanLabel()).isEqualTo(3.0);
    assertThat(zero.exampleCount()).isEqualTo(2);
    RegressionMetrics none = compute(fn, List.of(RegressionPrediction.of(3, 1, 0)));
    assertThat(none.meanSquaredError()).isNaN();
    assertThat(none.r2()).isNaN();
    assertThatThrownBy(() -> RegressionPrediction.of(Double.NaN, 1)).hasMessageContaining("label must be finite; got NaN");
    assertThatThrownBy(() -> fn.withQuantiles(1.5)).hasMessageContaining("quantile probabilities must be in [0, 1]; got [1.5]");
  }

  @Test
  void aSmallSpreadFarFromZeroKeepsItsR2() {
    // Labels 1e8 + {0, 1, 2}: the one-pass sum of squares in doubles would lose the variance entirely.
    RegressionMetrics m = compute(RegressionMetricsFn.of(), List.of(
        RegressionPrediction.of(1e8, 1e8), RegressionPrediction.of(1e8 + 1, 1e8 + 2), RegressionPrediction.of(1e8 + 2, 1e8 + 2)));
    assertThat(m.r2()).isEqualTo(0.5);
  }

  static List<RegressionPrediction> random(Random random, int n, boolean weighted) {
    List<RegressionPrediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double y = 50 + 10 * random.nextGaussian();
      double p = 0.8 * y + 10 + 4 * random.nextGaussian();
      double w = weighted ? (random.nextInt(5) == 0 ? 0 : random.nextDouble() * 3) : 1;
      rows.add(RegressionPrediction.of(y, p, w));
    }
    return rows;
  }

  @Test
  void matchesScikitLearn() throws Exception {
    for (boolean weighted : new boolean[] {false, true}) {
      List<RegressionPrediction> rows = random(new Random(21), 2000, weighted);
      StringBuilder csv = new StringBuilder();
      for (RegressionPrediction r : rows) {
        csv.append(r.label()).append(',').append(r.prediction()).append(',').append(r.weight()).append('\n');
      }
      Path file = Files.createTempFile(dir, "regression", ".csv");
      Files.writeString(file, csv);
      JsonNode sk = ScikitLearn.run(dir, String.join("\n",
          "import json, sys, numpy as np",
          "from sklearn import metrics as M",
          "d = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2); y, p, w = d[:, 0], d[:, 1], d[:, 2]",
          "print(json.dumps({'mse': M.mean_squared_error(y, p, sample_weight=w),",
          "  'rmse': M.mean_squared_error(y, p, sample_weight=w, squared=False),",
          "  'mae': M.mean_absolute_error(y, p, sample_weight=w), 'r2': M.r2_score(y, p, sample_weight=w),",
          "  'mean_label': float(np.average(y, weights=w)), 'mean_prediction': float(np.average(p, weights=w)),",
          "  'quantiles': np.quantile(y - p, [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]).tolist()}))"), file.toString());
      RegressionMetrics m = compute(RegressionMetricsFn.of(), rows);
      assertThat(m.meanSquaredError()).isCloseTo(sk.get("mse").asDouble(), within(TOLERANCE));
      assertThat(m.rootMeanSquaredError()).isCloseTo(sk.get("rmse").asDouble(), within(TOLERANCE));
      assertThat(m.meanAbsoluteError()).isCloseTo(sk.get("mae").asDouble(), within(TOLERANCE));
      assertThat(m.r2()).isCloseTo(sk.get("r2").asDouble(), within(TOLERANCE));
      assertThat(m.meanLabel()).isCloseTo(sk.get("mean_label").asDouble(), within(TOLERANCE));
      assertThat(m.meanPrediction()).isCloseTo(sk.get("mean_prediction").asDouble(), within(TOLERANCE));
      for (int i = 0; i < 7; i++) {
        assertThat(m.residualQuantiles()[i]).isCloseTo(sk.get("quantiles").get(i).asDouble(), within(TOLERANCE));
      }
    }
  }

  @Test
  void mergingSevenPartitionsInAnyOrderGivesTheSinglePassResultExactly() {
    List<RegressionPrediction> rows = random(new Random(8), 2000, true);
    RegressionMetricsFn fn = RegressionMetricsFn.of();
    RegressionMetrics single = compute(fn, rows);
    Random random = new Random(99);
    for (int trial = 0; trial < 10; trial++) {
      List<List<RegressionPrediction>> parts = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        parts.add(new ArrayList<>());
      }
      for (RegressionPrediction p : rows) {
        parts.get(random.nextInt(7)).add(p);
      }
      List<RegressionMetricsFn.Accumulator> accs = new ArrayList<>();
      for (List<RegressionPrediction> part : parts) {
        Collections.shuffle(part, random);
        RegressionMetricsFn.Accumulator acc = fn.createAccumulator();
        for (RegressionPrediction p : part) {
          acc = fn.addInput(acc, p);
        }
        accs.add(acc);
      }
      Collections.shuffle(accs, random);
      RegressionMetricsFn.Accumulator left = fn.mergeAccumulators(accs.subList(0, 3));
      List<RegressionMetricsFn.Accumulator> rest = new ArrayList<>(accs.subList(3, 7));
      rest.add(random.nextInt(rest.size() + 1), left);
      assertThat(fn.extractOutput(fn.mergeAccumulators(rest))).isEqualTo(single);
    }
    CombineFnTester.testCombineFn(fn, rows.subList(0, 200), compute(fn, rows.subList(0, 200)));
  }
}
