package dev.beamline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Splits a Parquet file into {@code n} Parquet files of consecutive rows (the same schema, Snappy), so
 * that a runner can read them in parallel. Does nothing when the folder holds the files already; each
 * file is written under a temporary name and renamed.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.SplitParquet in.parquet out-dir 8
 * }</pre>
 */
public final class SplitParquet {
  private SplitParquet() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println("usage: SplitParquet <in.parquet> <out-dir> <n>");
      System.exit(2);
    }
    Path in = Paths.get(args[0]).toAbsolutePath();
    Path dir = Paths.get(args[1]).toAbsolutePath();
    int n = Integer.parseInt(args[2]);
    if (Files.exists(dir.resolve(String.format("part-%02d-of-%02d.parquet", n - 1, n)))) {
      System.out.println(dir + " holds the " + n + " files already");
      return;
    }
    Files.createDirectories(dir);
    Configuration conf = new Configuration(false);
    long total;
    try (ParquetReader<GenericRecord> counter =
        AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(in.toUri()), conf)).withConf(conf).build()) {
      total = 0;
      // The footer's count would do; reading the rows once also checks the file.
      while (counter.read() != null) {
        total++;
      }
    }
    long perFile = (total + n - 1) / n;
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(in.toUri()), conf))
            .withDataModel(GenericData.get()).withConf(conf).build()) {
      GenericRecord r = reader.read();
      for (int part = 0; part < n && r != null; part++) {
        Path target = dir.resolve(String.format("part-%02d-of-%02d.parquet", part, n));
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (ParquetWriter<GenericRecord> w =
            AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(tmp.toUri()), conf))
                .withSchema(r.getSchema()).withConf(conf).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
          for (long i = 0; i < perFile && r != null; i++) {
            w.write(r);
            r = reader.read();
          }
        }
        Files.move(tmp, target);
      }
    }
    System.out.println("wrote " + n + " files of at most " + perFile + " rows to " + dir);
  }
}
