package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ModelConfigFileTest {
  private static final Path DIR = Path.of("/srv/conf");

  private static List<ModelConfig> parse(String yaml) {
    return ModelConfigFile.parse(yaml, "models.yaml", DIR);
  }

  @Test
  void readsPoliciesLabelsAndResolvesBasePaths() {
    List<ModelConfig> models = parse("""
        models:
          - name: penguins
            base_path: serving/penguins
            version_policy: {latest: 2}
            labels: {stable: 1, canary: 2}
          - name: weather
            base_path: /models/weather
            version_policy: all
          - name: flights
            base_path: gs://bucket/flights
            version_policy: {specific: [3, 5]}
        """);
    assertThat(models).hasSize(3);
    assertThat(models.get(0).basePath()).isEqualTo("/srv/conf/serving/penguins");
    assertThat(models.get(0).policy()).isEqualTo(VersionPolicy.latest(2));
    assertThat(models.get(0).labels()).containsEntry("stable", 1L).containsEntry("canary", 2L);
    assertThat(models.get(1).policy()).isEqualTo(VersionPolicy.all());
    assertThat(models.get(2).basePath()).isEqualTo("gs://bucket/flights");
    assertThat(models.get(2).policy()).isEqualTo(VersionPolicy.specific(List.of(3L, 5L)));
    assertThat(parse("models: [{name: a, base_path: x}]").get(0).policy()).isEqualTo(VersionPolicy.latest(1));
  }

  @Test
  void policiesSelectVersions() {
    NavigableSet<Long> disk = new TreeSet<>(List.of(1L, 2L, 3L, 7L));
    assertThat(VersionPolicy.latest(1).select(disk)).containsExactly(7L);
    assertThat(VersionPolicy.latest(2).select(disk)).containsExactly(3L, 7L);
    assertThat(VersionPolicy.latest(9).select(disk)).containsExactly(1L, 2L, 3L, 7L);
    assertThat(VersionPolicy.all().select(disk)).containsExactly(1L, 2L, 3L, 7L);
    assertThat(VersionPolicy.specific(List.of(2L, 5L)).select(disk)).containsExactly(2L);
  }

  @Test
  void typosAndBadValuesNameTheFileLineAndKey() {
    assertThatThrownBy(() -> parse("models:\n  - name: a\n    base_path: x\n    lables: {stable: 1}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("models.yaml line 4").hasMessageContaining("did you mean 'labels'?");
    assertThatThrownBy(() -> parse("models:\n  - name: a\n    base_path: x\n    version_policy: {latset: 2}\n"))
        .hasMessageContaining("models.yaml line 4").hasMessageContaining("unknown policy 'latset'; did you mean 'latest'?");
    assertThatThrownBy(() -> parse("models:\n  - name: a\n    base_path: x\n    version_policy: {latest: 0}\n"))
        .hasMessageContaining("latest: give a number of versions, at least 1");
    assertThatThrownBy(() -> parse("models:\n  - name: ../etc\n    base_path: x\n"))
        .hasMessageContaining("models.yaml line 2").hasMessageContaining("'../etc' is not a valid model name");
    assertThatThrownBy(() -> parse("models:\n  - name: a\n")).hasMessageContaining("base_path: missing");
    assertThatThrownBy(() -> parse("models:\n  - {name: a, base_path: x}\n  - {name: a, base_path: y}\n")).hasMessageContaining("model 'a' is listed twice");
    assertThatThrownBy(() -> parse("models:\n  - name: a\n    base_path: x\n    labels: {stable: one}\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("models.yaml line 4");
    assertThatThrownBy(() -> parse("models: []\n")).hasMessageContaining("no models");
  }
}
