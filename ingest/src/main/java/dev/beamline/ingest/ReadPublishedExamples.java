package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads one split of published ingestion outputs back as example batches. Its input is the folders
 * themselves (e.g. the {@code published()} signal of an {@link IngestExamples} in the same graph), so
 * the shards are listed only once they exist; each shard is read by one worker.
 *
 * <pre>{@code
 * PCollection<ExampleBatch> train = dirs.apply(ReadPublishedExamples.split("train", avroSchema));
 * }</pre>
 */
public final class ReadPublishedExamples extends PTransform<PCollection<String>, PCollection<ExampleBatch>> {
  private static final long serialVersionUID = 1L;

  private final String split;
  private final String schemaJson;

  private ReadPublishedExamples(String split, String schemaJson) {
    this.split = split;
    this.schemaJson = schemaJson;
  }

  /** Reads split {@code split}, whose examples have the Avro schema {@code avroSchema}. */
  public static ReadPublishedExamples split(String split, Schema avroSchema) {
    return new ReadPublishedExamples(checkNotNull(split, "split"), avroSchema.toString());
  }

  @Override
  public PCollection<ExampleBatch> expand(PCollection<String> dirs) {
    String name = split;
    return dirs.apply("ListShards", ParDo.of(new DoFn<String, String>() {
              @ProcessElement
              public void process(@Element String dir, OutputReceiver<String> out) {
                IngestOutput.shardsOf(dir, name).forEach(out::output);
              }
            }))
        .setCoder(StringUtf8Coder.of())
        .apply("SpreadShards", Reshuffle.viaRandomKey())
        .apply("ReadShards", ParDo.of(new ReadShardFn()))
        .setCoder(ExampleBatch.coder(new Schema.Parser().parse(schemaJson)));
  }

  /** Reads a Parquet shard into batches of {@link IngestExamples#BATCH_SIZE}. */
  private static final class ReadShardFn extends DoFn<String, ExampleBatch> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element String shard, OutputReceiver<ExampleBatch> out) throws IOException {
      List<GenericRecord> batch = new ArrayList<>(IngestExamples.BATCH_SIZE);
      try (ExampleRecordReader reader = ExampleRecordReader.open(shard)) {
        for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
          batch.add(r);
          if (batch.size() == IngestExamples.BATCH_SIZE) {
            out.output(ExampleBatch.of(batch));
            batch = new ArrayList<>(IngestExamples.BATCH_SIZE);
          }
        }
      }
      if (!batch.isEmpty()) {
        out.output(ExampleBatch.of(batch));
      }
    }
  }
}
