package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How differently a classifier treats the groups of one sensitive feature: per group the rates that the usual
 * group-fairness criteria compare, and per rate the largest gap between two groups, naming both. The rates are
 * those of the model's decision (the most probable class, as in {@link ClassificationMetrics#confusionMatrix()}),
 * weighted:
 *
 * <ul>
 *   <li>{@code positive_rate}: the share of the group's weight predicted positive; equal rates are demographic
 *       parity (Dwork et al., "Fairness through awareness", 2012).
 *   <li>{@code true_positive_rate}: the share of the group's positives predicted positive; equal rates are equal
 *       opportunity (Hardt, Price and Srebro, "Equality of opportunity in supervised learning", 2016).
 *   <li>{@code false_positive_rate}: the share of the group's negatives predicted positive; equal true- and
 *       false-positive rates together are equalized odds (same paper).
 *   <li>{@code accuracy}: the group's accuracy.
 * </ul>
 *
 * <p>For 2 classes the positive class is class 1. For more, every class in turn is positive against the rest, and
 * the first three names carry the class: {@code true_positive_rate/Adelie}; {@code accuracy} stays one metric.
 *
 * <p>A group whose weight is below the minimum ({@link #DEFAULT_MIN_WEIGHT}: one example of weight 1) is listed
 * but left out of every gap, with the reason; a group for which a rate is undefined (no positives for the
 * true-positive rate, no negatives for the false-positive rate) is left out of that rate's gap. A gap needs two
 * groups; with fewer it is {@code NaN}. Groups are in the order of their names.
 *
 * <pre>{@code
 * BiasGaps gaps = BiasGaps.compute("sex", Map.of("MALE", male, "FEMALE", female), List.of("no", "yes"));
 * BiasGaps.Gap tpr = gaps.gap("true_positive_rate").orElseThrow();
 * tpr.gap();      // e.g. 0.1
 * tpr.maxGroup(); // "MALE"
 * ObjectNode json = gaps.toJson();
 * }</pre>
 *
 * @param feature the sensitive feature
 * @param minWeight the least weight a group needs to take part in the gaps
 * @param groups every group, in the order of their names
 * @param gaps one per rate, in the order of {@link #METRICS} (for more than 2 classes each of the first three per
 *     class, in class order)
 */
public record BiasGaps(String feature, double minWeight, List<Group> groups, List<Gap> gaps) implements Serializable {
  public static final String POSITIVE_RATE = "positive_rate";
  public static final String TRUE_POSITIVE_RATE = "true_positive_rate";
  public static final String FALSE_POSITIVE_RATE = "false_positive_rate";
  public static final String ACCURACY = "accuracy";
  /** The rates compared, without their class. */
  public static final List<String> METRICS = List.of(POSITIVE_RATE, TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE, ACCURACY);
  /** The least weight of a group in the gaps unless configured: one example of weight 1. */
  public static final double DEFAULT_MIN_WEIGHT = 1.0;

  public BiasGaps {
    groups = List.copyOf(groups);
    gaps = List.copyOf(gaps);
  }

  /**
   * One group of the feature.
   *
   * <pre>{@code
   * for (BiasGaps.Group g : gaps.groups()) {
   *   if (g.excludedBecause() != null) warn(g.name() + ": " + g.excludedBecause());
   * }
   * }</pre>
   *
   * @param name the group (the feature's value)
   * @param exampleCount its number of examples
   * @param weight its weight
   * @param excludedBecause why it takes part in no gap, or {@code null} when it does
   */
  public record Group(String name, long exampleCount, double weight, String excludedBecause) implements Serializable {}

  /**
   * The gap of one rate between the groups.
   *
   * <pre>{@code
   * Gap g = gaps.gap("true_positive_rate").orElseThrow();
   * String line = g.maxGroup() + " vs " + g.minGroup() + ": " + g.gap();
   * }</pre>
   *
   * @param metric the rate's name, with its class for more than 2 classes
   * @param values the rate of every group that takes part, in the order of their names
   * @param excluded why each other group does not take part, in the order of their names
   * @param gap the largest value minus the smallest; {@code NaN} with fewer than 2 groups taking part
   * @param maxGroup the group of the largest value (the first by name on ties); {@code null} without groups
   * @param minGroup the group of the smallest value (the first by name on ties); {@code null} without groups
   */
  public record Gap(String metric, Map<String, Double> values, Map<String, String> excluded, double gap,
      String maxGroup, String minGroup) implements Serializable {
    public Gap {
      values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
      excluded = Collections.unmodifiableMap(new LinkedHashMap<>(excluded));
    }

    /** The gap's JSON form: {@code metric, groups, excluded, gap, max_group, min_group}. */
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("metric", metric);
      putFields(o);
      return o;
    }

    /** Puts every field but the metric's name, as the blessing's bias checks repeat them. */
    void putFields(ObjectNode o) {
      ObjectNode g = o.putObject("groups");
      values.forEach((k, v) -> Numbers.put(g, k, v));
      ObjectNode x = o.putObject("excluded");
      excluded.forEach(x::put);
      Numbers.put(o, "gap", gap);
      o.put("max_group", maxGroup);
      o.put("min_group", minGroup);
    }
  }

  /** The gaps between the groups of {@code feature} with at least {@link #DEFAULT_MIN_WEIGHT} of weight. */
  public static BiasGaps compute(String feature, Map<String, ClassificationMetrics> byGroup, List<String> classNames) {
    return compute(feature, byGroup, classNames, DEFAULT_MIN_WEIGHT);
  }

  /**
   * The gaps between the groups of {@code feature} with at least {@code minWeight} (finite, {@code >= 0}) of weight.
   *
   * @param byGroup every group's metrics, all of the same number of classes
   * @param classNames the classes' names in index order, one per class, distinct
   */
  public static BiasGaps compute(String feature, Map<String, ClassificationMetrics> byGroup, List<String> classNames,
      double minWeight) {
    checkArgument(feature != null && !feature.isBlank(), "feature must be a name; got '%s'", feature);
    checkArgument(byGroup != null && byGroup.keySet().stream().noneMatch(Objects::isNull),
        "byGroup must map group names to metrics; got %s", byGroup);
    checkArgument(minWeight >= 0 && Double.isFinite(minWeight), "minWeight must be finite and >= 0; got %s", minWeight);
    TreeMap<String, ClassificationMetrics> sorted = new TreeMap<>(byGroup);
    int k = classNames == null ? -1 : classNames.size();
    checkArgument(k >= 2 && classNames.stream().noneMatch(Objects::isNull) && new HashSet<>(classNames).size() == k,
        "classNames must name the classes, at least 2, distinct; got %s", classNames);
    for (Map.Entry<String, ClassificationMetrics> e : sorted.entrySet()) {
      checkArgument(e.getValue().numClasses() == k, "group %s has %s classes; classNames has %s", e.getKey(),
          e.getValue().numClasses(), k);
    }

    List<Group> groups = new ArrayList<>();
    Map<String, Rates> rates = new LinkedHashMap<>();
    for (Map.Entry<String, ClassificationMetrics> e : sorted.entrySet()) {
      ClassificationMetrics m = e.getValue();
      String excluded = null;
      if (m.weightedCount() < minWeight) {
        excluded = "weight " + Numbers.text(m.weightedCount()) + " is below the minimum " + Numbers.text(minWeight);
      } else if (!(m.weightedCount() > 0)) {
        excluded = "no weight";
      }
      groups.add(new Group(e.getKey(), m.exampleCount(), m.weightedCount(), excluded));
      rates.put(e.getKey(), new Rates(m));
    }

    List<Gap> gaps = new ArrayList<>();
    List<Integer> positives = new ArrayList<>();
    if (k == 2) {
      positives.add(1);
    } else {
      for (int c = 0; c < k; c++) {
        positives.add(c);
      }
    }
    for (String metric : List.of(POSITIVE_RATE, TRUE_POSITIVE_RATE, FALSE_POSITIVE_RATE)) {
      for (int c : positives) {
        String name = k == 2 ? metric : metric + "/" + classNames.get(c);
        gaps.add(gap(name, groups, g -> rates.get(g).value(metric, c, classNames)));
      }
    }
    gaps.add(gap(ACCURACY, groups, g -> rates.get(g).accuracy()));
    return new BiasGaps(feature, minWeight, groups, gaps);
  }

  /** A group's value of one rate, or why it has none. */
  private record Value(double value, String undefinedBecause) {}

  private interface RateOf {
    Value of(String group);
  }

  private static Gap gap(String metric, List<Group> groups, RateOf rate) {
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, String> excluded = new LinkedHashMap<>();
    String max = null;
    String min = null;
    for (Group g : groups) {
      if (g.excludedBecause() != null) {
        excluded.put(g.name(), g.excludedBecause());
        continue;
      }
      Value v = rate.of(g.name());
      if (v.undefinedBecause() != null) {
        excluded.put(g.name(), v.undefinedBecause());
        continue;
      }
      values.put(g.name(), v.value());
      // Strict comparisons keep the first group by name on ties.
      if (max == null || v.value() > values.get(max)) {
        max = g.name();
      }
      if (min == null || v.value() < values.get(min)) {
        min = g.name();
      }
    }
    double gap = values.size() >= 2 ? values.get(max) - values.get(min) : Double.NaN;
    return new Gap(metric, values, excluded, gap, max, min);
  }

  /** The exact weight sums of one group's confusion matrix that the rates divide. */
  private static final class Rates {
    private final ClassificationMetrics m;
    private final double[][] matrix;

    Rates(ClassificationMetrics m) {
      this.m = m;
      this.matrix = m.confusionMatrix();
    }

    Value accuracy() {
      return m.weightedCount() > 0 ? new Value(m.accuracy(), null) : new Value(Double.NaN, "no weight");
    }

    /** {@code metric} with class {@code c} positive and every other class negative. */
    Value value(String metric, int c, List<String> classNames) {
      int k = matrix.length;
      ExactSum predictedPositive = new ExactSum();
      ExactSum positive = new ExactSum();
      ExactSum negative = new ExactSum();
      ExactSum falsePositive = new ExactSum();
      ExactSum all = new ExactSum();
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double w = matrix[i][j];
          all.add(w);
          if (j == c) {
            predictedPositive.add(w);
          }
          if (i == c) {
            positive.add(w);
          } else {
            negative.add(w);
            if (j == c) {
              falsePositive.add(w);
            }
          }
        }
      }
      String negatives = k == 2 ? "class " + classNames.get(0) : "classes other than " + classNames.get(c);
      return switch (metric) {
        case POSITIVE_RATE -> ratio(predictedPositive.value(), all.value(), "no weight");
        case TRUE_POSITIVE_RATE -> ratio(matrix[c][c], positive.value(), "no weight of class " + classNames.get(c));
        case FALSE_POSITIVE_RATE -> ratio(falsePositive.value(), negative.value(), "no weight of " + negatives);
        default -> throw new IllegalArgumentException("unknown rate " + metric);
      };
    }

    private static Value ratio(double a, double b, String undefinedBecause) {
      return b > 0 ? new Value(a / b, null) : new Value(Double.NaN, undefinedBecause);
    }
  }

  /** The gap of the rate named {@code metric} (with its class for more than 2 classes), if there is one. */
  public Optional<Gap> gap(String metric) {
    return gaps.stream().filter(g -> g.metric().equals(metric)).findFirst();
  }

  /**
   * The JSON form: {@code {"feature": "sex", "min_weight": 1.0, "groups": [{"name", "example_count", "weight",
   * "excluded_because"}], "gaps": [{"metric", "groups": {group: value}, "excluded": {group: reason}, "gap",
   * "max_group", "min_group"}]}}; undefined numbers are {@code null}.
   */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("feature", feature);
    o.put("min_weight", minWeight);
    ArrayNode gs = o.putArray("groups");
    for (Group g : groups) {
      ObjectNode n = gs.addObject();
      n.put("name", g.name());
      n.put("example_count", g.exampleCount());
      Numbers.put(n, "weight", g.weight());
      n.put("excluded_because", g.excludedBecause());
    }
    ArrayNode ps = o.putArray("gaps");
    for (Gap g : gaps) {
      ps.add(g.toJson());
    }
    return o;
  }
}
