package dev.beamline.ingest;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads one whole input file per element (its path): every row becomes an example, assigned to its
 * split and emitted in batches of that split, or a rejected row; the file's fingerprint (SHA-256, size,
 * row counts per split) is emitted once the file is read.
 */
final class ReadExamplesFn extends DoFn<String, ExampleBatch> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<RejectedRow> REJECTED = new TupleTag<>("rejected") {};
  static final TupleTag<FileFingerprint> FINGERPRINTS = new TupleTag<>("fingerprints") {};

  private final FormatReader reader;
  private final ExampleSchema schema;
  private final String avroSchemaJson;
  private final SplitFn splitFn;
  private final List<TupleTag<ExampleBatch>> splitTags;
  private final int batchSize;
  private final Counter rowsCounter = Metrics.counter("beamline.ingest", "rows");
  private final Counter rejectedCounter = Metrics.counter("beamline.ingest", "rejected");
  private transient Schema avroSchema;

  ReadExamplesFn(FormatReader reader, ExampleSchema schema, SplitFn splitFn, List<String> splitNames, int batchSize) {
    this.reader = reader;
    this.schema = schema;
    this.avroSchemaJson = schema.toAvro().toString();
    this.splitFn = splitFn;
    this.splitTags = new ArrayList<>();
    for (String name : splitNames) {
      splitTags.add(new TupleTag<ExampleBatch>("split:" + name) {});
    }
    this.batchSize = batchSize;
  }

  /** The output of split {@code i}; the first is the main output. */
  TupleTag<ExampleBatch> splitTag(int i) {
    return splitTags.get(i);
  }

  /** Every output but the first split's. */
  TupleTagList additionalTags() {
    TupleTagList tags = TupleTagList.empty();
    for (TupleTag<ExampleBatch> t : splitTags.subList(1, splitTags.size())) {
      tags = tags.and(t);
    }
    return tags.and(REJECTED).and(FINGERPRINTS);
  }

  @Setup
  public void setup() {
    avroSchema = new Schema.Parser().parse(avroSchemaJson);
  }

  @ProcessElement
  public void process(@Element String path, MultiOutputReceiver out) throws IOException {
    int splits = splitTags.size();
    long[] splitRows = new long[splits];
    List<List<GenericRecord>> buffers = new ArrayList<>();
    for (int i = 0; i < splits; i++) {
      buffers.add(new ArrayList<>(batchSize));
    }
    long[] rejected = new long[1];
    ContentHash hash = new ContentHash();
    ContentHash.during(hash, () -> reader.read(
        path,
        schema,
        avroSchema,
        new FormatReader.Sink() {
          @Override
          public void accept(GenericRecord example) {
            // With one split there is nothing to decide: skip hashing every value of every row.
            int split = splits == 1 ? 0 : splitFn.partitionFor(example, splits);
            splitRows[split]++;
            List<GenericRecord> buffer = buffers.get(split);
            buffer.add(example);
            if (buffer.size() >= batchSize) {
              out.get(splitTags.get(split)).output(ExampleBatch.of(buffer));
              buffers.set(split, new ArrayList<>(batchSize));
            }
          }

          @Override
          public void reject(RejectedRow row) {
            // A rejection may stand for several rows (lines lost to a broken record, an unreadable row
            // group): each counts against the threshold.
            rejected[0] += row.rows();
            out.get(REJECTED).output(row);
          }
        }));
    long rows = 0;
    List<Long> perSplit = new ArrayList<>();
    for (int i = 0; i < splits; i++) {
      if (!buffers.get(i).isEmpty()) {
        out.get(splitTags.get(i)).output(ExampleBatch.of(buffers.get(i)));
      }
      rows += splitRows[i];
      perSplit.add(splitRows[i]);
    }
    rowsCounter.inc(rows);
    rejectedCounter.inc(rejected[0]);
    // The content fingerprint, taken while parsing when the reader read the file once, in sequence
    // (CSV, JSON lines, Avro); by a second read otherwise (Parquet seeks).
    long[] size = {org.apache.beam.sdk.io.FileSystems.matchSingleFileSpec(path).sizeBytes()};
    String sha256 = hash.of(size[0]).orElse(null);
    if (sha256 == null) {
      sha256 = dev.beamline.core.Storage.sha256(path, size);
    }
    out.get(FINGERPRINTS).output(new FileFingerprint(path, sha256, size[0], rows, rejected[0], perSplit));
  }


}
