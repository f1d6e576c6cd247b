package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * The joined traffic's labelled rows as a new span of the training data, in ingestion's span/version
 * layout: the span after the newest that the export pattern matches ({@code data/span-{SPAN}/*.csv}
 * gives {@code data/span-3/feedback-<execution>.csv} after span 2; a {@code {VERSION}} is 1), in the
 * columns of the training data with the label under its training name, as CSV or JSON lines (the
 * pattern's format). The span's folder is written hidden and published with one rename, so ingestion
 * never reads half of it; a file of the same execution already there (a retried step) is taken as it is.
 *
 * <pre>{@code
 * TrafficExport export = new TrafficExport("data/span-{SPAN}/*.csv", InputFormat.CSV, columns, "weather", Set.of("date"));
 * TrafficExport.Written w = export.write(trafficShards, cutoff, "12");
 * }</pre>
 *
 * @param pattern the export pattern (holds {@code {SPAN}}; {@code *} in its file name becomes {@code feedback-<execution>})
 * @param format CSV or JSONL
 * @param columns the span's columns, in order
 * @param labelColumn the column that takes {@link TrafficSchema#FEEDBACK_LABEL}
 * @param timestamps the columns the training data reads as timestamps: written as ISO-8601 instants, not the microseconds the log holds
 */
public record TrafficExport(String pattern, InputFormat format, List<String> columns, String labelColumn, java.util.Set<String> timestamps)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public TrafficExport {
    checkArgument(pattern.contains("{SPAN}"), "the export pattern must hold {SPAN}, got '%s'", pattern);
    checkArgument(format == InputFormat.CSV || format == InputFormat.JSONL, "the feedback export writes csv or jsonl, not %s", format);
    columns = List.copyOf(columns);
    timestamps = java.util.Set.copyOf(timestamps);
    checkArgument(columns.contains(labelColumn), "the columns %s lack the label column '%s'", columns, labelColumn);
  }

  /**
   * Checks {@code pattern} for an export before anything runs.
   *
   * @throws ConfigException naming what is wrong
   */
  public static void check(String pattern) {
    String name = Storage.fileName(pattern);
    if (!pattern.contains("{SPAN}")) {
      throw new ConfigException("feedback.retrain.export: '" + pattern + "' has no {SPAN}: the joined traffic is written as a new span of the"
          + " training data, so ingest.input (or retrain.export) must read spans, e.g. data/span-{SPAN}/*.csv");
    }
    if (name.indexOf('?') >= 0 || name.indexOf('[') >= 0 || name.chars().filter(ch -> ch == '*').count() > 1
        || Storage.parent(pattern).contains("*")) {
      throw new ConfigException("feedback.retrain.export: '" + pattern + "': only one '*', in the file name, can be filled in (with feedback-<execution>)");
    }
  }

  /** What was written. */
  public record Written(String path, long rows, Instant newestRequest, long span) implements Serializable {}

  /** The span after the newest the pattern matches now (1 when none). */
  public long nextSpan() {
    try {
      return InputFiles.resolve(pattern, InputFiles.SpanSelection.latest()).spans().lastKey() + 1;
    } catch (ConfigException e) {
      return 1;
    }
  }

  /** The file this export writes for {@code span}, named after {@code execution}. */
  public String fileFor(long span, String execution) {
    return pattern.replace("{SPAN}", Long.toString(span)).replace("{VERSION}", "1").replace("*", "feedback-" + execution);
  }

  /** A file of {@code execution} already published by an earlier attempt; null when none. */
  public String existing(String execution) {
    try {
      InputFiles all = InputFiles.resolve(pattern, InputFiles.SpanSelection.from(0));
      String name = Storage.fileName(fileFor(0, execution));
      return all.files().stream().map(InputFiles.InputFile::path).filter(p -> Storage.fileName(p).equals(name)).findFirst().orElse(null);
    } catch (ConfigException e) {
      return null;
    }
  }

  /**
   * Writes the labelled rows of {@code shards} (joined traffic) whose request came after {@code cutoff}
   * (all when null) as the next span, named after {@code execution}. Writes nothing for no such row.
   */
  public Written write(List<String> shards, Instant cutoff, String execution) {
    StringBuilder text = new StringBuilder();
    if (format == InputFormat.CSV) {
      text.append(String.join(",", columns.stream().map(TrafficExport::csv).toList())).append('\n');
    }
    // The rows in the order of their requests (then by request id and instance), whatever the order of
    // the shards: the same traffic makes the same span, byte for byte, and so the same training data.
    List<Object[]> lines = new ArrayList<>();
    forEachLabelled(shards, cutoff, (r, time) -> {
      String line;
      if (format == InputFormat.CSV) {
        List<String> cells = new ArrayList<>();
        for (String c : columns) {
          Object v = value(r, c);
          cells.add(v == null ? "" : csv(v.toString()));
        }
        line = String.join(",", cells);
      } else {
        ObjectNode o = JSON.createObjectNode();
        for (String c : columns) {
          o.set(c, JSON.valueToTree(plain(value(r, c))));
        }
        line = o.toString();
      }
      Object id = plain(r.get(TrafficSchema.REQUEST_ID));
      Object instance = r.getSchema().getField(TrafficSchema.INSTANCE) == null ? null : r.get(TrafficSchema.INSTANCE);
      lines.add(new Object[] {time, id == null ? "" : id.toString(), instance instanceof Number n ? n.longValue() : 0L, line});
    });
    lines.sort(java.util.Comparator.<Object[], Instant>comparing(l -> (Instant) l[0]).thenComparing(l -> (String) l[1])
        .thenComparingLong(l -> (Long) l[2]));
    long[] rows = {lines.size()};
    Instant[] newest = {lines.isEmpty() ? null : (Instant) lines.get(lines.size() - 1)[0]};
    for (Object[] l : lines) {
      text.append((String) l[3]).append('\n');
    }
    if (rows[0] == 0) {
      return new Written(null, 0, null, 0);
    }
    long span = nextSpan();
    // A span folder that holds no matching file (emptied by hand, other files only) is not taken over.
    while (Storage.exists(target(fileFor(span, execution)))) {
      span++;
    }
    String file = fileFor(span, execution);
    publish(file, text.toString().getBytes(StandardCharsets.UTF_8));
    return new Written(file, rows[0], newest[0], span);
  }

  /** The labelled rows after a cutoff: how many, and the newest request's time (null for none). */
  public record Labelled(long rows, Instant newest) implements Serializable {}

  /** Counts the labelled rows of {@code shards} whose request came after {@code cutoff}. */
  public static Labelled labelled(List<String> shards, Instant cutoff) {
    long[] n = {0};
    Instant[] newest = {null};
    forEachLabelled(shards, cutoff, (r, t) -> {
      n[0]++;
      newest[0] = newest[0] == null || t.isAfter(newest[0]) ? t : newest[0];
    });
    return new Labelled(n[0], newest[0]);
  }

  private interface RowSink {
    void accept(GenericRecord row, Instant time);
  }

  private static void forEachLabelled(List<String> shards, Instant cutoff, RowSink sink) {
    for (String shard : shards) {
      try (ExampleRecordReader reader = ExampleRecordReader.open(shard)) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          Object label = r.get(TrafficSchema.FEEDBACK_LABEL);
          Object micros = r.get(TrafficSchema.TIME);
          Instant time = micros instanceof Long m ? TrafficSchema.instant(m) : micros instanceof Instant i ? i : null;
          if (label == null || time == null) {
            continue;
          }
          if (cutoff == null || time.isAfter(cutoff)) {
            sink.accept(r, time);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the joined traffic " + shard + ": " + e.getMessage(), e);
      }
    }
  }

  private Object value(GenericRecord r, String column) {
    String source = column.equals(labelColumn) ? TrafficSchema.FEEDBACK_LABEL : column;
    Object v = r.getSchema().getField(source) == null ? null : plain(r.get(source));
    if (v instanceof Long micros && timestamps.contains(column)) {
      return TrafficSchema.timestampText(micros);
    }
    return v;
  }

  private static Object plain(Object v) {
    return v instanceof Utf8 || v instanceof CharSequence ? v.toString() : v;
  }

  /** A CSV field: quoted when it holds a comma, a quote or a line break, quotes doubled. */
  static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /**
   * Writes {@code file}: its span's folder (the outermost folder whose name holds the span) is written
   * hidden beside where it goes, then renamed; a span in the file name is a hidden file renamed.
   */
  private void publish(String file, byte[] content) {
    String spanFolder = spanFolder(file);
    if (spanFolder == null) {
      Storage.write(file, content);
      return;
    }
    String staging = Storage.resolve(Storage.parent(spanFolder), "." + Storage.fileName(spanFolder) + ".staging-" + Long.toHexString(System.nanoTime()));
    try {
      Storage.write(Storage.resolve(staging, Storage.relativize(spanFolder, file)), content);
      Storage.publish(staging, spanFolder);
    } finally {
      if (Storage.exists(staging)) {
        Storage.deleteRecursively(staging);
      }
    }
  }

  /** What publishing {@code file} creates: its span's folder, or the file itself when only its name holds the span. */
  private String target(String file) {
    String folder = spanFolder(file);
    return folder != null ? folder : file;
  }

  /** The folder of {@code file} that corresponds to the pattern's first folder holding {@code {SPAN}}; null when only the file name does. */
  private String spanFolder(String file) {
    List<String> patternParts = List.of(pattern.split("/", -1));
    List<String> fileParts = List.of(file.split("/", -1));
    for (int i = 0; i < patternParts.size() - 1; i++) {
      if (patternParts.get(i).contains("{SPAN}")) {
        return String.join("/", fileParts.subList(0, i + 1));
      }
    }
    return null;
  }
}
