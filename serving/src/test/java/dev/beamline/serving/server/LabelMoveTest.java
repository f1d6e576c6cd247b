package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelMoveTest {
  @TempDir Path dir;
  private Path config;

  @BeforeEach
  void versions() throws Exception {
    for (int v = 1; v <= 3; v++) {
      Files.createDirectories(dir.resolve("serving/penguins/" + v));
    }
    config = dir.resolve("models.yaml");
  }

  private Map<String, Long> labels(String model) {
    return ModelConfigFile.read(config).stream().filter(m -> m.name().equals(model)).findFirst().orElseThrow().labels();
  }

  @Test
  void promotesTheCanaryInAFlowMappingKeepingCommentsAndOtherKeys() throws Exception {
    String before = """
        # served models
        models:
          - name: penguins
            base_path: serving/penguins   # relative to this file
            version_policy: {latest: 2}
            labels: {stable: 1, canary: 2}   # canary since Monday
          - name: weather
            base_path: serving/weather
            labels: {stable: 7}
        """;
    Files.writeString(config, before);
    LabelMove.Moved m = LabelMove.of("penguins", "canary", "stable").apply(config);
    assertThat(m.version()).isEqualTo(2);
    assertThat(m.previousVersion()).isEqualTo(1L);
    assertThat(m.commentsKept()).isTrue();
    assertThat(Files.readString(config)).isEqualTo(before.replace("{stable: 1, canary: 2}", "{stable: 2, canary: 2}"));
    assertThat(labels("penguins")).isEqualTo(Map.of("stable", 2L, "canary", 2L));
    assertThat(labels("weather")).isEqualTo(Map.of("stable", 7L));
    // No temporary file is left beside it.
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("models.yaml", "serving");
    }
  }

  @Test
  void editsABlockMappingAndAddsALabelThatIsNew() throws Exception {
    String before = """
        models:
          - name: penguins
            base_path: serving/penguins
            labels:
              canary: 3   # the new one
              # stable comes later
        """;
    Files.writeString(config, before);
    LabelMove.Moved m = LabelMove.of("penguins", "canary", "stable").apply(config);
    assertThat(m.previousVersion()).isNull();
    assertThat(m.commentsKept()).isTrue();
    assertThat(Files.readString(config)).contains("canary: 3   # the new one").contains("# stable comes later");
    assertThat(labels("penguins")).isEqualTo(Map.of("stable", 3L, "canary", 3L));

    // A block mapping whose label exists: only its number changes.
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels:\n      stable: 1 # old\n      canary: 2\n");
    LabelMove.of("penguins", "canary", "stable").apply(config);
    assertThat(Files.readString(config)).isEqualTo("models:\n  - name: penguins\n    base_path: serving/penguins\n    labels:\n      stable: 2 # old\n      canary: 2\n");
    // Rolling a canary back is the same move the other way.
    Files.writeString(config, "models:\n  - {name: penguins, base_path: serving/penguins, labels: {stable: 1, canary: 2}}\n");
    LabelMove.of("penguins", "stable", "canary").apply(config);
    assertThat(labels("penguins")).isEqualTo(Map.of("stable", 1L, "canary", 1L));
  }

  @Test
  void refusesWhatItCannotMove() throws Exception {
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels: {stable: 1, canary: 2, old: 9}\n");
    String before = Files.readString(config);
    assertThatThrownBy(() -> LabelMove.of("flights", "canary", "stable").apply(config)).isInstanceOf(ConfigException.class)
        .hasMessage(config + ": no model 'flights'; models there: penguins");
    assertThatThrownBy(() -> LabelMove.of("penguins", "beta", "stable").apply(config)).isInstanceOf(ConfigException.class)
        .hasMessage(config + ": model 'penguins' has no label 'beta'; its labels: canary -> 2, old -> 9, stable -> 1");
    assertThatThrownBy(() -> LabelMove.of("penguins", "old", "stable").apply(config)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("names version 9, which is not in " + dir.resolve("serving/penguins"));
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels: {stable: 2, canary: 2}\n");
    assertThatThrownBy(() -> LabelMove.of("penguins", "canary", "stable").apply(config)).isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("label 'stable' of model 'penguins' names version 2 already, as 'canary' does: nothing to move");
    assertThat(Files.readString(config)).isNotEqualTo(before);
  }

  @Test
  void aModelWithoutLabelsIsRefused() throws Exception {
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n");
    assertThatThrownBy(() -> LabelMove.of("penguins", "canary", "stable").apply(config))
        .hasMessage(config + ": model 'penguins' has no label 'canary'; it has no labels");
  }
}
