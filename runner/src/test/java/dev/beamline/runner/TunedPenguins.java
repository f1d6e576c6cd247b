package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.metadata.Execution;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The bundled penguins example trimmed for quick tuning tests: the final model trains a few epochs,
 * the pipeline ends with train (no evaluate, no push), and a {@code tune:} section may be added. It
 * reads the repository's data file, and writes only under the test's folder.
 *
 * <pre>{@code
 * Path yaml = TunedPenguins.pipeline(tmp, 3, "tune:\n  algorithm: random\n  ...");
 * }</pre>
 */
final class TunedPenguins {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();

  private TunedPenguins() {}

  /** {@code dir}/pipeline.yaml: the example training {@code epochs} epochs, ending with train, then {@code tune} (may be empty). */
  static Path pipeline(Path dir, int epochs, String tune) throws IOException {
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml"))
        .replace("input: data/penguins.csv", "input: " + EXAMPLE.resolve("data/penguins.csv"))
        .replace("  epochs: 60\n", "  epochs: " + epochs + "\n");
    yaml = yaml.substring(0, yaml.indexOf("\ntune:")) + "\n" + tune;
    assertThat(yaml).contains("  epochs: " + epochs + "\n");
    Files.createDirectories(dir);
    Path file = dir.resolve("pipeline.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  static MetadataStore store(Path root) {
    return MetadataStore.open(MetadataStore.sqliteUrl(root.resolve("metadata.sqlite")));
  }

  /** The executions of run {@code runId} of {@code pipeline}, by stage order (steps not included). */
  static List<Execution> executions(MetadataStore s, String pipeline, String runId) {
    return s.runs(pipeline, 1000).stream().filter(r -> r.runId().equals(runId)).flatMap(r -> r.executions().stream())
        .sorted(Comparator.comparingLong(Execution::id)).toList();
  }

  /** The execution of {@code stage} in run {@code runId}. */
  static Execution execution(MetadataStore s, String pipeline, String runId, String stage) {
    return executions(s, pipeline, runId).stream().filter(e -> e.stage().equals(stage)).findFirst().orElseThrow();
  }

  /** Every file and folder under {@code root} whose name starts with {@code .staging-}. */
  static List<Path> stagingFolders(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(p -> p.getFileName().toString().startsWith(".staging-")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The names of the entries of {@code dir}, sorted; none when it does not exist. */
  static List<String> entries(Path dir) throws IOException {
    return Files.isDirectory(dir) ? TrainedPenguins.entries(dir) : List.of();
  }
}
