package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.IngestOutput;
import dev.beamline.training.TrainingHistory;
import dev.beamline.transform.TransformOutput;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.FeatureStatistics;
import dev.beamline.validation.NumericStatistics;
import dev.beamline.validation.StatisticsSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins example on the DirectRunner and on embedded Flink: the same ingested examples, the same
 * fitted transform and transformed examples, and on both a trained model that reaches the accuracy
 * the example promises.
 */
class RunnerParityIT {
  @TempDir Path tmp;

  private Path run(String runner) {
    Path root = tmp.resolve(runner);
    BeamlineCliIT.Result r =
        BeamlineCliIT.cli(
            "run", Paths.get("../examples/penguins/pipeline.yaml").toString(),
            "--runner", runner, "--parallelism", "2", "--pipeline-root", root.toString(), "--run-id", "parity");
    assertThat(r.code()).as(r.err()).isZero();
    return root.resolve("penguins");
  }

  private static List<String> sorted(List<? extends Object> records) {
    return records.stream().map(Object::toString).sorted().toList();
  }

  private static void assertSameExactStatistics(String split, DatasetStatistics d, DatasetStatistics f) {
    assertThat(f.numExamples()).isEqualTo(d.numExamples()).isPositive();
    assertThat(f.features()).hasSameSizeAs(d.features());
    int numeric = 0;
    for (int i = 0; i < d.features().size(); i++) {
      FeatureStatistics a = d.features().get(i);
      FeatureStatistics b = f.features().get(i);
      assertThat(List.of(b.name(), b.type(), b.count(), b.missing())).as("%s %s", split, a.name())
          .isEqualTo(List.of(a.name(), a.type(), a.count(), a.missing()));
      assertThat(b.numeric() == null).as("%s %s is numeric on both or neither", split, a.name()).isEqualTo(a.numeric() == null);
      if (a.numeric() != null) {
        numeric++;
        NumericStatistics x = a.numeric();
        NumericStatistics y = b.numeric();
        assertThat(List.of(y.mean(), y.stdDev(), y.min(), y.max(), y.zeros(), y.nan(), y.infinity()))
            .as("%s %s: mean, std_dev, min, max, zeros, nan, infinity", split, a.name())
            .isEqualTo(List.of(x.mean(), x.stdDev(), x.min(), x.max(), x.zeros(), x.nan(), x.infinity()));
      }
    }
    assertThat(numeric).as("numeric features compared in %s", split).isPositive();
  }

  @Test
  void directAndFlinkWriteTheSameExamplesAndTransformAndBothTrainTheModel() throws Exception {
    Path directRun = run("direct");
    Path flinkRun = run("flink");
    assertSameArtifacts(directRun, flinkRun);
    for (Path root : List.of(directRun, flinkRun)) {
      Path model = root.resolve("train/7");
      assertThat(model.resolve("saved_model.pb")).exists();
      TrainingHistory h = TrainingHistory.fromJson(Files.readString(model.resolve("training_history.json")));
      assertThat(h.best().evalAccuracy()).as(root.toString()).isGreaterThanOrEqualTo(0.95);
    }
  }

  private static com.fasterxml.jackson.databind.JsonNode withoutRunId(com.fasterxml.jackson.databind.JsonNode fingerprint) {
    com.fasterxml.jackson.databind.node.ObjectNode copy = fingerprint.deepCopy();
    assertThat(copy.remove("run_id")).isNotNull();
    assertThat(copy.get("rows").asLong()).isPositive();
    return copy;
  }

  /** The newest published output folder of {@code stage} in the pipeline folder {@code pipelineDir}. */
  static Path latest(Path pipelineDir, String stage) throws java.io.IOException {
    try (var folders = Files.list(pipelineDir.resolve(stage))) {
      return folders
          .filter(d -> d.getFileName().toString().matches("\\d+") && Files.exists(d.resolve("provenance.json")))
          .max(java.util.Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString())))
          .orElseThrow(() -> new AssertionError("no published " + stage + " under " + pipelineDir));
    }
  }

  /**
   * The newest runs under the pipeline folders {@code directRun} and {@code otherRun} ingested the same
   * examples into the same splits, computed the same exact statistics, and fitted and applied the same
   * transform.
   */
  static void assertSameArtifacts(Path directRun, Path otherRun) throws Exception {
    IngestOutput direct = IngestOutput.open(latest(directRun, "ingest"));
    IngestOutput flink = IngestOutput.open(latest(otherRun, "ingest"));
    for (String split : List.of("train", "eval")) {
      assertThat(sorted(flink.readSplit(split))).isEqualTo(sorted(direct.readSplit(split))).isNotEmpty();
    }
    assertThat(flink.avroSchema()).isEqualTo(direct.avroSchema());
    // The same facts of the dataset; only the run that wrote it differs.
    assertThat(withoutRunId(flink.fingerprint())).isEqualTo(withoutRunId(direct.fingerprint()));
    assertThat(flink.rejectedRows()).isEqualTo(direct.rejectedRows()).isEmpty();

    TransformOutput directTransform = TransformOutput.open(latest(directRun, "transform"));
    TransformOutput flinkTransform = TransformOutput.open(latest(otherRun, "transform"));
    assertThat(flinkTransform.transform()).isEqualTo(directTransform.transform());
    for (String split : List.of("train", "eval")) {
      assertThat(sorted(flinkTransform.readSplit(split))).isEqualTo(sorted(directTransform.readSplit(split))).isNotEmpty();
    }
    // The statistics' exact fields agree, means and standard deviations included (the README calls them
    // exact: compensated sums, evaluated exactly at the end, whatever order the runner merges in); the
    // quantile sketches depend on that order. Of the transformed examples and of the raw ones.
    StatisticsSet directRaw = StatisticsSet.fromJson(Files.readString(latest(directRun, "statistics").resolve("statistics.json")));
    StatisticsSet flinkRaw = StatisticsSet.fromJson(Files.readString(latest(otherRun, "statistics").resolve("statistics.json")));
    for (String split : List.of("train", "eval")) {
      assertSameExactStatistics(split, directTransform.statistics().split(split).orElseThrow(), flinkTransform.statistics().split(split).orElseThrow());
      assertSameExactStatistics(split, directRaw.split(split).orElseThrow(), flinkRaw.split(split).orElseThrow());
    }
  }
}
