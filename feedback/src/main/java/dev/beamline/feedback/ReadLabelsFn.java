package dev.beamline.feedback;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.Storage;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.RejectedRow;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Reads one label file per element (its path) with ingestion's reader of its format: each row becomes a
 * {@link FeedbackJoin.Label} keyed by its key's text, with its file and line, timed by its time column
 * or else by its file's modification time. A row that does not parse (ingestion's rules), or whose key,
 * label or time is empty, goes to {@link #REJECTED} with its file, line and field; each file's
 * fingerprint to {@link #FILES}.
 */
final class ReadLabelsFn extends DoFn<String, KV<String, FeedbackJoin.Label>> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<KV<String, FeedbackJoin.Label>> LABELS = new TupleTag<>("labels") {};
  static final TupleTag<RejectedRow> REJECTED = new TupleTag<>("rejected") {};
  static final TupleTag<FileRead> FILES = new TupleTag<>("files") {};

  private final FormatReader reader;
  private final ExampleSchema schema;
  private final String schemaJson;
  private final LabelSource source;
  private final TreeMap<String, Long> fileTimes;
  private transient Schema avro;

  ReadLabelsFn(FormatReader reader, ExampleSchema schema, LabelSource source, Map<String, Long> fileTimes) {
    this.reader = reader;
    this.schema = schema;
    this.schemaJson = schema.toAvro().toString();
    this.source = source;
    this.fileTimes = new TreeMap<>(fileTimes);
  }

  @Setup
  public void setup() {
    avro = new Schema.Parser().parse(schemaJson);
  }

  @ProcessElement
  public void process(@Element String path, MultiOutputReceiver out) throws IOException {
    int key = schema.indexOf(source.key());
    int label = schema.indexOf(source.label());
    int time = source.time() == null ? -1 : schema.indexOf(source.time());
    long fileTime = fileTimes.getOrDefault(path, 0L);
    long[] counts = new long[2];
    reader.read(path, schema, avro, new FormatReader.Sink() {
      @Override
      public void accept(GenericRecord example) {
        throw new IllegalStateException("ingestion's readers say where each row starts");
      }

      @Override
      public void accept(GenericRecord example, long line) {
        String k = TrafficSchema.keyText(example.get(key));
        Object value = example.get(label);
        Object t = time < 0 ? fileTime : example.get(time);
        String missing = k == null ? source.key() : value == null ? source.label() : t == null ? source.time() : null;
        if (missing != null) {
          reject(new RejectedRow(path, line, missing, "'" + missing + "' is empty: a label needs its key, its value and its time",
              String.valueOf(example)));
          return;
        }
        counts[0]++;
        out.get(LABELS).output(KV.of(k, new FeedbackJoin.Label(value instanceof CharSequence cs ? cs.toString() : value,
            ((Number) t).longValue(), path, line)));
      }

      @Override
      public void reject(RejectedRow row) {
        counts[1] += row.rows();
        out.get(REJECTED).output(row);
      }
    });
    long[] size = new long[1];
    String sha256 = Storage.sha256(path, size);
    out.get(FILES).output(new FileRead(FileRead.LABELS, path, sha256, size[0], counts[0], counts[1]));
  }
}
