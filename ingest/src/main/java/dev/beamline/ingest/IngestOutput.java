package dev.beamline.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.Storage;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A published ingestion output, read back through {@link Storage} (any file system Beam supports): its
 * schema, fingerprint and the Parquet shards of each split. For later stages that run outside Beam, for
 * tools, and for tests.
 *
 * <pre>{@code
 * IngestOutput out = IngestOutput.open("beamline-runs/penguins/ingest/20261128-101502-3fa9");
 * long rows = out.fingerprint().get("rows").asLong();
 * List<GenericRecord> train = out.readSplit("train");
 * }</pre>
 */
public final class IngestOutput {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String uri;
  private final JsonNode fingerprint;
  private final Schema avroSchema;

  private IngestOutput(String uri, JsonNode fingerprint, Schema avroSchema) {
    this.uri = uri;
    this.fingerprint = fingerprint;
    this.avroSchema = avroSchema;
  }

  /** Whether {@code data} names a published ingestion output (a folder with its {@code fingerprint.json}). */
  public static boolean isPublished(String data) {
    return !org.apache.beam.sdk.io.FileSystems.hasGlobWildcard(data) && Storage.exists(Storage.resolve(data, "fingerprint.json"));
  }

  /**
   * Opens the published output folder {@code uri} ({@code <root>/<pipeline>/ingest/<run-id>}).
   *
   * @throws UncheckedIOException when it is not a complete, published output
   */
  public static IngestOutput open(String uri) {
    JsonNode fingerprint;
    try {
      fingerprint = JSON.readTree(read(uri, PublishIngestFn.FINGERPRINT_FILE));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
    Schema schema = new Schema.Parser().parse(read(uri, PublishIngestFn.SCHEMA_FILE));
    return new IngestOutput(uri, fingerprint, schema);
  }

  /** Opens the published output folder {@code dir}, as {@link #open(String)} does. */
  public static IngestOutput open(Path dir) {
    return open(dir.toString());
  }

  private static String read(String dir, String name) {
    String file = Storage.resolve(dir, name);
    try {
      return Storage.readString(file);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileNotFoundException) {
        throw new UncheckedIOException(dir + " is not a published ingestion output: " + file + " is missing", e.getCause());
      }
      throw e;
    }
  }

  /** The output folder, as given to {@link #open(String)}. */
  public String uri() {
    return uri;
  }

  /** The output folder as a local path. */
  public Path dir() {
    return Paths.get(uri);
  }

  /** The content of {@code fingerprint.json}: files with SHA-256 and row counts, splits, spans, schema. */
  public JsonNode fingerprint() {
    return fingerprint;
  }

  public Schema avroSchema() {
    return avroSchema;
  }

  public ExampleSchema schema() {
    return ExampleSchema.fromAvro(avroSchema);
  }

  /** The split names, in configuration order. */
  public List<String> splitNames() {
    List<String> names = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = fingerprint.get("splits").fields(); it.hasNext(); ) {
      names.add(it.next().getKey());
    }
    return names;
  }

  /** The Parquet shards of {@code split}, sorted by name. */
  public List<String> shards(String split) {
    return shardsOf(uri, split);
  }

  /** The Parquet shards of {@code split} in the published output {@code dir}, sorted by name. */
  public static List<String> shardsOf(String dir, String split) {
    return Storage.match(Storage.resolve(dir, PublishIngestFn.EXAMPLES_DIR + "/" + split + "/*.parquet"));
  }

  /** The Parquet shards of {@code split} in the local published output {@code dir}, sorted by name. */
  public static List<Path> shardsOf(Path dir, String split) {
    return shardsOf(dir.toString(), split).stream().map(Paths::get).toList();
  }

  /** Every example of {@code split}, read into memory; for small data and tests. */
  public List<GenericRecord> readSplit(String split) {
    List<GenericRecord> out = new ArrayList<>();
    for (String shard : shards(split)) {
      try {
        out.addAll(ExampleRecordReader.readAll(shard));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + shard + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The lines of the dead-letter files, each one rejected row as JSON. */
  public List<String> rejectedRows() {
    return readDeadLetters(uri);
  }

  /** The lines of the dead-letter files under {@code runDir/dead_letter}, also for a run that failed its check. */
  public static List<String> readDeadLetters(String runDir) {
    List<String> lines = new ArrayList<>();
    for (String f : Storage.list(Storage.resolve(runDir, PublishIngestFn.DEAD_LETTER_DIR))) {
      if (PublishIngestFn.isShard(f)) {
        Storage.readString(f).lines().forEach(lines::add);
      }
    }
    return lines;
  }

  /** The lines of the dead-letter files under the local {@code runDir/dead_letter}. */
  public static List<String> readDeadLetters(Path runDir) {
    return readDeadLetters(runDir.toString());
  }
}
