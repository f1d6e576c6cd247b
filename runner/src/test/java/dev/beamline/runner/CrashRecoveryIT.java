package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.PausePoint;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real run of the packaged jar on the bundled example, killed with SIGKILL at a known moment (the
 * test hook {@link PausePoint} holds it there), then the next run: it completes, and afterwards no
 * artifact is LIVE whose folder is missing or incomplete, every folder under the pipeline root is a
 * LIVE artifact's, and no staging folder is left. The killed run holds a 2 s lease; the next run waits
 * for it to expire and reclaims the killed executions, although their recorded owner looks alive (PID 1,
 * as in a container), which liveness by {@code pid@host} would never have reclaimed.
 */
class CrashRecoveryIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins/pipeline.yaml").toAbsolutePath().normalize();
  private static final List<String> STAGES = List.of("ingest", "statistics", "schema", "validate", "transform", "tune", "train", "evaluate", "push");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("runs");
  }

  private MetadataStore store() {
    return MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")));
  }

  /**
   * {@code staged:<stage>}: killed while the stage's staging folder is complete but not yet published
   * (during ingest, transform, training); {@code published:ingest}: killed between ingest's publish
   * rename and the store's record of it, while later stages run.
   */
  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"staged:ingest", "staged:transform", "published:ingest", "staged:train"})
  @Timeout(600)
  void aRunKilledAtAnyMomentLeavesNothingHalfDoneAndTheNextRunCompletes(String point) throws Exception {
    String stage = point.substring(point.indexOf(':') + 1);
    try (LoggedRun killed =
        LoggedRun.packagedJar(
            tmp.resolve("killed.log"),
            List.of("-D" + PausePoint.PROPERTY + "=" + point),
            "run", EXAMPLE.toString(), "--pipeline-root", root().toString(), "--run-id", "killed",
            "--lease-seconds", "2", "--heartbeat-seconds", "0.5")) {
      killed.awaitOutput(out -> out.contains(PausePoint.MARKER + point), "the run to reach " + point, 300);
      // Where the run stands: the stage's files are on disk, complete, and the store records nothing LIVE.
      try (MetadataStore s = store()) {
        Execution running = executionsOf(s, "killed").stream().filter(e -> e.stage().equals(stage)).findFirst().orElseThrow();
        assertThat(running.state()).isEqualTo(ExecutionState.RUNNING);
        Path folder = root().resolve("penguins").resolve(stage).resolve(Long.toString(running.id()));
        Path staging = folder.resolveSibling(".staging-" + running.id());
        Path written = point.startsWith("staged:") ? staging : folder;
        assertThat(written.resolve("provenance.json")).exists();
        assertThat(point.startsWith("staged:") ? folder : staging).doesNotExist();
        assertThat(s.artifacts(null, 100)).filteredOn(a -> !a.type().equals("RAW_DATA")).extracting(Artifact::state).doesNotContain(ArtifactState.LIVE);
      }
      killed.child().kill();
    }
    // The owner as a process that never dies would be recorded: PID 1 of this host.
    try (Connection c = DriverManager.getConnection(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")));
        Statement st = c.createStatement()) {
      st.executeUpdate("UPDATE execution SET owner = '1@" + InetAddress.getLocalHost().getHostName() + "' WHERE state = 'RUNNING'");
    }

    // The same build as the killed run (the jar's code version): the same stages, so this run waits for
    // the killed run's claims, finds their leases expired and reclaims its executions.
    String version = LoggedRun.packagedVersion();
    BeamlineCliIT.Result next =
        BeamlineCliIT.cli("run", EXAMPLE.toString(), "--pipeline-root", root().toString(), "--run-id", "next", "--code-version", version);
    assertThat(next.code()).as(next.out() + next.err()).isZero();
    try (MetadataStore s = store()) {
      List<Execution> reclaimed = executionsOf(s, "killed");
      assertThat(reclaimed).isNotEmpty().allSatisfy(e -> assertThat(e.killed()).as("execution #%d: %s", e.id(), e.error()).isTrue());
      for (Execution e : reclaimed) {
        assertThat(outputs(s, e)).extracting(Artifact::state).containsOnly(ArtifactState.DELETED);
      }
      assertThat(executionsOf(s, "next")).extracting(Execution::stage, Execution::state)
          .containsExactlyElementsOf(STAGES.stream().map(st -> org.assertj.core.groups.Tuple.tuple(st, ExecutionState.COMPLETE)).toList());
      assertNothingHalfDone(s);
    }

    // What the next run recorded is whole: a third run takes every stage from the cache, each checked against its manifest.
    BeamlineCliIT.Result third =
        BeamlineCliIT.cli("run", EXAMPLE.toString(), "--pipeline-root", root().toString(), "--run-id", "third", "--code-version", version);
    assertThat(third.code()).as(third.out() + third.err()).isZero();
    assertThat(third.out()).contains("(from cache: " + String.join(", ", STAGES) + ")").doesNotContain("not served from the cache");
  }

  private static List<Execution> executionsOf(MetadataStore s, String runId) {
    return s.runs("penguins", 100).stream()
        .filter(r -> r.runId().equals(runId))
        .flatMap(r -> r.executions().stream())
        .sorted(Comparator.comparingLong(Execution::id))
        .toList();
  }

  private static List<Artifact> outputs(MetadataStore s, Execution e) {
    return s.eventsOfExecution(e.id()).stream()
        .filter(v -> v.type() == Event.Type.OUTPUT)
        .map(v -> s.artifact(v.artifactId()).orElseThrow())
        .toList();
  }

  /**
   * Every LIVE output lies in the folder of the execution that wrote it, published whole (its
   * provenance, written last into staging, names that execution); every entry of a stage folder is
   * such a folder: nothing staged, nothing published without a record.
   */
  private void assertNothingHalfDone(MetadataStore s) throws IOException {
    for (Artifact a : s.artifacts(null, 1000)) {
      if (a.state() != ArtifactState.LIVE || a.type().equals("RAW_DATA")) {
        continue;
      }
      Execution producer =
          s.eventsOfArtifact(a.id()).stream()
              .filter(v -> v.type() == Event.Type.OUTPUT)
              .map(v -> s.execution(v.executionId()).orElseThrow())
              .filter(x -> x.state() == ExecutionState.COMPLETE)
              .findFirst()
              .orElseThrow();
      Path folder = root().resolve("penguins").resolve(producer.stage()).resolve(Long.toString(producer.id()));
      assertThat(Paths.get(a.uri())).as("artifact #%d", a.id()).exists();
      assertThat(Paths.get(a.uri()).startsWith(folder)).as("artifact #%d lies in %s", a.id(), folder).isTrue();
      JsonNode provenance = JSON.readTree(folder.resolve("provenance.json").toFile());
      assertThat(provenance.get("execution_id").asLong()).isEqualTo(producer.id());
    }
    try (Stream<Path> stages = Files.list(root().resolve("penguins"))) {
      for (Path stage : stages.filter(p -> !p.getFileName().toString().equals("logs")).toList()) {
        try (Stream<Path> entries = Files.list(stage)) {
          for (Path entry : entries.toList()) {
            assertThat(s.artifactsByUri(entry.toString()))
                .as("%s is a LIVE artifact's folder", entry)
                .extracting(Artifact::state)
                .contains(ArtifactState.LIVE);
          }
        }
      }
    }
  }
}
