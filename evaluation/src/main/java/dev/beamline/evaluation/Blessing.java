package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a candidate model is blessed, with every check that decided it, as {@link BlessingCriteria#evaluate}
 * returns it: the value and change checks of the {@link MetricThreshold}s, the bias checks of the {@link
 * BiasThreshold}s, each with the numbers compared and a one-line message naming them. The model is blessed when no
 * check failed; skipped checks (change thresholds without a baseline) do not fail it.
 *
 * <pre>{@code
 * Blessing b = criteria.evaluate(candidate, baseline, tooSmall, gaps);
 * Files.writeString(dir.resolve("blessing.json"), b.toJson().toPrettyString());
 * if (!b.blessed()) b.failedChecks().forEach(System.err::println);
 * // accuracy on slice island=Biscoe: 0.41 is below the lower bound 0.9
 * }</pre>
 *
 * @param blessed whether no check failed
 * @param note a remark on the whole, such as {@code "no blessed baseline: 2 change threshold(s) skipped"}, or
 *     {@code null}
 * @param tooSmallSlices the slices that had too few examples to be evaluated, sorted
 * @param checks the value and change checks, in the order of the thresholds (value before change)
 * @param bias the bias checks, in the order of the thresholds and then of the rates
 */
public record Blessing(boolean blessed, String note, List<String> tooSmallSlices, List<Check> checks,
    List<BiasCheck> bias) implements Serializable {

  public Blessing {
    tooSmallSlices = List.copyOf(tooSmallSlices);
    checks = List.copyOf(checks);
    bias = List.copyOf(bias);
  }

  /**
   * What a check compares: a metric's value with bounds, its change against the baseline, or a gap between groups.
   *
   * <pre>{@code
   * long changes = blessing.checks().stream().filter(c -> c.kind() == Blessing.Kind.CHANGE).count();
   * }</pre>
   */
  public enum Kind {
    VALUE,
    CHANGE,
    BIAS;

    /** {@code value}, {@code change} or {@code bias}, as in the JSON form. */
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A check's outcome.
   *
   * <pre>{@code
   * boolean anySkipped = blessing.checks().stream().anyMatch(c -> c.status() == Blessing.Status.SKIPPED);
   * }</pre>
   */
  public enum Status {
    PASSED,
    FAILED,
    /** Not applicable: a change threshold without a blessed baseline. */
    SKIPPED;

    /** {@code passed}, {@code failed} or {@code skipped}, as in the JSON form. */
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One value or change check.
   *
   * <pre>{@code
   * Blessing.Check c = blessing.checks().get(0);
   * if (!c.passed()) System.err.println(c.message());
   * }</pre>
   *
   * @param kind {@link Kind#VALUE} or {@link Kind#CHANGE}
   * @param metric the metric's name
   * @param slice the slice's name
   * @param value the candidate's value; {@code NaN} when missing
   * @param baseline the baseline's value for a change check; {@code NaN} for a value check or when missing
   * @param bound the bounds or limits as text: {@code ">= 0.9"}, {@code "change >= -0.01"}
   * @param status the outcome
   * @param message one line naming the metric, the slice and the numbers
   */
  public record Check(Kind kind, String metric, String slice, double value, double baseline, String bound,
      Status status, String message) implements Serializable {
    /** Whether the check passed (a skipped one did not pass, nor fail). */
    public boolean passed() {
      return status == Status.PASSED;
    }
  }

  /**
   * One bias check: one rate's gap across one feature's groups against its maximum.
   *
   * <pre>{@code
   * Blessing.BiasCheck c = blessing.bias().get(0);
   * String worst = c.maxGroup() + " / " + c.minGroup() + ": " + c.gap() + " (at most " + c.threshold() + ")";
   * }</pre>
   *
   * @param feature the sensitive feature
   * @param metric the rate, with its class for more than 2 classes
   * @param groups the value of every group that took part
   * @param excluded why each other group did not
   * @param gap the largest value minus the smallest; {@code NaN} when undefined
   * @param maxGroup the group of the largest value, or {@code null}
   * @param minGroup the group of the smallest value, or {@code null}
   * @param threshold the largest gap allowed
   * @param status the outcome
   * @param message one line naming the rate, the feature, the gap, both groups and the maximum
   */
  public record BiasCheck(String feature, String metric, Map<String, Double> groups, Map<String, String> excluded,
      double gap, String maxGroup, String minGroup, double threshold, Status status, String message)
      implements Serializable {
    public BiasCheck {
      groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
      excluded = Collections.unmodifiableMap(new LinkedHashMap<>(excluded));
    }

    public Kind kind() {
      return Kind.BIAS;
    }

    public boolean passed() {
      return status == Status.PASSED;
    }
  }

  /** The messages of the failed checks, value and change checks first, for the command line. */
  public List<String> failedChecks() {
    List<String> failed = new ArrayList<>();
    checks.stream().filter(c -> c.status() == Status.FAILED).forEach(c -> failed.add(c.message()));
    bias.stream().filter(c -> c.status() == Status.FAILED).forEach(c -> failed.add(c.message()));
    return failed;
  }

  /**
   * The JSON form, written as {@code blessing.json}; undefined numbers are {@code null}:
   *
   * <pre>{@code
   * {"blessed": false, "note": null, "too_small_slices": ["island=Torgersen"],
   *  "checks": [{"kind": "value", "metric": "accuracy", "slice": "overall", "value": 0.98, "baseline": null,
   *              "bound": ">= 0.9", "status": "passed", "message": "accuracy on slice overall: 0.98 meets >= 0.9"}],
   *  "bias": [{"feature": "sex", "metric": "true_positive_rate", "groups": {"FEMALE": 0.8, "MALE": 0.9},
   *            "excluded": {}, "gap": 0.1, "max_group": "MALE", "min_group": "FEMALE", "threshold": 0.05,
   *            "status": "failed", "message": "true_positive_rate across sex: gap 0.1 between MALE (0.9) and ..."}]}
   * }</pre>
   */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("blessed", blessed);
    o.put("note", note);
    ArrayNode small = o.putArray("too_small_slices");
    tooSmallSlices.forEach(small::add);
    ArrayNode cs = o.putArray("checks");
    for (Check c : checks) {
      ObjectNode n = cs.addObject();
      n.put("kind", c.kind().jsonName());
      n.put("metric", c.metric());
      n.put("slice", c.slice());
      Numbers.put(n, "value", c.value());
      Numbers.put(n, "baseline", c.baseline());
      n.put("bound", c.bound());
      n.put("status", c.status().jsonName());
      n.put("message", c.message());
    }
    ArrayNode bs = o.putArray("bias");
    for (BiasCheck c : bias) {
      ObjectNode n = bs.addObject();
      n.put("feature", c.feature());
      n.put("metric", c.metric());
      new BiasGaps.Gap(c.metric(), c.groups(), c.excluded(), c.gap(), c.maxGroup(), c.minGroup()).putFields(n);
      n.put("threshold", c.threshold());
      n.put("status", c.status().jsonName());
      n.put("message", c.message());
    }
    return o;
  }
}
