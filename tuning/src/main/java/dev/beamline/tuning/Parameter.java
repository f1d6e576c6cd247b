package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.YamlFiles;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The values one tuned parameter may take: a {@link Choice} among listed values, or an {@link IntRange} or
 * {@link FloatRange}, each on a linear or a log scale. Every parameter maps its values to the unit interval
 * and back ({@link #toUnit}, {@link #fromUnit}), where the search algorithms work: sampling is {@code
 * fromUnit} of a uniform number, so a log range is sampled log-uniformly.
 *
 * <pre>{@code
 * Parameter lr = Parameter.parse(YamlFiles.YAML.readTree("{float: [1e-4, 1e-1], log: true}"));
 * double value = (Double) lr.sample(new SplittableRandom(7));   // log-uniform in [1e-4, 1e-1]
 * Parameter layers = new Parameter.Choice(List.of(List.of(16), List.of(32, 16)));
 * }</pre>
 *
 * <p>The logarithms and exponentials are {@link StrictMath}'s, so that a value is the same on every
 * machine a proposing worker may run on.
 */
public sealed interface Parameter extends Serializable permits Parameter.Choice, Parameter.IntRange, Parameter.FloatRange {

  /** A value drawn at random: uniform over a choice's values, over a range on its scale. */
  Object sample(RandomGenerator random);

  /**
   * Where {@code value} lies in [0, 1]: a range's position on its scale (an integer at the middle of the
   * stretch of [0, 1] that maps to it), a choice's value at the middle of its 1/k-th of the interval.
   *
   * @throws IllegalArgumentException for a value this parameter cannot take
   */
  double toUnit(Object value);

  /** The value at {@code unit} (clamped to [0, 1]): the inverse of {@link #toUnit}. */
  Object fromUnit(double unit);

  /** The number of distinct values, or {@link Long#MAX_VALUE} for a float range. */
  long size();

  /** The YAML form that {@link #parse} reads back: {@code {float: [min, max], log: false}}. */
  ObjectNode toJson();

  /**
   * The parameter written as {@code {choice: [a, b, ...]}}, {@code {int: [min, max]}} or {@code {float:
   * [min, max]}}, the ranges optionally with {@code log: true}.
   *
   * @throws IllegalArgumentException naming what is wrong (the caller adds where)
   */
  static Parameter parse(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      throw new IllegalArgumentException(JsonValues.FORMS + ", got nothing");
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(JsonValues.FORMS + ", got " + node);
    }
    List<String> kinds = new ArrayList<>();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (JsonValues.KINDS.contains(key)) {
        kinds.add(key);
      } else if (!key.equals("log")) {
        String closest = YamlFiles.closest(key, JsonValues.KEYS);
        throw new IllegalArgumentException(
            "unknown key '" + key + "'" + (closest == null ? "" : "; did you mean '" + closest + "'?")
                + " (known keys here: " + String.join(", ", JsonValues.KEYS) + ")");
      }
    }
    if (kinds.size() != 1) {
      throw new IllegalArgumentException("needs exactly one of choice, int or float, got " + (kinds.isEmpty() ? "none" : String.join(" and ", kinds)));
    }
    String kind = kinds.get(0);
    JsonNode log = node.get("log");
    if (kind.equals("choice")) {
      checkArgument(log == null, "'log' applies to int and float ranges, not to a choice");
      JsonNode values = node.get("choice");
      checkArgument(values.isArray() && !values.isEmpty(), "'choice' needs a non-empty list of values, got %s", values);
      List<Object> list = new ArrayList<>();
      values.forEach(v -> list.add(JsonValues.JSON.convertValue(v, Object.class)));
      return new Choice(list);
    }
    checkArgument(log == null || log.isBoolean(), "'log' must be true or false, got %s", log);
    boolean isLog = log != null && log.booleanValue();
    JsonNode range = node.get(kind);
    checkArgument(range.isArray() && range.size() == 2 && range.get(0).isNumber() && range.get(1).isNumber(), "'%s' needs [min, max], got %s", kind, range);
    if (kind.equals("int")) {
      checkArgument(range.get(0).canConvertToExactIntegral() && range.get(1).canConvertToExactIntegral()
          && range.get(0).canConvertToInt() && range.get(1).canConvertToInt(), "'int' needs whole numbers, got %s", range);
      return new IntRange(range.get(0).intValue(), range.get(1).intValue(), isLog);
    }
    return new FloatRange(range.get(0).doubleValue(), range.get(1).doubleValue(), isLog);
  }

  /**
   * One of the listed values, each as likely as the others. Values are JSON values (text, numbers,
   * booleans, null, lists and maps of them), held as plain Java values: {@code String}, {@code Integer}
   * (or {@code Long}), {@code Double}, {@code Boolean}, unmodifiable {@code List} and {@code Map}.
   *
   * <p>{@link #toUnit} places value i of k at (i + 1/2)/k; the Bayesian search instead codes a choice
   * one-hot, since the order of the values means nothing.
   *
   * @param values the distinct values, in the order given
   */
  record Choice(List<Object> values) implements Parameter {
    public Choice {
      checkArgument(values != null && !values.isEmpty(), "a choice needs at least one value");
      List<Object> plain = new ArrayList<>();
      for (Object v : values) {
        Object p = JsonValues.plain(v);
        checkArgument(!plain.contains(p), "choice values must be distinct, %s appears twice", JsonValues.JSON.valueToTree(p));
        plain.add(p);
      }
      values = Collections.unmodifiableList(plain);
    }

    @Override
    public Object sample(RandomGenerator random) {
      return values.get(random.nextInt(values.size()));
    }

    /** The position of {@code value} among the values. */
    public int indexOf(Object value) {
      int i = values.indexOf(JsonValues.plain(value));
      checkArgument(i >= 0, "%s is not one of the choices %s", value, values);
      return i;
    }

    @Override
    public double toUnit(Object value) {
      return (indexOf(value) + 0.5) / values.size();
    }

    @Override
    public Object fromUnit(double unit) {
      int i = (int) Math.floor(JsonValues.clamp(unit) * values.size());
      return values.get(Math.min(i, values.size() - 1));
    }

    @Override
    public long size() {
      return values.size();
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.set("choice", JsonValues.JSON.valueToTree(values));
      return n;
    }
  }

  /**
   * A whole number in [min, max], both included. On the log scale (min at least 1) a number's chance is
   * the length of [n - 1/2, n + 1/2] on the log scale, close to log-uniform.
   */
  record IntRange(int min, int max, boolean log) implements Parameter {
    public IntRange {
      checkArgument(min < max, "needs min < max, got [%s, %s]", min, max);
      checkArgument(!log || min >= 1, "a log range needs min > 0, got [%s, %s]", min, max);
    }

    // Each integer n owns [n - 1/2, n + 1/2] of the continuous range, so that rounding maps back to it.
    private double lo() {
      return scale(min - 0.5);
    }

    private double hi() {
      return scale(max + 0.5);
    }

    private double scale(double x) {
      return log ? StrictMath.log(x) : x;
    }

    @Override
    public Object sample(RandomGenerator random) {
      return fromUnit(random.nextDouble());
    }

    @Override
    public double toUnit(Object value) {
      checkArgument(value instanceof Number n && JsonValues.isWhole(n) && n.doubleValue() >= min && n.doubleValue() <= max,
          "%s is not a whole number in [%s, %s]", value, min, max);
      return (scale(((Number) value).doubleValue()) - lo()) / (hi() - lo());
    }

    @Override
    public Integer fromUnit(double unit) {
      double x = lo() + JsonValues.clamp(unit) * (hi() - lo());
      double n = Math.floor((log ? StrictMath.exp(x) : x) + 0.5);
      return (int) Math.max(min, Math.min(max, n));
    }

    @Override
    public long size() {
      return (long) max - min + 1;
    }

    @Override
    public ObjectNode toJson() {
      return JsonValues.range("int", JsonNodeFactory.instance.numberNode(min), JsonNodeFactory.instance.numberNode(max), log);
    }
  }

  /** A real number in [min, max]; on the log scale (min above 0) log-uniform. */
  record FloatRange(double min, double max, boolean log) implements Parameter {
    public FloatRange {
      checkArgument(Double.isFinite(min) && Double.isFinite(max) && min < max, "needs min < max, got [%s, %s]", min, max);
      checkArgument(!log || min > 0, "a log range needs min > 0, got [%s, %s]", min, max);
    }

    @Override
    public Object sample(RandomGenerator random) {
      return fromUnit(random.nextDouble());
    }

    @Override
    public double toUnit(Object value) {
      checkArgument(value instanceof Number n && n.doubleValue() >= min && n.doubleValue() <= max,
          "%s is not a number in [%s, %s]", value, min, max);
      double x = ((Number) value).doubleValue();
      return log
          ? (StrictMath.log(x) - StrictMath.log(min)) / (StrictMath.log(max) - StrictMath.log(min))
          : (x - min) / (max - min);
    }

    @Override
    public Double fromUnit(double unit) {
      double u = JsonValues.clamp(unit);
      if (u == 0 || u == 1) {
        return u == 0 ? min : max; // exactly: exp(log(min)) need not be min
      }
      double x = log
          ? StrictMath.exp(StrictMath.log(min) + u * (StrictMath.log(max) - StrictMath.log(min)))
          : min + u * (max - min);
      return Math.max(min, Math.min(max, x));
    }

    @Override
    public long size() {
      return Long.MAX_VALUE;
    }

    @Override
    public ObjectNode toJson() {
      return JsonValues.range("float", JsonNodeFactory.instance.numberNode(min), JsonNodeFactory.instance.numberNode(max), log);
    }
  }
}
