package dev.beamline.bench;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.RejectedRow;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * Beamline's own format reader ({@link FormatReader}, what {@code IngestExamples} runs on a worker for
 * each file) on one thread, with no Beam pipeline around it: separates the cost of reading and typing
 * rows from the cost of the runner, the split and the Parquet output.
 *
 * <p>Prints one line: {@code rows=<n> rejected=<n> seconds=<s> infer_seconds=<s> checksum=<hex>}.
 * Seconds cover schema inference (when no schema is given) and reading; {@code infer_seconds} is the
 * inference part alone.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.BeamlineReaderOnly csv flights.csv date:int,origin:string
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.BeamlineReaderOnly parquet flights.parquet
 * }</pre>
 */
public final class BeamlineReaderOnly {
  private BeamlineReaderOnly() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: BeamlineReaderOnly <csv|parquet|avro|jsonl> <file> [<name>:<type>,...]");
      System.exit(2);
    }
    InputFormat format = InputFormat.parse(args[0]);
    String path = new File(args[1]).getAbsolutePath();
    FormatReader reader = FormatReader.of(format, CsvFormat.defaults().withNullValues(List.of("")));
    long start = System.nanoTime();
    ExampleSchema schema;
    if (args.length == 3) {
      List<FeatureSpec> features = new ArrayList<>();
      for (String f : args[2].split(",")) {
        String[] nameType = f.split(":");
        features.add(FeatureSpec.of(nameType[0], FeatureType.parse(nameType[1])));
      }
      schema = ExampleSchema.of(features);
    } else {
      schema = reader.inferSchema(List.of(new InputFiles.InputFile(path, new File(path).length())), 0);
    }
    double inferSeconds = (System.nanoTime() - start) / 1e9;
    long[] counts = new long[3];
    reader.read(
        path,
        schema,
        schema.toAvro(),
        new FormatReader.Sink() {
          @Override
          public void accept(GenericRecord example) {
            counts[0]++;
            int n = example.getSchema().getFields().size();
            for (int i = 0; i < n; i++) {
              Object v = example.get(i);
              counts[2] = 31 * counts[2] + (v == null ? 0 : v.hashCode());
            }
          }

          @Override
          public void reject(RejectedRow row) {
            counts[1]++;
          }
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "rows=%d rejected=%d seconds=%.3f infer_seconds=%.3f checksum=%016x schema=%s%n",
        counts[0], counts[1], seconds, inferSeconds, counts[2], schema.names());
  }
}
