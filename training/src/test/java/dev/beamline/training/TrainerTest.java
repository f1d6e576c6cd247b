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
      assertThat(h.epochs().get(39).evalAccuracy()).isEqualTo(1.0);
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
    }
  }
}
