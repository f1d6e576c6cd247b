package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.StageFactory;
import java.nio.file.Paths;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code evaluate:} section: YAML to the Java API, the canonical parameters, and the errors. */
class EvaluateStageFactoryTest {
  private static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("evaluate", root.get("evaluate"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work"));
  }

  private static EvaluateConfig bind(String text) throws Exception {
    return EvaluateStageFactory.bind(section(text));
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    String yaml = String.join("\n",
        "evaluate:",
        "  split: test",
        "  slices: [island, [sex, island], {feature: body_mass_g, buckets: [3500, 4500]}, {feature: seen, part: hour}]",
        "  min_slice_size: 5",
        "  bootstrap: {samples: 50, seed: 7}",
        "  thresholds:",
        "    - {metric: accuracy, lower_bound: 0.9}",
        "    - {metric: log_loss, slice: 'island=Dream', change: {direction: lower_is_better, absolute: 0.05}}",
        "  bias: {sensitive: [sex], max_gap: {accuracy: 0.1}}",
        "");
    EvaluateConfig expected = EvaluateConfig.defaults()
        .withSplit("test")
        .withSlices(List.of(
            SliceSpec.of(SliceSpec.Feature.values("island")),
            SliceSpec.of(SliceSpec.Feature.values("sex"), SliceSpec.Feature.values("island")),
            SliceSpec.of(SliceSpec.Feature.buckets("body_mass_g", List.of(3500.0, 4500.0))),
            SliceSpec.of(SliceSpec.Feature.timePart("seen", "hour"))))
        .withMinSliceSize(5)
        .withBootstrap(50, 7)
        .withSensitive(List.of("sex"))
        .withBlessing(BlessingCriteria.of(
            List.of(MetricThreshold.of("accuracy").withLowerBound(0.9),
                MetricThreshold.of("log_loss").withSlice("island=Dream").withDirection(MetricThreshold.Direction.LOWER_IS_BETTER)
                    .withAbsoluteChange(0.05)),
            List.of(BiasThreshold.of("sex", "accuracy", 0.1))));
    assertThat(bind(yaml)).isEqualTo(expected);
    assertThat(EvaluateStageFactory.parameters(bind(yaml)).toString()).isEqualTo(EvaluateStageFactory.parameters(expected).toString());
    assertThat(bind("evaluate: {}\n")).isEqualTo(EvaluateConfig.defaults());
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() {
    assertRejected("evaluate:\n  thresholds:\n    - {metric: acuracy, lower_bound: 0.9}\n",
        "p.yaml line 2: bad value for 'evaluate.thresholds': item 0: unknown metric 'acuracy'; did you mean 'accuracy'?");
    assertRejected("evaluate:\n  slices: [{feature: mass, bucket: [1]}]\n",
        "p.yaml line 2: bad value for 'evaluate.slices': item 0: unknown key 'bucket' in a slice feature (known keys: buckets, feature, part)");
    assertRejected("evaluate:\n  slices: [{feature: seen, part: minute}]\n",
        "p.yaml line 2: bad value for 'evaluate.slices': item 0: unknown time part 'minute' (one of: hour, weekday, month, year)");
    assertRejected("evaluate:\n  min_slice_size: 0\n", "p.yaml line 2: bad value for 'evaluate.min_slice_size': min_slice_size must be at least 1; got 0");
    assertRejected("evaluate:\n  bias: {max_gap: {accuracy: 0.1}}\n",
        "p.yaml line 2: 'evaluate.bias.max_gap' needs 'evaluate.bias.sensitive': the features whose groups are compared");
    assertRejected("evaluate:\n  bias: {sensitive: [sex], max_gap: {parity: 0.1}}\n",
        "p.yaml line 2: unknown bias metric 'parity' in 'evaluate.bias.max_gap' (one of: positive_rate, true_positive_rate, false_positive_rate, accuracy)");
    assertThatThrownBy(() -> bind("evaluate:\n  slise: [a]\n")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 2: unknown key 'evaluate.slise'; did you mean 'slices'?");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
  }

  @Test
  void theFactoryIsFoundAndMakesTheStage() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("evaluate")).findFirst().orElseThrow();
    assertThat(factory.create(section("evaluate: {}\n"))).singleElement().isInstanceOf(EvaluateStage.class);
  }
}
