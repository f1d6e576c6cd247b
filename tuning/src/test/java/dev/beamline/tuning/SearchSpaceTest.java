package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** The search space: its YAML form, sampling, the unit cube and the Bayesian search's coding. */
class SearchSpaceTest {
  static final String YAML = String.join("\n",
      "learning_rate: {float: [1e-4, 1e-1], log: true}",
      "batch_size: {int: [16, 256], log: true}",
      "hidden_units: {choice: [[16], [32, 16], [64, 32]]}",
      "model: {choice: [dnn, wide_deep]}",
      "");

  static SearchSpace space() throws Exception {
    return SearchSpace.parse(YamlFiles.YAML.readTree(YAML), "tune.search_space");
  }

  @Test
  void theYamlFormParsesInOrder() throws Exception {
    SearchSpace s = space();
    assertThat(s.names()).containsExactly("learning_rate", "batch_size", "hidden_units", "model");
    assertThat(s.parameters()).containsExactly(
        Map.entry("learning_rate", new Parameter.FloatRange(1e-4, 0.1, true)),
        Map.entry("batch_size", new Parameter.IntRange(16, 256, true)),
        Map.entry("hidden_units", new Parameter.Choice(List.of(List.of(16), List.of(32, 16), List.of(64, 32)))),
        Map.entry("model", new Parameter.Choice(List.of("dnn", "wide_deep"))));
    assertThat(SearchSpace.parse(s.toJson(), "x")).isEqualTo(s);
    assertThat(SerializableUtils.clone(s)).isEqualTo(s);
    assertThat(s.size()).isEqualTo(Long.MAX_VALUE);
    // The order is part of the space: it is the order values are drawn in.
    Map<String, Parameter> reversed = new LinkedHashMap<>();
    List.of("model", "hidden_units", "batch_size", "learning_rate").forEach(n -> reversed.put(n, s.parameters().get(n)));
    assertThat(SearchSpace.of(reversed)).isNotEqualTo(s);
  }

  @Test
  void errorsNameTheKey() {
    assertParseRefused("learning_rate: {float: [0, 1e-1], log: true}\n", "tune.search_space.learning_rate: a log range needs min > 0, got [0.0, 0.1]");
    assertParseRefused("model: {choise: [dnn]}\n", "tune.search_space.model: unknown key 'choise'; did you mean 'choice'? (known keys here: choice, float, int, log)");
    assertParseRefused("{}", "tune.search_space: needs at least one parameter, as name: {choice: [...]}, {int: [min, max]} or {float: [min, max]}");
    assertParseRefused("[a, b]", "tune.search_space: needs at least one parameter, as name: {choice: [...]}, {int: [min, max]} or {float: [min, max]}");
  }

  private static void assertParseRefused(String yaml, String message) {
    assertThatThrownBy(() -> SearchSpace.parse(YamlFiles.YAML.readTree(yaml), "tune.search_space"))
        .isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void samplesLieInTheSpaceAndRoundTripThroughTheUnitCube() throws Exception {
    SearchSpace s = space();
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < 200; i++) {
      Map<String, Object> v = s.sample(random);
      assertThat(v.keySet()).containsExactly("learning_rate", "batch_size", "hidden_units", "model");
      assertThat((Double) v.get("learning_rate")).isBetween(1e-4, 0.1);
      assertThat((Integer) v.get("batch_size")).isBetween(16, 256);
      double[] u = s.toUnit(v);
      assertThat(u).hasSize(4);
      assertThat(java.util.Arrays.stream(u).allMatch(x -> x >= 0 && x <= 1)).isTrue();
      Map<String, Object> back = s.fromUnit(u);
      assertThat(back.get("batch_size")).isEqualTo(v.get("batch_size"));
      assertThat(back.get("hidden_units")).isEqualTo(v.get("hidden_units"));
      assertThat(back.get("model")).isEqualTo(v.get("model"));
      assertThat((Double) back.get("learning_rate")).isCloseTo((Double) v.get("learning_rate"), within(1e-15));
    }
    // The same seed draws the same points.
    assertThat(s.sample(new SplittableRandom(9))).isEqualTo(s.sample(new SplittableRandom(9)));
    assertThatThrownBy(() -> s.toUnit(Map.of("learning_rate", 0.01))).hasMessageStartingWith("no value for parameter 'batch_size'");
  }

  @Test
  void theCodingIsOneHotForChoices() throws Exception {
    SearchSpace s = space();
    assertThat(s.encodedWidth()).isEqualTo(1 + 1 + 3 + 2);
    Map<String, Object> v = Map.of("learning_rate", 1e-4, "batch_size", 16, "hidden_units", List.of(32, 16), "model", "wide_deep");
    double batch = (Math.log(16) - Math.log(15.5)) / (Math.log(256.5) - Math.log(15.5));
    assertThat(s.encode(v)).containsExactly(new double[] {0, batch, 0, 1, 0, 0, 1}, within(1e-12));
  }

  @Test
  void perturbingStaysInTheSpaceAndMovesLittleAtSmallScales() throws Exception {
    SearchSpace s = space();
    SplittableRandom random = new SplittableRandom(3);
    Map<String, Object> v = s.sample(random);
    int choiceMoves = 0;
    for (int i = 0; i < 500; i++) {
      Map<String, Object> w = s.perturb(v, 0.01, random);
      double[] a = s.toUnit(v);
      double[] b = s.toUnit(w);
      assertThat(Math.abs(a[0] - b[0])).isLessThan(0.06);
      choiceMoves += w.get("model").equals(v.get("model")) ? 0 : 1;
    }
    // A choice moves with probability 0.01.
    assertThat(choiceMoves).isBetween(1, 15);
  }

  @Test
  void aSpaceWithoutFloatsCanBeCountedAndListed() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("layers", new Parameter.IntRange(1, 3, false));
    p.put("model", new Parameter.Choice(List.of("dnn", "linear")));
    SearchSpace s = SearchSpace.of(p);
    assertThat(s.size()).isEqualTo(6);
    assertThat(s.points()).containsExactly(
        Map.of("layers", 1, "model", "dnn"), Map.of("layers", 1, "model", "linear"),
        Map.of("layers", 2, "model", "dnn"), Map.of("layers", 2, "model", "linear"),
        Map.of("layers", 3, "model", "dnn"), Map.of("layers", 3, "model", "linear"));
    assertThat(s.with("lr", new Parameter.FloatRange(0, 1, false)).size()).isEqualTo(Long.MAX_VALUE);
  }
}
