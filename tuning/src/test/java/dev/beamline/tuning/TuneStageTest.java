package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.Published;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainingHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tune stage records of its trials: each trial a step whose parameters and facts give the
 * trial back; the search bound back from the recorded parameters; a search whose every trial failed
 * leaves its trials for the runner in the staging folder; the table of trials, best first.
 */
class TuneStageTest {
  @TempDir Path dir;

  private static TuneConfig tune(TuneConfig.Direction direction, String metric) {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.FloatRange(0.001, 0.1, true));
    p.put("hidden_units", new Parameter.Choice(List.of(List.of(8), List.of(16, 8))));
    return TuneConfig.bayesian(SearchSpace.of(p), 4).withMaxParallelTrials(2).withSeed(3)
        .withObjective(new TuneConfig.Objective(metric, direction));
  }

  private static String history(double... evalLoss) {
    List<TrainingHistory.Epoch> epochs = new java.util.ArrayList<>();
    for (int i = 0; i < evalLoss.length; i++) {
      epochs.add(new TrainingHistory.Epoch(i + 1, 10, 160, 1.0, evalLoss[i], 0.5, 0.75, null, 1000, 0.2));
    }
    return new TrainingHistory(epochs, evalLoss.length, false, 10L * evalLoss.length, 0, 0, 0.2 * evalLoss.length).toJson();
  }

  private static TrialOutcome ok(TuneConfig tune, int id, double lr, List<Integer> units, double metric, String history) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("learning_rate", lr);
    values.put("hidden_units", units);
    TrialSpec spec = TrialSpec.of(id, values, 100 + id);
    return new TrialOutcome(spec, metric, TrialResult.of(spec, tune.objective().minimized(metric)), history, 1000L * id, 1000L * id + 1500);
  }

  private static TrialOutcome failed(int id, double lr) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("learning_rate", lr);
    values.put("hidden_units", List.of(8));
    TrialSpec spec = TrialSpec.of(id, values, 100 + id);
    return new TrialOutcome(spec, null, TrialResult.failed(spec, "eval_loss is NaN, train loss NaN"), null, 5000, 5200);
  }

  @Test
  void aTrialsStepGivesTheTrialBack() {
    TuneConfig tune = tune(TuneConfig.Direction.MINIMIZE, "eval_loss");
    TuneStage stage = new TuneStage(tune, TrainConfig.defaults("species"));
    assertThat(TuneStage.configOf(stage.parameters())).isEqualTo(tune);
    for (TrialOutcome t : List.of(ok(tune, 2, 0.0123, List.of(16, 8), 0.25, history(0.4, 0.25)), failed(3, 0.09))) {
      Published.Step step = TuneStage.step(t, t.valuesJson(), "eval_loss");
      assertThat(step.name()).isEqualTo("trial-" + t.spec().id());
      assertThat(step.parameters().get("seed").asLong()).isEqualTo(t.spec().seed());
      assertThat(step.failed()).isEqualTo(t.failed());
      // As the store names it.
      Published.Step stored = new Published.Step("tune/" + step.name(), step.parameters(), step.properties(), step.error(), step.startTime(), step.endTime());
      assertThat(TuneStage.outcomeOf(stored, tune).toJson()).isEqualTo(t.toJson());
    }
  }

  @Test
  void aSearchWhoseEveryTrialFailedLeavesItsTrialsForTheRunner() throws Exception {
    TuneConfig tune = tune(TuneConfig.Direction.MINIMIZE, "eval_loss");
    TuneStage stage = new TuneStage(tune, TrainConfig.defaults("species"));
    Path staging = dir.resolve(".staging-6");
    assertThat(stage.failedSteps(Plan.empty(), staging.toString())).isEmpty();
    Files.createDirectories(staging);
    Files.writeString(staging.resolve(Tune.TRIALS_FILE), TrialOutcome.toJson(List.of(failed(0, 0.05), failed(1, 0.07))));
    List<Published.Step> steps = stage.failedSteps(Plan.empty(), staging.toString());
    assertThat(steps).extracting(Published.Step::name).containsExactly("trial-0", "trial-1");
    assertThat(steps).allSatisfy(s -> assertThat(s.error()).isEqualTo("eval_loss is NaN, train loss NaN"));
    assertThat(steps.get(1).parameters().get("learning_rate").asDouble()).isEqualTo(0.07);
  }

  @Test
  void theTableListsTheTrialsBestFirstAndTheFailedOnesLast() {
    // eval_auc is maximised: the largest first.
    TuneConfig tune = tune(TuneConfig.Direction.MAXIMIZE, "eval_auc");
    List<TrialOutcome> trials = List.of(
        ok(tune, 0, 0.001, List.of(8), 0.91, history(0.5)),
        failed(1, 0.1),
        ok(tune, 2, 0.0123456789, List.of(16, 8), 0.97, history(0.5, 0.4, 0.3)),
        ok(tune, 3, 0.05, List.of(8), 0.91, null));
    List<List<String>> rows = TrialTable.rows(tune, trials);
    assertThat(rows).containsExactly(
        List.of("TRIAL", "STATE", "eval_auc", "learning_rate", "hidden_units", "EPOCHS", "SECONDS", "ERROR"),
        List.of("2", "COMPLETE", "0.970000", "0.0123457", "[16, 8]", "3", "1.5", ""),
        List.of("0", "COMPLETE", "0.910000", "0.00100000", "[8]", "1", "1.5", ""),
        List.of("3", "COMPLETE", "0.910000", "0.0500000", "[8]", "-", "1.5", ""),
        List.of("1", "FAILED", "-", "0.100000", "[8]", "-", "0.2", "eval_loss is NaN, train loss NaN"));
    assertThat(TrialTable.render(tune, trials).lines().toList()).containsExactly(
        "TRIAL  STATE     eval_auc  learning_rate  hidden_units  EPOCHS  SECONDS  ERROR",
        "2      COMPLETE  0.970000  0.0123457      [16, 8]       3       1.5",
        "0      COMPLETE  0.910000  0.00100000     [8]           1       1.5",
        "3      COMPLETE  0.910000  0.0500000      [8]           -       1.5",
        "1      FAILED    -         0.100000       [8]           -       0.2      eval_loss is NaN, train loss NaN");
  }

  @Test
  void anObjectiveTheTrainerDoesNotReportForTheTaskIsRefused() {
    TuneStage.checkObjective(new TuneConfig.Objective("eval_auc", TuneConfig.Direction.MAXIMIZE), true, "species");
    TuneStage.checkObjective(new TuneConfig.Objective("eval_rmse", TuneConfig.Direction.MINIMIZE), false, "body_mass_g");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TuneStage.checkObjective(new TuneConfig.Objective("eval_rmse", TuneConfig.Direction.MINIMIZE), true, "species"))
        .isInstanceOf(dev.beamline.core.ConfigException.class)
        .hasMessage("tune.objective.metric: eval_rmse is not reported for the classification of 'species'; the trainer reports eval_loss, eval_accuracy, eval_auc");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TuneStage.checkObjective(new TuneConfig.Objective("eval_accuracy", TuneConfig.Direction.MAXIMIZE), false, "body_mass_g"))
        .hasMessage("tune.objective.metric: eval_accuracy is not reported for the regression of 'body_mass_g'; the trainer reports eval_loss, eval_rmse");
  }
}
