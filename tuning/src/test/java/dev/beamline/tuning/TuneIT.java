package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.StageOutput;
import dev.beamline.training.Hyperparameters;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainedModelFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tuner's Beam graph on the DirectRunner with real TensorFlow training: trials in parallel give
 * exactly the results of the same trials one at a time; a failed trial is recorded and the search goes
 * on; the chosen values apply to the train configuration.
 */
class TuneIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static Path transform;

  @BeforeAll
  static void data() {
    transform = TrainedModelFixture.writeTransformFolder(dir.resolve("transform"));
  }

  private static TrainConfig train() {
    return TrainConfig.defaults("species").withModel(TrainConfig.ModelType.DNN).withHiddenUnits(List.of(8)).withEpochs(3)
        .withBatchSize(16).withSeed(5);
  }

  private static SearchSpace space() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.FloatRange(0.001, 0.1, true));
    p.put("hidden_units", new Parameter.Choice(List.of(List.of(8), List.of(16, 8))));
    return SearchSpace.of(p);
  }

  /** Runs the tuner into {@code name} and returns its trials. */
  private static List<TrialOutcome> tune(TuneConfig tune, String name) throws Exception {
    Path out = dir.resolve(name);
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs("--targetParallelism=2").create());
    p.apply(Create.of(transform.toString())).apply(Tune.of(tune, train(), new StageOutput(out.toString(), "run-1", null)));
    p.run().waitUntilFinish();
    assertThat(out.resolve(Tune.REPORT_FILE)).exists();
    return TrialOutcome.listFromJson(Files.readString(out.resolve(Tune.TRIALS_FILE)));
  }

  @Test
  void parallelTrialsGiveTheResultsOfSequentialOnes() throws Exception {
    TuneConfig one = TuneConfig.bayesian(space(), 6).withMaxParallelTrials(1).withSeed(11).withInitialTrials(2);
    List<TrialOutcome> sequential = tune(one, "sequential");
    List<TrialOutcome> parallel = tune(one.withMaxParallelTrials(2).withInitialTrials(2), "parallel");
    // The Bayesian rounds depend on max_parallel_trials (a round holds that many trials), so compare the
    // random first round, and random search whose trials do not depend on the rounds at all.
    assertThat(parallel.subList(0, 2)).extracting(t -> t.spec().values(), TrialOutcome::metric)
        .containsExactlyElementsOf(sequential.subList(0, 2).stream().map(t -> org.assertj.core.groups.Tuple.tuple(t.spec().values(), t.metric())).toList());
    TuneConfig random = TuneConfig.random(space(), 4).withSeed(3);
    List<TrialOutcome> a = tune(random.withMaxParallelTrials(1), "random-1");
    List<TrialOutcome> b = tune(random.withMaxParallelTrials(2), "random-2");
    assertThat(b).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(b.get(i).spec()).isEqualTo(a.get(i).spec());
      assertThat(b.get(i).metric()).as("trial %s", i).isEqualTo(a.get(i).metric());
      assertThat(b.get(i).history().withoutTimes()).isEqualTo(a.get(i).history().withoutTimes());
    }
    JsonNode h = JSON.readTree(Files.readString(dir.resolve("random-2").resolve(Tune.HYPERPARAMETERS_FILE)));
    TrialOutcome best = b.stream().min(java.util.Comparator.comparingDouble(TrialOutcome::metric)).orElseThrow();
    assertThat(h.get("trial").asInt()).isEqualTo(best.spec().id());
    assertThat(h.get("metric").asDouble()).isEqualTo(best.metric());
    assertThat(h.get("objective").get("metric").asText()).isEqualTo("eval_loss");
    // The values apply to the train section as its own keys.
    TrainConfig tuned = Hyperparameters.read(dir.resolve("random-2").toString()).applyTo(train());
    assertThat(tuned.learningRate()).isEqualTo((Double) best.spec().values().get("learning_rate"));
    assertThat(tuned.hiddenUnits()).isEqualTo(best.spec().values().get("hidden_units"));
  }

  @Test
  void aFailedTrialIsRecordedAndTheSearchGoesOn() throws Exception {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.Choice(List.of(1.0e12, 0.01)));
    TuneConfig tune = TuneConfig.random(SearchSpace.of(p), 4).withSeed(1).withMaxParallelTrials(2);
    List<TrialOutcome> trials = tune(tune, "failing");
    assertThat(trials).hasSize(4);
    assertThat(trials).filteredOn(TrialOutcome::failed).isNotEmpty()
        .allSatisfy(t -> {
          assertThat(t.spec().values().get("learning_rate")).isEqualTo(1.0e12);
          assertThat(t.result().error()).isNotBlank();
        });
    assertThat(trials).filteredOn(t -> !t.failed()).isNotEmpty().allSatisfy(t -> assertThat(t.spec().values().get("learning_rate")).isEqualTo(0.01));
    JsonNode h = JSON.readTree(Files.readString(dir.resolve("failing").resolve(Tune.HYPERPARAMETERS_FILE)));
    assertThat(h.get("values").get("learning_rate").asDouble()).isEqualTo(0.01);
    assertThat(h.get("failed_trials").asLong()).isEqualTo(trials.stream().filter(TrialOutcome::failed).count());
  }

  @Test
  void whenEveryTrialFailsTheStageFailsSayingWhy() throws Exception {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.Choice(List.of(1.0e12)));
    TuneConfig tune = TuneConfig.random(SearchSpace.of(p), 2).withSeed(1);
    // A failed check (exit code 1 from the command line), found in the runner's wrapping.
    assertThatThrownBy(() -> tune(tune, "all-failing")).satisfies(e -> assertThat(dev.beamline.core.DataCheckException.findIn(e)).isNotNull())
        .hasMessageContaining("tuning found no model: every one of the 2 trial(s) failed");
    assertThat(dir.resolve("all-failing")).doesNotExist();
    // The trials are left in the staging folder, where the runner reads them to record them before it removes it.
    List<TrialOutcome> left = TrialOutcome.listFromJson(Files.readString(dir.resolve(".staging-all-failing").resolve(Tune.TRIALS_FILE)));
    assertThat(left).hasSize(2).allSatisfy(t -> assertThat(t.failed()).isTrue());
  }
}
