package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code push:} section: YAML to the Java API, the canonical parameters, and back. */
class PushStageFactoryTest {
  private static final Path PIPELINE_DIR = Paths.get("/work/pipelines");

  private static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("push", root.get("push"), "p.yaml", YamlFiles.lineIndex(text), PIPELINE_DIR);
  }

  private static PushConfig bind(String text) throws Exception {
    return PushStageFactory.bind(section(text));
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGivesWithRelativePathsAgainstThePipelineFolder() throws Exception {
    assertThat(bind("push:\n  serving_base: ../models\n")).isEqualTo(PushConfig.to("/work/models"));
    assertThat(bind("push:\n  serving_base: /srv/models\n  model_name: penguins\n  infra_validation: {rows: 16, tolerance: 1e-5}\n"))
        .isEqualTo(PushConfig.to("/srv/models").withModelName("penguins").withInfraValidation(16, 1e-5));
    assertThat(bind("push:\n  serving_base: hdfs://nn:8020/models\n  infra_validation: {rows: 0}\n"))
        .isEqualTo(PushConfig.to("hdfs://nn:8020/models").withInfraValidation(0, 1e-6));
    assertThat(bind("push:\n  serving_base: m\n  infra_validation: {tolerance: 0.01}\n"))
        .isEqualTo(PushConfig.to("/work/pipelines/m").withInfraValidation(8, 0.01));
  }

  @Test
  void parametersAreTheCanonicalFormWithEveryDefault() throws Exception {
    assertThat(new PushStage(bind("push:\n  serving_base: /srv/models\n")).parameters().toString())
        .isEqualTo("{\"serving_base\":\"/srv/models\",\"model_name\":null,\"infra_validation\":{\"rows\":8,\"tolerance\":1.0E-6}}");
    assertThat(PushStageFactory.parameters(PushConfig.to("/srv/models").withModelName("p").withInfraValidation(0, 0.5)).toString())
        .isEqualTo("{\"serving_base\":\"/srv/models\",\"model_name\":\"p\",\"infra_validation\":{\"rows\":0,\"tolerance\":0.5}}");
  }

  @Test
  void theCanonicalFormBindsBackToAnEqualConfiguration() throws Exception {
    for (PushConfig c : List.of(PushConfig.to("/srv/models"), PushConfig.to("/a").withModelName("x").withInfraValidation(3, 1e-3))) {
      String canonical = PushStageFactory.parameters(c).toString();
      assertThat(bind("{\"push\": " + canonical + "}")).isEqualTo(c);
      ConfigSection s = new ConfigSection("push", new ObjectMapper().readTree(canonical), "store", Map.of(), Paths.get("."));
      assertThat(PushStageFactory.bind(s)).isEqualTo(c);
    }
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() throws Exception {
    assertThat(bind("push:\n  model_name: p\n")).isEqualTo(PushConfig.to(null).withModelName("p"));
    assertRejected("push:\n  serving_base: ''\n", "p.yaml line 2: 'push.serving_base' is empty: name the folder that holds one folder per model"
        + " (TensorFlow Serving's model_base_path is <serving_base>/<model_name>), or leave it out for 'serving' under the pipeline root");
    assertRejected("push:\n  serving_base: m\n  model_name: ../p\n", "p.yaml line 3: bad value for 'push.model_name': model name '../p'"
        + " cannot name a folder: use letters, digits, '.', '_' and '-', starting with a letter or digit");
    assertRejected("push:\n  serving_base: m\n  infra_validation: {rows: -1}\n",
        "p.yaml line 3: bad value for 'push.infra_validation': rows must be >= 0 (0 turns infra validation off), got -1");
    assertRejected("push:\n  serving_base: m\n  infra_validation: {tolerance: -1}\n",
        "p.yaml line 3: bad value for 'push.infra_validation': tolerance must be finite and >= 0, got -1.0");
    assertThatThrownBy(() -> bind("push:\n  serving_base: m\n  model: p\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: unknown key 'push.model'");
  }

  @Test
  void maxEpsilonBindsAndIsInTheCanonicalFormOnlyWhenSet() throws Exception {
    PushConfig c = bind("push:\n  serving_base: /srv/models\n  max_epsilon: 2\n");
    assertThat(c).isEqualTo(PushConfig.to("/srv/models").withMaxEpsilon(2.0));
    assertThat(c.maxEpsilon()).isEqualTo(2.0);
    assertThat(bind("push:\n  serving_base: /srv/models\n  max_epsilon: 0.5\n").maxEpsilon()).isEqualTo(0.5);
    assertThat(PushStageFactory.parameters(c).toString()).isEqualTo(
        "{\"serving_base\":\"/srv/models\",\"model_name\":null,\"infra_validation\":{\"rows\":8,\"tolerance\":1.0E-6},\"max_epsilon\":2.0}");
    // Unset: no limit, and the canonical form (the cache key) is what it was before the key existed.
    PushConfig unset = bind("push:\n  serving_base: /srv/models\n");
    assertThat(unset.maxEpsilon()).isNull();
    assertThat(PushStageFactory.parameters(unset).toString())
        .isEqualTo("{\"serving_base\":\"/srv/models\",\"model_name\":null,\"infra_validation\":{\"rows\":8,\"tolerance\":1.0E-6}}");
    for (PushConfig back : List.of(c, PushConfig.to("/a").withLabel("/a/models.yaml", "canary").withMaxEpsilon(1.25))) {
      assertThat(bind("{\"push\": " + PushStageFactory.parameters(back) + "}")).isEqualTo(back);
    }
  }

  @Test
  void badMaxEpsilonIsNamedWithItsFileLineAndKey() {
    assertRejected("push:\n  serving_base: m\n  max_epsilon: 0\n", "p.yaml line 3: bad value for 'push.max_epsilon':"
        + " maxEpsilon must be a finite number > 0 (leave it out for no limit), got 0.0");
    assertRejected("push:\n  serving_base: m\n  max_epsilon: -1.5\n", "p.yaml line 3: bad value for 'push.max_epsilon':"
        + " maxEpsilon must be a finite number > 0 (leave it out for no limit), got -1.5");
    assertThatThrownBy(() -> bind("push:\n  serving_base: m\n  max_epsilon: lots\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3:")
        .hasMessageContaining("push.max_epsilon");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theFactoryIsFoundAndMakesTheStage() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("push"))
        .findFirst()
        .orElseThrow();
    List<Stage<?>> stages = factory.create(section("push:\n  serving_base: /srv/models\n"));
    assertThat(stages).hasSize(1);
    assertThat(stages.get(0).name()).isEqualTo("push");
    assertThat(((PushStage) stages.get(0)).config()).isEqualTo(PushConfig.to("/srv/models"));
  }
}
