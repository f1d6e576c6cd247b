package dev.beamline.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.Storage;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A published feedback join, read back: the joined traffic ({@value #EXAMPLES_DIR}/{@value #SPLIT}/part-*.parquet,
 * laid out as ingestion lays out a split, so that {@code ReadPublishedExamples.split("traffic", ...)} reads
 * it), the dead letters ({@value #DEAD_LETTER_DIR}/rejected-*.jsonl, ingestion's format), the labels that
 * joined nothing ({@value #UNJOINED_DIR}/labels-*.jsonl) and the summary ({@value #SUMMARY_FILE}: the model,
 * the versions read, the counts, every file read with its SHA-256, the columns).
 *
 * <pre>{@code
 * JoinedTraffic t = JoinedTraffic.open(dir);
 * long joined = t.counts().get(JoinCounts.JOINED);
 * List<GenericRecord> rows = t.readTraffic();   // small data and tests
 * }</pre>
 */
public final class JoinedTraffic {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The folder of the traffic's split, as ingestion names its splits' folder. */
  public static final String EXAMPLES_DIR = "examples";
  /** The split holding the joined traffic. */
  public static final String SPLIT = "traffic";
  public static final String DEAD_LETTER_DIR = "dead_letter";
  public static final String UNJOINED_DIR = "unjoined_labels";
  public static final String SUMMARY_FILE = "feedback.json";
  public static final String SCHEMA_FILE = "schema.avsc";
  /** Where the file sinks keep their temporary files in staging; removed before publishing. */
  static final String SINK_TEMP_DIR = ".sink-temp";

  private final String dir;
  private final JsonNode summary;
  private final Schema avro;

  private JoinedTraffic(String dir, JsonNode summary, Schema avro) {
    this.dir = dir;
    this.summary = summary;
    this.avro = avro;
  }

  /** Reads the summary and the columns of the join published in {@code dir}. */
  public static JoinedTraffic open(String dir) {
    try {
      JsonNode summary = JSON.readTree(Storage.readString(Storage.resolve(dir, SUMMARY_FILE)));
      Schema avro = new Schema.Parser().parse(Storage.readString(Storage.resolve(dir, SCHEMA_FILE)));
      return new JoinedTraffic(dir, summary, avro);
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": not a published feedback join: " + e.getMessage(), e);
    }
  }

  public String dir() {
    return dir;
  }

  /** The parsed {@value #SUMMARY_FILE}. */
  public JsonNode summary() {
    return summary;
  }

  public JoinCounts counts() {
    return JoinCounts.fromJson(summary.get("counts"));
  }

  /** The model whose requests were read. */
  public String model() {
    return summary.get("model").asText();
  }

  /** The model versions whose segments were read, ascending. */
  public List<Long> versions() {
    List<Long> out = new ArrayList<>();
    summary.get("versions").forEach(v -> out.add(v.asLong()));
    return out;
  }

  /** The joined traffic's columns. */
  public ExampleSchema schema() {
    return ExampleSchema.fromAvro(avro);
  }

  /** The traffic's Parquet shards, sorted by name. */
  public List<String> shards() {
    return IngestOutput.shardsOf(dir, SPLIT);
  }

  /** Every joined row, read into memory; for small data and tests. */
  public List<GenericRecord> readTraffic() {
    List<GenericRecord> out = new ArrayList<>();
    for (String shard : shards()) {
      try {
        out.addAll(ExampleRecordReader.readAll(shard));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + shard + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** The dead letters, one rejected row as JSON per line (ingestion's format). */
  public List<String> deadLetters() {
    return lines(dir, DEAD_LETTER_DIR);
  }

  /** The labels that joined no request, one JSON object per line ({@code status, file, line, key, label, time}). */
  public List<String> unjoinedLabels() {
    return lines(dir, UNJOINED_DIR);
  }

  /** The lines of the visible files of {@code dir/folder}, also of a join that failed its check (dead letters only). */
  public static List<String> lines(String dir, String folder) {
    List<String> lines = new ArrayList<>();
    String d = Storage.resolve(dir, folder);
    if (!Storage.exists(d)) {
      return lines;
    }
    for (String f : Storage.list(d)) {
      if (!Storage.fileName(f).startsWith(".")) {
        Storage.readString(f).lines().filter(l -> !l.isBlank()).forEach(lines::add);
      }
    }
    return lines;
  }
}
