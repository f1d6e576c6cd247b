package dev.beamline.serving.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.ingest.ResolvedInput;
import dev.beamline.serving.server.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/** Requests of a 3-class penguins model, and the log read back as ingestion reads it. */
final class LogFixtures {
  private LogFixtures() {}

  static final String[] CLASSES = {"Adelie", "Chinstrap", "Gentoo"};
  static final Instant TIME = Instant.parse("2026-11-30T10:15:02.123456Z");

  /**
   * A predict request of {@code penguins} version 3 with {@code n} instances: island and bill length in,
   * the classes, class ids and probabilities out; values depend on {@code seed} and the instance.
   */
  static LoggedRequest penguins(String id, int n, int seed) {
    String[] island = new String[n];
    double[] bill = new double[n];
    String[] classes = new String[3 * n];
    long[] classIds = new long[n];
    float[] probabilities = new float[3 * n];
    for (int i = 0; i < n; i++) {
      island[i] = i % 2 == 0 ? "Biscoe" : "Dream";
      bill[i] = 30 + seed + i / 10.0;
      System.arraycopy(CLASSES, 0, classes, 3 * i, 3);
      classIds[i] = (seed + i) % 3;
      probabilities[3 * i] = 0.5f;
      probabilities[3 * i + 1] = 0.25f;
      probabilities[3 * i + 2] = 0.25f;
    }
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("island", TensorData.strings(island, n));
    inputs.put("bill_length_mm", TensorData.doubles(bill, n));
    Map<String, TensorData> outputs = new LinkedHashMap<>();
    outputs.put("classes", TensorData.strings(classes, n, 3));
    outputs.put("class_ids", TensorData.longs(classIds, n, 1));
    outputs.put("probabilities", TensorData.floats(probabilities, n, 3));
    return new LoggedRequest(id, TIME, "penguins", 3, null, "predict", "serving_default", inputs, outputs);
  }

  /** The examples that Beamline's ingestion reads from the files {@code glob} matches, in file order. */
  static List<GenericRecord> ingest(String glob) {
    ResolvedInput in = ResolvedInput.of(IngestExamples.Config.of(glob));
    List<GenericRecord> out = new ArrayList<>();
    for (InputFiles.InputFile f : in.files().files()) {
      try {
        in.reader().read(f.path(), in.schema(), in.schema().toAvro(), new FormatReader.Sink() {
          @Override
          public void accept(GenericRecord example) {
            out.add(example);
          }

          @Override
          public void reject(RejectedRow row) {
            throw new AssertionError("ingestion rejected a row of the request log: " + row);
          }
        });
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The glob of version 3's segments. */
  static String glob(Path dir) {
    return dir.resolve("penguins/3/*.parquet").toString();
  }

  /** The files under {@code dir}, published or not, with their paths relative to it. */
  static List<String> files(Path dir) {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The published segments under {@code dir}. */
  static List<String> published(Path dir) {
    return files(dir).stream().filter(f -> f.endsWith(".parquet") && !Path.of(f).getFileName().toString().startsWith(".")).toList();
  }

  /** Waits until {@code condition} holds, failing after {@code limit}. */
  static void await(BooleanSupplier condition, Duration limit, String what) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + limit + ": " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The request ids of {@code rows} with their instances, as "id#instance". */
  static List<String> instances(List<GenericRecord> rows) {
    return rows.stream().map(r -> r.get("request_id") + "#" + r.get("instance")).toList();
  }

  static void assertWholeRequests(List<GenericRecord> rows, int instancesPerRequest) {
    Map<String, List<Long>> byId = new LinkedHashMap<>();
    for (GenericRecord r : rows) {
      byId.computeIfAbsent(r.get("request_id").toString(), k -> new ArrayList<>()).add((Long) r.get("instance"));
    }
    for (Map.Entry<String, List<Long>> e : byId.entrySet()) {
      assertThat(e.getValue()).as("instances of %s", e.getKey())
          .containsExactlyElementsOf(Stream.iterate(0L, i -> i + 1).limit(instancesPerRequest).toList());
    }
  }
}
