package dev.beamline.transform;

import dev.beamline.core.Storage;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.validation.StatisticsSet;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A published transform artifact, read back: the fitted transform, the output schema, the statistics
 * and the Parquet shards of each transformed split. For later stages that run outside Beam, for tools,
 * and for tests; in a pipeline, read the shards with {@code ReadPublishedExamples.split(name,
 * outputSchema)}, which expects the same layout.
 *
 * <pre>{@code
 * TransformOutput out = TransformOutput.open("beamline-runs/penguins/transform/20261128-101502-3fa9");
 * double mean = out.transform().feature("bill_length_mm").mean();
 * List<GenericRecord> eval = out.readSplit("eval");
 * }</pre>
 */
public final class TransformOutput {
  private final String uri;
  private final FittedTransform transform;
  private final Schema avroSchema;
  private final StatisticsSet statistics;

  private TransformOutput(String uri, FittedTransform transform, Schema avroSchema, StatisticsSet statistics) {
    this.uri = uri;
    this.transform = transform;
    this.avroSchema = avroSchema;
    this.statistics = statistics;
  }

  /**
   * Opens the published folder {@code uri} (a path or a URI of any file system Beam supports).
   *
   * @throws UncheckedIOException when it is not a complete, published transform artifact
   */
  public static TransformOutput open(String uri) {
    FittedTransform transform = FittedTransform.read(uri);
    Schema schema = new Schema.Parser().parse(readFile(uri, AnalyzeAndTransform.SCHEMA_FILE));
    StatisticsSet stats = StatisticsSet.fromJson(readFile(uri, AnalyzeAndTransform.STATISTICS_FILE));
    return new TransformOutput(uri, transform, schema, stats);
  }

  /** {@link #open(String)} on a local folder. */
  public static TransformOutput open(Path dir) {
    return open(dir.toString());
  }

  private static String readFile(String uri, String name) {
    String file = Storage.resolve(uri, name);
    try {
      return Storage.readString(file);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileNotFoundException) {
        throw new UncheckedIOException(uri + " is not a published transform: " + file + " is missing", e.getCause());
      }
      throw e;
    }
  }

  /** The published folder, as opened. */
  public String uri() {
    return uri;
  }

  /** The published folder as a local path; for a folder on the local file system. */
  public Path dir() {
    return Paths.get(uri);
  }

  /** The fitted transform of {@code transform.json} and the vocabulary files. */
  public FittedTransform transform() {
    return transform;
  }

  /** The Avro schema of the transformed examples ({@code schema.avsc}). */
  public Schema avroSchema() {
    return avroSchema;
  }

  /** The statistics of the transformed splits ({@code statistics.json}). */
  public StatisticsSet statistics() {
    return statistics;
  }

  /** The split names, in the stage's input order. */
  public List<String> splitNames() {
    return statistics.splitNames();
  }

  /** The Parquet shards of {@code split}, sorted by name; for a folder on the local file system. */
  public List<Path> shards(String split) {
    return IngestOutput.shardsOf(dir(), split);
  }

  /** Every transformed example of {@code split}, read into memory; for small data and tests. */
  public List<GenericRecord> readSplit(String split) {
    List<GenericRecord> out = new ArrayList<>();
    for (String shard : IngestOutput.shardsOf(uri, split)) {
      try {
        out.addAll(ExampleRecordReader.readAll(shard));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + shard + ": " + e.getMessage(), e);
      }
    }
    return out;
  }
}
