package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.training.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** A trial's features: the base without any slot's alternatives, with the chosen ones appended. */
class FeatureChoicesTest {
  private static final List<String> BASE = List.of("wind", "month_id", "temp_max", "month_cyc", "month_onehot", "hour_id");

  private static FeatureChoices choices() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("learning_rate", new Parameter.FloatRange(0.001, 0.1, true));
    p.put("features.month", new Parameter.Choice(List.of("month_id", "month_cyc", "month_onehot", "none")));
    p.put("features.hour", new Parameter.Choice(List.of("hour_id", "hour_cyc")));
    return FeatureChoices.of(SearchSpace.of(p));
  }

  private static Map<String, Object> values(Object month, Object hour) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("learning_rate", 0.01);
    v.put("features.month", month);
    v.put("features.hour", hour);
    return v;
  }

  @Test
  void theChosenAlternativesReplaceEveryAlternativeOfTheirSlot() {
    FeatureChoices c = choices();
    assertThat(c.slots()).containsOnlyKeys("features.month", "features.hour");
    assertThat(c.slots().get("features.month")).containsExactly("month_id", "month_cyc", "month_onehot");
    assertThat(c.alternatives()).containsExactly("month_id", "month_cyc", "month_onehot", "hour_id", "hour_cyc");
    // Worked by hand: wind and temp_max stay in place; then month's choice, then hour's.
    assertThat(c.features(BASE, values("month_cyc", "hour_id"))).containsExactly("wind", "temp_max", "month_cyc", "hour_id");
    assertThat(c.features(BASE, values("month_onehot", "hour_cyc"))).containsExactly("wind", "temp_max", "month_onehot", "hour_cyc");
    assertThat(c.features(BASE, values("none", "hour_cyc"))).containsExactly("wind", "temp_max", "hour_cyc");
    // An alternative the base did not list is added all the same.
    assertThat(c.features(List.of("wind"), values("month_id", "hour_id"))).containsExactly("wind", "month_id", "hour_id");
    assertThat(SerializableUtils.clone(c).features(BASE, values("month_id", "hour_id"))).containsExactly("wind", "temp_max", "month_id", "hour_id");
  }

  @Test
  void valuesOutsideTheSlotAreRefused() {
    FeatureChoices c = choices();
    assertThatThrownBy(() -> c.features(BASE, values("wind", "hour_id")))
        .hasMessage("'features.month' is wind, which is not one of [month_id, month_cyc, month_onehot] or none");
    Map<String, Object> missing = values("month_id", "hour_id");
    missing.remove("features.hour");
    assertThatThrownBy(() -> c.features(BASE, missing)).hasMessageStartingWith("no value for 'features.hour'");
    assertThatThrownBy(() -> FeatureChoices.of(SearchSpace.of(Map.of("features.month", new Parameter.IntRange(1, 3, false)))))
        .hasMessageContaining("'features.month' chooses among features: it must be {choice: [feature, ..., none]}");
  }

  @Test
  void aSpaceWithoutSlotsChoosesNoFeatures() {
    assertThat(FeatureChoices.of(SearchSpace.of(Map.of("learning_rate", new Parameter.FloatRange(0.001, 0.1, true)))).isEmpty()).isTrue();
    assertThat(FeatureChoices.isSlot("features.month")).isTrue();
    assertThat(FeatureChoices.isSlot("features")).isFalse();
    assertThat(FeatureChoices.isSlot("features.")).isFalse();
  }

  @Test
  void aTrialTrainsOnItsFeaturesAndRecordsItsChoice() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("features.month", new Parameter.Choice(List.of("month_id", "month_cyc", "none")));
    p.put("learning_rate", new Parameter.FloatRange(0.001, 0.1, true));
    TuneConfig tune = TuneConfig.random(SearchSpace.of(p), 2);
    TrainConfig base = TrainConfig.defaults("weather").withFeatures(List.of("wind", "month_id", "month_cyc"));
    TrialRunner runner = new TrialRunner(base, tune);
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("features.month", "month_cyc");
    values.put("learning_rate", 0.02);
    TrialSpec spec = TrialSpec.of(1, values, 7);
    assertThat(runner.trainValues(spec).toString())
        .isEqualTo("{\"features.month\":\"month_cyc\",\"learning_rate\":0.02,\"features\":[\"wind\",\"month_cyc\"]}");
    TrainConfig trial = runner.configOf(spec);
    assertThat(trial.features()).containsExactly("wind", "month_cyc");
    assertThat(trial.learningRate()).isEqualTo(0.02);
    assertThat(trial.seed()).isEqualTo(7);
    // Without the listed base features a slot could not say what the model reads besides its choice.
    assertThatThrownBy(() -> new TrialRunner(TrainConfig.defaults("weather"), tune)).hasMessageContaining("needs the base features listed");
  }
}
