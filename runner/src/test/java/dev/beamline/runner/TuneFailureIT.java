package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.PausePoint;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tune stage's failure paths through the runner, on the penguins example with tiny trials: every
 * trial failing ends the run with exit code 1, the tune execution and each trial FAILED with their
 * errors in the store, nothing published, no staging folder left, train never run; a run killed
 * (SIGKILL) while its trials train, or with the tune stage's staging folder complete, is cleaned up by
 * the next run, which completes; a misspelt key of the tune section is exit code 2 naming the file, the
 * line, the key and the likely key, before anything runs.
 */
class TuneFailureIT {
  private static final String TUNE = """
      tune:
        algorithm: random
        max_trials: 2
        max_parallel_trials: 2
        seed: 1
        search_space:
          learning_rate: {choice: [%s]}
          hidden_units: {choice: [[8], [16, 8]]}
      """;

  /** The code version both runs of a kill test record, whichever classes each loads. */
  private static final String VERSION = "tune-failure-it";

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("runs");
  }

  @Test
  void whenEveryTrialFailsTheRunFailsAndLeavesNothingPublished() throws Exception {
    // At a learning rate of 1e30 the first steps overflow: the loss is NaN, in every trial.
    Path yaml = TunedPenguins.pipeline(tmp, 2, TUNE.formatted("1.0e30"));
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "diverged");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(BeamlineCli.CHECK_FAILED);
    assertThat(r.err()).startsWith("beamline: check failed: tuning found no model: every one of the 2 trial(s) failed; trial 0: training diverged: ");
    assertThat(r.out()).containsPattern("tune: execution #\\d+ FAILED").containsPattern("train: execution #\\d+ FAILED");
    try (MetadataStore s = TunedPenguins.store(root())) {
      Execution tune = TunedPenguins.execution(s, "penguins", "diverged", "tune");
      assertThat(tune.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(tune.error()).startsWith("tuning found no model: every one of the 2 trial(s) failed");
      List<Execution> trials = s.steps(tune.id());
      assertThat(trials).extracting(Execution::stage).containsExactly("tune/trial-0", "tune/trial-1");
      assertThat(trials).allSatisfy(t -> {
        assertThat(t.state()).isEqualTo(ExecutionState.FAILED);
        assertThat(t.error()).matches("training diverged: the loss of step \\d+ is (NaN|-?Infinity) \\(lower the learning rate 1.0E30 .*");
        assertThat(t.parameters().get("learning_rate").asDouble()).isEqualTo(1.0e30);
        assertThat(t.runId()).isEqualTo("diverged");
      });
      assertThat(trials).extracting(t -> t.parameters().get("hidden_units").toString()).containsExactlyInAnyOrder("[8]", "[16,8]");
      // No HYPERPARAMETERS artifact is published: the stage's output was abandoned, its folder never made.
      List<Artifact> outputs = s.eventsOfExecution(tune.id()).stream().filter(e -> e.type() == Event.Type.OUTPUT)
          .map(e -> s.artifact(e.artifactId()).orElseThrow()).toList();
      assertThat(outputs).extracting(Artifact::type, Artifact::state).containsExactly(org.assertj.core.groups.Tuple.tuple("HYPERPARAMETERS", ArtifactState.ABANDONED));
      assertThat(s.artifacts("HYPERPARAMETERS", 10)).extracting(Artifact::state).doesNotContain(ArtifactState.LIVE);
      assertThat(Path.of(outputs.get(0).uri())).doesNotExist();
      // Train never ran: FAILED with the run's error, no folder, staged or published.
      Execution train = TunedPenguins.execution(s, "penguins", "diverged", "train");
      assertThat(train.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(TunedPenguins.entries(root().resolve("penguins/train"))).isEmpty();
      // What ran before tune was published and is kept.
      assertThat(TunedPenguins.execution(s, "penguins", "diverged", "transform").state()).isEqualTo(ExecutionState.COMPLETE);
    }
    assertThat(TunedPenguins.entries(root().resolve("penguins/tune"))).isEmpty();
    assertThat(TunedPenguins.stagingFolders(root())).isEmpty();

    // The failed trials, from the store, with their errors.
    BeamlineCliIT.Result report = BeamlineCliIT.cli("tune-report", "diverged", "--pipeline-root", root().toString());
    assertThat(report.code()).as(report.out() + report.err()).isZero();
    assertThat(report.out()).contains("random search, 2 trial(s), 2 failed; objective: minimize eval_loss")
        .containsPattern("\n[01] +FAILED +- +1.00000e\\+30 +\\[(8|16, 8)\\] +- +\\d+\\.\\d +training diverged: ")
        .contains("best: none\n");
  }

  /**
   * {@code trial:1}: killed while the trials train (trial 1 held at its start); {@code staged:tune}:
   * killed with the tune stage's staging folder complete, before its rename.
   */
  @ParameterizedTest(name = "killed at {0}")
  @ValueSource(strings = {"trial:1", "staged:tune"})
  @Timeout(600)
  void aRunKilledWhileTuningIsCleanedUpByTheNextRun(String point) throws Exception {
    Path yaml = TunedPenguins.pipeline(tmp, 2, TUNE.formatted("0.003, 0.03"));
    long killedTune;
    try (LoggedRun killed = LoggedRun.cli(tmp.resolve("killed.log"), List.of("-D" + PausePoint.PROPERTY + "=" + point),
        "run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "killed", "--code-version", VERSION,
        "--lease-seconds", "2", "--heartbeat-seconds", "0.5")) {
      killed.awaitOutput(out -> out.contains(PausePoint.MARKER + point), "the run to reach " + point, 300);
      try (MetadataStore s = TunedPenguins.store(root())) {
        Execution tune = TunedPenguins.execution(s, "penguins", "killed", "tune");
        assertThat(tune.state()).isEqualTo(ExecutionState.RUNNING);
        killedTune = tune.id();
      }
      Path staging = root().resolve("penguins/tune/.staging-" + killedTune);
      if (point.startsWith("staged:")) {
        assertThat(staging.resolve("trials.json")).exists();
        assertThat(staging.resolve("hyperparameters.json")).exists();
      }
      killed.child().kill();
    }

    // The same code version: the same stages, so this run waits for the killed run's claims, finds their
    // leases expired and reclaims its executions.
    BeamlineCliIT.Result next = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "next", "--code-version", VERSION);
    assertThat(next.code()).as(next.out() + next.err()).isZero();
    try (MetadataStore s = TunedPenguins.store(root())) {
      // The killed run's executions, RUNNING when it died, are FAILED as killed, its tune stage without trials.
      List<Execution> stale = TunedPenguins.executions(s, "penguins", "killed");
      assertThat(stale).isNotEmpty().allSatisfy(e -> assertThat(e.killed()).as("execution #%d %s: %s", e.id(), e.state(), e.error()).isTrue());
      assertThat(s.steps(killedTune)).isEmpty();
      Execution tune = TunedPenguins.execution(s, "penguins", "next", "tune");
      assertThat(tune.state()).isEqualTo(ExecutionState.COMPLETE);
      assertThat(s.steps(tune.id())).hasSize(2).allSatisfy(t -> assertThat(t.state()).isEqualTo(ExecutionState.COMPLETE));
      assertThat(TunedPenguins.execution(s, "penguins", "next", "train").state()).isEqualTo(ExecutionState.COMPLETE);
      // Nothing of the killed run is left: no staging folder, only the next run's folders.
      assertThat(TunedPenguins.stagingFolders(root())).isEmpty();
      for (String stage : List.of("ingest", "transform", "tune", "train")) {
        assertThat(TunedPenguins.entries(root().resolve("penguins").resolve(stage)))
            .containsExactly(Long.toString(TunedPenguins.execution(s, "penguins", "next", stage).id()));
      }
    }
  }

  @Test
  void aMisspeltKeyOfTheTuneSectionIsNamedWithItsLineBeforeAnythingRuns() throws Exception {
    String tune = TUNE.formatted("0.003, 0.03");
    assertMisspelt(tune.replace("algorithm:", "algoritm:"), "algoritm",
        "unknown key 'tune.algoritm'; did you mean 'algorithm'? (known keys here: algorithm, bayesian, hyperband, max_parallel_trials, max_trials, objective, search_space, seed)");
    assertMisspelt(tune.replace("learning_rate:", "learning_rat:"), "learning_rat",
        "'learning_rat' is not a key of train:; did you mean 'learning_rate'?");
    assertMisspelt(tune.replace("hidden_units: {choice:", "hidden_units: {choise:"), "hidden_units",
        "bad value for 'tune.search_space.hidden_units': unknown key 'choise'; did you mean 'choice'? (known keys here: choice, float, int, log)");
  }

  @Test
  void anObjectiveTheTrainerDoesNotReportForTheTaskIsRefusedBeforeAnyTrial() throws Exception {
    Path yaml = TunedPenguins.pipeline(tmp, 2, TUNE.formatted("0.003, 0.03").replace("  seed: 1\n", "  seed: 1\n  objective: {metric: eval_rmse}\n"));
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "rmse");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(r.err()).startsWith("beamline: tune.objective.metric: eval_rmse is not reported for the classification of 'species';"
        + " the trainer reports eval_loss, eval_accuracy, eval_auc");
    try (MetadataStore s = TunedPenguins.store(root())) {
      assertThat(TunedPenguins.executions(s, "penguins", "rmse")).extracting(Execution::stage).doesNotContain("tune", "train")
          .allSatisfy(stage -> assertThat(TunedPenguins.execution(s, "penguins", "rmse", stage).state()).isEqualTo(ExecutionState.FAILED));
    }
    assertThat(TunedPenguins.stagingFolders(root())).isEmpty();
  }

  private void assertMisspelt(String tune, String key, String message) throws Exception {
    Path yaml = TunedPenguins.pipeline(tmp.resolve(key), 2, tune);
    List<String> lines = Files.readAllLines(yaml);
    // The key's line in the tune section (train has a hidden_units too).
    int tuneLine = lines.indexOf("tune:");
    int line = 1 + tuneLine + lines.subList(tuneLine, lines.size()).indexOf(
        lines.subList(tuneLine, lines.size()).stream().filter(l -> l.strip().startsWith(key + ":")).findFirst().orElseThrow());
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(r.err()).startsWith("beamline: " + yaml + " line " + line + ": " + message);
    assertThat(root()).doesNotExist();
  }
}
