package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.testing.PipelineChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The push stage behind the stage contract, on a real exported model: a graph that touches no file, a
 * blessed and infra-validated model pushed as the next version, refusals that push nothing, describe.
 * JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's
 * immutability and encodability checks are on.
 */
public class PushStageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ClassRule public static final TemporaryFolder SHARED = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static Path model;
  private Path tmp;

  @BeforeClass
  public static void train() throws Exception {
    model = ModelFixtures.classifier(SHARED.getRoot().toPath().resolve("train/6"));
  }

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    tmp = folder.getRoot().toPath();
  }

  private Path evaluation(String blessing, UnaryOperator<GenericRecord> alter) throws IOException {
    return ModelFixtures.evaluation(tmp.resolve("evaluate/8"), model, ModelFixtures.rows(20, 3), blessing, alter);
  }

  private static StageInputs inputs(Pipeline pipeline, Path evaluation) {
    return new StageInputs(List.of(
        StageInput.published(pipeline, PushStage.MODEL, 6, model.toString(), null),
        StageInput.published(pipeline, PushStage.BLESSING_FILE, 8, evaluation.resolve("blessing.json").toString(), null),
        StageInput.published(pipeline, PushStage.EVALUATION, 7, evaluation.toString(), null)));
  }

  private StageOutput output() {
    return new StageOutput(tmp.resolve("push/9").toString(), "9", "{\"run\":\"9\"}\n");
  }

  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    if (!Files.exists(root)) {
      return files;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path f : all.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(f).toString(), Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
      }
    }
    return files;
  }

  @Test
  public void declaresItsPortsByKindAndPlansTheModelName() {
    PushStage stage = new PushStage(PushConfig.to("/srv/models"));
    assertThat(stage.name()).isEqualTo("push");
    assertThat(stage.consumes()).containsExactly(
        Port.required("model", ArtifactKind.MODEL),
        Port.required("blessing", ArtifactKind.of("BLESSING")),
        Port.required("evaluation", ArtifactKind.of("MODEL_EVALUATION")));
    assertThat(stage.produces()).containsExactly(Port.folder("pushed_model", ArtifactKind.of("PUSHED_MODEL")));
    assertThat(stage.plan(PlanContext.of("penguins", StageInputs.none())).state().modelName()).isEqualTo("penguins");
    assertThat(new PushStage(PushConfig.to("/srv/models").withModelName("birds")).plan(PlanContext.of("penguins", StageInputs.none())).state())
        .isEqualTo(PushConfig.to("/srv/models").withModelName("birds"));
    // Without serving_base: serving/ under the pipeline root, which only the runner knows.
    PlanContext underRoot = new PlanContext() {
      @Override
      public String pipeline() {
        return "penguins";
      }

      @Override
      public StageInputs inputs() {
        return StageInputs.none();
      }

      @Override
      public List<dev.beamline.core.stage.StoredArtifact> live(String s, ArtifactKind kind) {
        return List.of();
      }

      @Override
      public String root() {
        return "/runs";
      }
    };
    assertThat(new PushStage(PushConfig.to(null)).plan(underRoot).state().servingBase()).isEqualTo("/runs/serving");
    assertThatThrownBy(() -> new PushStage(PushConfig.to(null)).plan(PlanContext.of("penguins", StageInputs.none())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("push.serving_base is required here: there is no pipeline root to put 'serving' under");
    assertThatThrownBy(() -> stage.plan(PlanContext.of("my pipeline", StageInputs.none())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("push.model_name: model name 'my pipeline' cannot name a folder: use letters, digits, '.', '_' and '-', starting"
            + " with a letter or digit; set push.model_name");
  }

  @Test
  public void aBlessedModelIsPushedAsTheNextVersionAndItsRecordPublished() throws Exception {
    Path evaluation = evaluation(ModelFixtures.BLESSED, UnaryOperator.identity());
    Path base = tmp.resolve("serving");
    Files.createDirectories(base.resolve("toy/1"));
    Files.writeString(base.resolve("toy/1/saved_model.pb"), "an earlier version");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()));
    StageInputs in = inputs(p, evaluation);
    Plan<PushConfig> plan = stage.plan(PlanContext.of("toy", in));

    Map<String, String> before = tree(tmp);
    PCollection<String> pushed = stage.expand(p, plan, in, output);
    assertThat(tree(tmp)).isEqualTo(before);
    PAssert.thatSingleton(pushed).isEqualTo(output.dir());
    Instant start = Instant.now();
    p.run().waitUntilFinish();

    Path version = base.resolve("toy/2");
    assertThat(tree(version)).isEqualTo(tree(model));
    assertThat(tree(base.resolve("toy/1"))).hasSize(1);
    try (Stream<Path> s = Files.list(base.resolve("toy"))) {
      assertThat(s.map(f -> f.getFileName().toString()).sorted().toList()).containsExactly("1", "2");
    }
    assertThat(tree(output.path()).keySet()).containsExactly("provenance.json", "push.json");

    JsonNode record = JSON.readTree(output.path().resolve("push.json").toFile());
    Instant pushedAt = Instant.parse(record.get("pushed_at").asText());
    assertThat(pushedAt).isBetween(start, Instant.now());
    JsonNode provenance = JSON.readTree(model.resolve("assets.extra/provenance.json").toFile());
    String expected = "{\"model_name\":\"toy\",\"version\":2,\"serving_path\":\"" + version + "\",\"pushed_at\":\"" + pushedAt + "\","
        + "\"blessed\":true,\"epsilon\":\"inf\",\"model\":{\"uri\":\"" + model + "\",\"fingerprint\":\"" + ModelPush.modelFingerprint(model.toString()) + "\"},"
        + "\"dataset_fingerprint\":\"d5e7\",\"hyperparameters\":" + provenance.path("training").path("config") + ","
        + "\"trained_by\":{\"pipeline\":\"toy\",\"run_id\":\"r1\",\"stage\":\"train\",\"execution_id\":6},"
        + "\"evaluation\":\"" + evaluation + "\","
        + "\"blessing\":{\"uri\":\"" + evaluation.resolve("blessing.json") + "\",\"blessed\":true,"
        + "\"note\":\"no blessed baseline: 1 change threshold(s) skipped\",\"checks_passed\":1,\"checks_skipped\":1,\"checks_failed\":0},"
        + "\"metrics\":{\"accuracy\":0.975,\"roc_auc\":0.99,\"log_loss\":null},"
        + "\"infra_validation\":{\"rows\":8,\"tolerance\":1.0E-6,\"max_difference\":" + record.path("infra_validation").path("max_difference") + "}}";
    assertThat(record.toString()).isEqualTo(expected);
    assertThat(provenance.path("training").path("config").path("label").asText()).isEqualTo("label");
    assertThat(record.path("infra_validation").path("max_difference").asDouble()).isLessThanOrEqualTo(1e-7);

    Published d = stage.describe(plan, output.dir());
    // The folder's fingerprint, computed here independently: the record file's path and SHA-256.
    String pushJsonSha = Hashing.sha256().hashBytes(Files.readAllBytes(output.path().resolve("push.json"))).toString();
    assertThat(d.fingerprint()).isEqualTo(Hashing.sha256().newHasher().putUnencodedChars("push.json").putUnencodedChars(pushJsonSha).hash().toString());
    assertThat(d.properties()).containsOnlyKeys("pushed_model");
    assertThat(d.properties().get("pushed_model").toString()).isEqualTo(expected);
    assertThat(d.summary()).containsExactly(
        "pushed toy version 2 to " + version,
        "infra validation: the freshly loaded model answered 8 row(s) as in the evaluation (largest difference "
            + record.path("infra_validation").path("max_difference").asDouble() + ")");
  }

  @Test
  public void anUnblessedModelFailsTheRunNamingItsFailedChecksAndNothingIsPushed() throws Exception {
    Path evaluation = evaluation(ModelFixtures.NOT_BLESSED, UnaryOperator.identity());
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()));
    StageInputs in = inputs(p, evaluation);
    stage.expand(p, stage.plan(PlanContext.of("toy", in)), in, output);

    Throwable failure = catchRun();
    assertThat(DataCheckException.findIn(failure)).isNotNull().hasMessage("model not blessed, nothing pushed:"
        + " accuracy on overall: 0.41 is below the lower bound 0.9; true_positive_rate across sex: gap 0.3 exceeds 0.05");
    assertThat(tree(base)).isEmpty();
    assertThat(Files.exists(base)).isFalse();
    assertThat(Files.exists(output.path())).isFalse();
  }

  @Test
  public void aModelThatAnswersDifferentlyFromItsEvaluationIsNotPushed() throws Exception {
    Path evaluation = evaluation(ModelFixtures.BLESSED, Alterations::shiftFirstProbability);
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()).withModelName("birds"));
    StageInputs in = inputs(p, evaluation);
    stage.expand(p, stage.plan(PlanContext.of("toy", in)), in, output);

    Throwable failure = catchRun();
    assertThat(DataCheckException.findIn(failure)).isNotNull();
    assertThat(DataCheckException.findIn(failure).getMessage()).startsWith("infra validation failed, nothing pushed:"
        + " the loaded model answers 8 of 8 row(s) differently from the evaluation (tolerance 1.0E-6):"
        + " predictions/part-00000-of-00001.parquet row 0: the probability of class 'neg' was ");
    assertThat(Files.exists(base)).isFalse();
    assertThat(Files.exists(output.path())).isFalse();
  }

  @Test
  public void withInfraValidationOffTheModelIsPushedWithoutItsAnswersCompared() throws Exception {
    Path evaluation = evaluation(ModelFixtures.BLESSED, Alterations::shiftFirstProbability);
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()).withModelName("birds").withInfraValidation(0, 1e-6));
    StageInputs in = inputs(p, evaluation);
    Plan<PushConfig> plan = stage.plan(PlanContext.of("toy", in));
    stage.expand(p, plan, in, output);
    p.run().waitUntilFinish();

    assertThat(tree(base.resolve("birds/1"))).isEqualTo(tree(model));
    Published d = stage.describe(plan, output.dir());
    assertThat(d.summary()).containsExactly("pushed birds version 1 to " + base.resolve("birds/1"), "infra validation: off");
    assertThat(d.properties().get("pushed_model").get("infra_validation").toString())
        .isEqualTo("{\"rows\":0,\"tolerance\":0.0,\"max_difference\":0.0}");
  }

  /**
   * A copy of the fixture's model in {@code dir} whose {@code model.json} states a DP-SGD guarantee of
   * {@code epsilon} at δ = 1e-5, as training writes it; the graph and weights are the fixture's.
   */
  private static Path privateModel(Path dir, double epsilon) throws IOException {
    try (Stream<Path> all = Files.walk(model)) {
      for (Path f : all.toList()) {
        Path to = dir.resolve(model.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to);
        }
      }
    }
    Path modelJson = dir.resolve("assets.extra/model.json");
    com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(modelJson.toFile());
    root.putObject("privacy").put("mechanism", "dp-sgd").put("epsilon", epsilon).put("delta", 1e-5).put("unit", "training row")
        .put("epsilon_classic", epsilon * 1.3).put("order", 12.0).put("noise_multiplier", 1.1).put("l2_norm_clip", 1.0)
        .put("sampling_rate", 0.25).put("steps", 12).put("training_rows", 120);
    Files.writeString(modelJson, root.toPrettyString());
    return dir;
  }

  private static StageInputs inputs(Pipeline pipeline, Path modelDir, Path evaluation) {
    return new StageInputs(List.of(
        StageInput.published(pipeline, PushStage.MODEL, 6, modelDir.toString(), null),
        StageInput.published(pipeline, PushStage.BLESSING_FILE, 8, evaluation.resolve("blessing.json").toString(), null),
        StageInput.published(pipeline, PushStage.EVALUATION, 7, evaluation.toString(), null)));
  }

  @Test
  public void aModelWithinMaxEpsilonIsPushedAndItsEpsilonRecorded() throws Exception {
    Path dp = privateModel(tmp.resolve("train/7"), 1.5);
    Path evaluation = evaluation(ModelFixtures.BLESSED, UnaryOperator.identity());
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()).withMaxEpsilon(2.0));
    StageInputs in = inputs(p, dp, evaluation);
    Plan<PushConfig> plan = stage.plan(PlanContext.of("toy", in));
    stage.expand(p, plan, in, output);
    p.run().waitUntilFinish();

    assertThat(tree(base.resolve("toy/1"))).isEqualTo(tree(dp));
    JsonNode record = JSON.readTree(output.path().resolve("push.json").toFile());
    assertThat(record.get("epsilon").isNumber()).isTrue();
    assertThat(record.get("epsilon").asDouble()).isEqualTo(1.5);
    Published d = stage.describe(plan, output.dir());
    JsonNode facts = d.properties().get("pushed_model");
    assertThat(facts.get("epsilon").asDouble()).isEqualTo(1.5);
    assertThat(PushRecord.fromJson(facts).epsilon()).isEqualTo(1.5);
    assertThat(PushRecord.fromJson(facts).republishedAs(5, "/srv/toy/5", "2026-01-01T00:00:00Z").epsilon()).isEqualTo(1.5);
    assertThat(d.summary()).containsExactly(
        "pushed toy version 1 to " + base.resolve("toy/1"),
        "infra validation: the freshly loaded model answered 8 row(s) as in the evaluation (largest difference "
            + record.path("infra_validation").path("max_difference").asDouble() + ")",
        "privacy: model epsilon 1.500 is within push.max_epsilon 2.0");
  }

  @Test
  public void aModelAboveMaxEpsilonFailsTheRunNamingBothNumbersAndNothingIsPushed() throws Exception {
    Path dp = privateModel(tmp.resolve("train/7"), 3.0);
    Path evaluation = evaluation(ModelFixtures.BLESSED, UnaryOperator.identity());
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()).withMaxEpsilon(2.0));
    StageInputs in = inputs(p, dp, evaluation);
    stage.expand(p, stage.plan(PlanContext.of("toy", in)), in, output);

    Throwable failure = catchRun();
    assertThat(DataCheckException.findIn(failure)).isNotNull()
        .hasMessage("privacy budget exceeded, nothing pushed: model epsilon 3.000 exceeds push.max_epsilon 2.0 (delta 1.00e-05)");
    assertThat(Files.exists(base)).isFalse();
    assertThat(Files.exists(output.path())).isFalse();
  }

  @Test
  public void withMaxEpsilonAModelTrainedWithoutDifferentialPrivacyIsRefused() throws Exception {
    Path evaluation = evaluation(ModelFixtures.BLESSED, UnaryOperator.identity());
    Path base = tmp.resolve("serving");
    StageOutput output = output();
    PushStage stage = new PushStage(PushConfig.to(base.toString()).withMaxEpsilon(2.0));
    StageInputs in = inputs(p, evaluation);
    stage.expand(p, stage.plan(PlanContext.of("toy", in)), in, output);

    Throwable failure = catchRun();
    assertThat(DataCheckException.findIn(failure)).isNotNull().hasMessage("privacy budget exceeded, nothing pushed:"
        + " model was trained without differential privacy (epsilon = inf); push.max_epsilon is 2.0");
    assertThat(Files.exists(base)).isFalse();
    assertThat(Files.exists(output.path())).isFalse();
  }

  private Throwable catchRun() {
    List<Throwable> caught = new ArrayList<>();
    try {
      p.run().waitUntilFinish();
    } catch (RuntimeException e) {
      caught.add(e);
    }
    assertThat(caught).as("the run fails").hasSize(1);
    return caught.get(0);
  }

  /** Stored answers changed so that the model no longer agrees with them. */
  static final class Alterations {
    private Alterations() {}

    /** Every row's probability of the first class, up by 0.01. */
    static GenericRecord shiftFirstProbability(GenericRecord p) {
      List<Double> probabilities = new ArrayList<>();
      for (Object v : (List<?>) p.get("probabilities")) {
        probabilities.add((Double) v);
      }
      probabilities.set(0, probabilities.get(0) + 0.01);
      p.put("probabilities", probabilities);
      return p;
    }
  }
}
