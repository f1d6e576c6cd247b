package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BiasGapsTest {
  static final List<String> YES_NO = List.of("no", "yes");

  private static Prediction binary(int label, double p1, double weight) {
    return Prediction.of(label, new double[] {1 - p1, p1}, weight);
  }

  private static List<Prediction> times(int n, Prediction p) {
    return Collections.nCopies(n, p);
  }

  static ClassificationMetrics metrics(List<Prediction> rows) {
    return ClassificationMetricsFnTest.compute(ClassificationMetricsFn.of(rows.get(0).numClasses()), rows);
  }

  @SafeVarargs
  private static List<Prediction> rows(List<Prediction>... parts) {
    List<Prediction> all = new ArrayList<>();
    for (List<Prediction> p : parts) {
      all.addAll(p);
    }
    return all;
  }

  /**
   * MALE: 3 true positives, 1 false negative, 4 true negatives (weight 8). FEMALE: one of each (weight 4). NOPOS:
   * 2 true negatives. SMALL: one example of weight 0.5. ZERO: one of weight 0.
   */
  static Map<String, ClassificationMetrics> groups() {
    Map<String, ClassificationMetrics> g = new LinkedHashMap<>();
    g.put("ZERO", metrics(List.of(binary(1, 0.9, 0))));
    g.put("MALE", metrics(rows(times(3, binary(1, 0.9, 1)), times(1, binary(1, 0.2, 1)), times(4, binary(0, 0.1, 1)))));
    g.put("FEMALE", metrics(List.of(binary(1, 0.9, 1), binary(1, 0.2, 1), binary(0, 0.8, 1), binary(0, 0.1, 1))));
    g.put("NOPOS", metrics(times(2, binary(0, 0.1, 1))));
    g.put("SMALL", metrics(List.of(binary(1, 0.9, 0.5))));
    return g;
  }

  @Test
  void binaryGapsAreHandComputedAndNameBothGroups() {
    BiasGaps gaps = BiasGaps.compute("sex", groups(), YES_NO);
    assertThat(gaps.feature()).isEqualTo("sex");
    assertThat(gaps.minWeight()).isEqualTo(1.0);
    assertThat(gaps.groups()).containsExactly(
        new BiasGaps.Group("FEMALE", 4, 4, null),
        new BiasGaps.Group("MALE", 8, 8, null),
        new BiasGaps.Group("NOPOS", 2, 2, null),
        new BiasGaps.Group("SMALL", 1, 0.5, "weight 0.5 is below the minimum 1"),
        new BiasGaps.Group("ZERO", 1, 0, "weight 0 is below the minimum 1"));
    Map<String, String> small = new LinkedHashMap<>();
    small.put("SMALL", "weight 0.5 is below the minimum 1");
    small.put("ZERO", "weight 0 is below the minimum 1");
    Map<String, String> noPositives = new LinkedHashMap<>();
    noPositives.put("NOPOS", "no weight of class yes");
    noPositives.putAll(small);
    assertThat(gaps.gaps()).containsExactly(
        new BiasGaps.Gap("positive_rate", Map.of("FEMALE", 0.5, "MALE", 0.375, "NOPOS", 0.0), small, 0.5, "FEMALE", "NOPOS"),
        new BiasGaps.Gap("true_positive_rate", Map.of("FEMALE", 0.5, "MALE", 0.75), noPositives, 0.25, "MALE", "FEMALE"),
        // MALE and NOPOS tie at 0: the first by name is the minimum.
        new BiasGaps.Gap("false_positive_rate", Map.of("FEMALE", 0.5, "MALE", 0.0, "NOPOS", 0.0), small, 0.5, "FEMALE", "MALE"),
        new BiasGaps.Gap("accuracy", Map.of("FEMALE", 0.5, "MALE", 0.875, "NOPOS", 1.0), small, 0.5, "NOPOS", "FEMALE"));
    // Values in the order of the group names.
    assertThat(gaps.gap("positive_rate").orElseThrow().values().keySet()).containsExactly("FEMALE", "MALE", "NOPOS");
    assertThat(gaps.gap("true_positive_rate/yes")).isEmpty();
  }

  @Test
  void theMinimumWeightIsInclusiveAndConfigurable() {
    BiasGaps half = BiasGaps.compute("sex", groups(), YES_NO, 0.5);
    assertThat(half.groups().get(3)).isEqualTo(new BiasGaps.Group("SMALL", 1, 0.5, null));
    assertThat(half.gap("true_positive_rate").orElseThrow().values()).containsExactly(
        entry("FEMALE", 0.5), entry("MALE", 0.75), entry("SMALL", 1.0));
    BiasGaps zero = BiasGaps.compute("sex", groups(), YES_NO, 0);
    assertThat(zero.groups().get(4)).isEqualTo(new BiasGaps.Group("ZERO", 1, 0, "no weight"));
    assertThatThrownBy(() -> BiasGaps.compute("sex", groups(), YES_NO, -1))
        .hasMessageContaining("minWeight must be finite and >= 0; got -1.0");
    assertThatThrownBy(() -> BiasGaps.compute("sex", groups(), List.of("a", "b", "c")))
        .hasMessageContaining("has 2 classes; classNames has 3");
  }

  @Test
  void oneGroupOrNoneLeavesTheGapUndefined() {
    BiasGaps one = BiasGaps.compute("island", Map.of("Dream", groups().get("MALE"), "Torgersen", groups().get("SMALL")),
        YES_NO);
    BiasGaps.Gap tpr = one.gap("true_positive_rate").orElseThrow();
    assertThat(tpr.gap()).isNaN();
    assertThat(tpr.values()).containsExactly(entry("Dream", 0.75));
    assertThat(tpr.excluded()).containsExactly(entry("Torgersen", "weight 0.5 is below the minimum 1"));
    BiasGaps none = BiasGaps.compute("island", Map.of(), YES_NO);
    assertThat(none.gaps()).allSatisfy(g -> {
      assertThat(g.gap()).isNaN();
      assertThat(g.maxGroup()).isNull();
    });
  }

  @Test
  void moreClassesGiveOneRatePerClassOneAgainstTheRest() {
    List<String> penguins = List.of("Adelie", "Chinstrap", "Gentoo");
    // A: Adelie, Chinstrap and one Gentoo right, one Gentoo predicted Adelie. B: an Adelie predicted Chinstrap,
    // a Chinstrap right, no Gentoo.
    ClassificationMetrics a = metrics(List.of(
        Prediction.of(0, new double[] {0.8, 0.1, 0.1}), Prediction.of(1, new double[] {0.1, 0.8, 0.1}),
        Prediction.of(2, new double[] {0.1, 0.1, 0.8}), Prediction.of(2, new double[] {0.6, 0.2, 0.2})));
    ClassificationMetrics b = metrics(List.of(
        Prediction.of(0, new double[] {0.1, 0.8, 0.1}), Prediction.of(1, new double[] {0.1, 0.8, 0.1})));
    BiasGaps gaps = BiasGaps.compute("island", Map.of("A", a, "B", b), penguins);
    assertThat(gaps.gaps()).extracting(BiasGaps.Gap::metric).containsExactly(
        "positive_rate/Adelie", "positive_rate/Chinstrap", "positive_rate/Gentoo",
        "true_positive_rate/Adelie", "true_positive_rate/Chinstrap", "true_positive_rate/Gentoo",
        "false_positive_rate/Adelie", "false_positive_rate/Chinstrap", "false_positive_rate/Gentoo", "accuracy");
    assertThat(gaps.gap("positive_rate/Adelie").orElseThrow()).isEqualTo(
        new BiasGaps.Gap("positive_rate/Adelie", Map.of("A", 0.5, "B", 0.0), Map.of(), 0.5, "A", "B"));
    assertThat(gaps.gap("true_positive_rate/Gentoo").orElseThrow()).isEqualTo(
        new BiasGaps.Gap("true_positive_rate/Gentoo", Map.of("A", 0.5), Map.of("B", "no weight of class Gentoo"),
            Double.NaN, "A", "A"));
    assertThat(gaps.gap("false_positive_rate/Adelie").orElseThrow().values())
        .containsExactly(entry("A", 1.0 / 3), entry("B", 0.0));
    assertThat(gaps.gap("false_positive_rate/Chinstrap").orElseThrow()).isEqualTo(
        new BiasGaps.Gap("false_positive_rate/Chinstrap", Map.of("A", 0.0, "B", 1.0), Map.of(), 1.0, "B", "A"));
    assertThat(gaps.gap("accuracy").orElseThrow().gap()).isEqualTo(0.25);
  }

  @Test
  void theJsonFormHasSnakeCaseKeysAndNullForUndefinedNumbers() throws Exception {
    BiasGaps gaps = BiasGaps.compute("sex", Map.of("MALE", groups().get("MALE"), "NOPOS", groups().get("NOPOS")),
        YES_NO);
    assertThat(new ObjectMapper().writeValueAsString(gaps.toJson())).isEqualTo("{\"feature\":\"sex\",\"min_weight\":1.0,"
        + "\"groups\":[{\"name\":\"MALE\",\"example_count\":8,\"weight\":8.0,\"excluded_because\":null},"
        + "{\"name\":\"NOPOS\",\"example_count\":2,\"weight\":2.0,\"excluded_because\":null}],"
        + "\"gaps\":[{\"metric\":\"positive_rate\",\"groups\":{\"MALE\":0.375,\"NOPOS\":0.0},\"excluded\":{},"
        + "\"gap\":0.375,\"max_group\":\"MALE\",\"min_group\":\"NOPOS\"},"
        + "{\"metric\":\"true_positive_rate\",\"groups\":{\"MALE\":0.75},\"excluded\":{\"NOPOS\":\"no weight of class yes\"},"
        + "\"gap\":null,\"max_group\":\"MALE\",\"min_group\":\"MALE\"},"
        + "{\"metric\":\"false_positive_rate\",\"groups\":{\"MALE\":0.0,\"NOPOS\":0.0},\"excluded\":{},"
        + "\"gap\":0.0,\"max_group\":\"MALE\",\"min_group\":\"MALE\"},"
        + "{\"metric\":\"accuracy\",\"groups\":{\"MALE\":0.875,\"NOPOS\":1.0},\"excluded\":{},"
        + "\"gap\":0.125,\"max_group\":\"NOPOS\",\"min_group\":\"MALE\"}]}");
  }
}
