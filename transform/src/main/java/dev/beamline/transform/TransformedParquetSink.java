package dev.beamline.transform;

import dev.beamline.core.ExampleBatch;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** Writes batches of transformed examples as Snappy-compressed Parquet, one row per example. */
final class TransformedParquetSink implements FileIO.Sink<ExampleBatch> {
  private static final long serialVersionUID = 1L;

  private final String schemaJson;
  private transient ParquetIO.Sink delegate;

  TransformedParquetSink(Schema schema) {
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
