package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.training.TrainConfig.LabelDriftAction;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformGraphInfo;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code train.on_label_drift: reweight} through the train stage: it consumes the validate stage's
 * anomalies, and when they report drift of the label it trains with balanced class weights from the
 * training split's label counts, recorded beside the model and in its properties and summary. JUnit 4,
 * for {@link TestPipeline}'s rule (abandoned-node enforcement); the DirectRunner's checks are on.
 */
public class LabelDriftReweightTest {
  private static final ExampleSchema RAW = ExampleSchema.of(List.of(
      FeatureSpec.of("x1", FeatureType.FLOAT), FeatureSpec.of("x2", FeatureType.FLOAT), FeatureSpec.of("label", FeatureType.STRING)));

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path tmp;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    tmp = folder.getRoot().toPath();
  }

  private static TrainConfig reweighting() {
    return TrainConfig.defaults("label").withModel(TrainConfig.ModelType.LINEAR).withOptimizer(TrainConfig.Optimizer.ADAM, 0.05)
        .withBatchSize(16).withEpochs(2).withSeed(3).withOnLabelDrift(LabelDriftAction.REWEIGHT);
  }

  /** A published transform (100 a, 40 b, 10 c in train) and an anomalies folder holding {@code anomaliesJson}. */
  private StageInputs inputs(Pipeline pipeline, String anomaliesJson) throws IOException {
    Path transform = tmp.resolve("transform/5");
    TransformedData.write(transform.resolve("examples"), "train", "part-0.parquet", WeightedLossTest.FEATURES, ResampleTest.rows());
    TransformedData.write(transform.resolve("examples"), "eval", "part-0.parquet", WeightedLossTest.FEATURES, ResampleTest.rows().subList(0, 30));
    FittedTransform.of(RAW, WeightedLossTest.FEATURES).write(transform);
    Path anomalies = Files.createDirectories(tmp.resolve("validate/4"));
    Files.writeString(anomalies.resolve("anomalies.json"), anomaliesJson);
    return new StageInputs(List.of(
        StageInput.published(pipeline, TrainStage.TRANSFORM_GRAPH, 5, transform.toString(), TransformGraphInfo.fitted(WeightedLossTest.FEATURES)),
        StageInput.published(pipeline, TrainStage.ANOMALIES, 4, anomalies.toString(), null)));
  }

  private static String anomalies(String feature) {
    return "{\"anomalies_count\": 1, \"errors\": 0, \"anomalies\": [{\"type\": \"DRIFT\", \"severity\": \"WARNING\", \"feature\": \""
        + feature + "\", \"split\": \"train\", \"description\": \"drift from the previous span: L-infinity distance 0.4 > threshold 0.1\"}]}\n";
  }

  private Published run(TrainConfig config, StageInputs inputs) {
    TrainStage stage = new TrainStage(config);
    StageOutput output = new StageOutput(tmp.resolve("train/6").toString(), "6", "{\"run\":\"6\"}\n");
    Plan<Serializable> plan = stage.plan(PlanContext.of("p", inputs));
    PCollection<String> model = stage.expand(p, plan, inputs, output);
    PAssert.thatSingleton(model).isEqualTo(output.dir());
    p.run().waitUntilFinish();
    return stage.describe(plan, output.dir());
  }

  @Test
  public void labelDriftTrainsWithBalancedClassWeightsAndSaysSo() throws IOException {
    // Configured weights give way to the balanced ones when the label drifted.
    TrainConfig config = reweighting().withClassWeights(ClassRates.of(Map.of("c", 9.0)));
    assertThat(new TrainStage(config).consumes()).contains(Port.optional("anomalies", ArtifactKind.ANOMALIES));
    Published d = run(config, inputs(p, anomalies("label")));

    JsonNode model = d.properties().get("model");
    // 150 rows, 3 classes: 150 / (3 * [100, 40, 10]).
    assertThat(model.get("class_weights").toString()).isEqualTo("{\"a\":0.5,\"b\":1.25,\"c\":5.0}");
    assertThat(model.get("reweighted_for_label_drift").asBoolean()).isTrue();
    assertThat(model.has("resample")).isFalse();
    assertThat(d.summary()).contains("class weights (balanced for label drift): a 0.5000, b 1.250, c 5.000");
    ClassBalance recorded = ClassBalance.fromJson(Files.readString(tmp.resolve("train/6").resolve(ClassBalance.FILE)));
    assertThat(recorded.labelCounts()).containsExactly(Map.entry("a", 100L), Map.entry("b", 40L), Map.entry("c", 10L));
  }

  @Test
  public void driftOfAnotherFeatureLeavesTheConfiguredWeights() throws IOException {
    Published d = run(reweighting().withClassWeights(ClassRates.of(Map.of("c", 9.0))), inputs(p, anomalies("x1")));
    JsonNode model = d.properties().get("model");
    assertThat(model.get("class_weights").toString()).isEqualTo("{\"a\":1.0,\"b\":1.0,\"c\":9.0}");
    assertThat(model.get("reweighted_for_label_drift").asBoolean()).isFalse();
    assertThat(d.summary()).contains("class weights: a 1.000, b 1.000, c 9.000");
  }

  @Test
  public void reweightingNeedsValidationAndClassNamesAreCheckedAgainstAFittedTransform() throws IOException {
    // Planning only: a plain pipeline, never run.
    Pipeline unrun = Pipeline.create();
    StageInputs withoutValidation = new StageInputs(List.of(StageInput.published(unrun, TrainStage.TRANSFORM_GRAPH, 5, "transform",
        TransformGraphInfo.fitted(WeightedLossTest.FEATURES))));
    assertThatThrownBy(() -> new TrainStage(reweighting()).plan(PlanContext.of("p", withoutValidation)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.on_label_drift: reweight needs data validation (a 'validation:' section, with drift) to report drift of the"
            + " label; this pipeline has none");
    // Without reweighting the anomalies are not an input: other pipelines keep their lineage.
    assertThat(new TrainStage(TrainConfig.defaults("label")).consumes()).doesNotContain(TrainStage.ANOMALIES);
    assertThatThrownBy(() -> new TrainStage(TrainConfig.defaults("label").withResample(ClassRates.of(Map.of("d", 2.0))))
        .plan(PlanContext.of("p", withoutValidation)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.resample: 'd' is not a class of label 'label' (classes: a, b, c)");
  }
}
