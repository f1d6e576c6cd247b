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
}
