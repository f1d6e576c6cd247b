package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TuneStageFactoryTest {
  private static List<Stage<?>> create(String yaml) {
    YamlFiles.Parsed<JsonNode> doc = YamlFiles.read(yaml, "p.yaml", JsonNode.class);
    ConfigSection tune = new ConfigSection("tune", doc.value().get("tune"), "p.yaml", doc.lines(), Path.of("."), doc.value());
    return new TuneStageFactory().create(tune);
  }

  private static final String TRAIN = "train:\n  label: species\n  hidden_units: [8]\n  epochs: 5\n";

  @Test
  void theTrialsStartFromTheTrainSection() {
    List<Stage<?>> stages = create(TRAIN + """
        tune:
          algorithm: random
          max_trials: 4
          max_parallel_trials: 2
          search_space:
            learning_rate: {float: [0.001, 0.1], log: true}
            hidden_units: {choice: [[8], [16, 8]]}
        """);
    TuneStage s = (TuneStage) stages.get(0);
    assertThat(s.train().label()).isEqualTo("species");
    assertThat(s.train().epochs()).isEqualTo(5);
    assertThat(s.tune().maxParallelTrials()).isEqualTo(2);
    assertThat(s.consumes()).extracting(p -> p.kind().name()).containsExactly("TRANSFORM_GRAPH");
    assertThat(s.produces()).extracting(p -> p.kind().name()).containsExactly("HYPERPARAMETERS");
    assertThat(s.parameters().get("train").get("epochs").asInt()).isEqualTo(5);
    assertThat(s.parameters().get("tune").get("max_trials").asInt()).isEqualTo(4);
  }

  @Test
  void aFederatedTrainSectionIsRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> create(TRAIN + """
          federated: {client_column: island}
        tune:
          algorithm: random
          max_trials: 2
          search_space:
            learning_rate: {float: [0.001, 0.1], log: true}
        """)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 6: 'tune' cannot search a federated 'train' section");
  }

  @Test
  void searchSpaceKeysAndValuesAreCheckedAgainstTheTrainSection() {
    assertThatThrownBy(() -> create(TRAIN + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            learning_rat: {float: [0.001, 0.1]}
            label: {choice: [a, b]}
            dropout: {float: [0.0, 1.5]}
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml line 9: 'learning_rat' is not a key of train:; did you mean 'learning_rate'?")
        .hasMessageContaining("p.yaml line 10: 'label' cannot be tuned")
        .hasMessageContaining("p.yaml line 11: the value 1.5 is not valid for train.dropout");
    assertThatThrownBy(() -> create("""
        tune:
          algorithm: random
          max_trials: 2
          search_space:
            learning_rate: {float: [0.001, 0.1]}
        """)).hasMessageContaining("'tune' needs a 'train' section");
  }

  private static final String TRANSFORM = """
      transform:
        features:
          weather: {vocabulary: {oov_buckets: 0}}
          wind: {scale: z_score}
          month_id: {input: date, time_part: month}
          month_cyc: {input: date, time_part: month, encode: cyclical}
          month_onehot: {input: date, time_part: month, encode: one_hot}
      train:
        label: weather
        epochs: 2
      """;

  @Test
  void aSlotChoosesAmongTheTransformedFeaturesAndTheTrialsStartFromAllButTheLabel() {
    TuneStage s = (TuneStage) create(TRANSFORM + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            features.month: {choice: [month_id, month_cyc, month_onehot, none]}
            learning_rate: {float: [0.001, 0.1], log: true}
        """).get(0);
    // train lists no features: every transformed one but the label is the base the slot takes from.
    assertThat(s.train().features()).containsExactly("wind", "month_id", "month_cyc", "month_onehot");
    assertThat(s.parameters().get("tune").get("search_space").get("features.month").get("choice").toString())
        .isEqualTo("[\"month_id\",\"month_cyc\",\"month_onehot\",\"none\"]");
    TuneStage listed = (TuneStage) create(TRANSFORM.replace("epochs: 2", "epochs: 2\n  features: [wind]") + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            features.month: {choice: [month_id, none]}
        """).get(0);
    assertThat(listed.train().features()).containsExactly("wind");
  }

  @Test
  void aSlotsAlternativesAreCheckedAgainstTheTransformSection() {
    assertThatThrownBy(() -> create(TRANSFORM + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            features.month: {choice: [month_id, month_cyk, weather, none]}
            features.other: {choice: [month_id, 3]}
            learning_rat: {float: [0.001, 0.1]}
        """)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml line 15: 'month_cyk' is not a feature of transform:; did you mean 'month_cyc'? "
            + "(transformed features: weather, wind, month_id, month_cyc, month_onehot)")
        .hasMessageContaining("p.yaml line 15: 'weather' is the label (train.label)")
        .hasMessageContaining("p.yaml line 16: 'month_id' is an alternative of 'features.month' already")
        .hasMessageContaining("p.yaml line 16: 'features.other' chooses among features: 3 is not a feature's name")
        .hasMessageContaining("p.yaml line 17: 'learning_rat' is not a key of train:; did you mean 'learning_rate'?");
    assertThatThrownBy(() -> create(TRANSFORM + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            features.month: {int: [1, 3]}
            features: {choice: [[wind]]}
        """)).hasMessageContaining("p.yaml line 15: 'features.month' chooses among features: write it {choice: [feature, ..., none]}")
        .hasMessageContaining("p.yaml line 16: 'features' and 'features.<slot>' cannot both be tuned");
    assertThatThrownBy(() -> create(TRANSFORM.replace("epochs: 2", "epochs: 2\n  model: wide_deep\n  hidden_units: [8]\n  wide_features: [month_id]") + """
        tune:
          algorithm: random
          max_trials: 4
          search_space:
            features.month: {choice: [month_id, month_cyc]}
        """)).hasMessageContaining("'month_id' is named by train.wide_features");
    assertThatThrownBy(() -> create(TRAIN + """
        tune:
          algorithm: random
          max_trials: 2
          search_space:
            features.month: {choice: [month_id, none]}
        """)).hasMessageContaining("p.yaml line 8: a search among features ('features.<slot>') needs a 'transform' section");
  }
}
