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
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationMetricsFnTest {
  private static final double TOLERANCE = 1e-9;

  @TempDir Path dir;

  static ClassificationMetrics compute(ClassificationMetricsFn fn, List<Prediction> rows) {
    ClassificationMetricsFn.Accumulator acc = fn.createAccumulator();
    for (Prediction p : rows) {
      acc = fn.addInput(acc, p);
    }
    return fn.extractOutput(acc);
  }

  private static Prediction binary(int label, double p1) {
    return Prediction.of(label, new double[] {1 - p1, p1});
  }

  @Test
  void tiedScoresCountAsHalfOrderedAndTheRestIsHandComputed() {
    // Scores 0.1 (neg), 0.5 (neg), 0.5 (pos), 0.9 (pos): of the 4 pairs 3 are ordered and 1 tied, AUC 3.5 / 4.
    // AP: at 0.9 recall 1/2 with precision 1, at 0.5 recall 1 with precision 2/3: 1/2 + 1/3.
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(2),
        List.of(binary(0, 0.1), binary(0, 0.5), binary(1, 0.5), binary(1, 0.9)));
    assertThat(m.rocAuc()).isEqualTo(0.875);
    assertThat(m.averagePrecision()).isCloseTo(5.0 / 6, within(1e-15));
    // [0.5, 0.5] is predicted as class 0, the lowest index.
    assertThat(m.confusionCounts()).isEqualTo(new long[][] {{2, 0}, {1, 1}});
    assertThat(m.confusionMatrix()).isEqualTo(new double[][] {{2, 0}, {1, 1}});
    assertThat(m.accuracy()).isEqualTo(0.75);
    assertThat(m.precision()).containsExactly(2.0 / 3, 1.0);
    assertThat(m.recall()).containsExactly(1.0, 0.5);
    assertThat(m.f1()[0]).isCloseTo(0.8, within(1e-15));
    assertThat(m.f1()[1]).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.support()).containsExactly(2.0, 2.0);
    assertThat(m.micro()).isEqualTo(new ClassificationMetrics.Averages(0.75, 0.75, 0.75));
    assertThat(m.macro().precision()).isCloseTo(5.0 / 6, within(1e-15));
    assertThat(m.macro().recall()).isEqualTo(0.75);
    assertThat(m.brierScore()).isCloseTo(0.13, within(1e-15));
    assertThat(m.logLoss()).isCloseTo(-(2 * Math.log(0.9) + 2 * Math.log(0.5)) / 4, within(1e-15));
    assertThat(m.exampleCount()).isEqualTo(4);
    assertThat(m.weightedCount()).isEqualTo(4.0);
  }

  @Test
  void aClassThatNeverOccursHasZerosAndMakesTheAucUndefined() {
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(3), List.of(
        Prediction.of(0, new double[] {0.7, 0.2, 0.1}),
        Prediction.of(1, new double[] {0.2, 0.5, 0.3}),
        Prediction.of(1, new double[] {0.6, 0.3, 0.1})));
    assertThat(m.precision()).containsExactly(0.5, 1.0, 0.0);
    assertThat(m.recall()).containsExactly(1.0, 0.5, 0.0);
    assertThat(m.support()).containsExactly(1.0, 2.0, 0.0);
    assertThat(m.f1()[2]).isZero();
    assertThat(m.macro().precision()).isEqualTo(0.5);
    assertThat(m.macro().recall()).isEqualTo(0.5);
    assertThat(m.weighted().recall()).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(m.confusionCounts()).isEqualTo(new long[][] {{1, 0, 0}, {1, 1, 0}, {0, 0, 0}});
    assertThat(m.rocAuc()).isNaN();
    // Sum over classes of squared errors: 0.09+0.04+0.01, 0.04+0.25+0.09, 0.36+0.49+0.01.
    assertThat(m.brierScore()).isCloseTo((0.14 + 0.38 + 0.86) / 3, within(1e-15));
  }

  @Test
  void oneExample() {
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(2), List.of(binary(1, 0.7)));
    assertThat(m.accuracy()).isEqualTo(1.0);
    assertThat(m.rocAuc()).isNaN();
    assertThat(m.averagePrecision()).isEqualTo(1.0);
    assertThat(m.precision()).containsExactly(0.0, 1.0);
    assertThat(m.recall()).containsExactly(0.0, 1.0);
    assertThat(m.macro()).isEqualTo(new ClassificationMetrics.Averages(0.5, 0.5, 0.5));
    assertThat(m.weighted()).isEqualTo(new ClassificationMetrics.Averages(1.0, 1.0, 1.0));
    assertThat(m.logLoss()).isEqualTo(-Math.log(0.7 / (0.3 + 0.7)));
  }

  @Test
  void zeroWeightsCountAsExamplesAndChangeNoMetric() {
    List<Prediction> rows = List.of(binary(0, 0.1), binary(0, 0.5), binary(1, 0.5), binary(1, 0.9));
    List<Prediction> withZeros = new ArrayList<>(rows);
    withZeros.add(Prediction.of(1, new double[] {0.95, 0.05}, 0));
    withZeros.add(Prediction.of(0, new double[] {0.4, 0.6}, 0));
    ClassificationMetrics a = compute(ClassificationMetricsFn.of(2), rows);
    ClassificationMetrics b = compute(ClassificationMetricsFn.of(2), withZeros);
    assertThat(b.exampleCount()).isEqualTo(6);
    assertThat(b.confusionCounts()).isEqualTo(new long[][] {{2, 1}, {2, 1}});
    assertThat(b.confusionMatrix()).isEqualTo(a.confusionMatrix());
    assertThat(new ClassificationMetrics(b.numClasses(), a.exampleCount(), b.weightedCount(), b.accuracy(), b.precision(),
        b.recall(), b.f1(), b.support(), b.macro(), b.micro(), b.weighted(), b.logLoss(), b.brierScore(),
        a.confusionCounts(), b.confusionMatrix(), b.rocAuc(), b.averagePrecision())).isEqualTo(a);

    ClassificationMetrics none = compute(ClassificationMetricsFn.of(2), List.of(Prediction.of(1, new double[] {0.5, 0.5}, 0)));
    assertThat(none.accuracy()).isNaN();
    assertThat(none.logLoss()).isNaN();
    assertThat(none.rocAuc()).isNaN();
    assertThat(none.averagePrecision()).isNaN();
    assertThat(none.macro()).isEqualTo(new ClassificationMetrics.Averages(0, 0, 0));
    assertThat(none.weighted()).isEqualTo(new ClassificationMetrics.Averages(0, 0, 0));
    assertThat(none.micro()).isEqualTo(new ClassificationMetrics.Averages(0, 0, 0));
  }

  @Test
  void callerMistakesAreNamed() {
    assertThatThrownBy(() -> ClassificationMetricsFn.of(1)).hasMessageContaining("numClasses must be at least 2; got 1");
    assertThatThrownBy(() -> Prediction.of(2, new double[] {0.5, 0.5})).hasMessageContaining("label must be in [0, 2)");
    assertThatThrownBy(() -> Prediction.of(0, new double[] {0.5, 0.5}, -1)).hasMessageContaining("weight must be finite and >= 0; got -1.0");
    ClassificationMetricsFn fn = ClassificationMetricsFn.of(3);
    assertThatThrownBy(() -> fn.addInput(fn.createAccumulator(), binary(0, 0.5))).hasMessageContaining("must have 3 probabilities; got 2");
  }

  /** Binary: scores rounded to 2 decimals, so many ties; weights in {0, 0.5, 1, 2.25, random}. */
  static List<Prediction> randomBinary(Random random, int n, boolean weighted) {
    List<Prediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double p1 = Math.round(random.nextDouble() * 100) / 100.0;
      int label = random.nextDouble() < 0.2 + 0.6 * p1 ? 1 : 0;
      rows.add(Prediction.of(label, new double[] {1 - p1, p1}, weighted ? weight(random) : 1.0));
    }
    return rows;
  }

  static List<Prediction> randomThreeClass(Random random, int n, boolean weighted) {
    List<Prediction> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] z = {random.nextGaussian(), random.nextGaussian() + 0.3, random.nextGaussian() - 0.2};
      double s = 0;
      for (int c = 0; c < 3; c++) {
        z[c] = Math.exp(z[c]);
        s += z[c];
      }
      for (int c = 0; c < 3; c++) {
        z[c] = Math.round(z[c] / s * 1000) / 1000.0;
      }
      z[1] = Math.min(z[1], 1 - z[0]);
      z[2] = 1 - z[0] - z[1];
      double u = random.nextDouble();
      int label = u < z[0] ? 0 : u < z[0] + z[1] ? 1 : 2;
      rows.add(Prediction.of(label, z, weighted ? weight(random) : 1.0));
    }
    return rows;
  }

  private static double weight(Random random) {
    int r = random.nextInt(5);
    return switch (r) {
      case 0 -> 0.0;
      case 1 -> 0.5;
      case 2 -> 1.0;
      case 3 -> 2.25;
      default -> random.nextDouble() * 3;
    };
  }

  private static final String SCRIPT = String.join("\n",
      "import json, sys, numpy as np",
      "from sklearn import metrics as M",
      "from sklearn.preprocessing import label_binarize",
      "d = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2)",
      "k = int(sys.argv[2]); labels = list(range(k))",
      "y = d[:, 0].astype(int); w = d[:, 1]; P = d[:, 2:]; pred = P.argmax(axis=1)",
      "r = {}",
      "r['accuracy'] = M.accuracy_score(y, pred, sample_weight=w)",
      "p, rc, f, s = M.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0, sample_weight=w)",
      "r['precision'] = p.tolist(); r['recall'] = rc.tolist(); r['f1'] = f.tolist(); r['support'] = s.tolist()",
      "for avg in ('macro', 'micro', 'weighted'):",
      "    a = M.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division=0, sample_weight=w)",
      "    r[avg] = [float(a[0]), float(a[1]), float(a[2])]",
      "r['log_loss'] = M.log_loss(y, P, labels=labels, sample_weight=w)",
      "r['confusion'] = M.confusion_matrix(y, pred, labels=labels, sample_weight=w).astype(float).tolist()",
      "if k == 2:",
      "    r['brier'] = M.brier_score_loss(y, P[:, 1], sample_weight=w)",
      "    r['auc'] = M.roc_auc_score(y, P[:, 1], sample_weight=w)",
      "    r['ap'] = M.average_precision_score(y, P[:, 1], sample_weight=w)",
      "else:",
      "    Y = label_binarize(y, classes=labels)",
      "    r['brier'] = float(np.average(((P - Y) ** 2).sum(axis=1), weights=w))",
      "    r['auc'] = M.roc_auc_score(y, P, multi_class='ovr', average='macro', sample_weight=w)",
      "    r['ap'] = M.average_precision_score(Y, P, average='macro', sample_weight=w)",
      "print(json.dumps(r))");

  private JsonNode scikitLearn(List<Prediction> rows, int k) throws Exception {
    StringBuilder csv = new StringBuilder();
    for (Prediction p : rows) {
      csv.append(p.label()).append(',').append(p.weight());
      for (double v : p.probabilities()) {
        csv.append(',').append(v);
      }
      csv.append('\n');
    }
    Path file = Files.createTempFile(dir, "predictions", ".csv");
    Files.writeString(file, csv);
    return ScikitLearn.run(dir, SCRIPT, file.toString(), Integer.toString(k));
  }

  private static void assertMatches(ClassificationMetrics m, JsonNode sk) {
    assertThat(m.accuracy()).isCloseTo(sk.get("accuracy").asDouble(), within(TOLERANCE));
    assertClose(m.precision(), sk.get("precision"));
    assertClose(m.recall(), sk.get("recall"));
    assertClose(m.f1(), sk.get("f1"));
    assertClose(m.support(), sk.get("support"));
    for (var e : List.of(new Object[] {m.macro(), "macro"}, new Object[] {m.micro(), "micro"}, new Object[] {m.weighted(), "weighted"})) {
      ClassificationMetrics.Averages a = (ClassificationMetrics.Averages) e[0];
      assertClose(new double[] {a.precision(), a.recall(), a.f1()}, sk.get((String) e[1]));
    }
    assertThat(m.logLoss()).isCloseTo(sk.get("log_loss").asDouble(), within(TOLERANCE));
    for (int i = 0; i < m.numClasses(); i++) {
      assertClose(m.confusionMatrix()[i], sk.get("confusion").get(i));
    }
    assertThat(m.brierScore()).isCloseTo(sk.get("brier").asDouble(), within(TOLERANCE));
    assertThat(m.rocAuc()).isCloseTo(sk.get("auc").asDouble(), within(TOLERANCE));
    assertThat(m.averagePrecision()).isCloseTo(sk.get("ap").asDouble(), within(TOLERANCE));
  }

  private static void assertClose(double[] actual, JsonNode expected) {
    assertThat(actual).hasSize(expected.size());
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("[%s]", i).isCloseTo(expected.get(i).asDouble(), within(TOLERANCE));
    }
  }

  @Test
  void binaryWithManyTiesMatchesScikitLearn() throws Exception {
    for (boolean weighted : new boolean[] {false, true}) {
      List<Prediction> rows = randomBinary(new Random(13), 2000, weighted);
      ClassificationMetrics m = compute(ClassificationMetricsFn.of(2), rows);
      assertThat(m.exampleCount()).isEqualTo(2000);
      assertMatches(m, scikitLearn(rows, 2));
    }
  }

  @Test
  void threeClassesMatchScikitLearn() throws Exception {
    for (boolean weighted : new boolean[] {false, true}) {
      List<Prediction> rows = randomThreeClass(new Random(17), 2000, weighted);
      ClassificationMetrics m = compute(ClassificationMetricsFn.of(3), rows);
      assertMatches(m, scikitLearn(rows, 3));
    }
  }

  @Test
  void mergingSevenPartitionsInAnyOrderGivesTheSinglePassResultExactly() throws Exception {
    for (int k : new int[] {2, 3}) {
      List<Prediction> rows = k == 2 ? randomBinary(new Random(5), 2000, true) : randomThreeClass(new Random(6), 2000, true);
      ClassificationMetricsFn fn = ClassificationMetricsFn.of(k);
      ClassificationMetrics single = compute(fn, rows);
      Random random = new Random(99);
      for (int trial = 0; trial < 10; trial++) {
        List<List<Prediction>> parts = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
          parts.add(new ArrayList<>());
        }
        for (Prediction p : rows) {
          parts.get(random.nextInt(7)).add(p);
        }
        List<ClassificationMetricsFn.Accumulator> accs = new ArrayList<>();
        for (List<Prediction> part : parts) {
          Collections.shuffle(part, random);
          ClassificationMetricsFn.Accumulator acc = fn.createAccumulator();
          for (Prediction p : part) {
            acc = fn.addInput(acc, p);
          }
          accs.add(acc);
        }
        Collections.shuffle(accs, random);
        // Merge in a random tree: the first three, then the rest with that.
        ClassificationMetricsFn.Accumulator left = fn.mergeAccumulators(accs.subList(0, 3));
        List<ClassificationMetricsFn.Accumulator> rest = new ArrayList<>(accs.subList(3, 7));
        rest.add(random.nextInt(rest.size() + 1), left);
        ClassificationMetricsFn.Accumulator merged = fn.mergeAccumulators(rest);
        assertThat(fn.extractOutput(merged)).isEqualTo(single);
      }
      // The accumulator survives its coder.
      ClassificationMetricsFn.Accumulator acc = fn.createAccumulator();
      for (Prediction p : rows) {
        acc = fn.addInput(acc, p);
      }
      var coder = fn.getAccumulatorCoder(CoderRegistry.createDefault(), null);
      assertThat(fn.extractOutput(CoderUtils.clone(coder, acc))).isEqualTo(single);
    }
  }

  @Test
  void passesBeamsCombineFnTester() {
    List<Prediction> rows = randomThreeClass(new Random(3), 200, true);
    ClassificationMetricsFn fn = ClassificationMetricsFn.of(3);
    CombineFnTester.testCombineFn(fn, rows, compute(fn, rows));
    List<Prediction> binary = randomBinary(new Random(4), 200, true);
    CombineFnTester.testCombineFn(ClassificationMetricsFn.of(2), binary, compute(ClassificationMetricsFn.of(2), binary));
  }
}
