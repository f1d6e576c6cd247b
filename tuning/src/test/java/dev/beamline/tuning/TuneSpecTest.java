package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.tuning.TuneConfig.Direction;
import dev.beamline.tuning.TuneConfig.Objective;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** The {@code tune:} section: YAML to {@link TuneConfig}, the canonical parameters and back, the messages. */
class TuneSpecTest {
  private static final String FULL = String.join("\n",
      "tune:",
      "  algorithm: bayesian",
      "  max_trials: 30",
      "  max_parallel_trials: 4",
      "  seed: 7",
      "  objective: {metric: eval_auc}",
      "  search_space:",
      "    learning_rate: {float: [1e-4, 1e-1], log: true}",
      "    batch_size: {int: [16, 256], log: true}",
      "    hidden_units: {choice: [[16], [32, 16], [64, 32]]}",
      "    model: {choice: [dnn, wide_deep]}",
      "  bayesian: {initial_trials: 8}",
      "");

  private static SearchSpace space() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.FloatRange(1e-4, 0.1, true));
    p.put("batch_size", new Parameter.IntRange(16, 256, true));
    p.put("hidden_units", new Parameter.Choice(List.of(List.of(16), List.of(32, 16), List.of(64, 32))));
    p.put("model", new Parameter.Choice(List.of("dnn", "wide_deep")));
    return SearchSpace.of(p);
  }

  private static final SearchSpace LR = SearchSpace.of(Map.of("lr", new Parameter.FloatRange(0.001, 0.1, true)));

  static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("tune", root.get("tune"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("."));
  }

  private static TuneConfig bind(String text) throws Exception {
    return TuneSpec.bind(section(text));
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    assertThat(bind(FULL)).isEqualTo(TuneConfig.bayesian(space(), 30).withMaxParallelTrials(4).withSeed(7)
        .withObjective(new Objective("eval_auc", Direction.MAXIMIZE)).withInitialTrials(8));
    String lr = "  search_space: {lr: {float: [0.001, 0.1], log: true}}\n";
    assertThat(bind("tune:\n  algorithm: random\n  max_trials: 5\n" + lr)).isEqualTo(TuneConfig.random(LR, 5));
    assertThat(bind("tune:\n  algorithm: hyperband\n  hyperband: {max_epochs: 81}\n" + lr)).isEqualTo(TuneConfig.hyperband(LR, 81));
    assertThat(bind("tune:\n  algorithm: hyperband\n  hyperband: {max_epochs: 16, eta: 2}\n" + lr)).isEqualTo(TuneConfig.hyperband(LR, 16).withEta(2));
    // The defaults: one trial at a time, seed 0, the eval loss minimised.
    TuneConfig defaults = bind("tune:\n  algorithm: bayesian\n  max_trials: 5\n" + lr);
    assertThat(List.of(defaults.maxParallelTrials(), defaults.seed(), defaults.objective(), defaults.initialTrials()))
        .containsExactly(1, 0L, new Objective("eval_loss", Direction.MINIMIZE), 0);
    // A direction given wins over the metric's own.
    assertThat(bind("tune:\n  algorithm: random\n  max_trials: 5\n  objective: {metric: eval_rmse, direction: maximize}\n" + lr).objective())
        .isEqualTo(new Objective("eval_rmse", Direction.MAXIMIZE));
    assertThat(bind("tune:\n  algorithm: random\n  max_trials: 5\n  objective: {direction: maximize}\n" + lr).objective())
        .isEqualTo(new Objective("eval_loss", Direction.MAXIMIZE));
    assertThat(SerializableUtils.clone(bind(FULL))).isEqualTo(bind(FULL));
  }

  @Test
  void parametersAreTheCanonicalFormAndBindBack() throws Exception {
    assertThat(TuneSpec.parameters(bind(FULL)).toString()).isEqualTo(
        "{\"algorithm\":\"bayesian\",\"max_trials\":30,\"max_parallel_trials\":4,\"seed\":7,"
            + "\"objective\":{\"metric\":\"eval_auc\",\"direction\":\"maximize\"},"
            + "\"search_space\":{\"learning_rate\":{\"float\":[1.0E-4,0.1],\"log\":true},\"batch_size\":{\"int\":[16,256],\"log\":true},"
            + "\"hidden_units\":{\"choice\":[[16],[32,16],[64,32]]},\"model\":{\"choice\":[\"dnn\",\"wide_deep\"]}},"
            + "\"bayesian\":{\"initial_trials\":8},\"hyperband\":null}");
    assertThat(TuneSpec.parameters(TuneConfig.hyperband(LR, 27)).toString()).isEqualTo(
        "{\"algorithm\":\"hyperband\",\"max_trials\":null,\"max_parallel_trials\":1,\"seed\":0,"
            + "\"objective\":{\"metric\":\"eval_loss\",\"direction\":\"minimize\"},"
            + "\"search_space\":{\"lr\":{\"float\":[0.001,0.1],\"log\":true}},\"bayesian\":null,\"hyperband\":{\"max_epochs\":27,\"eta\":3}}");
    for (TuneConfig c : List.of(bind(FULL), TuneConfig.random(LR, 3), TuneConfig.bayesian(LR, 9), TuneConfig.hyperband(LR, 16).withEta(2).withSeed(-4))) {
      String canonical = TuneSpec.parameters(c).toString();
      ConfigSection s = new ConfigSection("tune", new ObjectMapper().readTree(canonical), "store", Map.of(), Paths.get("."));
      TuneConfig back = TuneSpec.bind(s);
      assertThat(back).isEqualTo(c);
      assertThat(TuneSpec.parameters(back).toString()).isEqualTo(canonical);
    }
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() {
    String lr = "  search_space: {lr: {float: [0.001, 0.1]}}\n";
    assertRejected("tune:\n  max_trials: 3\n" + lr, "p.yaml line 1: 'tune.algorithm' is required: random, bayesian or hyperband");
    assertRejected("tune:\n  algorithm: baysian\n  max_trials: 3\n" + lr,
        "p.yaml line 2: unknown value 'baysian' for 'tune.algorithm'; did you mean 'bayesian'? (one of: random, bayesian, hyperband)");
    assertRejected("tune:\n  algorithm: random\n" + lr, "p.yaml line 1: 'tune.max_trials' is required for random: how many trials to train");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 0\n" + lr, "p.yaml line 3: bad value for 'tune.max_trials': max_trials must be at least 1, got 0");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  max_parallel_trials: 0\n" + lr,
        "p.yaml line 4: bad value for 'tune.max_parallel_trials': max_parallel_trials must be at least 1, got 0");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n",
        "p.yaml line 1: 'tune.search_space' is required: the parameters to tune, e.g. learning_rate: {float: [1e-4, 1e-1], log: true}");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  search_space:\n    lr: {float: [0, 0.1], log: true}\n",
        "p.yaml line 5: bad value for 'tune.search_space.lr': a log range needs min > 0, got [0.0, 0.1]");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  search_space:\n    lr: {flaot: [0, 0.1]}\n",
        "p.yaml line 5: bad value for 'tune.search_space.lr': unknown key 'flaot'; did you mean 'float'? (known keys here: choice, float, int, log)");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  objective: {metric: eval_acuracy}\n" + lr,
        "p.yaml line 4: unknown metric 'eval_acuracy' for 'tune.objective.metric'; did you mean 'eval_accuracy'? (one of: eval_loss, eval_accuracy, eval_auc, eval_rmse)");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  objective: {direction: minimise}\n" + lr,
        "p.yaml line 4: unknown value 'minimise' for 'tune.objective.direction'; did you mean 'minimize'? (one of: minimize, maximize)");
    assertRejected("tune:\n  algorithm: hyperband\n  max_trials: 3\n  hyperband: {max_epochs: 81}\n" + lr,
        "p.yaml line 3: 'tune.max_trials' does not apply to hyperband: its trials follow from 'tune.hyperband.max_epochs' and 'eta'");
    assertRejected("tune:\n  algorithm: hyperband\n" + lr, "p.yaml line 1: 'tune.hyperband.max_epochs' is required for hyperband: the most epochs a trial trains");
    assertRejected("tune:\n  algorithm: hyperband\n  hyperband: {max_epochs: 2}\n" + lr,
        "p.yaml line 3: bad value for 'tune.hyperband': max_epochs must be at least eta (3) for Hyperband to stop a trial early, got 2");
    assertRejected("tune:\n  algorithm: hyperband\n  hyperband: {max_epochs: 9, eta: 1}\n" + lr,
        "p.yaml line 3: bad value for 'tune.hyperband': eta must be at least 2, got 1");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  hyperband: {max_epochs: 9}\n" + lr,
        "p.yaml line 4: 'tune.hyperband' applies to algorithm hyperband only, not to random");
    assertRejected("tune:\n  algorithm: random\n  max_trials: 3\n  bayesian: {initial_trials: 2}\n" + lr,
        "p.yaml line 4: 'tune.bayesian' applies to algorithm bayesian only, not to random");
    assertRejected("tune:\n  algorithm: bayesian\n  max_trials: 3\n  bayesian: {initial_trials: 0}\n" + lr,
        "p.yaml line 4: bad value for 'tune.bayesian.initial_trials': initial_trials must be at least 1, got 0");
    assertThatThrownBy(() -> bind("tune:\n  algorithm: random\n  max_trial: 3\n  hyperband: {max_epoch: 3}\n" + lr))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml line 3: unknown key 'tune.max_trial'; did you mean 'max_trials'?")
        .hasMessageContaining("p.yaml line 4: unknown key 'tune.hyperband.max_epoch'; did you mean 'max_epochs'?");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theFactoryMakesEachSearch() throws Exception {
    SearchAlgorithm bayesian = SearchAlgorithm.create(bind(FULL));
    assertThat(bayesian).isInstanceOf(BayesianSearch.class);
    assertThat(((BayesianSearch) bayesian).initialTrials()).isEqualTo(8);
    assertThat(bayesian.rounds()).isEqualTo(1 + 6); // 8 random, then 22 in rounds of 4
    assertThat(bayesian.maxTrials()).isEqualTo(30);
    SearchAlgorithm random = SearchAlgorithm.create(TuneConfig.random(LR, 5).withSeed(3));
    assertThat(random.propose(0, List.of())).isEqualTo(new RandomSearch(LR, 5, 3).propose(0, List.of()));
    SearchAlgorithm hyperband = SearchAlgorithm.create(TuneConfig.hyperband(LR, 27));
    assertThat(((Hyperband) hyperband).brackets()).isEqualTo(Hyperband.brackets(27, 3));
  }

  @Test
  void theObjectiveTurnsMetricsIntoValuesToMinimise() {
    assertThat(new Objective("eval_auc", Direction.MAXIMIZE).minimized(0.9)).isEqualTo(-0.9);
    assertThat(Objective.EVAL_LOSS.minimized(0.3)).isEqualTo(0.3);
    assertThat(TuneSpec.METRICS).containsEntry("eval_accuracy", Direction.MAXIMIZE).containsEntry("eval_loss", Direction.MINIMIZE);
  }

  @Test
  void theJavaApiChecksItsArguments() {
    assertThatThrownBy(() -> TuneConfig.random(LR, 5).withEta(2)).hasMessage("eta applies to hyperband only, not to RANDOM");
    assertThatThrownBy(() -> TuneConfig.hyperband(LR, 27).withMaxTrials(2)).hasMessage("hyperband's trials follow from max_epochs and eta, not from max_trials");
    assertThatThrownBy(() -> TuneConfig.hyperband(LR, 27).withInitialTrials(2)).hasMessage("initial_trials applies to bayesian only, not to HYPERBAND");
    assertThatThrownBy(() -> TuneConfig.hyperband(LR, 27).withMaxEpochs(1)).hasMessage("max_epochs must be at least eta (3) for Hyperband to stop a trial early, got 1");
  }
}
