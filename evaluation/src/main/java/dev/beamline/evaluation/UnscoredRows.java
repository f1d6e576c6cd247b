package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.Storage;
import dev.beamline.ingest.RejectedRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The dead-letter lines of an evaluation or a batch inference ({@code unscored/*.jsonl}): one JSON
 * object per row that has no prediction, with the {@code reason}, for two kinds of rows.
 *
 * <ul>
 *   <li>rows the model could not score (a value its input cannot take): {@code reason} (naming the
 *       column, as {@link dev.beamline.training.ServingModel} says it) and {@code row}, the values;
 *   <li>rows the reader rejected before the model saw them (a CSV row with too many fields, text in a
 *       column the model takes as a number): {@code reason} (naming the file, the line and the column
 *       where there is one), {@code file}, {@code line}, {@code field} and {@code content}, the row as
 *       it was in the file; {@code rows} when the rejection stands for more than one row and {@code
 *       content_base64} for bytes that are not UTF-8, as ingestion's dead-letter file writes them
 *       ({@link RejectedRow}).
 * </ul>
 *
 * <pre>{@code
 * String line = UnscoredRows.unscored(row, "column 'bill': 'abc' is not a number, and the model takes a number");
 * UnscoredRows.Counts c = UnscoredRows.count(Storage.resolve(out, "unscored"));
 * }</pre>
 */
public final class UnscoredRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The dead-letter file written when there is no row without a prediction; named as the sink names its one shard. */
  static final String EMPTY_FILE = "unscored-00000-of-00001.jsonl";

  private UnscoredRows() {}

  /** How many rows a dead-letter folder holds: those the model could not score, those the reader rejected. */
  public record Counts(long unscored, long rejected) {
    public long total() {
      return unscored + rejected;
    }
  }

  /** The line of a row the model could not score, for {@code reason}. */
  public static String unscored(GenericRecord row, String reason) {
    ObjectNode o = JSON.createObjectNode();
    o.put("reason", reason);
    ObjectNode values = o.putObject("row");
    for (Schema.Field f : row.getSchema().getFields()) {
      Object v = row.get(f.name());
      if (v == null) {
        values.putNull(f.name());
      } else if (v instanceof Number n) {
        values.put(f.name(), n.doubleValue());
      } else if (v instanceof Boolean b) {
        values.put(f.name(), b);
      } else {
        values.put(f.name(), v.toString());
      }
    }
    return o.toString();
  }

  /** The line of a row the reader rejected. */
  public static String rejected(RejectedRow r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("reason", r.describe());
    o.put("file", r.file());
    o.put("line", r.line());
    if (r.field() == null) {
      o.putNull("field");
    } else {
      o.put("field", r.field());
    }
    if (r.content() == null) {
      o.putNull("content");
    } else {
      o.put("content", r.content());
    }
    if (r.bytes() != null) {
      o.put("content_base64", Base64.getEncoder().encodeToString(r.bytes()));
    }
    if (r.rows() != 1) {
      o.put("rows", r.rows());
    }
    return o.toString();
  }

  /**
   * {@code unscored} lines and the lines of the {@code rejected} rows together, in one collection: what
   * {@link EvaluationResult#withRejected} and {@link PredictionResult#withRejected} write.
   */
  static PCollection<String> withRejected(PCollection<String> unscored, PCollection<RejectedRow> rejected) {
    PCollection<String> lines = rejected
        .apply("RejectedAsUnscored", MapElements.into(TypeDescriptors.strings()).via(UnscoredRows::rejected))
        .setCoder(StringUtf8Coder.of());
    return PCollectionList.of(unscored).and(lines).apply("AllUnscored", Flatten.pCollections()).setCoder(StringUtf8Coder.of());
  }

  /**
   * Writes an empty dead-letter file into {@code dir} when the sink wrote none (it writes none for no
   * row): an empty file says "none" more clearly than a missing folder, as ingestion's does.
   */
  static void writeEmptyIfNone(String dir) {
    boolean none = !Storage.exists(dir) || Storage.list(dir).stream().allMatch(f -> Storage.fileName(f).startsWith("."));
    if (none) {
      Storage.write(Storage.resolve(dir, EMPTY_FILE), new byte[0]);
    }
  }

  /** Whether a parsed dead-letter line is a row the reader rejected (it names its file). */
  public static boolean isRejected(JsonNode line) {
    return line.has("file");
  }

  /** The rows the dead-letter files in {@code dir} hold (none when it does not exist); hidden files are skipped. */
  public static Counts count(String dir) {
    long unscored = 0;
    long rejected = 0;
    List<String> files = Storage.exists(dir) ? Storage.list(dir) : List.of();
    for (String f : files) {
      if (Storage.fileName(f).startsWith(".")) {
        continue;
      }
      for (String line : Storage.readString(f).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = parse(line, f);
        if (isRejected(n)) {
          rejected += n.path("rows").asLong(1);
        } else {
          unscored++;
        }
      }
    }
    return new Counts(unscored, rejected);
  }

  private static JsonNode parse(String line, String file) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": not a dead-letter line: " + e.getMessage(), e);
    }
  }
}
