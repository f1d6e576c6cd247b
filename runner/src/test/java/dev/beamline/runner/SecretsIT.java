package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret is written into an artifact, a log, the metadata store or a model: a password planted in the
 * metadata URL of the pipeline file and a token planted in a pass-through option appear nowhere under
 * the pipeline root after the penguins pipeline ran through training.
 */
class SecretsIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final String PASSWORD = "PLANTED-PASSWORD-7f3a";
  private static final String TOKEN = "PLANTED-TOKEN-91c2";

  @TempDir Path tmp;

  @Test
  void plantedCredentialsAppearInNoFileUnderThePipelineRoot() throws IOException {
    Path root = tmp.resolve("runs");
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml"))
        .replace("input: data/penguins.csv", "input: " + EXAMPLE.resolve("data/penguins.csv"))
        .replace("  name: penguins\n", "  name: penguins\n  metadata: jdbc:sqlite:" + root.resolve("metadata.sqlite") + "?password=" + PASSWORD + "\n");
    assertThat(yaml).contains(PASSWORD);
    Path file = tmp.resolve("pipeline.yaml");
    Files.writeString(file, yaml);

    BeamlineCliIT.Result r = BeamlineCliIT.cli(
        "run", file.toString(), "--pipeline-root", root.toString(), "--run-id", "s1",
        "--hdfsConfiguration=[{\"dfs.client.token\":\"" + TOKEN + "\"}]");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("train: ran as execution #7");

    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(root)) {
      all.filter(Files::isRegularFile).forEach(files::add);
    }
    // The artifacts, provenance, the SavedModel (assets.extra/provenance.json), the log and the SQLite store.
    assertThat(files).anyMatch(f -> f.toString().endsWith("assets.extra/provenance.json"));
    assertThat(files).anyMatch(f -> f.toString().endsWith("s1.log"));
    assertThat(files).anyMatch(f -> f.getFileName().toString().equals("metadata.sqlite"));
    for (Path f : files) {
      String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      assertThat(content).as(f.toString()).doesNotContain(PASSWORD).doesNotContain(TOKEN);
    }
    // What was recorded instead says that a secret was there.
    String provenance = Files.readString(root.resolve("penguins/ingest/1/provenance.json"));
    assertThat(provenance).contains("password=***").contains("dfs.client.token\\\":\\\"***");
  }
}
