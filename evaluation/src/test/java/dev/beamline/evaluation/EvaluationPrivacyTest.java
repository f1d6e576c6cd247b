package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Published;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.training.TrainedModelFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The differential-privacy guarantee of the evaluated model and of its baseline, as the evaluation states
 * it: in {@code metrics.json}, in {@code report.html}, in the evaluate stage's facts and summary lines. On
 * the real SavedModel of {@link TrainedModelFixture} (trained without differential privacy, ε = ∞) and on
 * a copy of it whose {@code model.json} states a DP-SGD guarantee of ε = 1.5 at δ = 1e-5, as training
 * writes it. JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement.
 */
public class EvaluationPrivacyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The guarantee written into the private copy's {@code model.json}, in {@code PrivacyGuarantee.toJson}'s key order. */
  private static final String DP_SGD = "{\"mechanism\":\"dp-sgd\",\"epsilon\":1.5,\"delta\":1.0E-5,\"unit\":\"training row\","
      + "\"epsilon_classic\":1.95,\"order\":12.0,\"noise_multiplier\":1.1,\"l2_norm_clip\":1.0,\"sampling_rate\":0.25,\"steps\":12,"
      + "\"training_rows\":120,\"accountant\":\"" + dev.beamline.training.PrivacyGuarantee.ACCOUNTANT + "\"}";
  private static final String NONE = "{\"mechanism\":\"none\",\"epsilon\":\"inf\",\"delta\":0.0,\"unit\":\"training row\"}";

  @ClassRule public static final TemporaryFolder SHARED = new TemporaryFolder();
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static TrainedModelFixture fixture;
  private static Path privateModel;

  @BeforeClass
  public static void train() throws Exception {
    fixture = TrainedModelFixture.train(SHARED.getRoot().toPath().resolve("fixture"));
    privateModel = copy(fixture.modelDir(), SHARED.getRoot().toPath().resolve("private-model"));
    Path modelJson = privateModel.resolve("assets.extra/model.json");
    ObjectNode root = (ObjectNode) JSON.readTree(modelJson.toFile());
    root.set("privacy", JSON.readTree(DP_SGD));
    Files.writeString(modelJson, root.toPrettyString());
  }

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path f : all.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
    return to;
  }

  /** Evaluates {@code model} (against {@code baseline} unless null) on the fixture's eval rows; returns the published folder. */
  private String evaluate(Path model, Path baseline) {
    EvaluateConfig config = EvaluateConfig.defaults();
    Schema predictionSchema = PredictionColumns.schema(fixture.rawSchema(), true, config.allSlices());
    PCollectionView<String> modelDir = p.apply("ModelDir", Create.of(model.toString()).withCoder(StringUtf8Coder.of()))
        .apply("ModelView", View.asSingleton());
    EvaluationResult result = p
        .apply("Rows", Create.of(java.util.List.of(ExampleBatch.of(fixture.evalRows()))).withCoder(ExampleBatch.coder(fixture.rawSchema())))
        .apply(Evaluate.of(config, true, "species", predictionSchema).withModel(modelDir)
            .withBaseline(baseline == null ? null : baseline.toString()));
    String out = folder.getRoot().toPath().resolve("evaluate/3").toString();
    EvaluationDocument.Header header = new EvaluationDocument.Header(null, null, baseline == null ? null : baseline.toString(),
        baseline == null ? null : 2L, "classification", "species", "rows", "eval", 0, 0, 0);
    WriteEvaluation.to(new StageOutput(out, "run-1", "{\"run\": \"run-1\"}"), config, header).apply(result, modelDir);
    p.run().waitUntilFinish();
    return out;
  }

  @Test
  public void aPrivateModelShowsItsEpsilonAndTheBaselineItsOwn() throws Exception {
    String out = evaluate(privateModel, fixture.modelDir());

    JsonNode metrics = JSON.readTree(Storage.readString(Storage.resolve(out, WriteEvaluation.METRICS_FILE)));
    assertThat(metrics.path("model").path("privacy").toString()).isEqualTo(DP_SGD);
    assertThat(metrics.path("baseline").path("privacy").toString()).isEqualTo(NONE);

    String html = Storage.readString(Storage.resolve(out, WriteEvaluation.REPORT_FILE));
    assertThat(html).contains("<tr><th>privacy</th><td>Differential privacy: ε = 1.500 at δ = 1.00e-05 per training row (DP-SGD)</td></tr>\n");
    assertThat(html).contains("<tr><th>baseline privacy</th><td>Not differentially private (ε = ∞)</td></tr>\n");

    Published d = new EvaluateStage(EvaluateConfig.defaults()).describe(null, out);
    JsonNode facts = d.properties().get("evaluation");
    assertThat(facts.get("epsilon").isNumber()).isTrue();
    assertThat(facts.get("epsilon").asDouble()).isEqualTo(1.5);
    assertThat(facts.get("baseline_epsilon").asText()).isEqualTo("inf");
    assertThat(d.summary()).contains(
        "privacy: differentially private: epsilon = 1.500 at delta = 1.00e-05 per training row (DP-SGD: noise multiplier 1.100,"
            + " clip 1.000, sampling rate 0.2500, 12 steps on 120 rows; classic conversion 1.950)",
        "baseline: " + fixture.modelDir() + " (epsilon inf)");
  }

  @Test
  public void aModelTrainedWithoutDifferentialPrivacyShowsInf() throws Exception {
    String out = evaluate(fixture.modelDir(), null);

    JsonNode metrics = JSON.readTree(Storage.readString(Storage.resolve(out, WriteEvaluation.METRICS_FILE)));
    assertThat(metrics.path("model").path("privacy").toString()).isEqualTo(NONE);
    assertThat(metrics.path("baseline").isNull()).isTrue();

    String html = Storage.readString(Storage.resolve(out, WriteEvaluation.REPORT_FILE));
    assertThat(html).contains("<tr><th>privacy</th><td>Not differentially private (ε = ∞)</td></tr>\n");
    assertThat(html).doesNotContain("baseline privacy");

    Published d = new EvaluateStage(EvaluateConfig.defaults()).describe(null, out);
    JsonNode facts = d.properties().get("evaluation");
    assertThat(facts.get("epsilon").isTextual()).isTrue();
    assertThat(facts.get("epsilon").asText()).isEqualTo("inf");
    assertThat(facts.has("baseline_epsilon")).isFalse();
    assertThat(d.summary()).contains("privacy: not differentially private (epsilon = inf)",
        "no blessed baseline model: change thresholds skipped");
  }
}
