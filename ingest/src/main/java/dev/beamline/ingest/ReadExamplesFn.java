package dev.beamline.ingest;

import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Reads one whole input file per element (its path): every row becomes an example or a rejected row,
 * and the file's fingerprint (SHA-256, size, row counts) is emitted once the file is read.
 */
final class ReadExamplesFn extends DoFn<String, GenericRecord> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<GenericRecord> EXAMPLES = new TupleTag<>() {};
  static final TupleTag<RejectedRow> REJECTED = new TupleTag<>() {};
  static final TupleTag<FileFingerprint> FINGERPRINTS = new TupleTag<>() {};

  private final FormatReader reader;
  private final ExampleSchema schema;
  private final String avroSchemaJson;
  private final Counter rowsCounter = Metrics.counter("beamline.ingest", "rows");
  private final Counter rejectedCounter = Metrics.counter("beamline.ingest", "rejected");
  private transient Schema avroSchema;

  ReadExamplesFn(FormatReader reader, ExampleSchema schema) {
    this.reader = reader;
    this.schema = schema;
    this.avroSchemaJson = schema.toAvro().toString();
  }

  @Setup
  public void setup() {
    avroSchema = new Schema.Parser().parse(avroSchemaJson);
  }

  @ProcessElement
  public void process(@Element String path, MultiOutputReceiver out) throws IOException {
    long[] counts = new long[2];
    reader.read(
        path,
        schema,
        avroSchema,
        new FormatReader.Sink() {
          @Override
          public void accept(GenericRecord example) {
            counts[0]++;
            out.get(EXAMPLES).output(example);
          }

          @Override
          public void reject(RejectedRow row) {
            counts[1]++;
            out.get(REJECTED).output(row);
          }
        });
    rowsCounter.inc(counts[0]);
    rejectedCounter.inc(counts[1]);
    long[] size = new long[1];
    String sha256 = sha256(path, size);
    out.get(FINGERPRINTS).output(new FileFingerprint(path, sha256, size[0], counts[0], counts[1]));
  }

  /** The SHA-256 of the file's bytes in hex; its size goes into {@code size[0]}. */
  static String sha256(String path, long[] size) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    try (InputStream in = new DigestInputStream(FormatReader.open(path), digest)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        total += n;
      }
    }
    size[0] = total;
    return com.google.common.io.BaseEncoding.base16().lowerCase().encode(digest.digest());
  }
}
