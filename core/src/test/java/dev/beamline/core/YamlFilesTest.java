package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Messages name the line of a key, also of a key that holds dots, else of its nearest enclosing key. */
class YamlFilesTest {
  private static final String TEXT = """
      tune:
        algorithm: random
        search_space:
          learning_rate: {float: [0.001, 0.1]}
          features.month: {choice: [month_id, none]}
      """;

  @Test
  void aKeyIsFoundByItsLevelsOrWithTheDotsItHolds() {
    YamlFiles.Parsed<JsonNode> doc = YamlFiles.read(TEXT, "p.yaml", JsonNode.class);
    assertThat(doc.at("tune.algorithm")).isEqualTo("p.yaml line 2: ");
    assertThat(doc.at("tune.search_space.learning_rate")).isEqualTo("p.yaml line 4: ");
    assertThat(doc.at("tune.search_space.learning_rate.float")).isEqualTo("p.yaml line 4: ");
    assertThat(doc.at("tune.search_space.features.month")).isEqualTo("p.yaml line 5: ");
    assertThat(doc.at("tune.search_space.features.month.choice")).isEqualTo("p.yaml line 5: ");
    assertThat(doc.at("tune.search_space.features.day")).isEqualTo("p.yaml line 3: ");
    assertThat(doc.at("train.label")).isEqualTo("p.yaml: ");
  }
}
