package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.RunLayout;
import dev.beamline.core.stage.Stage;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.IngestStage;
import dev.beamline.ingest.InputFormat;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.training.TrainConfig;
import dev.beamline.tuning.Parameter;
import dev.beamline.tuning.SearchSpace;
import dev.beamline.tuning.TuneConfig;
import dev.beamline.tuning.TuneStage;
import dev.beamline.evaluation.BiasThreshold;
import dev.beamline.evaluation.BlessingCriteria;
import dev.beamline.evaluation.EvaluateConfig;
import dev.beamline.evaluation.EvaluateStage;
import dev.beamline.evaluation.MetricThreshold;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.serving.push.PushConfig;
import dev.beamline.serving.push.PushStage;
import dev.beamline.training.TrainStage;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.TransformConfig;
import dev.beamline.transform.TransformSpec;
import dev.beamline.transform.TransformStage;
import dev.beamline.validation.ValidationConfig;
import dev.beamline.validation.ValidationStageFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML file and the Java API give the same pipeline; the README's Java example runs. */
class PipelineSpecIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins/pipeline.yaml").toAbsolutePath().normalize();

  @TempDir Path tmp;

  private static List<String> stagesOf(PipelineSpec spec) {
    return spec.stages().stream().map(s -> s.name() + " " + s.parameters()).toList();
  }

  /** The Beam graph that {@code spec} plans into, recorded in a store of its own under {@code root}. */
  private static List<String> graphOf(PipelineSpec spec, Path root) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PipelineSpec rooted = spec.withRoot(root);
    try (MetadataStore store = MetadataStore.open(rooted.metadataJdbcUrl())) {
      PipelineRun.of(store, rooted, "run-1", p.getOptions()).plan(p);
    }
    List<String> nodes = new ArrayList<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode()) {
              nodes.add("composite " + node.getFullName() + " " + node.getTransform().getClass().getName());
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            nodes.add("primitive " + node.getFullName() + " " + node.getTransform().getClass().getName());
          }
        });
    return nodes;
  }

  @Test
  void yamlAndJavaApiGiveTheSameStagesAndGraph() {
    PipelineSpec fromYaml = PipelineYaml.load(EXAMPLE);
    List<Stage<?>> validation = ValidationStageFactory.stages(ValidationConfig.defaults());
    TrainConfig train = TrainConfig.defaults("species")
        .withHiddenUnits(List.of(16, 8))
        .withBatchSize(16)
        .withEpochs(60)
        .withOptimizer(TrainConfig.Optimizer.ADAM, 0.01)
        .withEarlyStopping(10, 0.0)
        .withSeed(42);
    java.util.LinkedHashMap<String, Parameter> searchSpace = new java.util.LinkedHashMap<>();
    searchSpace.put("learning_rate", new Parameter.FloatRange(0.001, 0.1, true));
    searchSpace.put("hidden_units", new Parameter.Choice(List.of(List.of(8), List.of(16, 8))));
    PipelineSpec fromJava =
        PipelineSpec.named("penguins")
            // In any order: the runner orders stages by the kinds they consume and produce.
            .withStage(new PushStage(PushConfig.to(null).withInfraValidation(8, 1e-6)))
            .withStage(
                new EvaluateStage(
                    EvaluateConfig.defaults()
                        .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island")), SliceSpec.of(SliceSpec.Feature.values("sex"))))
                        .withMinSliceSize(10)
                        .withBootstrap(100, 42)
                        .withSensitive(List.of("sex"))
                        .withBlessing(BlessingCriteria.of(
                            List.of(
                                MetricThreshold.of("accuracy").withLowerBound(0.9),
                                MetricThreshold.of("log_loss").withDirection(MetricThreshold.Direction.LOWER_IS_BETTER).withAbsoluteChange(0.05)),
                            List.of(BiasThreshold.of("sex", "accuracy", 0.1), BiasThreshold.of("sex", "true_positive_rate", 0.15))))))
            .withStage(new TrainStage(train))
            .withStage(new TuneStage(
                TuneConfig.bayesian(SearchSpace.of(searchSpace), 4).withMaxParallelTrials(2).withSeed(3), train))
            .withStage(
                new TransformStage(
                    TransformConfig.of(
                        TransformSpec.of(
                            List.of(
                                FeatureTransform.string("species").withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)),
                                FeatureTransform.string("island").withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(FeatureTransform.Encoding.ONE_HOT),
                                FeatureTransform.string("sex").withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(FeatureTransform.Encoding.ONE_HOT),
                                FeatureTransform.numeric("culmen_length_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                                FeatureTransform.numeric("culmen_depth_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                                FeatureTransform.numeric("flipper_length_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                                FeatureTransform.numeric("body_mass_g").withScale(FeatureTransform.Scale.Z_SCORE))))))
            .withStages(validation)
            .withStage(
                new IngestStage(
                    IngestExamples.Config.of(EXAMPLE.getParent().resolve("data/penguins.csv").toString()).withFormat(InputFormat.CSV)));

    assertThat(fromJava.stages()).extracting(Stage::name)
        .containsExactly("push", "evaluate", "train", "tune", "transform", "statistics", "schema", "validate", "ingest");
    assertThat(stagesOf(fromJava)).containsExactlyInAnyOrderElementsOf(stagesOf(fromYaml));
    List<String> yamlGraph = graphOf(fromYaml, tmp.resolve("yaml"));
    assertThat(yamlGraph).isEqualTo(graphOf(fromJava, tmp.resolve("java")));
    assertThat(yamlGraph)
        .contains(
            "composite IngestExamples dev.beamline.ingest.IngestExamples",
            "composite ComputeStatistics/Statistics-train dev.beamline.validation.ComputeStatistics",
            "composite AnalyzeAndTransform dev.beamline.transform.AnalyzeAndTransform$ReadingPublished",
            "composite Train dev.beamline.training.Train",
            "primitive IngestExamples/ReadFiles org.apache.beam.sdk.transforms.ParDo$MultiOutput");
    // Stages in the order of the life cycle, whatever order they were given in.
    assertThat(yamlGraph.indexOf("composite IngestExamples dev.beamline.ingest.IngestExamples"))
        .isLessThan(yamlGraph.indexOf("composite Train dev.beamline.training.Train"));
  }

  @Test
  void theReadmeJavaExampleRuns() {
    // As in the README, with the data's path and the root made absolute for the test.
    PipelineOptions options = PipelineOptionsFactory.create();
    PipelineSpec spec = PipelineSpec.named("penguins")
        .withRoot(tmp.resolve("runs"))
        .withStage(new IngestStage(IngestExamples.Config.of(EXAMPLE.getParent().resolve("data/penguins.csv").toString())
            .withMaxRejectedFraction(0.0)));   // splits: train:eval = 2:1 by default
    try (MetadataStore store = MetadataStore.open(spec.metadataJdbcUrl())) {
      PipelineRun.of(store, spec, RunLayout.newRunId(), options).execute(Pipeline.create(options));
    }
    IngestOutput out = IngestOutput.open(tmp.resolve("runs/penguins/ingest/1"));
    assertThat(out.fingerprint().get("rows").asLong()).isEqualTo(344);
    assertThat(out.fingerprint().get("splits").get("train").asLong()).isEqualTo(220);
    assertThat(out.fingerprint().get("splits").get("eval").asLong()).isEqualTo(124);
  }
}
