package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat64;

/**
 * The training stage in a Beam pipeline: it publishes the SavedModel and emits its folder. JUnit 4, for
 * {@link TestPipeline}'s rule: its abandoned-node enforcement fails a test that forgets to run its
 * pipeline; the DirectRunner checks immutability and encodability ({@link PipelineChecksTest}).
 */
public class TrainTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private Path dir;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    dir = tmp.getRoot().toPath();
  }

  @Test
  public void trainsOncePublishesTheModelAndEmitsItsFolder() throws IOException {
    List<FittedFeature> features = List.of(TrainerTest.X1, TrainerTest.X2, TrainerTest.CLASS);
    Path data = dir.resolve("transform");
    TransformedData.write(data, "train", "part-0.parquet", features, TrainerTest.separable(200, 1));
    TransformedData.write(data, "eval", "part-0.parquet", features, TrainerTest.separable(50, 2));
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-1").toString(), "run-1", "{\"runner\": \"DirectRunner\"}");

    PCollection<String> model = p.apply(Create.of(data.toString(), data.toString()))
        .apply(Train.of(TrainerTest.linear().withEpochs(5), output).withFittedFeatures(features));
    PAssert.that(model).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    Path published = output.path();
    try (Stream<Path> files = Files.list(published)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder("saved_model.pb", "variables", "assets.extra", "training_history.json", "provenance.json");
    }
    assertThat(Files.exists(output.stagingPath())).isFalse();
    assertThat(Files.readString(published.resolve("provenance.json"))).isEqualTo("{\"runner\": \"DirectRunner\"}");
    JsonNode inModel = new ObjectMapper().readTree(Files.readString(published.resolve("assets.extra/provenance.json")));
    assertThat(inModel.get("runner").asText()).isEqualTo("DirectRunner");
    assertThat(inModel.at("/training/data").asText()).isEqualTo(data.toString());
    assertThat(TrainingHistory.fromJson(Files.readString(published.resolve("training_history.json"))).epochs()).hasSize(5);
    try (SavedModelBundle b = SavedModelBundle.load(published.toString(), "serve");
        TFloat64 x1 = TFloat64.vectorOf(0.9, -0.9);
        TFloat64 x2 = TFloat64.vectorOf(0.5, -0.5);
        Result r = b.function(SavedModelExport.SERVING).call(Map.<String, Tensor>of("x1", x1, "x2", x2))) {
      assertThat(Tensors.toStrings(r.get("classes").get())).containsExactly("pos", "neg");
    }
  }

  @Test
  public void aConfigurationThatDoesNotFitTheFeaturesFailsWhenThePipelineIsBuilt() {
    StageOutput output = new StageOutput(dir.resolve("out").toString(), "r", null);
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline built = Pipeline.create();
    PCollection<String> in = built.apply(Create.of("x"));
    Train train = Train.of(TrainConfig.defaults("missing"), output).withFittedFeatures(List.of(TrainerTest.X1, TrainerTest.CLASS));
    assertThatThrownBy(() -> in.apply(train)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.label 'missing' is not a transformed feature (transformed features: x1, label)");
    assertThatThrownBy(() -> in.apply("again", Train.of(TrainConfig.defaults("label"), output)))
        .hasMessageContaining("call withFittedFeatures");
  }
}
