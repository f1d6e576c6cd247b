package dev.beamline.transform;

import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
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
 * one atomic rename, through {@link Storage}. Emits the published folder.
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
    String outputDir = output.dir();
    String staging = output.stagingDir();
    if (output.isPublished()) {
      c.output(outputDir); // A retry of a step that had already published.
      return;
    }
    FittedTransform transform = c.sideInput(fitted);
    List<DatasetStatistics> stats = new ArrayList<>(c.sideInput(statistics));
    stats.sort(Comparator.comparingInt(s -> splits.indexOf(s.split())));

    removeSinkTempDirs(staging);
    transform.write(staging);
    Storage.writeString(Storage.resolve(staging, AnalyzeAndTransform.SCHEMA_FILE), outputSchemaJson);
    Storage.writeString(Storage.resolve(staging, AnalyzeAndTransform.STATISTICS_FILE), StatisticsSet.of(stats).toJson() + "\n");
    if (output.provenanceJson() != null) {
      Storage.writeString(Storage.resolve(staging, StageOutput.PROVENANCE_FILE), output.provenanceJson());
    }
    Storage.publish(staging, outputDir);
    LOG.info(
        "transform published {}: {} features fitted on {} rows; rows per split {}",
        outputDir,
        transform.features().size(),
        transform.features().get(0).rows(),
        stats.stream().map(s -> s.split() + "=" + s.numExamples()).toList());
    c.output(outputDir);
  }

  /**
   * Removes the temporary folders that Beam's file sinks leave behind once their files are finalized.
   * Only a local disk keeps an empty folder; an object store has none once its files are gone.
   */
  private static void removeSinkTempDirs(String staging) throws IOException {
    if (!Storage.isLocal(staging)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(AnalyzeAndTransform.localPath(staging))) {
      for (Path p : paths.filter(x -> Files.isDirectory(x) && x.getFileName().toString().startsWith(".temp-beam")).toList()) {
        Storage.deleteRecursively(p.toString());
      }
    }
  }
}
