package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.PausePoint;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline watch} as a process of its own (the packaged jar), on a small pipeline (ingest and
 * validation of penguins, one folder per span): the first run, the lock that refuses a second watch,
 * SIGTERM during a run (the run completes, the watch exits 0), a restart that runs a new span and not
 * unchanged input, and a watch killed with SIGKILL whose lock another watch takes over once its lease
 * has expired. Assertions are on the metadata store: runs, their states, the recorded watch decisions.
 */
class WatchIT {
  @TempDir Path tmp;
  private Path yaml;
  private List<String> csv;

  @BeforeEach
  void pipeline() throws IOException {
    csv = Files.readAllLines(Paths.get("../examples/penguins/data/penguins.csv"));
    addSpan(1, 1, 120);
    yaml = tmp.resolve("pipeline.yaml");
    Files.writeString(
        yaml,
        String.join(
            "\n",
            "pipeline:",
            "  name: watched",
            "  root: runs",
            "ingest:",
            "  input: data/span-{SPAN}/*.csv",
            "  splits: {train: 2, eval: 1}",
            "validation:",
            "  drift: false",
            ""));
  }

  /** Writes rows {@code from} to {@code to} (1-based, after the header) as span {@code span}, in one rename. */
  private void addSpan(int span, int from, int to) throws IOException {
    Path dir = tmp.resolve("data/span-" + span);
    Files.createDirectories(dir);
    Path staging = tmp.resolve("staging-" + span + ".csv");
    List<String> rows = new java.util.ArrayList<>(List.of(csv.get(0)));
    rows.addAll(csv.subList(from, Math.min(to + 1, csv.size())));
    Files.write(staging, rows);
    Files.move(staging, dir.resolve("penguins.csv"));
  }

  private MetadataStore store() {
    return MetadataStore.open(MetadataStore.sqliteUrl(tmp.resolve("runs/metadata.sqlite")));
  }

  /** The pipeline's runs (not the watch's own records), newest first. */
  private static List<RunSummary> pipelineRuns(MetadataStore s) {
    return s.runs("watched", 100).stream().filter(r -> !r.runId().startsWith("watch-")).toList();
  }

  private LoggedRun watch(String log, List<String> jvmOptions, String... options) throws IOException {
    List<String> args = new java.util.ArrayList<>(List.of("watch", yaml.toString(), "--poll", "500ms"));
    args.addAll(List.of(options));
    return LoggedRun.packagedJar(tmp.resolve(log), jvmOptions, args.toArray(String[]::new));
  }

  @Test
  void runsNewInputOnceHoldsTheLockAndStopsAfterTheCurrentRunOnSigterm() throws Exception {
    Path resume = tmp.resolve("resume");
    List<String> pause = List.of("-D" + PausePoint.PROPERTY + "=staged:ingest", "-D" + PausePoint.RESUME_PROPERTY + "=" + resume);
    try (LoggedRun first = watch("first.log", pause, "--lease-seconds", "4", "--heartbeat-seconds", "1")) {
      first.awaitOutput(o -> o.contains(PausePoint.MARKER + "staged:ingest"), "the first run", 180);

      // A second watch of the same pipeline is refused while the first holds the lock.
      try (LoggedRun second = watch("second.log", List.of(), "--no-wait")) {
        assertThat(second.exitCode(120)).as(second.output()).isEqualTo(BeamlineCli.BAD_USAGE);
        assertThat(second.output()).contains("pipeline 'watched' is locked by watch ");
      }

      // SIGTERM while the run is going: the run completes, then the watch exits 0 and frees the lock.
      first.child().process().destroy();
      first.awaitOutput(o -> o.contains("SIGTERM: stopping after the current run"), "the SIGTERM", 30);
      Files.createFile(resume);
      assertThat(first.exitCode(180)).as(first.output()).isZero();
      assertThat(first.output()).contains("released the lock; stopped");
    }
    try (MetadataStore s = store()) {
      assertThat(pipelineRuns(s)).extracting(RunSummary::state).containsExactly("COMPLETE");
      Execution decision = s.lastExecution("watched", WatchCommand.STAGE).orElseThrow();
      assertThat(decision.state()).isEqualTo(ExecutionState.COMPLETE);
      assertThat(decision.parameters().get("reason").asText()).isEqualTo("first run: no run of this watch is recorded");
      assertThat(decision.parameters().get("run_id").asText()).isEqualTo(pipelineRuns(s).get(0).runId());
      assertThat(decision.properties().get("exit_code").asInt()).isZero();
      assertThat(s.pipelineLock("watched")).isEmpty();
    }

    // Restarted with a new span: one run, for span 2.
    addSpan(2, 121, 240);
    try (LoggedRun again = watch("again.log", List.of(), "--max-runs", "1")) {
      assertThat(again.exitCode(240)).as(again.output()).isZero();
    }
    String secondRun;
    try (MetadataStore s = store()) {
      assertThat(pipelineRuns(s)).extracting(RunSummary::state).containsExactly("COMPLETE", "COMPLETE");
      Execution decision = s.lastExecution("watched", WatchCommand.STAGE).orElseThrow();
      assertThat(decision.parameters().get("reason").asText()).isEqualTo("new span 2 of input");
      secondRun = decision.parameters().get("run_id").asText();
      assertThat(pipelineRuns(s).get(0).runId()).isEqualTo(secondRun);
    }

    // Restarted with nothing new: no run.
    try (LoggedRun idle = watch("idle.log", List.of(), "--once")) {
      assertThat(idle.exitCode(120)).as(idle.output()).isZero();
      assertThat(idle.output()).contains("idle: no change since run " + secondRun);
    }
    try (MetadataStore s = store()) {
      assertThat(pipelineRuns(s)).hasSize(2);
    }
  }

  @Test
  void aKilledWatchsLockIsTakenOverOnceItsLeaseExpiresAndItsRunIsRunAgain() throws Exception {
    String killedRun;
    try (LoggedRun killed = watch("killed.log", List.of("-D" + PausePoint.PROPERTY + "=staged:ingest"), "--lease-seconds", "3", "--heartbeat-seconds", "1")) {
      killed.awaitOutput(o -> o.contains(PausePoint.MARKER + "staged:ingest"), "the run", 180);
      killed.child().kill();
    }
    try (MetadataStore s = store()) {
      killedRun = s.lastExecution("watched", WatchCommand.STAGE).orElseThrow().parameters().get("run_id").asText();
      assertThat(s.pipelineLock("watched")).isPresent();
    }
    try (LoggedRun next = watch("next.log", List.of(), "--max-runs", "1", "--lease-seconds", "3", "--heartbeat-seconds", "1")) {
      assertThat(next.exitCode(240)).as(next.output()).isZero();
      assertThat(next.output()).contains("took over the lock of pipeline 'watched' from watch ");
    }
    try (MetadataStore s = store()) {
      List<RunSummary> runs = pipelineRuns(s);
      assertThat(runs).extracting(RunSummary::state).containsExactly("COMPLETE", "FAILED");
      assertThat(runs.get(1).runId()).isEqualTo(killedRun);
      Execution decision = s.lastExecution("watched", WatchCommand.STAGE).orElseThrow();
      assertThat(decision.parameters().get("reason").asText())
          .isEqualTo("the last run " + killedRun + " did not finish: its watch stopped while it ran");
      assertThat(s.pipelineLock("watched")).isEmpty();
    }
  }
}
