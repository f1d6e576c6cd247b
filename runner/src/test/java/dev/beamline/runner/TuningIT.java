package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled example and its {@code tune:} section, end to end: the trials run as Beam elements two at a
 * time, each recorded as a step of the tune execution; train trains with the best values, which the
 * model's lineage shows; a second run comes from the cache.
 */
class TuningIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void tunedPenguinsRecordEveryTrialAndTrainWithTheBestValues() throws Exception {
    Path example = TrainedPenguins.copyExample(dir);
    // The bundled example tunes: 4 Bayesian trials over the learning rate and the hidden units, 2 at a time.
    assertThat(Files.readString(example.resolve("pipeline.yaml"))).containsPattern("\ntune: .*\n  algorithm: bayesian .*\n  max_trials: 4\n");
    Path root = dir.resolve("runs");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", example.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("tune: ran as execution #6").contains("4 trial(s) (bayesian, at most 2 at a time), 0 failed")
        .contains("best: trial 3, eval_loss 0.0136: learning_rate=0.027176460242698704, hidden_units=[16,8]")
        .contains("train: ran as execution #7").contains("tuned: {\"learning_rate\":0.027176460242698704,\"hidden_units\":[16,8]}")
        .contains("best epoch 5: eval accuracy 1.0000, AUC 1.0000, eval loss 0.0092")
        .contains("pushed penguins version 1");

    Path tuneDir = root.resolve("penguins/tune/6");
    JsonNode h = JSON.readTree(Files.readString(tuneDir.resolve("hyperparameters.json")));
    JsonNode values = h.get("values");
    // The model was trained with the chosen values, and says so beside it.
    JsonNode used = JSON.readTree(Files.readString(root.resolve("penguins/train/7/hyperparameters.json"))).get("values");
    assertThat(used).isEqualTo(values);
    try (MetadataStore store = MetadataStore.open(MetadataStore.sqliteUrl(root.resolve("metadata.sqlite")))) {
      List<Execution> trials = store.steps(6);
      assertThat(trials).hasSize(4).extracting(Execution::stage).containsExactly("tune/trial-0", "tune/trial-1", "tune/trial-2", "tune/trial-3");
      assertThat(trials).allSatisfy(t -> {
        assertThat(t.state()).isEqualTo(ExecutionState.COMPLETE);
        assertThat(t.parameters().has("learning_rate")).isTrue();
        assertThat(t.parameters().has("seed")).isTrue();
        assertThat(t.properties().get("eval_loss").isNumber()).isTrue();
        assertThat(t.properties().get("history").get("epochs").size()).isPositive();
        assertThat(t.properties().get("wall_seconds").asDouble()).isPositive();
      });
      Execution best = trials.get(h.get("trial").asInt());
      assertThat(best.properties().get("eval_loss").asDouble()).isEqualTo(h.get("metric").asDouble());
      assertThat(trials).allSatisfy(t -> assertThat(t.properties().get("eval_loss").asDouble()).isGreaterThanOrEqualTo(h.get("metric").asDouble()));
      // train consumed the HYPERPARAMETERS artifact: the model's lineage reaches the trials' values.
      Event input = store.eventsOfExecution(7).stream().filter(e -> e.role().equals("hyperparameters")).findFirst().orElseThrow();
      Artifact hp = store.artifact(input.artifactId()).orElseThrow();
      assertThat(hp.type()).isEqualTo("HYPERPARAMETERS");
      assertThat(hp.properties().get("values")).isEqualTo(values);
      assertThat(store.runs("penguins", 1).get(0).executions()).extracting(Execution::stage).doesNotContain("tune/trial-0");
    }
    BeamlineCliIT.Result lineage = BeamlineCliIT.cli("lineage", "penguins:1", "--pipeline-root", root.toString());
    assertThat(lineage.code()).isZero();
    assertThat(lineage.out()).contains("HYPERPARAMETERS").contains("\"learning_rate\"").contains("execution #6 tune");

    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", example.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString());
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("tune: from cache (execution #6)").contains("train: from cache (execution #7)");
  }
}
