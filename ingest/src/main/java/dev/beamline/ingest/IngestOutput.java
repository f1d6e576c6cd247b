package dev.beamline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * A published ingestion output, read back: its schema, fingerprint and the Parquet shards of each split.
 * For later stages that run outside Beam, for tools, and for tests.
 *
 * <pre>{@code
 * IngestOutput out = IngestOutput.open(Paths.get("beamline-runs/penguins/ingest/20261128-101502-3fa9"));
 * long rows = out.fingerprint().get("rows").asLong();
 * List<GenericRecord> train = out.readSplit("train");
 * }</pre>
 */
public final class IngestOutput {
  private final Path dir;
  private final JsonNode fingerprint;
  private final Schema avroSchema;

  private IngestOutput(Path dir, JsonNode fingerprint, Schema avroSchema) {
    this.dir = dir;
    this.fingerprint = fingerprint;
    this.avroSchema = avroSchema;
  }

  /**
   * Opens the published output folder {@code dir} ({@code <root>/<pipeline>/ingest/<run-id>}).
   *
   * @throws UncheckedIOException when it is not a complete, published output
   */
  public static IngestOutput open(Path dir) {
    try {
      JsonNode fingerprint = new ObjectMapper().readTree(Files.readString(dir.resolve("fingerprint.json")));
      Schema schema = new Schema.Parser().parse(Files.readString(dir.resolve("schema.avsc")));
      return new IngestOutput(dir, fingerprint, schema);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(dir + " is not a published ingestion output: " + e.getFile() + " is missing", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
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
  public List<Path> shards(String split) {
    return shardsOf(dir, split);
  }

  /** The Parquet shards of {@code split} in the published output {@code dir}, sorted by name. */
  public static List<Path> shardsOf(Path dir, String split) {
    Path splitDir = dir.resolve("examples").resolve(split);
    try (Stream<Path> files = Files.list(splitDir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + splitDir + ": " + e.getMessage(), e);
    }
  }

  /** Every example of {@code split}, read into memory; for small data and tests. */
  public List<GenericRecord> readSplit(String split) {
    List<GenericRecord> out = new ArrayList<>();
    for (Path shard : shards(split)) {
      try (ParquetReader<GenericRecord> reader = ParquetFormatReader.openReader(shard.toString())) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          out.add(r);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + shard + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The lines of the dead-letter files, each one rejected row as JSON. */
  public List<String> rejectedRows() {
    return readDeadLetters(dir);
  }

  /** The lines of the dead-letter files under {@code runDir/dead_letter}, also for a run that failed its check. */
  public static List<String> readDeadLetters(Path runDir) {
    Path dl = runDir.resolve(PublishIngestFn.DEAD_LETTER_DIR);
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dl)) {
      for (Path f : files.filter(PublishIngestFn::isShard).sorted().toList()) {
        lines.addAll(Files.readAllLines(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dl + ": " + e.getMessage(), e);
    }
    return lines;
  }
}
