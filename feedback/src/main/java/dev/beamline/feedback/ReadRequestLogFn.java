package dev.beamline.feedback;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.Storage;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.InputFormat;
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
 * Reads one segment of the request log per element (its path) with ingestion's Parquet reader, each row
 * converted to the columns of every segment together ({@link TrafficSchema#union}) and keyed by its
 * join key's text ({@link TrafficSchema#keyText}). A row whose key is empty gets a key of its own that
 * no label has, so that it is kept and counted without meeting a label. Rows that cannot be read (a
 * row group that does not decode) go to {@link #REJECTED}; each file's fingerprint to {@link #FILES}.
 */
final class ReadRequestLogFn extends DoFn<String, KV<String, GenericRecord>> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<KV<String, GenericRecord>> ROWS = new TupleTag<>("rows") {};
  static final TupleTag<RejectedRow> REJECTED = new TupleTag<>("rejected") {};
  static final TupleTag<FileRead> FILES = new TupleTag<>("files") {};
  /** The start of the key of a row whose key column is empty: no text a label's key is read as starts so. */
  static final String NO_KEY = "\u0000no-key:";

  private final TreeMap<String, ExampleSchema> segmentSchemas;
  private final ExampleSchema requests;
  private final String requestsAvroJson;
  private final String keyColumn;
  private final FormatReader reader = FormatReader.of(InputFormat.PARQUET, CsvFormat.defaults());
  private transient Schema requestsAvro;
  private transient Map<String, Schema> fileAvro;

  ReadRequestLogFn(Map<String, ExampleSchema> segmentSchemas, ExampleSchema requests, String keyColumn) {
    this.segmentSchemas = new TreeMap<>(segmentSchemas);
    this.requests = requests;
    this.requestsAvroJson = requests.toAvro().toString();
    this.keyColumn = keyColumn;
  }

  @Setup
  public void setup() {
    requestsAvro = new Schema.Parser().parse(requestsAvroJson);
    fileAvro = new java.util.HashMap<>();
  }

  @ProcessElement
  public void process(@Element String path, MultiOutputReceiver out) throws IOException {
    ExampleSchema schema = segmentSchemas.get(path);
    if (schema == null) {
      throw new IllegalStateException(path + " was not listed when the join was planned");
    }
    Schema avro = fileAvro.computeIfAbsent(path, p -> schema.toAvro());
    int key = requests.indexOf(keyColumn);
    long[] counts = new long[2];
    reader.read(path, schema, avro, new FormatReader.Sink() {
      @Override
      public void accept(GenericRecord example) {
        GenericRecord row = TrafficSchema.convert(example, schema, requests, requestsAvro);
        String k = TrafficSchema.keyText(row.get(key));
        if (k == null) {
          k = NO_KEY + row.get(TrafficSchema.REQUEST_ID) + "#" + row.get(TrafficSchema.INSTANCE);
        }
        counts[0]++;
        out.get(ROWS).output(KV.of(k, row));
      }

      @Override
      public void reject(RejectedRow row) {
        counts[1] += row.rows();
        out.get(REJECTED).output(row);
      }
    });
    long[] size = new long[1];
    String sha256 = Storage.sha256(path, size);
    out.get(FILES).output(new FileRead(FileRead.REQUEST_LOG, path, sha256, size[0], counts[0], counts[1]));
  }
}
