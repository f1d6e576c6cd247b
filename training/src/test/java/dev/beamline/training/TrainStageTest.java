package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import com.google.common.base.Suppliers;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformGraphInfo;
import dev.beamline.transform.TransformSpec;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
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
 * The training stage behind the stage contract: checked at plan time, a graph that touches no file,
 * describe. JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement; the
 * DirectRunner's immutability and encodability checks are on.
 */
public class TrainStageTest {
  private static final ExampleSchema RAW = ExampleSchema.of(List.of(
      FeatureSpec.of("x1", FeatureType.FLOAT), FeatureSpec.of("x2", FeatureType.FLOAT), FeatureSpec.of("label", FeatureType.STRING)));
  private static final List<FittedFeature> FEATURES = List.of(TrainerTest.X1, TrainerTest.X2, TrainerTest.CLASS);

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path tmp;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    tmp = folder.getRoot().toPath();
  }

  private static StageInput graph(Pipeline p, String uri, ArtifactInfo info) {
    return StageInput.published(p, TrainStage.TRANSFORM_GRAPH, 5, uri, info);
  }

  private static PlanContext context(StageInputs inputs) {
    return PlanContext.of("p", inputs);
  }

  private static List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.map(f -> dir.relativize(f).toString()).sorted().toList();
    }
  }

  /** The model's fingerprint, computed here independently: path and SHA-256 of the graph and variables files. */
  private static String referenceFingerprint(Path dir) throws IOException {
    Hasher h = Hashing.sha256().newHasher();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = dir.relativize(f).toString();
        if (rel.equals("saved_model.pb") || rel.startsWith("variables")) {
          h.putUnencodedChars(rel).putUnencodedChars(Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
        }
      }
    }
    return h.hash().toString();
  }

  @Test
  public void declaresItsPortsByKind() {
    TrainStage stage = new TrainStage(TrainConfig.defaults("label"));
    assertThat(stage.name()).isEqualTo("train");
    assertThat(stage.consumes()).containsExactly(Port.required("transform_graph", ArtifactKind.TRANSFORM_GRAPH),
        Port.optional("hyperparameters", ArtifactKind.of("HYPERPARAMETERS")));
    // The validate stage's anomalies only when drift of the label can change the model.
    assertThat(new TrainStage(TrainConfig.defaults("label").withOnLabelDrift(TrainConfig.LabelDriftAction.REWEIGHT)).consumes())
        .containsExactly(TrainStage.TRANSFORM_GRAPH, TrainStage.HYPERPARAMETERS, Port.optional("anomalies", ArtifactKind.ANOMALIES));
    assertThat(stage.produces()).containsExactly(Port.folder("model", ArtifactKind.MODEL));
  }

  @Test
  public void planChecksTheConfigurationAgainstTheStatedFeatures() {
    // Planning only: the inputs need a pipeline, which is never run, so not the rule's.
    Pipeline unrun = Pipeline.create();
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.numeric("x1"), FeatureTransform.numeric("x2"),
        FeatureTransform.string("label").withVocabulary(FeatureTransform.Vocabulary.defaults())));
    StageInputs provisional = new StageInputs(List.of(graph(unrun, "transform", TransformGraphInfo.provisional(RAW, spec))));
    assertThatThrownBy(() -> new TrainStage(TrainConfig.defaults("missing")).plan(context(provisional)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.label 'missing' is not a transformed feature (transformed features: x1, x2, label)");
    Plan<Serializable> plan = new TrainStage(TrainerTest.linear()).plan(context(provisional));
    // What the evaluate stage builds its graph with, before the model exists.
    assertThat(plan.outputs()).containsExactly(Map.entry("model", new ModelInfo("classification", "label", "label", List.of("x1", "x2"))));
    // Fitted features from the cache are checked the same way.
    StageInputs cached = new StageInputs(List.of(graph(unrun, "transform", TransformGraphInfo.fitted(FEATURES))));
    assertThatThrownBy(() -> new TrainStage(TrainConfig.defaults("label").withFeatures(List.of("x3"))).plan(context(cached)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("train.features: 'x3' is not a transformed feature (transformed features: x1, x2, label)");
    // A transform that does not fit the data states nothing: its own run fails first.
    StageInputs unknown = new StageInputs(List.of(graph(unrun, "transform", TransformGraphInfo.unknown())));
    assertThat(new TrainStage(TrainConfig.defaults("missing")).plan(context(unknown)).outputs()).isEmpty();
  }

  @Test
  public void expandBuildsTheGraphWithoutTouchingAFileAndTheRunPublishesWhatDescribeReads() throws Exception {
    Path transform = tmp.resolve("transform/5");
    TransformedData.write(transform.resolve("examples"), "train", "part-0.parquet", FEATURES, TrainerTest.separable(200, 1));
    TransformedData.write(transform.resolve("examples"), "eval", "part-0.parquet", FEATURES, TrainerTest.separable(50, 2));
    FittedTransform.of(RAW, FEATURES).write(transform);
    StageOutput output = new StageOutput(tmp.resolve("train/6").toString(), "6", "{\"run\":\"6\"}\n");
    TrainConfig config = TrainerTest.linear().withEpochs(5);
    TrainStage stage = new TrainStage(config);

    StageInputs inputs = new StageInputs(List.of(graph(p, transform.toString(), TransformGraphInfo.fitted(FEATURES))));
    Plan<Serializable> plan = stage.plan(context(inputs));
    List<String> before = filesUnder(tmp);
    PCollection<String> model = stage.expand(p, plan, inputs, output);
    assertThat(filesUnder(tmp)).isEqualTo(before);
    PAssert.thatSingleton(model).isEqualTo(output.dir());
    p.run().waitUntilFinish();

    Published d = stage.describe(plan, output.dir());
    assertThat(d.fingerprint()).isEqualTo(referenceFingerprint(output.path()));
    TrainingHistory h = TrainingHistory.fromJson(Files.readString(output.path().resolve("training_history.json")));
    assertThat(d.properties()).containsOnlyKeys("model");
    assertThat(d.properties().get("model").get("model").asText()).isEqualTo("linear");
    assertThat(d.properties().get("model").get("label").asText()).isEqualTo("label");
    assertThat(d.properties().get("model").get("epochs").asInt()).isEqualTo(5);
    assertThat(d.properties().get("model").get("best_epoch").asInt()).isEqualTo(h.bestEpoch());
    assertThat(d.properties().get("model").get("train_loss").asDouble()).isEqualTo(h.best().trainLoss());
    assertThat(d.properties().get("model").get("seed").asLong()).isEqualTo(7);
    assertThat(d.properties().get("model").get("format").asText()).isEqualTo("tensorflow-savedmodel");
    // Trained without differential privacy: epsilon is infinite, and says so.
    assertThat(d.properties().get("model").get("privacy").asText()).isEqualTo("none");
    assertThat(d.properties().get("model").get("epsilon").asText()).isEqualTo("inf");
    assertThat(d.summary()).hasSize(3);
    assertThat(d.summary().get(0)).startsWith("linear model, 5 epoch(s), best epoch " + h.bestEpoch() + ": eval accuracy ");
    assertThat(d.summary().get(1)).isEqualTo("not differentially private (epsilon = inf)");
    assertThat(d.summary().get(2)).endsWith(" examples/s in training; SavedModel (serving_default takes raw features)");
  }
}
