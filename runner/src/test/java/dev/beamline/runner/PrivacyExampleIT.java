package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.privacy.RdpAccountant;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled differential-privacy example, {@code examples/privacy/pipeline.yaml}, through the CLI:
 * DP-SGD finds the noise for ε = 1, the model's ε is the accountant's for the steps taken and is on the
 * MODEL artifact, in the model's files, in the evaluation and on the pushed model; a tighter {@code
 * push.max_epsilon} refuses the same model, naming both numbers.
 */
class PrivacyExampleIT {
  private static final Path EXAMPLE = Paths.get("../examples/privacy").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void theExampleTrainsAPrivateModelWhoseEpsilonIsRecordedEverywhereAndEnforcedAtPush() throws Exception {
    Path csv = EXAMPLE.resolve("../penguins/data/penguins.csv").normalize();
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml")).replace("input: ../penguins/data/penguins.csv", "input: " + csv);
    Path pipeline = tmp.resolve("pipeline.yaml");
    Files.writeString(pipeline, yaml);
    Path root = tmp.resolve("runs");
    BeamlineCliIT.Result run = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("differentially private: epsilon = 1.000 at delta = 1.00e-05 per training row (DP-SGD: noise multiplier ")
        .contains("privacy: model epsilon 1.000 is within push.max_epsilon 1.0");

    double epsilon;
    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(root.resolve("metadata.sqlite")))) {
      Artifact model = s.artifacts("MODEL", 10).get(0);
      JsonNode facts = model.properties();
      assertThat(facts.get("privacy").asText()).isEqualTo("dp-sgd");
      epsilon = facts.get("epsilon").asDouble();
      // The noise was found for epsilon 1 by bisection: at most 1, and within its precision of it.
      assertThat(epsilon).isLessThanOrEqualTo(1.0).isGreaterThan(0.999);
      // 220 training rows, expected batch 32: q = 32/220, ceil(220/32) = 7 steps an epoch, 30 epochs.
      assertThat(facts.get("sampling_rate").asDouble()).isEqualTo(32.0 / 220);
      assertThat(facts.get("steps").asLong()).isEqualTo(210);
      assertThat(facts.get("training_rows").asLong()).isEqualTo(220);
      assertThat(facts.get("delta").asDouble()).isEqualTo(1e-5);
      double sigma = facts.get("noise_multiplier").asDouble();
      assertThat(RdpAccountant.epsilon(32.0 / 220, sigma, 210, 1e-5, RdpAccountant.Conversion.TIGHT).epsilon()).isEqualTo(epsilon);
      assertThat(facts.get("epsilon_classic").asDouble()).isGreaterThan(epsilon);

      // The model carries it, and its provenance.
      Path modelDir = Paths.get(model.uri());
      assertThat(JSON.readTree(modelDir.resolve("assets.extra/model.json").toFile()).at("/privacy/epsilon").asDouble()).isEqualTo(epsilon);
      assertThat(JSON.readTree(modelDir.resolve("assets.extra/provenance.json").toFile()).at("/training/privacy/epsilon").asDouble())
          .isEqualTo(epsilon);

      // The evaluation states it, and the pushed model records it.
      Artifact evaluation = s.artifacts("MODEL_EVALUATION", 10).get(0);
      assertThat(evaluation.properties().get("epsilon").asDouble()).isEqualTo(epsilon);
      Path metrics = Paths.get(evaluation.uri()).resolve("metrics.json");
      assertThat(JSON.readTree(metrics.toFile()).at("/model/privacy/epsilon").asDouble()).isEqualTo(epsilon);
      Artifact pushed = s.artifacts("PUSHED_MODEL", 10).get(0);
      assertThat(pushed.properties().get("epsilon").asDouble()).isEqualTo(epsilon);
      // Penguins are easy: the private model still classifies most of the eval split right (0.98 seen; the noise is secret, so runs differ).
      assertThat(evaluation.properties().get("accuracy").asDouble()).isGreaterThan(0.8);
    }
    assertThat(root.resolve("serving/penguins-private/1/saved_model.pb")).exists();

    // The statistics stage released noisy statistics beside the exact ones, with their budget.
    JsonNode dp = JSON.readTree(root.resolve("penguins-private/statistics/2/dp_statistics.json").toFile());
    assertThat(dp.get("mechanism").asText()).isEqualTo("laplace");
    assertThat(dp.get("epsilon").asDouble()).isEqualTo(1.0);
    // Per split: rows, count + sum + histogram of two bounded columns, the species counts: 8 queries at 1/8 each.
    assertThat(dp.get("budget").get("budget_shares").asInt()).isEqualTo(8);
    assertThat(dp.get("budget").get("queries_count").asInt()).isEqualTo(16);
    assertThat(dp.get("budget").get("total_epsilon").asDouble()).isEqualTo(1.0);
    assertThat(dp.get("budget").get("queries").get(0).get("epsilon").asDouble()).isEqualTo(0.125);
    assertThat(run.out()).contains("differentially private release (laplace, epsilon 1.0): ");

    // A budget below the model's epsilon: the push refuses it (exit 1, a failed check), naming both numbers.
    Files.writeString(pipeline, yaml.replace("max_epsilon: 1.0", "max_epsilon: 0.5"));
    BeamlineCliIT.Result refused = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(1);
    assertThat(refused.out() + refused.err()).contains("privacy budget exceeded, nothing pushed: model epsilon 1.000 exceeds push.max_epsilon 0.5"
        + " (delta 1.00e-05)");
    assertThat(refused.out()).contains("train: from cache");
    assertThat(root.resolve("serving/penguins-private/2")).doesNotExist();
    assertThat(epsilon).isCloseTo(1.0, within(0.001));
  }
}
