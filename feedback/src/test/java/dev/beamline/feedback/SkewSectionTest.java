package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@code feedback.skew}: YAML to {@link SkewConfig}, its defaults (validation's thresholds), the stage it makes, its errors. */
class SkewSectionTest {
  private static final String[] MINIMAL = {"feedback:", "  request_log: logs", "  labels: {input: labels.csv, label: species}"};

  private static ConfigSection section(String... lines) throws Exception {
    String text = String.join("\n", lines) + "\n";
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("feedback", root.get("feedback"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work"), root);
  }

  @Test
  void withoutTheKeyThereIsNoSkewStage() throws Exception {
    assertThat(FeedbackStageFactory.skew(section(MINIMAL))).isNull();
  }

  @Test
  void theKeyBindsWithValidationsDefaults() throws Exception {
    SkewConfig c = FeedbackStageFactory.skew(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  skew: {}"));
    assertThat(c).isEqualTo(SkewConfig.of());
    assertThat(c.categorical()).isEqualTo(0.1);
    assertThat(c.numeric()).isEqualTo(0.1);
    assertThat(c.windowOr(Duration.ofDays(1))).isEqualTo(Duration.ofDays(1));
    SkewConfig set = FeedbackStageFactory.skew(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  skew:", "    window: 6h",
        "    thresholds: {numeric: 0.05}", "    baseline_split: eval", "    per_version: false"));
    assertThat(set).isEqualTo(new SkewConfig(Duration.ofHours(6), 0.1, 0.05, "eval", false));
    assertThat(FeedbackStageFactory.skewParameters(FeedbackStageFactory.bind(section(MINIMAL)), set).toString()).isEqualTo(
        "{\"model\":null,\"label\":\"species\",\"skew\":{\"window\":\"6h\",\"thresholds\":{\"categorical\":0.1,\"numeric\":0.05},"
            + "\"baseline_split\":\"eval\",\"per_version\":false}}");
  }

  @Test
  void theFactoryMakesTheSkewStageAfterTheOthers() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("feedback")).findFirst().orElseThrow();
    List<Stage<?>> stages = factory.create(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  skew: {window: 1d}"));
    Stage<?> skew = stages.get(stages.size() - 1);
    assertThat(skew.name()).isEqualTo("serving_skew");
    assertThat(skew.consumes()).extracting(p -> p.kind().name()).containsExactly("JOINED_TRAFFIC", "STATISTICS");
    assertThat(skew.produces()).extracting(p -> p.kind().name()).containsExactly("SERVING_SKEW");
  }

  @Test
  void badValuesAreNamedWithTheirLineAndKey() {
    assertThatThrownBy(() -> FeedbackStageFactory.skew(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  skew:", "    thresholds: {categorical: 1.5}")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.skew.thresholds': categorical threshold must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> FeedbackStageFactory.skew(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  skew: {windw: 1d}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: unknown key 'feedback.skew.windw'; did you mean 'window'?");
  }
}
