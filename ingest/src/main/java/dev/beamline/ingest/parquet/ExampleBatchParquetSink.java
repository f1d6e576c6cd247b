package dev.beamline.ingest.parquet;

import dev.beamline.core.ExampleBatch;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Writes batches of examples as Snappy-compressed Parquet, one row per example, through Beam's Parquet
 * sink. Serves the ingested examples and the transformed ones alike.
 *
 * <pre>{@code
 * batches.apply(FileIO.<ExampleBatch>write().via(new ExampleBatchParquetSink(schema)).to(dir));
 * }</pre>
 */
public final class ExampleBatchParquetSink implements FileIO.Sink<ExampleBatch> {
  private static final long serialVersionUID = 1L;

  private final String schemaJson;
  private transient ParquetIO.Sink delegate;

  public ExampleBatchParquetSink(Schema schema) {
    this.schemaJson = schema.toString();
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    delegate =
        ParquetIO.sink(new Schema.Parser().parse(schemaJson)).withCompressionCodec(CompressionCodecName.SNAPPY);
    delegate.open(channel);
  }

  @Override
  public void write(ExampleBatch batch) throws IOException {
    for (GenericRecord r : batch) {
      delegate.write(r);
    }
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }
}
