package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training runs on small synthetic data: loss, separability, tasks, determinism and early stopping. */
class TrainerTest {
  @TempDir Path dir;

  static final FittedFeature X1 = Fitted.passThrough("x1", 0);
  static final FittedFeature X2 = Fitted.passThrough("x2", 0);
  static final FittedFeature CLASS = Fitted.vocabulary("label", List.of("neg", "pos"), 0, null, FeatureTransform.Encoding.ID, false);

  /** Rows with x1, x2 uniform in [-1, 1], labelled by the side of x1 + 2 x2 = 0.1, at least 0.05 away from it. */
  static List<Map<String, Object>> separable(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rows.size() < n) {
      float x1 = (float) r.nextDouble(-1, 1);
      float x2 = (float) r.nextDouble(-1, 1);
      double s = x1 + 2.0 * x2 - 0.1;
      if (Math.abs(s) < 0.05) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("x1", x1);
      row.put("x2", x2);
      row.put("label", s > 0 ? 1L : 0L);
      rows.add(row);
    }
    return rows;
  }

  static TrainConfig linear() {
    return TrainConfig.defaults("label").withModel(ModelType.LINEAR).withOptimizer(Optimizer.ADAM, 0.1)
        .withBatchSize(32).withEpochs(40).withSeed(7).withShuffleBuffer(256);
  }

  @Test
  void linearModelLearnsSeparableDataPerfectlyAndItsLossDecreases() throws IOException {
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    List<Map<String, Object>> rows = separable(400, 1);
    TransformedData.write(dir, "train", "part-0.parquet", features, rows);
    TransformedData.write(dir, "eval", "part-0.parquet", features, separable(100, 2));
    try (TrainedModel m = Trainer.of(linear()).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      TrainingHistory h = m.history();
      assertThat(h.epochs()).hasSize(40);
      assertThat(h.epochs().get(39).trainLoss()).isLessThan(h.epochs().get(0).trainLoss() / 3);
      assertThat(h.epochs().get(39).evalLoss()).isLessThan(h.epochs().get(0).evalLoss());
      assertThat(h.epochs().get(39).evalAccuracy()).isGreaterThanOrEqualTo(0.97);
      // The learned hyperplane, applied in plain Java, separates every training row.
      Weights w = m.weights();
      float[] k = w.get("logits/kernel"); // [2 inputs, 2 classes]
      float[] b = w.get("logits/bias");
      for (Map<String, Object> row : rows) {
        float x1 = (Float) row.get("x1");
        float x2 = (Float) row.get("x2");
        double neg = x1 * k[0] + x2 * k[2] + b[0];
        double pos = x1 * k[1] + x2 * k[3] + b[1];
        assertThat(pos > neg ? 1L : 0L).as("row %s", row).isEqualTo(row.get("label"));
      }
      Predictions p = m.predict(dir.toString(), "train");
      for (int i = 0; i < rows.size(); i++) {
        assertThat(p.classIds()[i]).isEqualTo(rows.get(i).get("label"));
      }
      // The history's eval AUC is the AUC of the model's eval predictions (the last epoch's weights).
      List<Map<String, Object>> evalRows = separable(100, 2);
      Predictions pe = m.predict(dir.toString(), "eval");
      long[] labels = evalRows.stream().mapToLong(row -> (Long) row.get("label")).toArray();
      // Counted pair by pair here, not by the Auc class the trainer uses.
      assertThat(h.epochs().get(39).evalAuc()).isCloseTo(PairCount.oneVsRest(pe.probabilities(), labels, 2, labels.length), org.assertj.core.api.Assertions.within(1e-12))
          .isGreaterThan(0.99);
    }
  }

  @Test
  void regressionRecoversALinearFunction() throws IOException {
    FittedFeature y = Fitted.passThrough("y", 0);
    List<FittedFeature> features = List.of(X1, X2, y);
    SplittableRandom r = new SplittableRandom(5);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      float x1 = (float) r.nextDouble(-1, 1);
      float x2 = (float) r.nextDouble(-1, 1);
      rows.add(Map.of("x1", x1, "x2", x2, "y", (float) (3.0 * x1 - 2.0 * x2 + 0.5)));
    }
    TransformedData.write(dir, "train", "part-0.parquet", features, rows.subList(0, 240));
    TransformedData.write(dir, "eval", "part-0.parquet", features, rows.subList(240, 300));
    TrainConfig c = TrainConfig.defaults("y").withModel(ModelType.LINEAR).withOptimizer(Optimizer.SGD, 0.1).withBatchSize(16).withEpochs(30);
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      assertThat(m.spec().task()).isEqualTo(TrainConfig.Task.REGRESSION);
      TrainingHistory h = m.history();
      assertThat(h.epochs().get(29).evalRmse()).isLessThan(0.01);
      assertThat(h.epochs().get(29).evalRmse()).isCloseTo(Math.sqrt(h.epochs().get(29).evalLoss()), org.assertj.core.api.Assertions.within(1e-12));
      assertThat(m.weights().get("logits/kernel")).containsExactly(new float[] {3f, -2f}, org.assertj.core.api.Assertions.within(0.01f));
      assertThat(m.weights().get("logits/bias")[0]).isCloseTo(0.5f, org.assertj.core.api.Assertions.within(0.01f));
      float[] predicted = m.predict(dir.toString(), "eval").values();
      for (int i = 0; i < 60; i++) {
        assertThat(predicted[i]).isCloseTo((Float) rows.get(240 + i).get("y"), org.assertj.core.api.Assertions.within(0.03f));
      }
    }
  }

  @Test
  void regressionOnAZScoredLabelPredictsAndMeasuresInTheLabelsOwnUnits() throws IOException {
    // y = 3x + 100 plus uniform noise in [-1, 1] (RMSE floor 0.58), x uniform in [0, 20]: y in about
    // [100, 160], std about 17. Both are z-scored with their training mean and std, so the network
    // learns z(y) from z(x) and outputs z-scores.
    SplittableRandom r = new SplittableRandom(8);
    List<Map<String, Object>> raw = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double x = r.nextDouble(0, 20);
      raw.add(Map.of("x", x, "y", 3 * x + 100 + r.nextDouble(-1, 1)));
    }
    double[] xs = raw.subList(0, 240).stream().mapToDouble(m -> (Double) m.get("x")).toArray();
    double[] ys = raw.subList(0, 240).stream().mapToDouble(m -> (Double) m.get("y")).toArray();
    double meanY = SavedModelExportTest.mean(ys);
    double stdY = SavedModelExportTest.std(ys);
    FittedFeature x = Fitted.zScore("x", SavedModelExportTest.mean(xs), SavedModelExportTest.mean(xs), SavedModelExportTest.std(xs));
    FittedFeature y = Fitted.zScore("y", meanY, meanY, stdY);
    List<FittedFeature> features = List.of(x, y);
    TransformedData.writeRaw(dir, "train", "part-0.parquet", features, raw.subList(0, 240));
    TransformedData.writeRaw(dir, "eval", "part-0.parquet", features, raw.subList(240, 300));
    TrainConfig c = TrainConfig.defaults("y").withModel(ModelType.LINEAR).withOptimizer(Optimizer.SGD, 0.1).withBatchSize(16).withEpochs(5);
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      Predictions p = m.predict(dir.toString(), "eval");
      float[] values = p.values();
      float[] z = p.transformedValues();
      double squared = 0;
      double squaredStored = 0;
      for (int i = 0; i < 60; i++) {
        double truth = (Double) raw.get(240 + i).get("y");
        assertThat(values[i]).as("row %s", i).isCloseTo((float) truth, org.assertj.core.api.Assertions.within(1.5f));
        assertThat(values[i]).isCloseTo((float) (z[i] * stdY + meanY), org.assertj.core.api.Assertions.within(1e-6f * values[i]));
        // The eval label as stored (a float z-score), mapped back by hand.
        double stored = (Float) stored(features, raw.get(240 + i)).get("y") * stdY + meanY;
        squared += (values[i] - truth) * (values[i] - truth);
        squaredStored += (values[i] - stored) * (values[i] - stored);
      }
      double rmse = Math.sqrt(squared / 60);
      System.out.printf("z-scored label: RMSE %g in y's units (std %g)%n", rmse, stdY);
      assertThat(rmse).isLessThan(0.05 * stdY);
      TrainingHistory.Epoch last = m.history().epochs().get(4);
      assertThat(last.evalRmse()).isCloseTo(Math.sqrt(squaredStored / 60), org.assertj.core.api.Assertions.within(1e-9));
      assertThat(last.evalRmse()).isCloseTo(rmse, org.assertj.core.api.Assertions.within(1e-4));
      // The loss stays in z units: the RMSE in y's units is the root of the eval loss times y's std.
      assertThat(last.evalRmse()).isCloseTo(Math.sqrt(last.evalLoss()) * stdY, org.assertj.core.api.Assertions.within(1e-4));
      assertThat(last.evalRmse()).isGreaterThan(10 * Math.sqrt(last.evalLoss()));
    }
  }

  @Test
  void multiClassDnnWithAVocabularyFeature() throws IOException {
    FittedFeature zone = Fitted.vocabulary("zone", List.of("a", "b", "c"), 1, null, FeatureTransform.Encoding.ID, false);
    FittedFeature label = Fitted.vocabulary("label", List.of("left", "middle", "right"), 0, null, FeatureTransform.Encoding.ID, false);
    List<FittedFeature> features = List.of(X1, zone, label);
    SplittableRandom r = new SplittableRandom(9);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      float x1 = (float) r.nextDouble(-1.5, 1.5);
      long cls = x1 < -0.5 ? 0 : x1 < 0.5 ? 1 : 2;
      // The zone agrees with the class four times in five; id 3 is the OOV bucket.
      long z = r.nextInt(5) == 0 ? 3 : cls;
      rows.add(Map.of("x1", x1, "zone", z, "label", cls));
    }
    TransformedData.write(dir, "train", "part-0.parquet", features, rows.subList(0, 300));
    TransformedData.write(dir, "train", "part-1.parquet", features, rows.subList(300, 500));
    TransformedData.write(dir, "eval", "part-0.parquet", features, rows.subList(500, 600));
    TrainConfig c = TrainConfig.defaults("label").withHiddenUnits(List.of(16)).withActivation(TrainConfig.Activation.TANH)
        .withEmbeddingDim(2).withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(32).withEpochs(30).withSeed(3);
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      assertThat(m.spec().numClasses()).isEqualTo(3);
      assertThat(m.spec().inputs().get(1).encoding()).isEqualTo(ModelSpec.InputEncoding.EMBEDDING);
      TrainingHistory h = m.history();
      assertThat(h.epochs().get(29).trainLoss()).isLessThan(h.epochs().get(0).trainLoss() / 2);
      assertThat(h.epochs().get(29).evalAccuracy()).isGreaterThan(0.9);
      assertThat(m.predict(dir.toString(), "eval").classes()).containsOnly("left", "middle", "right");
    }
  }

  @Test
  void theSameSeedGivesTheSameWeightsAndLosses() throws IOException {
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    TransformedData.write(dir, "train", "part-0.parquet", features, separable(300, 1).subList(0, 150));
    TransformedData.write(dir, "train", "part-1.parquet", features, separable(300, 1).subList(150, 300));
    TransformedData.write(dir, "eval", "part-0.parquet", features, separable(100, 2));
    TrainConfig c = TrainConfig.defaults("label").withHiddenUnits(List.of(8, 8)).withDropout(0.3).withL2(0.001)
        .withBatchSize(16).withEpochs(3).withShuffleBuffer(50).withSeed(123);
    Weights first;
    TrainingHistory firstHistory;
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      first = m.weights();
      firstHistory = m.history();
    }
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      assertThat(m.weights()).isEqualTo(first);
      assertThat(m.history().withoutTimes()).isEqualTo(firstHistory.withoutTimes());
    }
    try (TrainedModel m = Trainer.of(c.withSeed(124)).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      assertThat(m.weights()).isNotEqualTo(first);
    }
  }

  @Test
  void earlyStoppingKeepsTheBestEpochsWeights() throws IOException {
    // Random labels: a wide network memorizes the training rows and its eval loss rises.
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    SplittableRandom r = new SplittableRandom(4);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 260; i++) {
      rows.add(Map.of("x1", (float) r.nextDouble(-1, 1), "x2", (float) r.nextDouble(-1, 1), "label", (long) r.nextInt(2)));
    }
    TransformedData.write(dir, "train", "part-0.parquet", features, rows.subList(0, 60));
    TransformedData.write(dir, "eval", "part-0.parquet", features, rows.subList(60, 260));
    TrainConfig c = TrainConfig.defaults("label").withHiddenUnits(List.of(64, 64)).withOptimizer(Optimizer.ADAM, 0.02)
        .withBatchSize(8).withEpochs(200).withEarlyStopping(3, 0.0).withSeed(1);
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      TrainingHistory h = m.history();
      assertThat(h.stoppedEarly()).isTrue();
      assertThat(h.epochs()).hasSize(h.bestEpoch() + 3).hasSizeLessThan(200);
      double best = h.best().evalLoss();
      assertThat(h.epochs().stream().mapToDouble(TrainingHistory.Epoch::evalLoss).min().orElseThrow()).isEqualTo(best);
      // The model holds the best epoch's weights: its eval loss, recomputed from its predictions, is the best one.
      Predictions p = m.predict(dir.toString(), "eval");
      double loss = 0;
      for (int i = 0; i < 200; i++) {
        loss -= Math.log(p.probability(i, (int) (long) (Long) rows.get(60 + i).get("label")));
      }
      assertThat(loss / 200).isCloseTo(best, org.assertj.core.api.Assertions.within(1e-5));
      assertThat(h.epochs().get(h.epochs().size() - 1).evalLoss()).isGreaterThan(best);
    }
  }

  @Test
  void stepsEndTrainingMidEpoch() throws IOException {
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    TransformedData.write(dir, "train", "part-0.parquet", features, separable(100, 1));
    TrainConfig c = linear().withBatchSize(30).withSteps(5L).withSplits("train", "none");
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      TrainingHistory h = m.history();
      assertThat(h.steps()).isEqualTo(5);
      assertThat(h.epochs()).extracting(TrainingHistory.Epoch::examples).containsExactly(100L, 30L);
      assertThat(h.epochs()).extracting(TrainingHistory.Epoch::steps).containsExactly(4L, 1L);
      assertThat(h.epochs().get(0).evalLoss()).isNull();
    }
  }

  @Test
  void rowsWithoutALabelClassAreSkippedAndCounted() throws IOException {
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    List<Map<String, Object>> rows = new ArrayList<>(separable(50, 1));
    for (int i = 0; i < 7; i++) {
      rows.add(Map.of("x1", 0.5f, "x2", 0.5f, "label", -1L));
    }
    TransformedData.write(dir, "train", "part-0.parquet", features, rows);
    TransformedData.write(dir, "eval", "part-0.parquet", features, rows.subList(45, 57));
    try (TrainedModel m = Trainer.of(linear().withEpochs(2)).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      TrainingHistory h = m.history();
      assertThat(h.epochs()).extracting(TrainingHistory.Epoch::examples).containsExactly(50L, 50L);
      assertThat(h.skippedTrainRows()).isEqualTo(14);
      assertThat(h.skippedEvalRows()).isEqualTo(14);
    }
  }

  @Test
  void progressPrintsOneLinePerEpochWithoutAConsole() throws IOException {
    List<FittedFeature> features = List.of(X1, X2, CLASS);
    TransformedData.write(dir, "train", "part-0.parquet", features, separable(64, 1));
    TransformedData.write(dir, "eval", "part-0.parquet", features, separable(32, 2));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    ProgressLine progress = new ProgressLine(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8), false);
    try (TrainedModel m = Trainer.of(linear().withEpochs(3)).withProgress(progress).train(dir.toString(), features)) {
      String[] lines = bytes.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
      assertThat(lines).hasSize(3);
      assertThat(lines[2]).startsWith("epoch 3/3  loss ").contains("eval_loss", "eval_accuracy", "64 examples", "ex/s").doesNotContain("\r");
    }
  }

  /** One raw row's features as the shards hold them: through the production transform. */
  private static Map<String, Object> stored(List<FittedFeature> features, Map<String, Object> raw) {
    return TransformedData.transform(features, List.of(raw)).get(0);
  }
}
