package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.YamlFiles;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** One parameter: sampling on its scale, the unit interval and back, and its YAML form. */
class ParameterTest {
  private static Parameter parse(String yaml) throws Exception {
    return Parameter.parse(YamlFiles.YAML.readTree(yaml));
  }

  private static double[] samples(Parameter p, int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = ((Number) p.sample(random)).doubleValue();
    }
    Arrays.sort(out);
    return out;
  }

  @Test
  void aLogRangeIsSampledLogUniformly() {
    // Log-uniform on [1e-4, 1]: the median is the geometric mean of the ends, 1e-2; a quarter lies below 1e-3.
    double[] s = samples(new Parameter.FloatRange(1e-4, 1, true), 20_001, 1);
    assertThat(s[10_000]).isBetween(0.9e-2, 1.1e-2);
    assertThat(s[5_000]).isBetween(0.9e-3, 1.1e-3);
    assertThat(s[0]).isGreaterThanOrEqualTo(1e-4);
    assertThat(s[20_000]).isLessThanOrEqualTo(1);
    // The same range on the linear scale: the median is the middle.
    assertThat(samples(new Parameter.FloatRange(1e-4, 1, false), 20_001, 1)[10_000]).isCloseTo(0.5, within(0.02));
  }

  @Test
  void anIntRangeGivesEveryWholeNumberItsShare() {
    double[] s = samples(new Parameter.IntRange(1, 6, false), 60_000, 2);
    for (int v = 1; v <= 6; v++) {
      int value = v;
      long count = Arrays.stream(s).filter(x -> x == value).count();
      assertThat(count / 60_000.0).as("share of %s", v).isCloseTo(1 / 6.0, within(0.01));
    }
    // On the log scale n owns [n - 1/2, n + 1/2]: 1 gets log(1.5 / 0.5) / log(1000.5 / 0.5) = 0.1445 of [1, 1000].
    double[] log = samples(new Parameter.IntRange(1, 1000, true), 60_000, 3);
    assertThat(Arrays.stream(log).filter(x -> x == 1).count() / 60_000.0).isCloseTo(Math.log(3) / Math.log(2001), within(0.01));
    // The median: the continuous one, sqrt(0.5 * 1000.5) = 22.4, rounded.
    assertThat(log[30_000]).isBetween(21.0, 23.0);
    assertThat(log[0]).isEqualTo(1);
    assertThat(log[59_999]).isLessThanOrEqualTo(1000);
  }

  @Test
  void unitPositionsAreExactAndRoundTrip() {
    Parameter.FloatRange linear = new Parameter.FloatRange(0, 10, false);
    assertThat(linear.toUnit(2.5)).isEqualTo(0.25);
    assertThat(linear.fromUnit(0.25)).isEqualTo(2.5);
    Parameter.FloatRange log = new Parameter.FloatRange(1e-4, 1, true);
    assertThat(log.toUnit(1e-2)).isCloseTo(0.5, within(1e-15));
    assertThat(log.fromUnit(0)).isEqualTo(1e-4);
    assertThat(log.fromUnit(1)).isEqualTo(1.0);
    assertThat(log.fromUnit(-3)).isEqualTo(1e-4); // clamped
    for (double u = 0; u <= 1; u += 0.037) {
      assertThat(log.toUnit(log.fromUnit(u))).isCloseTo(u, within(1e-12));
      double x = linear.fromUnit(u);
      assertThat(linear.fromUnit(linear.toUnit(x))).isCloseTo(x, within(1e-12));
    }

    // An integer sits in the middle of its stretch: 1 of [1, 6] at (1 - 0.5) / (6.5 - 0.5) = 1/12.
    Parameter.IntRange ints = new Parameter.IntRange(1, 6, false);
    assertThat(ints.toUnit(1)).isEqualTo(1 / 12.0);
    assertThat(ints.fromUnit(0)).isEqualTo(1);
    assertThat(ints.fromUnit(1)).isEqualTo(6);
    assertThat(ints.fromUnit(0.5)).isEqualTo(4); // 0.5 + 3 = 3.5 rounds half up
    for (Parameter.IntRange r : List.of(ints, new Parameter.IntRange(-3, 4, false), new Parameter.IntRange(16, 256, true), new Parameter.IntRange(1, 2, true))) {
      for (int v = r.min(); v <= r.max(); v++) {
        assertThat(r.fromUnit(r.toUnit(v))).as("%s in %s", v, r).isEqualTo(v);
      }
    }
    // A whole number of another type is the same value.
    assertThat(ints.toUnit(3L)).isEqualTo(ints.toUnit(3)).isEqualTo(ints.toUnit(3.0));

    Parameter.Choice choice = new Parameter.Choice(List.of("dnn", "linear", "wide_deep", "x"));
    assertThat(choice.toUnit("linear")).isEqualTo(0.375);
    assertThat(choice.fromUnit(0.375)).isEqualTo("linear");
    assertThat(choice.fromUnit(1)).isEqualTo("x");
    for (Object v : choice.values()) {
      assertThat(choice.fromUnit(choice.toUnit(v))).isEqualTo(v);
    }
  }

  @Test
  void valuesOutsideTheParameterAreRefused() {
    assertThatThrownBy(() -> new Parameter.IntRange(1, 6, false).toUnit(2.5)).hasMessage("2.5 is not a whole number in [1, 6]");
    assertThatThrownBy(() -> new Parameter.IntRange(1, 6, false).toUnit(7)).hasMessage("7 is not a whole number in [1, 6]");
    assertThatThrownBy(() -> new Parameter.FloatRange(0, 1, false).toUnit("a")).hasMessage("a is not a number in [0.0, 1.0]");
    assertThatThrownBy(() -> new Parameter.Choice(List.of("a", "b")).toUnit("c")).hasMessage("c is not one of the choices [a, b]");
  }

  @Test
  void choicesHoldPlainJsonValues() {
    Parameter.Choice c = new Parameter.Choice(List.of(List.of(16L), List.of(32, 16), "dnn", 0.5f, Map.of("a", 1), true));
    assertThat(c.values()).containsExactly(List.of(16), List.of(32, 16), "dnn", 0.5, Map.of("a", 1), true);
    assertThat(c.values().get(0)).isInstanceOf(List.class).isEqualTo(List.of(16));
    assertThat(((List<?>) c.values().get(0)).get(0)).isInstanceOf(Integer.class);
    assertThat(c.toUnit(List.of(16L))).isEqualTo(c.toUnit(List.of(16)));
    assertThat(c.size()).isEqualTo(6);
    assertThatThrownBy(() -> new Parameter.Choice(List.of("a", "b", "a"))).hasMessage("choice values must be distinct, \"a\" appears twice");
    assertThatThrownBy(() -> new Parameter.Choice(List.of())).hasMessage("a choice needs at least one value");
    assertThatThrownBy(() -> new Parameter.Choice(List.of(new Object()))).hasMessageStartingWith("choice values must be JSON values");
  }

  @Test
  void theYamlFormsParseAndPrintBack() throws Exception {
    assertThat(parse("{float: [1e-4, 1e-1], log: true}")).isEqualTo(new Parameter.FloatRange(1e-4, 0.1, true));
    assertThat(parse("{float: [0, 1]}")).isEqualTo(new Parameter.FloatRange(0, 1, false));
    assertThat(parse("{int: [16, 256], log: true}")).isEqualTo(new Parameter.IntRange(16, 256, true));
    assertThat(parse("{int: [1, 3], log: false}")).isEqualTo(new Parameter.IntRange(1, 3, false));
    assertThat(parse("{choice: [[16], [32, 16], [64, 32]]}")).isEqualTo(new Parameter.Choice(List.of(List.of(16), List.of(32, 16), List.of(64, 32))));
    assertThat(parse("{choice: [dnn, wide_deep, null]}")).isEqualTo(new Parameter.Choice(Arrays.asList("dnn", "wide_deep", null)));

    assertThat(new Parameter.FloatRange(1e-4, 0.1, true).toJson().toString()).isEqualTo("{\"float\":[1.0E-4,0.1],\"log\":true}");
    assertThat(new Parameter.IntRange(16, 256, false).toJson().toString()).isEqualTo("{\"int\":[16,256],\"log\":false}");
    assertThat(new Parameter.Choice(List.of(List.of(16), "a")).toJson().toString()).isEqualTo("{\"choice\":[[16],\"a\"]}");
    for (Parameter p : List.of(new Parameter.FloatRange(1e-4, 0.1, true), new Parameter.IntRange(-2, 9, false), new Parameter.Choice(List.of(List.of(16), "a", 2.5)))) {
      assertThat(Parameter.parse(p.toJson())).isEqualTo(p);
      assertThat(SerializableUtils.clone(p)).isEqualTo(p);
    }
  }

  @Test
  void badFormsAreExplained() {
    assertRefused("0.1", "a parameter is {choice: [a, b, ...]}, {int: [min, max]} or {float: [min, max]}, with log: true for a log scale, got 0.1");
    assertRefused("{flaot: [0, 1]}", "unknown key 'flaot'; did you mean 'float'? (known keys here: choice, float, int, log)");
    assertRefused("{log: true}", "needs exactly one of choice, int or float, got none");
    assertRefused("{int: [1, 2], float: [1, 2]}", "needs exactly one of choice, int or float, got int and float");
    assertRefused("{float: [0, 1e-1], log: true}", "a log range needs min > 0, got [0.0, 0.1]");
    assertRefused("{int: [0, 10], log: true}", "a log range needs min > 0, got [0, 10]");
    assertRefused("{float: [1, 1]}", "needs min < max, got [1.0, 1.0]");
    assertRefused("{int: [5, 2]}", "needs min < max, got [5, 2]");
    assertRefused("{float: [1]}", "'float' needs [min, max], got [1]");
    assertRefused("{float: [a, 1]}", "'float' needs [min, max], got [\"a\",1]");
    assertRefused("{int: [1.5, 4]}", "'int' needs whole numbers, got [1.5,4]");
    assertRefused("{float: [1, 2], log: yes please}", "'log' must be true or false, got \"yes please\"");
    assertRefused("{choice: [a, b], log: true}", "'log' applies to int and float ranges, not to a choice");
    assertRefused("{choice: []}", "'choice' needs a non-empty list of values, got []");
    assertRefused("{choice: a}", "'choice' needs a non-empty list of values, got \"a\"");
  }

  private static void assertRefused(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  static JsonNode json(String yaml) throws Exception {
    return YamlFiles.YAML.readTree(yaml);
  }
}
