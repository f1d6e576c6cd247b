package dev.beamline.bench;

import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * Writes columns of one split of a published ingest output as CSV, so that a reference (scikit-learn)
 * can train and score on exactly Beamline's split. Values are written as Avro holds them (a timestamp as
 * its microseconds); a missing value is an empty field; a string never holds a comma in the data it is
 * used on, and one that does is refused rather than quoted.
 *
 * <pre>
 * java -cp ... dev.beamline.bench.SplitCsv &lt;ingest folder&gt; &lt;split&gt; &lt;out.csv&gt; col1,col2,...
 * </pre>
 */
public final class SplitCsv {
  private SplitCsv() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: SplitCsv <ingest folder> <split> <out.csv> <col1,col2,...>");
      System.exit(2);
    }
    IngestOutput ingest = IngestOutput.open(Paths.get(args[0]));
    List<String> columns = Arrays.asList(args[3].split(","));
    long rows = 0;
    try (BufferedWriter out = Files.newBufferedWriter(Paths.get(args[2]), StandardCharsets.UTF_8)) {
      out.write(String.join(",", columns));
      out.newLine();
      StringBuilder line = new StringBuilder();
      for (String shard : ingest.shards(args[1])) {
        try (ExampleRecordReader reader = ExampleRecordReader.open(shard)) {
          for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
            line.setLength(0);
            for (int i = 0; i < columns.size(); i++) {
              Object v = r.get(columns.get(i));
              String text = v == null ? "" : v.toString();
              if (text.indexOf(',') >= 0 || text.indexOf('\n') >= 0) {
                throw new IllegalStateException(shard + ": column " + columns.get(i) + " holds a comma or newline: " + text);
              }
              line.append(i == 0 ? "" : ",").append(text);
            }
            out.write(line.toString());
            out.newLine();
            rows++;
          }
        }
      }
    }
    System.err.println(args[1] + ": " + rows + " rows -> " + args[2]);
  }
}
