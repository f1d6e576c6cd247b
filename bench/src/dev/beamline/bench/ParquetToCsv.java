package dev.beamline.bench;

import dev.beamline.ingest.parquet.BeamInputFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

/**
 * Writes a flat Parquet file as CSV (a header line, then one comma-separated line per record, missing
 * values as empty fields), so that the CSV benchmark reads the same data. Does nothing when the CSV
 * exists already; writes to a temporary file and renames it, so an interrupted run leaves no half file.
 *
 * <p>The benchmark data has no text with commas, quotes or line breaks; a value holding one is refused
 * rather than quoted, so that the plain CSV loop can split lines on commas.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.ParquetToCsv in.parquet out.csv
 * }</pre>
 */
public final class ParquetToCsv {
  private ParquetToCsv() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: ParquetToCsv <in.parquet> <out.csv>");
      System.exit(2);
    }
    Path in = Paths.get(args[0]);
    Path out = Paths.get(args[1]);
    if (Files.exists(out)) {
      System.out.println(out + " exists already");
      return;
    }
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    long rows = 0;
    try (ParquetReader<GenericRecord> reader =
            AvroParquetReader.<GenericRecord>builder(new BeamInputFile(in.toString()))
                .withDataModel(GenericData.get())
                .withConf(new Configuration(false))
                .build();
        BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      List<Schema.Field> fields = null;
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        if (fields == null) {
          fields = r.getSchema().getFields();
          for (int i = 0; i < fields.size(); i++) {
            w.write(i == 0 ? "" : ",");
            w.write(fields.get(i).name());
          }
          w.newLine();
        }
        for (int i = 0; i < fields.size(); i++) {
          if (i > 0) {
            w.write(',');
          }
          Object v = r.get(i);
          if (v != null) {
            String s = v.toString();
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
              throw new IllegalStateException(
                  in + " record " + (rows + 1) + ", field " + fields.get(i).name() + ": '" + s
                      + "' would need CSV quoting, which this converter does not do");
            }
            w.write(s);
          }
        }
        w.newLine();
        rows++;
      }
    }
    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("wrote %s: %d rows%n", out, rows);
  }
}
