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
        a.confusionCounts(), b.confusionMatrix(), b.rocAuc(), b.averagePrecision(), b.curves(), b.calibration(),
        b.thresholds())).isEqualTo(a);

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

  private Path csv(List<Prediction> rows) throws Exception {
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
    return file;
  }

  private JsonNode scikitLearn(List<Prediction> rows, int k) throws Exception {
    return ScikitLearn.run(dir, SCRIPT, csv(rows).toString(), Integer.toString(k));
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

  // ---- Curves, calibration and threshold metrics -------------------------------------------------------------

  private static ClassificationMetrics.CurvePoint point(double threshold, double tp, double fp, double fpr, double tpr,
      double precision, double recall) {
    return new ClassificationMetrics.CurvePoint(threshold, tp, fp, fpr, tpr, precision, recall);
  }

  private static ClassificationMetrics.CalibrationBin emptyBin(int b) {
    return new ClassificationMetrics.CalibrationBin(b * 0.1, b == 9 ? 1.0 : (b + 1) * 0.1, 0, Double.NaN, Double.NaN);
  }

  @Test
  void tiedScoresGiveOneCurvePointAndHandComputedCalibrationAndThresholds() {
    // Scores 0.1 (neg), 0.5 (neg), 0.5 (pos), 0.9 (pos): the tie at 0.5 is one point.
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(2),
        List.of(binary(0, 0.1), binary(0, 0.5), binary(1, 0.5), binary(1, 0.9)));
    assertThat(m.curves()).containsExactly(new ClassificationMetrics.Curve(1, 4, List.of(
        point(0.9 + 1, 0, 0, 0, 0, 1, 0),
        point(0.9, 1, 0, 0, 0.5, 1, 0.5),
        point(0.5, 2, 1, 0.5, 1, 2.0 / 3, 1),
        point(0.1, 2, 2, 1, 1, 0.5, 1))));

    // 0.5 is an edge of np.linspace(0, 1, 11) and, with searchsorted's side="left", belongs to the bin below it,
    // (0.4, 0.5]; 0.1 is the first edge: bin 0; 0.9 = 9 * 0.1 exactly: bin (0.8, 0.9].
    List<ClassificationMetrics.CalibrationBin> bins = new ArrayList<>();
    for (int b = 0; b < 10; b++) {
      bins.add(emptyBin(b));
    }
    bins.set(0, new ClassificationMetrics.CalibrationBin(0, 0.1, 1, 0.1, 0));
    bins.set(4, new ClassificationMetrics.CalibrationBin(0.4, 0.5, 2, 0.5, 0.5));
    bins.set(8, new ClassificationMetrics.CalibrationBin(0.8, 0.9, 1, 0.9, 1));
    assertThat(m.calibration()).containsExactly(new ClassificationMetrics.Calibration(1, 4, 0.5, 0.5, bins));

    // p >= t: at 0.1 everything is positive; at 0.5 the tie is positive; at 0.6 .. 0.9 only 0.9.
    var all = new ClassificationMetrics.ThresholdMetrics(0.1, 2, 2, 0, 0, 0.5, 1, 2.0 / 3, 1, 0.5);
    var half = new ClassificationMetrics.ThresholdMetrics(0.5, 2, 1, 1, 0, 2.0 / 3, 1, 0.8, 0.5, 0.75);
    assertThat(m.thresholds()).hasSize(9);
    assertThat(m.thresholds().get(0)).isEqualTo(all);
    assertThat(m.thresholds().get(1)).isEqualTo(new ClassificationMetrics.ThresholdMetrics(0.2, 2, 1, 1, 0, 2.0 / 3, 1,
        0.8, 0.5, 0.75));
    assertThat(m.thresholds().get(4).threshold()).isEqualTo(0.5);
    assertThat(m.thresholds().get(4).f1()).isCloseTo(0.8, within(1e-15));
    assertThat(m.thresholds().get(4)).usingRecursiveComparison().ignoringFields("f1").isEqualTo(half);
    for (int i = 5; i < 9; i++) {
      ClassificationMetrics.ThresholdMetrics t = m.thresholds().get(i);
      assertThat(t.threshold()).isEqualTo(new double[] {0.6, 0.7, 0.8, 0.9}[i - 5]);
      assertThat(new double[] {t.truePositives(), t.falsePositives(), t.trueNegatives(), t.falseNegatives(),
          t.precision(), t.recall(), t.falsePositiveRate(), t.accuracy()}).containsExactly(1, 0, 2, 1, 1, 0.5, 0, 0.75);
      assertThat(t.f1()).isEqualTo(2.0 / 3);
    }
    assertThat(compute(ClassificationMetricsFn.of(2).withThresholds(0.0, 1.0), List.of(binary(0, 0.1), binary(1, 0.9)))
        .thresholds()).containsExactly(
            new ClassificationMetrics.ThresholdMetrics(0.0, 1, 1, 0, 0, 0.5, 1, 2.0 / 3, 1, 0.5),
            // Nothing reaches 1: no prediction of class 1 gives precision, recall and F1 0 (zero_division=0).
            new ClassificationMetrics.ThresholdMetrics(1.0, 0, 0, 1, 1, 0, 0, 0, 0, 0.5));
  }

  @Test
  void aClassThatNeverOccursHasUndefinedRatesOnItsCurveAndNoPositivesInItsCalibration() {
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(3).withCalibrationBins(2), List.of(
        Prediction.of(0, new double[] {0.7, 0.2, 0.1}),
        Prediction.of(1, new double[] {0.2, 0.5, 0.3}),
        Prediction.of(1, new double[] {0.6, 0.3, 0.1})));
    assertThat(m.curves()).extracting(ClassificationMetrics.Curve::positiveClass).containsExactly(0, 1, 2);
    // Class 2 scores 0.3, 0.1 (twice): no positives, so the true-positive rate is NaN and the recall 1
    // (precision_recall_curve's convention), but 0 at the start.
    assertThat(m.curves().get(2)).isEqualTo(new ClassificationMetrics.Curve(2, 3, List.of(
        point(0.3 + 1, 0, 0, 0, Double.NaN, 1, 0),
        point(0.3, 0, 1, 1.0 / 3, Double.NaN, 0, 1),
        point(0.1, 0, 3, 1, Double.NaN, 0, 1))));
    assertThat(m.calibration().get(2)).isEqualTo(new ClassificationMetrics.Calibration(2, 3, (0.3 + 0.1 + 0.1) / 3, 0,
        List.of(new ClassificationMetrics.CalibrationBin(0, 0.5, 3, (0.3 + 0.1 + 0.1) / 3, 0),
            new ClassificationMetrics.CalibrationBin(0.5, 1, 0, Double.NaN, Double.NaN))));
    // Class 0 scores 0.7 (pos), 0.2 and 0.6 (neg): bins [0, 0.5] and (0.5, 1].
    assertThat(m.calibration().get(0).bins()).containsExactly(
        new ClassificationMetrics.CalibrationBin(0, 0.5, 1, 0.2, 0),
        new ClassificationMetrics.CalibrationBin(0.5, 1, 2, 0.65, 0.5));
    assertThat(m.thresholds()).isEmpty();
    assertThatThrownBy(() -> ClassificationMetricsFn.of(3).withThresholds(0.5))
        .hasMessageContaining("thresholds apply to a binary model's P(class 1); this model has 3 classes");
  }

  @Test
  void oneExampleHasACurveOfTwoPointsAndZeroWeightsNone() {
    ClassificationMetrics one = compute(ClassificationMetricsFn.of(2), List.of(binary(1, 0.7)));
    // No negatives: the false-positive rate is NaN all along, as roc_curve gives it.
    assertThat(one.curves().get(0).points()).containsExactly(
        point(0.7 + 1, 0, 0, Double.NaN, 0, 1, 0), point(0.7, 1, 0, Double.NaN, 1, 1, 1));
    assertThat(one.calibration().get(0).meanPrediction()).isEqualTo(0.7);
    assertThat(one.calibration().get(0).meanLabel()).isEqualTo(1.0);
    assertThat(one.calibration().get(0).bins().get(6)).isEqualTo(
        new ClassificationMetrics.CalibrationBin(0.6000000000000001, 0.7000000000000001, 1, 0.7, 1));

    ClassificationMetrics none = compute(ClassificationMetricsFn.of(2), List.of(Prediction.of(1, new double[] {0.5, 0.5}, 0)));
    assertThat(none.curves()).containsExactly(new ClassificationMetrics.Curve(1, 0, List.of()));
    ClassificationMetrics.Calibration c = none.calibration().get(0);
    assertThat(c.weight()).isZero();
    assertThat(c.meanPrediction()).isNaN();
    assertThat(c.meanLabel()).isNaN();
    assertThat(c.bins()).allSatisfy(b -> assertThat(b.meanPrediction()).isNaN());
    assertThat(none.thresholds().get(0))
        .isEqualTo(new ClassificationMetrics.ThresholdMetrics(0.1, 0, 0, 0, 0, 0, 0, 0, 0, Double.NaN));
  }

  @Test
  void weightsScaleTheCurveAndTheCalibration() {
    // Weighted 0.5 (neg at 0.25) and 2.25 (pos at 0.75): the rates are shares of the weight.
    ClassificationMetrics m = compute(ClassificationMetricsFn.of(2).withCalibrationBins(4), List.of(
        Prediction.of(0, new double[] {0.75, 0.25}, 0.5), Prediction.of(1, new double[] {0.25, 0.75}, 2.25),
        Prediction.of(1, new double[] {0.75, 0.25}, 0.25)));
    assertThat(m.curves().get(0).points()).containsExactly(
        point(1.75, 0, 0, 0, 0, 1, 0),
        point(0.75, 2.25, 0, 0, 0.9, 1, 0.9),
        point(0.25, 2.5, 0.5, 1, 1, 2.5 / 3, 1));
    assertThat(m.calibration().get(0)).isEqualTo(new ClassificationMetrics.Calibration(1, 3,
        (0.25 * 0.75 + 0.75 * 2.25) / 3, 2.5 / 3, List.of(
            new ClassificationMetrics.CalibrationBin(0, 0.25, 0.75, 0.25, 1.0 / 3),
            new ClassificationMetrics.CalibrationBin(0.25, 0.5, 0, Double.NaN, Double.NaN),
            new ClassificationMetrics.CalibrationBin(0.5, 0.75, 2.25, 0.75, 1),
            new ClassificationMetrics.CalibrationBin(0.75, 1, 0, Double.NaN, Double.NaN))));
  }

  @Test
  void aLongCurveKeepsItsEndsAndEvenlySpacedPointsBetween() {
    // 1000 distinct scores: 1001 exact points (with the start), of which 101 are kept, every tenth.
    List<Prediction> rows = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      rows.add(binary(i % 3 == 0 ? 1 : 0, i / 1000.0));
    }
    ClassificationMetrics.Curve curve = compute(ClassificationMetricsFn.of(2), rows).curves().get(0);
    assertThat(curve.exactPointCount()).isEqualTo(1001);
    assertThat(curve.points()).hasSize(101);
    assertThat(curve.points().get(0).threshold()).isEqualTo(1 + 1.0);
    for (int j = 1; j <= 100; j++) {
      // The 10 j-th highest score, and 333 positives among the 1000.
      ClassificationMetrics.CurvePoint p = curve.points().get(j);
      int lowest = 1001 - 10 * j;
      assertThat(p.threshold()).isEqualTo(lowest / 1000.0);
      int positives = 1000 / 3 - (lowest - 1) / 3;
      assertThat(p.truePositives()).isEqualTo(positives);
      assertThat(p.falsePositives()).isEqualTo(10 * j - positives);
    }
    ClassificationMetrics.Curve two = compute(ClassificationMetricsFn.of(2).withMaxCurvePoints(2), rows).curves().get(0);
    assertThat(two.points()).extracting(ClassificationMetrics.CurvePoint::threshold).containsExactly(2.0, 0.001);
    ClassificationMetrics.Curve three = compute(ClassificationMetricsFn.of(2).withMaxCurvePoints(3), rows).curves().get(0);
    assertThat(three.points()).extracting(ClassificationMetrics.CurvePoint::threshold).containsExactly(2.0, 0.501, 0.001);
    assertThatThrownBy(() -> ClassificationMetricsFn.of(2).withMaxCurvePoints(1))
        .hasMessageContaining("maxCurvePoints must be at least 2 (the curve's two ends); got 1");
    assertThatThrownBy(() -> ClassificationMetricsFn.of(2).withCalibrationBins(0))
        .hasMessageContaining("calibrationBins must be at least 1; got 0");
    assertThatThrownBy(() -> ClassificationMetricsFn.of(2).withThresholds(0.5, 1.5))
        .hasMessageContaining("thresholds must be in [0, 1]; got [0.5, 1.5]");
  }

  @Test
  void binBoundariesFollowNumpysLinspaceAndSearchsorted() {
    // The 4th edge of linspace(0, 1, 11) is 3 * 0.1 = 0.30000000000000004, so 0.3 is below it: bin 2.
    double step = 1.0 / 10;
    assertThat(ClassificationMetricsFn.bin(0.0, 10, step)).isZero();
    assertThat(ClassificationMetricsFn.bin(0.1, 10, step)).isZero();
    assertThat(ClassificationMetricsFn.bin(Math.nextUp(0.1), 10, step)).isEqualTo(1);
    assertThat(ClassificationMetricsFn.bin(0.3, 10, step)).isEqualTo(2);
    assertThat(ClassificationMetricsFn.bin(0.30000000000000004, 10, step)).isEqualTo(2);
    assertThat(ClassificationMetricsFn.bin(Math.nextUp(0.30000000000000004), 10, step)).isEqualTo(3);
    assertThat(ClassificationMetricsFn.bin(0.7, 10, step)).isEqualTo(6);
    assertThat(ClassificationMetricsFn.bin(0.95, 10, step)).isEqualTo(9);
    assertThat(ClassificationMetricsFn.bin(1.0, 10, step)).isEqualTo(9);
    assertThat(ClassificationMetricsFn.bin(0.5, 1, 1.0)).isZero();
  }

  private static final String CURVES_SCRIPT = String.join("\n",
      "import json, sys, warnings, numpy as np",
      "from sklearn import metrics as M",
      "from sklearn.calibration import calibration_curve",
      "warnings.simplefilter('ignore')",
      "d = np.loadtxt(sys.argv[1], delimiter=',', ndmin=2)",
      "k = int(sys.argv[2]); ts = json.loads(sys.argv[3]); nb = int(sys.argv[4])",
      "y = d[:, 0].astype(int); w = d[:, 1]; P = d[:, 2:]",
      "def num(v): return None if v != v else float(v)",
      "out = {'curves': [], 'calibration': [], 'thresholds': []}",
      "for c in ([1] if k == 2 else range(k)):",
      "    yc = (y == c).astype(int); s = P[:, c]",
      "    fpr, tpr, th = M.roc_curve(yc, s, sample_weight=w, drop_intermediate=False)",
      "    p, r, th2 = M.precision_recall_curve(yc, s, sample_weight=w)",
      "    assert np.array_equal(th2[::-1], th[1:])",
      "    prec = np.r_[p[-1], p[:-1][::-1]]; rec = np.r_[r[-1], r[:-1][::-1]]",
      "    out['curves'].append([[num(v) for v in row] for row in zip(th, fpr, tpr, prec, rec)])",
      // calibration_curve has no sample_weight in 1.2: the weighted form repeats its binning with weighted sums.
      "    edges = np.linspace(0, 1, nb + 1); ids = np.searchsorted(edges[1:-1], s)",
      "    bw = np.bincount(ids, weights=w, minlength=nb); bs = np.bincount(ids, weights=w * s, minlength=nb)",
      "    bt = np.bincount(ids, weights=w * yc, minlength=nb); nz = bw != 0",
      "    cal = {'weight': bw.tolist(), 'prob_true': (bt[nz] / bw[nz]).tolist(), 'prob_pred': (bs[nz] / bw[nz]).tolist(),",
      "           'mean_prediction': float(np.average(s, weights=w)), 'mean_label': float(np.average(yc, weights=w))}",
      "    if np.all(w == 1):",
      "        pt, pp = calibration_curve(yc, s, n_bins=nb, strategy='uniform')",
      "        cal['prob_true'] = pt.tolist(); cal['prob_pred'] = pp.tolist()",
      "    out['calibration'].append(cal)",
      "if k == 2:",
      "    for t in ts:",
      "        pred = (P[:, 1] >= t).astype(int)",
      "        tn, fp, fn, tp = M.confusion_matrix(y, pred, labels=[0, 1], sample_weight=w).ravel()",
      "        out['thresholds'].append({'tp': tp, 'fp': fp, 'tn': tn, 'fn': fn,",
      "            'precision': M.precision_score(y, pred, sample_weight=w, zero_division=0),",
      "            'recall': M.recall_score(y, pred, sample_weight=w, zero_division=0),",
      "            'f1': M.f1_score(y, pred, sample_weight=w, zero_division=0),",
      "            'fpr': fp / (fp + tn) if fp + tn > 0 else 0.0, 'accuracy': M.accuracy_score(y, pred, sample_weight=w)})",
      "print(json.dumps(out))");

  private JsonNode scikitLearnCurves(List<Prediction> rows, int k, double[] thresholds, int bins) throws Exception {
    StringBuilder ts = new StringBuilder("[");
    for (double t : thresholds) {
      ts.append(ts.length() > 1 ? "," : "").append(t);
    }
    return ScikitLearn.run(dir, CURVES_SCRIPT, csv(rows).toString(), Integer.toString(k), ts + "]",
        Integer.toString(bins));
  }

  private static void assertClose(double actual, JsonNode expected, String what) {
    if (expected.isNull()) {
      assertThat(actual).as(what).isNaN();
    } else {
      assertThat(actual).as(what).isCloseTo(expected.asDouble(), within(TOLERANCE));
    }
  }

  /** Every point kept must be scikit-learn's point at the same index of the exact curve. */
  private static void assertCurvesMatch(ClassificationMetrics m, JsonNode sk, int maxPoints) {
    assertThat(m.curves()).hasSize(sk.get("curves").size());
    for (int c = 0; c < m.curves().size(); c++) {
      JsonNode exact = sk.get("curves").get(c);
      ClassificationMetrics.Curve curve = m.curves().get(c);
      int n = exact.size();
      assertThat(curve.exactPointCount()).isEqualTo(n);
      assertThat(curve.points()).hasSize(Math.min(n, maxPoints));
      for (int j = 0; j < curve.points().size(); j++) {
        int index = n <= maxPoints ? j : (int) ((long) j * (n - 1) / (maxPoints - 1));
        JsonNode e = exact.get(index);
        ClassificationMetrics.CurvePoint p = curve.points().get(j);
        String at = "class " + c + " point " + j;
        assertThat(p.threshold()).as(at).isEqualTo(e.get(0).asDouble());
        assertClose(p.falsePositiveRate(), e.get(1), at + " fpr");
        assertClose(p.truePositiveRate(), e.get(2), at + " tpr");
        assertClose(p.precision(), e.get(3), at + " precision");
        assertClose(p.recall(), e.get(4), at + " recall");
      }
      assertThat(curve.points().get(curve.points().size() - 1).threshold()).isEqualTo(exact.get(n - 1).get(0).asDouble());
    }
  }

  private static void assertCalibrationMatches(ClassificationMetrics m, JsonNode sk) {
    for (int c = 0; c < m.calibration().size(); c++) {
      JsonNode e = sk.get("calibration").get(c);
      ClassificationMetrics.Calibration cal = m.calibration().get(c);
      assertClose(cal.meanPrediction(), e.get("mean_prediction"), "mean prediction");
      assertClose(cal.meanLabel(), e.get("mean_label"), "mean label");
      int nonEmpty = 0;
      for (int b = 0; b < cal.bins().size(); b++) {
        ClassificationMetrics.CalibrationBin bin = cal.bins().get(b);
        assertClose(bin.weight(), e.get("weight").get(b), "weight of bin " + b);
        if (bin.weight() > 0) {
          assertClose(bin.fractionOfPositives(), e.get("prob_true").get(nonEmpty), "prob_true of bin " + b);
          assertClose(bin.meanPrediction(), e.get("prob_pred").get(nonEmpty), "prob_pred of bin " + b);
          nonEmpty++;
        } else {
          assertThat(bin.meanPrediction()).isNaN();
        }
      }
      assertThat(nonEmpty).isEqualTo(e.get("prob_true").size());
    }
  }

  private static void assertThresholdsMatch(ClassificationMetrics m, JsonNode sk) {
    assertThat(m.thresholds()).hasSize(sk.get("thresholds").size());
    for (int i = 0; i < m.thresholds().size(); i++) {
      ClassificationMetrics.ThresholdMetrics t = m.thresholds().get(i);
      JsonNode e = sk.get("thresholds").get(i);
      String at = "threshold " + t.threshold();
      assertClose(t.truePositives(), e.get("tp"), at + " tp");
      assertClose(t.falsePositives(), e.get("fp"), at + " fp");
      assertClose(t.trueNegatives(), e.get("tn"), at + " tn");
      assertClose(t.falseNegatives(), e.get("fn"), at + " fn");
      assertClose(t.precision(), e.get("precision"), at + " precision");
      assertClose(t.recall(), e.get("recall"), at + " recall");
      assertClose(t.f1(), e.get("f1"), at + " f1");
      assertClose(t.falsePositiveRate(), e.get("fpr"), at + " fpr");
      assertClose(t.accuracy(), e.get("accuracy"), at + " accuracy");
    }
  }

  @Test
  void binaryCurvesCalibrationAndThresholdsMatchScikitLearn() throws Exception {
    // Scores on a grid of 0.01, so thresholds and bin edges fall exactly on scores; 0 and 1 included.
    double[] thresholds = {0.0, 0.1, 0.2, 0.3, 0.35, 0.5, 0.7, 0.9, 0.99, 1.0};
    for (boolean weighted : new boolean[] {false, true}) {
      List<Prediction> rows = randomBinary(new Random(23), 2000, weighted);
      JsonNode sk = scikitLearnCurves(rows, 2, thresholds, 10);
      for (int maxPoints : new int[] {1000, 101, 7}) {
        ClassificationMetricsFn fn = ClassificationMetricsFn.of(2).withMaxCurvePoints(maxPoints)
            .withThresholds(thresholds);
        ClassificationMetrics m = compute(fn, rows);
        assertCurvesMatch(m, sk, maxPoints);
        assertCalibrationMatches(m, sk);
        assertThresholdsMatch(m, sk);
      }
      ClassificationMetrics seven = compute(ClassificationMetricsFn.of(2).withCalibrationBins(7), rows);
      assertCalibrationMatches(seven, scikitLearnCurves(rows, 2, new double[0], 7));
    }
  }

  @Test
  void threeClassCurvesAndCalibrationMatchScikitLearnOneVsRest() throws Exception {
    for (boolean weighted : new boolean[] {false, true}) {
      List<Prediction> rows = randomThreeClass(new Random(29), 1500, weighted);
      JsonNode sk = scikitLearnCurves(rows, 3, new double[0], 10);
      for (int maxPoints : new int[] {100_000, 101}) {
        ClassificationMetrics m = compute(ClassificationMetricsFn.of(3).withMaxCurvePoints(maxPoints), rows);
        assertCurvesMatch(m, sk, maxPoints);
        assertCalibrationMatches(m, sk);
      }
    }
  }

  @Test
  void theConfiguredFnPassesBeamsCombineFnTesterAndMergesExactly() {
    ClassificationMetricsFn fn = ClassificationMetricsFn.of(2).withThresholds(0.25, 0.5, 0.75).withMaxCurvePoints(7)
        .withCalibrationBins(4);
    List<Prediction> rows = randomBinary(new Random(31), 150, true);
    ClassificationMetrics single = compute(fn, rows);
    assertThat(single.curves().get(0).points()).hasSize(7);
    assertThat(single.calibration().get(0).bins()).hasSize(4);
    assertThat(single.thresholds()).extracting(ClassificationMetrics.ThresholdMetrics::threshold)
        .containsExactly(0.25, 0.5, 0.75);
    CombineFnTester.testCombineFn(fn, rows, single);
    ClassificationMetricsFn three = ClassificationMetricsFn.of(3).withMaxCurvePoints(11).withCalibrationBins(5);
    List<Prediction> threeRows = randomThreeClass(new Random(37), 150, true);
    CombineFnTester.testCombineFn(three, threeRows, compute(three, threeRows));
  }
}
