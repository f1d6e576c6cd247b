package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.serving.server.LabelMove;
import dev.beamline.serving.server.ModelConfigFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PushLabel} and {@link LabelMove#applyTo}: the pushed version gets its label in the server's
 * model config file, edited in place; the model's first labelled version gets {@code stable} too. And
 * the {@code push:} section's {@code model_config} and {@code label}.
 */
class PushLabelTest {
  @TempDir Path dir;
  private Path config;

  private static final String BEFORE = """
      # served models
      models:
        - name: penguins
          base_path: serving/penguins   # relative to this file
          labels: {}   # none yet
        - name: weather
          base_path: serving/weather
          labels: {stable: 7}
      """;

  @BeforeEach
  void versions() throws Exception {
    for (int v = 1; v <= 3; v++) {
      Files.createDirectories(dir.resolve("serving/penguins/" + v));
    }
    Files.createDirectories(dir.resolve("serving/weather/7"));
    config = dir.resolve("models.yaml");
    Files.writeString(config, BEFORE);
  }

  private PushConfig labelling(String label) {
    return PushConfig.to(dir.resolve("serving").toString()).withLabel(config.toString(), label);
  }

  private Map<String, Long> labels(String model) {
    return ModelConfigFile.read(config).stream().filter(m -> m.name().equals(model)).findFirst().orElseThrow().labels();
  }

  @Test
  void theFirstLabelledVersionGetsStableTooAndLaterOnesOnlyTheirLabel() throws Exception {
    ObjectNode first = PushLabel.assign(labelling("canary"), "penguins", 2);
    assertThat(first.toString()).isEqualTo("{\"label\":\"canary\",\"version\":2,\"model_config\":\"" + config + "\",\"previous_version\":null,"
        + "\"also_stable\":true}");
    // "canary" is added to the empty flow mapping, then "stable" after it; every comment stays.
    assertThat(Files.readString(config)).isEqualTo(BEFORE.replace("labels: {}   # none yet", "labels: {canary: 2, stable: 2}   # none yet"));
    assertThat(PushLabel.summary(first)).isEqualTo("label 'canary' now names version 2 (was unset), and 'stable' too (the model had none) in " + config);

    ObjectNode second = PushLabel.assign(labelling("canary"), "penguins", 3);
    assertThat(second.toString()).isEqualTo("{\"label\":\"canary\",\"version\":3,\"model_config\":\"" + config + "\",\"previous_version\":2,"
        + "\"also_stable\":false}");
    assertThat(Files.readString(config)).isEqualTo(BEFORE.replace("labels: {}   # none yet", "labels: {canary: 3, stable: 2}   # none yet"));
    assertThat(PushLabel.summary(second)).isEqualTo("label 'canary' now names version 3 (was 2) in " + config);
    assertThat(labels("weather")).isEqualTo(Map.of("stable", 7L));
    // No temporary file is left beside the config.
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("models.yaml", "serving");
    }
  }

  @Test
  void labellingStableItselfSetsOnlyStable() throws Exception {
    ObjectNode done = PushLabel.assign(labelling("stable"), "penguins", 1);
    assertThat(done.get("also_stable").asBoolean()).isFalse();
    assertThat(done.get("previous_version").isNull()).isTrue();
    assertThat(Files.readString(config)).isEqualTo(BEFORE.replace("labels: {}   # none yet", "labels: {stable: 1}   # none yet"));
    assertThat(PushLabel.summary(done)).isEqualTo("label 'stable' now names version 1 (was unset) in " + config);
  }

  @Test
  void aBlockMappingGetsTheNewLabelOnALineOfItsOwn() throws Exception {
    String before = """
        models:
          - name: penguins
            base_path: serving/penguins
            labels:
              stable: 1   # the first
        """;
    Files.writeString(config, before);
    ObjectNode done = PushLabel.assign(labelling("canary"), "penguins", 3);
    assertThat(done.get("also_stable").asBoolean()).isFalse();
    assertThat(Files.readString(config)).isEqualTo(before + "      canary: 3\n");
  }

  @Test
  void aMissingVersionFolderIsAnErrorInTheRecordNotAnException() throws Exception {
    ObjectNode done = PushLabel.assign(labelling("canary"), "penguins", 5);
    String base = dir.resolve("serving/penguins").toString();
    String error = config + ": model 'penguins' has no version 5 in " + base + " (no folder " + base + "/5): the server could not serve it under"
        + " 'canary'";
    assertThat(done.get("error").asText()).isEqualTo(error);
    assertThat(done.has("previous_version")).isFalse();
    assertThat(PushLabel.summary(done)).isEqualTo("label 'canary' not set: " + error);
    assertThat(Files.readString(config)).isEqualTo(BEFORE);
  }

  @Test
  void otherFailuresAreErrorsToo() throws Exception {
    assertThat(PushLabel.assign(labelling("canary"), "birds", 1).get("error").asText())
        .isEqualTo(config + ": no model 'birds'; models there: penguins, weather");
    // The label names that version already.
    PushLabel.assign(labelling("canary"), "penguins", 2);
    assertThat(PushLabel.assign(labelling("canary"), "penguins", 2).get("error").asText())
        .isEqualTo(config + ": label 'canary' of model 'penguins' names version 2 already: nothing to move");
    Files.delete(config);
    assertThat(PushLabel.assign(labelling("canary"), "penguins", 2).get("error").asText()).startsWith("cannot read the model config " + config + ": ");
  }

  @Test
  void applyToReportsTheMove() throws Exception {
    LabelMove.Moved m = LabelMove.of("penguins", "stable", "canary").applyTo(config, 3);
    assertThat(m.version()).isEqualTo(3);
    assertThat(m.versionDir()).isEqualTo(dir.resolve("serving/penguins/3").toString());
    assertThat(m.previousVersion()).isNull();
    assertThat(m.labels()).isEqualTo(Map.of("canary", 3L));
    assertThat(m.commentsKept()).isTrue();
    assertThat(m.text()).isEqualTo(Files.readString(config)).isEqualTo(BEFORE.replace("labels: {}", "labels: {canary: 3}"));
    // The label "from" is not read: weather has no canary, and its stable names 7 already.
    assertThatThrownBy(() -> LabelMove.of("weather", "canary", "stable").applyTo(config, 7)).isInstanceOf(ConfigException.class)
        .hasMessage(config + ": label 'stable' of model 'weather' names version 7 already: nothing to move");
  }

  @Test
  void aModelWithoutALabelsKeyIsWrittenAnew() throws Exception {
    Files.writeString(config, "# gone\nmodels:\n  - name: penguins\n    base_path: serving/penguins\n");
    LabelMove.Moved m = LabelMove.of("penguins", "stable", "canary").applyTo(config, 1);
    assertThat(m.commentsKept()).isFalse();
    assertThat(Files.readString(config)).doesNotContain("# gone");
    assertThat(labels("penguins")).isEqualTo(Map.of("canary", 1L));
  }

  @Test
  void checkNeedsAReadableFileThatListsTheModel() throws Exception {
    assertThatCode(() -> PushLabel.check(labelling("canary"), "penguins")).doesNotThrowAnyException();
    assertThatCode(() -> PushLabel.check(PushConfig.to("/nowhere"), "penguins")).doesNotThrowAnyException();
    assertThatThrownBy(() -> PushLabel.check(labelling("canary"), "birds")).isInstanceOf(ConfigException.class)
        .hasMessage("push.model_config: " + config + " lists no model 'birds' (it lists: penguins, weather)");
    Files.delete(config);
    assertThatThrownBy(() -> PushLabel.check(labelling("canary"), "penguins")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("push.model_config: cannot read the model server's config file " + config + ": ");
  }

  private static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("push", root.get("push"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work/pipelines"));
  }

  @Test
  void theSectionBindsModelConfigAndLabelTogether() throws Exception {
    assertThat(PushStageFactory.bind(section("push:\n  serving_base: /srv/models\n  model_config: serving/models.yaml\n  label: canary\n")))
        .isEqualTo(PushConfig.to("/srv/models").withLabel("/work/pipelines/serving/models.yaml", "canary"));
    assertThat(PushStageFactory.bind(section("push:\n  serving_base: /srv/models\n")).label()).isNull();
    assertThatThrownBy(() -> PushStageFactory.bind(section("push:\n  serving_base: /srv/models\n  label: canary\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 3: 'push.model_config' and 'push.label' go together: the pushed version gets the label in the server's model config"
            + " file");
    assertThatThrownBy(() -> PushStageFactory.bind(section("push:\n  serving_base: /srv/models\n  model_config: m.yaml\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 3: 'push.model_config' and 'push.label' go together: the pushed version gets the label in the server's model config"
            + " file");
    assertThatThrownBy(() -> PushStageFactory.bind(section("push:\n  serving_base: /srv/models\n  model_config: m.yaml\n  label: 'can ary'\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 4: bad value for 'push.label': label must be a label name, got 'can ary'");
  }

  @Test
  void theConfigurationChecksTheyGoTogether() {
    assertThatThrownBy(() -> PushConfig.to("/srv").withLabel(null, "canary"))
        .hasMessage("label and model_config go together: the label is set in the server's model config file");
    assertThatThrownBy(() -> PushConfig.to("/srv").withLabel("m.yaml", null))
        .hasMessage("label and model_config go together: the label is set in the server's model config file");
    assertThat(PushConfig.to("/srv").withLabel("m.yaml", "canary").resolved("p", "/root").label()).isEqualTo("canary");
  }
}
