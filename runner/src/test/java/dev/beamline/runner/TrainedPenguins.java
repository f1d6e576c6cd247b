package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/**
 * The bundled penguins example, copied into a test's folder (its push writes beside the pipeline root,
 * never into the repository) and run once: the trained model in {@code runs/penguins/train/7}, pushed
 * as {@code penguins:1}. With readers of what {@code beamline predict} and {@code evaluate} write.
 *
 * <pre>{@code
 * TrainedPenguins p = TrainedPenguins.train(tmp);
 * BeamlineCliIT.cli("predict", "--model", p.modelDir().toString(), "--data", p.csv().toString(), "--out", out);
 * }</pre>
 */
record TrainedPenguins(Path example, Path root) {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the example into {@code dir}/penguins and runs it with the pipeline root {@code dir}/runs. */
  static TrainedPenguins train(Path dir) throws IOException {
    Path example = copyExample(dir);
    Path root = dir.resolve("runs");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", example.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("pushed penguins version 1");
    return new TrainedPenguins(example, root);
  }

  /** Copies the bundled example into {@code dir}/penguins and returns that folder. */
  static Path copyExample(Path dir) throws IOException {
    Path example = dir.resolve("penguins");
    try (Stream<Path> files = Files.walk(EXAMPLE)) {
      for (Path f : files.toList()) {
        Path target = example.resolve(EXAMPLE.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    return example;
  }

  /** The train stage's SavedModel. */
  Path modelDir() {
    return root.resolve("penguins/train/7");
  }

  /** The example's data: 344 rows. */
  Path csv() {
    return example.resolve("data/penguins.csv");
  }

  /** Every row of the Parquet files in {@code dir}. */
  static List<GenericRecord> parquetRows(Path dir) throws IOException {
    List<GenericRecord> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        assertThat(f.getFileName().toString()).startsWith("part-").endsWith(".parquet");
        try (ExampleRecordReader r = ExampleRecordReader.open(f.toString())) {
          for (GenericRecord g = r.read(); g != null; g = r.read()) {
            rows.add(g);
          }
        }
      }
    }
    return rows;
  }

  /** Every line of the dead-letter files in {@code dir}, parsed. */
  static List<JsonNode> deadLetters(Path dir) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        assertThat(f.getFileName().toString()).startsWith("unscored").endsWith(".jsonl");
        for (String line : Files.readAllLines(f)) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }

  /** The names of the entries of {@code dir}, sorted. */
  static List<String> entries(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
