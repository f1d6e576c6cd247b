package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs recorded in the metadata store: caching, lineage, failures and killed runs. */
class RecordingIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("runs");
  }

  /** A copy of the example (data and pipeline) that a test may change. */
  private Path copyExample() throws IOException {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir.resolve("data"));
    Files.copy(EXAMPLE_DIR.resolve("data/penguins.csv"), dir.resolve("data/penguins.csv"));
    // Ingestion alone: these tests count executions (ValidationIT covers the validation stages).
    String example = Files.readString(EXAMPLE_DIR.resolve("pipeline.yaml"));
    Files.writeString(dir.resolve("pipeline.yaml"), example.substring(0, example.indexOf("\nvalidation:")) + "\n");
    return dir.resolve("pipeline.yaml");
  }

  private BeamlineCliIT.Result run(Path yaml, String... extra) {
    String[] args = Stream.concat(Stream.of("run", yaml.toString(), "--pipeline-root", root().toString()), Stream.of(extra)).toArray(String[]::new);
    return BeamlineCliIT.cli(args);
  }

  private MetadataStore store() {
    return MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")));
  }

  private List<Execution> ingestExecutions(MetadataStore s) {
    return s.runs("penguins", 100).stream().flatMap(r -> r.executions().stream()).sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
  }

  @Test
  void secondRunComesFromTheCacheAndChangesMissIt() throws IOException {
    Path yaml = copyExample();
    BeamlineCliIT.Result first = run(yaml, "--run-id", "r1");
    assertThat(first.code()).as(first.err()).isZero();
    // The split is a stable hash of each row: exactly these sizes on every run and runner.
    assertThat(first.out()).contains("ingest: ran as execution #1").contains("splits: train=220, eval=124");

    BeamlineCliIT.Result second = run(yaml, "--run-id", "r2");
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).contains("ingest: from cache (execution #1)").contains("(from cache: ingest)");
    try (Stream<Path> outputs = Files.list(root().resolve("penguins/ingest"))) {
      assertThat(outputs.map(p -> p.getFileName().toString()).toList()).containsExactly("1");
    }

    // A parameter changes: miss.
    Files.writeString(yaml, Files.readString(yaml).replace("train: 2", "train: 3"));
    assertThat(run(yaml, "--run-id", "r3").out()).contains("ingest: ran as execution #3");
    // The input changes: miss.
    Files.writeString(yaml.resolveSibling("data/penguins.csv"), "Adelie,Dream,40.0,18.0,190,3900,MALE\n", java.nio.file.StandardOpenOption.APPEND);
    assertThat(run(yaml, "--run-id", "r4").out()).contains("ingest: ran as execution #4").contains("345 rows");
    // The code version changes: miss.
    assertThat(run(yaml, "--run-id", "r5", "--code-version", "9.9").out()).contains("ingest: ran as execution #5");
    // --no-cache forces a run; nothing changed since r5 otherwise.
    assertThat(run(yaml, "--run-id", "r6", "--code-version", "9.9", "--no-cache").out()).contains("ingest: ran as execution #6");
    assertThat(run(yaml, "--run-id", "r7", "--code-version", "9.9").out()).contains("ingest: from cache (execution #6)");

    try (MetadataStore s = store()) {
      List<Execution> executions = ingestExecutions(s);
      assertThat(executions).extracting(Execution::state)
          .containsExactly(
              ExecutionState.COMPLETE, ExecutionState.CACHED, ExecutionState.COMPLETE, ExecutionState.COMPLETE,
              ExecutionState.COMPLETE, ExecutionState.COMPLETE, ExecutionState.CACHED);
      assertThat(executions.get(1).cachedFrom()).isEqualTo(1L);
      assertThat(executions.get(4).codeVersion()).isEqualTo("9.9");
      List<RunSummary> runs = s.runs("penguins", 10);
      assertThat(runs.get(0).runId()).isEqualTo("r7");
      assertThat(runs.get(0).cachedStages()).containsExactly("ingest");
    }
  }

  @Test
  void theRunIsRecordedWithProvenanceAndLineageBackToTheInputFile() throws IOException {
    Path yaml = copyExample();
    assertThat(run(yaml, "--run-id", "r1").code()).isZero();
    Path csv = yaml.resolveSibling("data/penguins.csv").toAbsolutePath().normalize();
    Path output = root().resolve("penguins/ingest/1");
    try (MetadataStore s = store()) {
      Artifact examples = s.artifactsByUri(output.toString()).get(0);
      assertThat(examples.type()).isEqualTo("EXAMPLES");
      assertThat(examples.state()).isEqualTo(ArtifactState.LIVE);
      JsonNode fingerprint = JSON.readTree(Files.readString(output.resolve("fingerprint.json")));
      assertThat(examples.fingerprint()).isEqualTo(fingerprint.get("fingerprint").asText());
      assertThat(examples.properties().get("rows").asLong()).isEqualTo(344);
      JsonNode provenance = examples.properties().get("provenance");
      assertThat(provenance.get("beam_version").asText()).isEqualTo("2.62.0");
      assertThat(provenance.get("java_version").asText()).isEqualTo(System.getProperty("java.version"));
      assertThat(provenance.get("runner").asText()).isEqualTo("DirectRunner");
      assertThat(provenance.get("pipeline_config").asText()).isEqualTo(Files.readString(yaml));
      assertThat(provenance.get("seeds").get("split_hash").asText()).contains("farmhash");
      // The same provenance lies in the artifact's folder.
      assertThat(JSON.readTree(Files.readString(output.resolve("provenance.json")))).isEqualTo(provenance);
    }

    BeamlineCliIT.Result lineage = BeamlineCliIT.cli("lineage", output.toString(), "--pipeline-root", root().toString());
    assertThat(lineage.code()).as(lineage.err()).isZero();
    assertThat(lineage.out())
        .startsWith("artifact #2 EXAMPLES [LIVE] " + output + "\n")
        .contains("└── execution #1 ingest [COMPLETE] pipeline penguins, run r1")
        .contains("code version: ")
        .contains("parameters: {\"input\":\"" + csv + "\"")
        .contains("└── raw_data: artifact #1 RAW_DATA [LIVE] " + csv);

    BeamlineCliIT.Result json = BeamlineCliIT.cli("lineage", "2", "--json", "--pipeline-root", root().toString());
    JsonNode tree = JSON.readTree(json.out());
    assertThat(tree.get("type").asText()).isEqualTo("EXAMPLES");
    assertThat(tree.get("children").get(0).get("stage").asText()).isEqualTo("ingest");
    assertThat(tree.get("children").get(0).get("children").get(0).get("uri").asText()).isEqualTo(csv.toString());

    BeamlineCliIT.Result down = BeamlineCliIT.cli("lineage", "--downstream", csv.toString(), "--pipeline-root", root().toString());
    assertThat(down.out()).startsWith("artifact #1 RAW_DATA [LIVE] " + csv).contains("examples: artifact #2 EXAMPLES [LIVE] " + output);

    BeamlineCliIT.Result dot = BeamlineCliIT.cli("lineage", "2", "--dot", "--pipeline-root", root().toString());
    assertThat(dot.out()).startsWith("digraph lineage {").contains("a1 -> e1;").contains("e1 -> a2;");

    BeamlineCliIT.Result runs = BeamlineCliIT.cli("runs", "--pipeline-root", root().toString());
    assertThat(runs.out()).contains("penguins").contains("r1").contains("COMPLETE").contains("ingest #1 COMPLETE");
    BeamlineCliIT.Result artifacts = BeamlineCliIT.cli("artifacts", "--type", "examples", "--json", "--pipeline-root", root().toString());
    assertThat(JSON.readTree(artifacts.out())).hasSize(1);
    assertThat(JSON.readTree(artifacts.out()).get(0).get("uri").asText()).isEqualTo(output.toString());
  }

  @Test
  void aFailedRunLeavesNoLiveArtifact() throws IOException {
    Path yaml = copyExample();
    Files.writeString(yaml.resolveSibling("data/penguins.csv"), "Adelie,Torgersen\n", java.nio.file.StandardOpenOption.APPEND);
    BeamlineCliIT.Result r = run(yaml, "--run-id", "bad");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("run bad FAILED; log: ");
    assertThat(Files.readString(root().resolve("penguins/logs/bad.log"))).contains("check failed: 1 of 345 rows");
    try (MetadataStore s = store()) {
      Execution e = ingestExecutions(s).get(0);
      assertThat(e.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(e.error()).contains("1 of 345 rows");
      assertThat(s.artifacts("EXAMPLES", 10)).extracting(Artifact::state).containsExactly(ArtifactState.ABANDONED);
      // A failed execution is never served from the cache.
      assertThat(s.findCached("penguins", "ingest", e.cacheKey())).isEmpty();
    }
    try (Stream<Path> left = Files.list(root().resolve("penguins/ingest"))) {
      assertThat(left.map(p -> p.getFileName().toString())).as("no staging folder is left").noneMatch(n -> n.startsWith(".staging"));
    }
  }

  /** Kills a real run in the middle (SIGKILL), then checks that nothing half-done is LIVE and the next run completes. */
  @Test
  void aKilledRunLeavesNoLiveArtifactAndTheNextRunCompletes() throws Exception {
    Path dir = tmp.resolve("big");
    Files.createDirectories(dir);
    StringBuilder csv = new StringBuilder("a,b,c\n");
    for (int i = 0; i < 400_000; i++) {
      csv.append(i).append(',').append(i % 97).append(",name").append(i % 1013).append('\n');
    }
    Files.writeString(dir.resolve("big.csv"), csv);
    Path yaml = dir.resolve("pipeline.yaml");
    Files.writeString(yaml, "pipeline:\n  name: big\ningest:\n  input: big.csv\n");
    ProcessBuilder killedRun =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-jar",
                Paths.get("target/beamline.jar").toAbsolutePath().toString(),
                "run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "killed",
                // A short lease: the next run waits for it to expire (CrashRecoveryIT kills runs at later moments).
                "--lease-seconds", "2", "--heartbeat-seconds", "0.5")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("killed.log").toFile());
    // Killed at the end of the block however the test ends, as it would not end by itself in time.
    try (ChildProcess p = ChildProcess.start(killedRun)) {
      // Wait until the execution is recorded as RUNNING, then kill the process outright.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean running = false;
      while (!running && System.nanoTime() < deadline && p.isAlive()) {
        if (Files.exists(root().resolve("metadata.sqlite"))) {
          try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")))) {
            running = s.runs("big", 1).stream().anyMatch(r -> r.state().equals("RUNNING"));
          } catch (RuntimeException e) {
            // The database is being created: try again.
          }
        }
        Thread.sleep(50);
      }
      assertThat(running).as("the run was recorded as RUNNING while its process lived; output:%n%s", Files.readString(tmp.resolve("killed.log"))).isTrue();
      p.kill();
    }

    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")))) {
      assertThat(s.artifacts("EXAMPLES", 10)).extracting(Artifact::state).doesNotContain(ArtifactState.LIVE);
    }
    assertThat(root().resolve("big/ingest/1")).doesNotExist();

    // The jar's code version: the same ingestion, so this run waits for the killed one's lease to expire and reclaims it.
    BeamlineCliIT.Result next =
        BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "next", "--code-version", LoggedRun.packagedVersion());
    assertThat(next.code()).as(next.err()).isZero();
    assertThat(next.out()).contains("ingest: ran as execution #2").contains("400000 rows");
    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")))) {
      Execution killed = s.execution(1).orElseThrow();
      assertThat(killed.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(killed.killed()).as(killed.error()).isTrue();
      // The killed run's output, if it was recorded before the kill, is DELETED with its files.
      List<ArtifactState> states = s.artifacts("EXAMPLES", 10).stream().map(Artifact::state).toList();
      assertThat(states.get(0)).isEqualTo(ArtifactState.LIVE);
      assertThat(states.subList(1, states.size())).allMatch(state -> state == ArtifactState.DELETED);
    }
    assertThat(root().resolve("big/ingest/.staging-1")).doesNotExist();
    assertThat(root().resolve("big/ingest/2/fingerprint.json")).exists();
  }
}
