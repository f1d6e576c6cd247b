package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFormat;
import dev.beamline.training.TrainConfig;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.TransformSpec;
import dev.beamline.validation.ValidationConfig;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML file and the Java API build the same Beam graph. */
class PipelineGraphTest {
  @TempDir Path tmp;

  private static List<String> graphOf(PipelineSpec spec) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    PipelineGraph.build(p, spec, "run-1");
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

          @Override
          public void visitValue(org.apache.beam.sdk.values.PValue value, TransformHierarchy.Node producer) {
            nodes.add("value " + value.getName() + " from " + producer.getFullName());
          }
        });
    return nodes;
  }

  @Test
  void yamlAndJavaApiBuildTheSameGraph() {
    Path example = Paths.get("../examples/penguins/pipeline.yaml").toAbsolutePath().normalize();
    PipelineSpec fromYaml = PipelineYaml.load(example).withRoot(tmp.resolve("yaml"));
    PipelineSpec fromJava =
        PipelineSpec.named("penguins")
            .withRoot(tmp.resolve("java"))
            .withIngest(
                IngestExamples.Config.of(example.getParent().resolve("data/penguins.csv").toString())
                    .withFormat(InputFormat.CSV))
            .withValidation(ValidationConfig.defaults())
            .withTransform(
                TransformConfig.of(
                    TransformSpec.of(
                        List.of(
                            FeatureTransform.string("species").withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)),
                            FeatureTransform.string("island").withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(FeatureTransform.Encoding.ONE_HOT),
                            FeatureTransform.string("sex").withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(FeatureTransform.Encoding.ONE_HOT),
                            FeatureTransform.numeric("culmen_length_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                            FeatureTransform.numeric("culmen_depth_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                            FeatureTransform.numeric("flipper_length_mm").withScale(FeatureTransform.Scale.Z_SCORE),
                            FeatureTransform.numeric("body_mass_g").withScale(FeatureTransform.Scale.Z_SCORE)))))
            .withTrain(
                TrainConfig.defaults("species")
                    .withHiddenUnits(List.of(16, 8))
                    .withBatchSize(16)
                    .withEpochs(60)
                    .withOptimizer(TrainConfig.Optimizer.ADAM, 0.01)
                    .withEarlyStopping(10, 0.0)
                    .withSeed(42));

    assertThat(fromYaml.withRoot(tmp)).isEqualTo(fromJava.withRoot(tmp));
    List<String> yamlGraph = graphOf(fromYaml);
    assertThat(yamlGraph).isEqualTo(graphOf(fromJava));
    assertThat(yamlGraph)
        .contains(
            "composite IngestExamples dev.beamline.ingest.IngestExamples",
            "composite Statistics-train dev.beamline.validation.ComputeStatistics",
            "composite AnalyzeAndTransform dev.beamline.transform.AnalyzeAndTransform$ReadingPublished",
            "composite Train dev.beamline.training.Train",
            "primitive IngestExamples/ReadFiles org.apache.beam.sdk.transforms.ParDo$MultiOutput");
  }
}
