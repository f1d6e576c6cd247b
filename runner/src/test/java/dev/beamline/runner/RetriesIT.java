package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that failed its check and is retried fails again: the retry does not find its folder and call
 * it success. Embedded Flink restarts a failed task ({@code --restart-attempts}, which runs the job in
 * Flink's DataStream batch mode, where Beam applies restarts), so the publishing step of ingestion runs again after its first
 * attempt published the dead-letter folder.
 */
class RetriesIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void aRetriedIngestionThatFailedItsRejectedRowsCheckFailsAgain() throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(EXAMPLE.resolve("data/penguins.csv")));
    lines.add(3, "Adelie,Torgersen,36.7,19.3");
    Path dir = tmp.resolve("p");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/penguins.csv"), String.join("\n", lines) + "\n");
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml"));
    Files.writeString(dir.resolve("pipeline.yaml"), yaml.substring(0, yaml.indexOf("\nvalidation:")) + "\n");
    Path root = tmp.resolve("runs");

    BeamlineCliIT.Result r = BeamlineCliIT.cli(
        "run", dir.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString(), "--run-id", "retried",
        "--runner=flink", "--parallelism=1", "--restart-attempts=2", "--executionRetryDelay=0");

    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("1 of 345 rows (0.29%) were rejected, more than the allowed 0.00%");
    // The publishing step ran three times (attempts #0, #1 and #2 in Flink's log), and failed each time.
    String log = Files.readString(root.resolve("penguins/logs/retried.log"));
    assertThat(log).containsPattern("ParMultiDo\\(PublishIngest\\)[^\\n]* \\(1/1\\)#0 ").containsPattern("ParMultiDo\\(PublishIngest\\)[^\\n]* \\(1/1\\)#2 ");
    // Only the dead letter was published; no retry turned the failure into examples.
    Path out = root.resolve("penguins/ingest/1");
    assertThat(out.resolve("dead_letter")).isDirectory();
    assertThat(out.resolve("fingerprint.json")).doesNotExist();
    assertThat(out.resolve("examples")).doesNotExist();
    try (MetadataStore store = MetadataStore.open(MetadataStore.sqliteUrl(root.resolve("metadata.sqlite")))) {
      assertThat(store.artifacts("EXAMPLES", 10)).extracting(Artifact::state).doesNotContain(ArtifactState.LIVE);
    }
  }
}
