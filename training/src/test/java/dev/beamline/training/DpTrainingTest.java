package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.privacy.RdpAccountant;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training with {@code privacy:} end to end: Poisson batches, the accountant's ε on the model, and what the export records. */
class DpTrainingTest {
  @TempDir Path dir;

  private static final FittedFeature X = Fitted.passThrough("x", 0);
  private static final FittedFeature Z = Fitted.passThrough("z", 0);
  private static final FittedFeature Y = Fitted.vocabulary("y", List.of("no", "yes"), 0, null, Encoding.ID, false);
  private static final List<FittedFeature> FEATURES = List.of(X, Z, Y);

  /** y = yes when x + z / 2 > 0: a linear boundary with a margin of noise-free rows. */
  private static List<Map<String, Object>> rows(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x = r.nextDouble(-1, 1);
      double z = r.nextDouble(-1, 1);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("x", x);
      row.put("z", z);
      row.put("y", x + z / 2 > 0 ? "yes" : "no");
      rows.add(row);
    }
    return rows;
  }

  private Path data() throws IOException {
    Path data = dir.resolve("data");
    if (data.toFile().exists()) {
      return data;
    }
    TransformedData.writeRaw(data, "train", "part-0.parquet", FEATURES, rows(500, 1));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", FEATURES, rows(300, 2));
    return data;
  }

  private static TrainConfig config(DpSgdConfig privacy) {
    return TrainConfig.defaults("y").withHiddenUnits(List.of(8)).withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(25).withEpochs(8)
        .withSeed(4).withPrivacy(privacy);
  }

  private TrainedModel train(TrainConfig c, long noiseSeed) throws IOException {
    return Trainer.of(c).withProgress(ProgressLine.silent()).withDpSeedForTests(noiseSeed).train(data().toString(), FEATURES);
  }

  @Test
  void aPrivateModelLearnsAndCarriesTheAccountantsEpsilonForTheStepsTaken() throws IOException {
    DpSgdConfig p = DpSgdConfig.noise(1.0, 1.1, 1e-5);
    try (TrainedModel m = train(config(p), 7)) {
      PrivacyGuarantee g = m.privacy();
      // 500 rows, expected batch 25: q = 0.05, 20 steps an epoch, 8 epochs.
      assertThat(m.history().steps()).isEqualTo(160);
      assertThat(g.steps()).isEqualTo(160);
      assertThat(g.samplingRate()).isEqualTo(0.05);
      assertThat(g.trainingRows()).isEqualTo(500);
      assertThat(g.noiseMultiplier()).isEqualTo(1.1);
      assertThat(g.epsilon()).isEqualTo(RdpAccountant.epsilon(0.05, 1.1, 160, 1e-5, RdpAccountant.Conversion.TIGHT).epsilon());
      assertThat(g.epsilonClassic()).isEqualTo(RdpAccountant.epsilon(0.05, 1.1, 160, 1e-5, RdpAccountant.Conversion.CLASSIC).epsilon());
      assertThat(g.isPrivate()).isTrue();
      // Poisson batches: 8 epochs of 500 expected rows each, binomially spread (sd about 61 over 4,000).
      long seen = m.history().epochs().stream().mapToLong(TrainingHistory.Epoch::examples).sum();
      assertThat(seen).isBetween(3700L, 4300L);
      // The task is easy: even with noise the model separates the classes.
      assertThat(m.history().best().evalAccuracy()).isGreaterThan(0.9);
      Path exported = dir.resolve("model");
      m.export(exported, "{\"run\": \"r1\"}");
      PrivacyGuarantee recorded = PrivacyGuarantee.ofModel(exported.toString());
      assertThat(recorded).isEqualTo(g);
      assertThat(Storage.readJson(exported.resolve("assets.extra/provenance.json").toString()).at("/training/privacy/epsilon").asDouble())
          .isEqualTo(g.epsilon());
      assertThat(Storage.readJson(exported.resolve("assets.extra/provenance.json").toString()).at("/training/privacy/mechanism").asText())
          .isEqualTo("dp-sgd");
    }
  }

  @Test
  void theTestSeedMakesARunReproducibleAndAnotherSeedDiffers() throws IOException {
    DpSgdConfig p = DpSgdConfig.noise(1.0, 1.1, 1e-5);
    TrainConfig c = config(p).withEpochs(2);
    float[] a;
    float[] b;
    float[] other;
    try (TrainedModel m = train(c, 3)) {
      a = m.weights().valuesOf("logits/kernel");
    }
    try (TrainedModel m = train(c, 3)) {
      b = m.weights().valuesOf("logits/kernel");
    }
    try (TrainedModel m = train(c, 4)) {
      other = m.weights().valuesOf("logits/kernel");
    }
    assertThat(a).containsExactly(b);
    assertThat(a).isNotEqualTo(other);
  }

  @Test
  void aTargetEpsilonIsMetAndAModelWithoutPrivacySaysInfinity() throws IOException {
    try (TrainedModel m = train(config(DpSgdConfig.targetEpsilon(1.0, 2.0, 1e-5)).withEpochs(3), 1)) {
      assertThat(m.privacy().epsilon()).isLessThanOrEqualTo(2.0).isGreaterThan(1.99);
      assertThat(m.privacy().steps()).isEqualTo(60);
    }
    try (TrainedModel m = Trainer.of(config(null).withEpochs(1)).withProgress(ProgressLine.silent()).train(data().toString(), FEATURES)) {
      assertThat(m.privacy()).isEqualTo(PrivacyGuarantee.NONE);
      assertThat(m.privacy().epsilon()).isEqualTo(Double.POSITIVE_INFINITY);
      Path exported = dir.resolve("plain");
      m.export(exported, null);
      assertThat(Storage.readJson(exported.resolve("assets.extra/model.json").toString()).get("privacy").toString())
          .isEqualTo("{\"mechanism\":\"none\",\"epsilon\":\"inf\",\"delta\":0.0,\"unit\":\"training row\"}");
      assertThat(PrivacyGuarantee.ofModel(exported.toString())).isEqualTo(PrivacyGuarantee.NONE);
    }
  }

  @Test
  void aDeltaNotBelowOneOverTheRowsIsRefusedBeforeTraining() {
    assertThatThrownBy(() -> train(config(DpSgdConfig.noise(1.0, 1.0, 0.01)), 1)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.privacy.delta 0.01 is not below 1/N = 1/500");
  }
}
