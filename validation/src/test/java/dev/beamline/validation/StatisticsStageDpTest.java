package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.validation.privacy.PrivacyConfig;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The statistics stage with {@code validation.privacy}: {@code dp_statistics.json} is published beside
 * the unchanged {@code statistics.json}, from the same published examples (train: x = 1, null, 3 and s =
 * a, b, null in two shards; eval: x = 5, 7 and s = a, a). With ε = 10^6 the noisy counts are the exact
 * ones. JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement.
 */
public class StatisticsStageDpTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(List.of(FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("s", FeatureType.STRING)));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Before
  public void setUp() {
    PipelineChecks.enable(pipeline);
  }

  private String examples() throws IOException {
    return StatisticsStageTest.examples(tmp);
  }

  @Test
  public void thePrivateReleaseIsPublishedBesideTheStatistics() throws IOException {
    String examples = examples();
    String out = tmp.getRoot().toPath().resolve("statistics/1").toString();
    PrivacyConfig privacy = PrivacyConfig.defaults().withEpsilon(1e6).withBounds("x", 0, 10).withBuckets(2).withDomain("s", List.of("a"));
    StatisticsStage stage = new StatisticsStage(privacy);
    PCollection<String> ready = pipeline.apply("ExamplesReady", Create.of(examples).withCoder(StringUtf8Coder.of()));
    StageInputs inputs = new StageInputs(List.of(new StageInput(
        Port.required("examples", ArtifactKind.EXAMPLES), 1, examples, new ExamplesInfo(SCHEMA, List.of("train", "eval")), () -> ready)));
    Plan<Serializable> plan = stage.plan(PlanContext.of("p", inputs));
    PCollection<String> published = stage.expand(pipeline, plan, inputs, new StageOutput(out, "run-1", null));
    PAssert.that(published).containsInAnyOrder(out);
    pipeline.run().waitUntilFinish();

    StatisticsSet s = ValidationRun.readStatistics(out);
    assertThat(s.split("train").orElseThrow().numExamples()).isEqualTo(3);
    JsonNode dp = new ObjectMapper().readTree(Path.of(out, "dp_statistics.json").toFile());
    assertThat(dp.get("budget").get("queries_count").asInt()).isEqualTo(2 * (1 + 3 + 1));
    JsonNode train = dp.get("splits").get(0);
    assertThat(train.get("split").asText()).isEqualTo("train");
    assertThat(train.get("rows").get("value").asLong()).isEqualTo(3);
    assertThat(train.get("numeric").get("x").get("count").get("value").asLong()).isEqualTo(2);
    assertThat(train.get("numeric").get("x").get("histogram").get("counts").toString()).isEqualTo("[2,0]");
    assertThat(train.get("numeric").get("x").get("mean").asDouble()).isCloseTo(2.0, org.assertj.core.api.Assertions.within(1e-3));
    assertThat(train.get("categorical").get("s").get("counts").get("a").asLong()).isEqualTo(1);
    assertThat(train.get("categorical").get("s").get("other").asLong()).isEqualTo(1);
    JsonNode eval = dp.get("splits").get(1);
    assertThat(eval.get("rows").get("value").asLong()).isEqualTo(2);
    assertThat(eval.get("numeric").get("x").get("histogram").get("counts").toString()).isEqualTo("[0,2]");
    assertThat(dp.get("noise_source").asText()).startsWith("NoiseSource.secure(");
    assertThat(Files.readString(Path.of(out, "dp_report.html"))).contains("<title>p — differentially private statistics</title>");

    Published p = stage.describe(plan, out);
    assertThat(p.fingerprint()).isEqualTo(Hashing.sha256().hashBytes(Files.readAllBytes(Path.of(out, "statistics.json"))).toString());
    assertThat(p.summary()).hasSize(2).last().asString().contains("dp_statistics.json");
    assertThat(stage.parameters().get("privacy").get("epsilon").asDouble()).isEqualTo(1e6);
  }
}
