package dev.beamline.bench;

import dev.beamline.ingest.parquet.BeamInputFile;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * The baseline for Parquet ingestion: one thread reads every record of a Parquet file with parquet-avro
 * ({@link GenericRecord}, as Beamline's reader does) and touches every field, folding the fields' hash
 * codes into a checksum so that the JIT cannot skip the work.
 *
 * <p>Prints one line: {@code rows=<n> seconds=<s> checksum=<hex>}; seconds cover opening the file to
 * closing it, not the JVM start.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.PlainParquetRead flights-3m.parquet
 * }</pre>
 */
public final class PlainParquetRead {
  private PlainParquetRead() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: PlainParquetRead <file.parquet>");
      System.exit(2);
    }
    Path file = Paths.get(args[0]);
    long start = System.nanoTime();
    long rows = 0;
    long checksum = 0;
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new BeamInputFile(file.toString()))
            .withDataModel(GenericData.get())
            .withConf(new Configuration(false))
            .build()) {
      int fields = -1;
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        if (fields < 0) {
          fields = r.getSchema().getFields().size();
        }
        for (int i = 0; i < fields; i++) {
          Object v = r.get(i);
          checksum = 31 * checksum + (v == null ? 0 : v.hashCode());
        }
        rows++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("rows=%d seconds=%.3f checksum=%016x%n", rows, seconds, checksum);
  }
}
