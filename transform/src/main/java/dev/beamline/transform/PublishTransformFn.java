package dev.beamline.transform;

import dev.beamline.core.Publisher;
import dev.beamline.core.StageOutput;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.StatisticsSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of {@link AnalyzeAndTransform}, run once every Parquet shard is written: writes the
 * fitted transform, the output schema and the statistics into the staging folder and publishes it with
 * one atomic rename. Emits the published folder.
 */
final class PublishTransformFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishTransformFn.class);

  private final PCollectionView<FittedTransform> fitted;
  private final PCollectionView<List<DatasetStatistics>> statistics;
  private final List<String> splits;
  private final String outputSchemaJson;
  private final StageOutput output;

  PublishTransformFn(
      PCollectionView<FittedTransform> fitted,
      PCollectionView<List<DatasetStatistics>> statistics,
      List<String> splits,
      String outputSchemaJson,
      StageOutput output) {
    this.fitted = fitted;
    this.statistics = statistics;
    this.splits = List.copyOf(splits);
    this.outputSchemaJson = outputSchemaJson;
    this.output = output;
  }

  @ProcessElement
  public void process(ProcessContext c) throws IOException {
    Path staging = output.stagingPath();
    Path outputDir = output.path();
    if (!Files.exists(staging) && Files.exists(outputDir)) {
      c.output(outputDir.toString()); // A retry of a step that had already published.
      return;
    }
    FittedTransform transform = c.sideInput(fitted);
    List<DatasetStatistics> stats = new ArrayList<>(c.sideInput(statistics));
    stats.sort(Comparator.comparingInt(s -> splits.indexOf(s.split())));

    removeSinkTempDirs(staging);
    transform.write(staging);
    Publisher.writeAtomically(staging.resolve(AnalyzeAndTransform.SCHEMA_FILE), outputSchemaJson);
    Publisher.writeAtomically(staging.resolve(AnalyzeAndTransform.STATISTICS_FILE), StatisticsSet.of(stats).toJson() + "\n");
    output.writeProvenance();
    Publisher.publishDirectory(staging, outputDir);
    LOG.info(
        "transform published {}: {} features fitted on {} rows; rows per split {}",
        outputDir,
        transform.features().size(),
        transform.features().get(0).rows(),
        stats.stream().map(s -> s.split() + "=" + s.numExamples()).toList());
    c.output(outputDir.toString());
  }

  /** Removes the temporary folders that Beam's file sinks leave behind once their files are finalized. */
  private static void removeSinkTempDirs(Path staging) throws IOException {
    try (Stream<Path> paths = Files.walk(staging)) {
      for (Path p : paths.filter(x -> Files.isDirectory(x) && x.getFileName().toString().startsWith(".temp-beam")).toList()) {
        Publisher.deleteRecursively(p);
      }
    }
  }
}
