package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The parameters a search tunes, by name, in the order written: what a trial's values are drawn from.
 * Immutable. The names are those of the keys the trial sets (a {@code train:} key such as {@code
 * learning_rate}); what a name means is the tuning stage's business, not the search's.
 *
 * <pre>{@code
 * # tune.search_space in a pipeline file
 * learning_rate: {float: [1e-4, 1e-1], log: true}
 * batch_size: {int: [16, 256], log: true}
 * hidden_units: {choice: [[16], [32, 16], [64, 32]]}
 * model: {choice: [dnn, linear]}
 * }</pre>
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.parse(node, "tune.search_space");
 * Map<String, Object> values = space.sample(new SplittableRandom(7));
 * double[] unit = space.toUnit(values);           // one coordinate in [0, 1] per parameter
 * SearchSpace same = SearchSpace.of(Map.of("lr", new Parameter.FloatRange(1e-4, 1e-1, true)));
 * }</pre>
 */
public final class SearchSpace implements Serializable {
  private static final long serialVersionUID = 1L;

  private final LinkedHashMap<String, Parameter> parameters;

  private SearchSpace(LinkedHashMap<String, Parameter> parameters) {
    this.parameters = parameters;
  }

  /** The space of {@code parameters}, in the map's iteration order (give a {@code LinkedHashMap} to fix it). */
  public static SearchSpace of(Map<String, ? extends Parameter> parameters) {
    checkArgument(!parameters.isEmpty(), "a search space needs at least one parameter");
    LinkedHashMap<String, Parameter> copy = new LinkedHashMap<>();
    parameters.forEach((name, p) -> {
      checkArgument(name != null && !name.isBlank(), "a parameter needs a name, got '%s'", name);
      checkArgument(p != null, "parameter '%s' is null", name);
      copy.put(name, p);
    });
    return new SearchSpace(copy);
  }

  /** This space with {@code parameter} added as {@code name} (last), or replacing the one of that name. */
  public SearchSpace with(String name, Parameter parameter) {
    LinkedHashMap<String, Parameter> copy = new LinkedHashMap<>(parameters);
    copy.put(name, parameter);
    return of(copy);
  }

  /**
   * The space written as a YAML mapping of names to parameters (see {@link Parameter#parse}).
   *
   * @param where the dotted key of {@code node}, for messages (e.g. {@code tune.search_space})
   * @throws ConfigException naming {@code where} and the parameter's key, e.g. {@code
   *     "tune.search_space.learning_rate: a log range needs min > 0, got [0.0, 0.1]"}
   */
  public static SearchSpace parse(JsonNode node, String where) {
    if (node == null || !node.isObject() || node.isEmpty()) {
      throw new ConfigException(where + ": needs at least one parameter, as name: {choice: [...]}, {int: [min, max]} or {float: [min, max]}");
    }
    LinkedHashMap<String, Parameter> parsed = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      try {
        parsed.put(e.getKey(), Parameter.parse(e.getValue()));
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(where + "." + e.getKey() + ": " + ex.getMessage(), ex);
      }
    }
    return new SearchSpace(parsed);
  }

  /** The parameters by name, in order. */
  public Map<String, Parameter> parameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** The parameters' names, in order. */
  public List<String> names() {
    return List.copyOf(parameters.keySet());
  }

  /** The number of distinct points, or {@link Long#MAX_VALUE} for a space with a float range (or too many to count). */
  public long size() {
    long n = 1;
    for (Parameter p : parameters.values()) {
      if (p.size() == Long.MAX_VALUE || n > Long.MAX_VALUE / p.size()) {
        return Long.MAX_VALUE;
      }
      n *= p.size();
    }
    return n;
  }

  /** A point drawn at random: each parameter independently, in order, from {@code random}. */
  public Map<String, Object> sample(RandomGenerator random) {
    Map<String, Object> values = new LinkedHashMap<>();
    parameters.forEach((name, p) -> values.put(name, p.sample(random)));
    return Collections.unmodifiableMap(values);
  }

  /**
   * {@code values} in the unit cube: {@link Parameter#toUnit} of each parameter, in order.
   *
   * @throws IllegalArgumentException for a missing value or one its parameter cannot take
   */
  public double[] toUnit(Map<String, ?> values) {
    double[] u = new double[parameters.size()];
    int i = 0;
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      checkArgument(values.containsKey(e.getKey()), "no value for parameter '%s' in %s", e.getKey(), values);
      u[i++] = e.getValue().toUnit(values.get(e.getKey()));
    }
    return u;
  }

  /** The point at {@code unit} in the unit cube: the inverse of {@link #toUnit}. */
  public Map<String, Object> fromUnit(double[] unit) {
    checkArgument(unit.length == parameters.size(), "needs %s coordinates, got %s", parameters.size(), unit.length);
    Map<String, Object> values = new LinkedHashMap<>();
    int i = 0;
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      values.put(e.getKey(), e.getValue().fromUnit(unit[i++]));
    }
    return Collections.unmodifiableMap(values);
  }

  /** The YAML form that {@link #parse} reads back, every range with its {@code log}. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    parameters.forEach((name, p) -> n.set(name, p.toJson()));
    return n;
  }

  // What the Bayesian search needs: a coding in which distances mean something, and small moves.

  /** The width of {@link #encode}: one coordinate per range, one per value of a choice. */
  int encodedWidth() {
    int w = 0;
    for (Parameter p : parameters.values()) {
      w += p instanceof Parameter.Choice c ? c.values().size() : 1;
    }
    return w;
  }

  /**
   * {@code values} as a point of the unit cube for a distance-based model: a range at its {@link
   * Parameter#toUnit} position, a choice one-hot (its values are unordered, so each pair is equally far).
   */
  double[] encode(Map<String, ?> values) {
    double[] x = new double[encodedWidth()];
    int i = 0;
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      Object v = values.get(e.getKey());
      if (e.getValue() instanceof Parameter.Choice c) {
        x[i + c.indexOf(v)] = 1;
        i += c.values().size();
      } else {
        x[i++] = e.getValue().toUnit(v);
      }
    }
    return x;
  }

  /**
   * A point near {@code values}: every range moved by a normal step of standard deviation {@code scale}
   * on the unit interval, every choice switched to another value with probability {@code min(scale, 1/2)}.
   */
  Map<String, Object> perturb(Map<String, ?> values, double scale, RandomGenerator random) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      Parameter p = e.getValue();
      Object v = values.get(e.getKey());
      if (p instanceof Parameter.Choice c) {
        int k = c.values().size();
        if (k > 1 && random.nextDouble() < Math.min(scale, 0.5)) {
          int other = random.nextInt(k - 1);
          int current = c.indexOf(v);
          v = c.values().get(other >= current ? other + 1 : other);
        }
      } else {
        v = p.fromUnit(p.toUnit(v) + scale * Seeds.gaussian(random));
      }
      out.put(e.getKey(), v);
    }
    return Collections.unmodifiableMap(out);
  }

  /** Every point of a space without float ranges, the last parameter varying fastest. */
  List<Map<String, Object>> points() {
    checkArgument(size() <= 10_000_000, "a space of %s points is too large to list", size());
    List<String> names = names();
    List<List<Object>> axes = new ArrayList<>();
    for (Parameter p : parameters.values()) {
      List<Object> axis = new ArrayList<>();
      if (p instanceof Parameter.Choice c) {
        axis.addAll(c.values());
      } else if (p instanceof Parameter.IntRange r) {
        for (int v = r.min(); v <= r.max(); v++) {
          axis.add(v);
        }
      }
      axes.add(axis);
    }
    List<Map<String, Object>> points = new ArrayList<>();
    int[] index = new int[axes.size()];
    for (long n = size(), i = 0; i < n; i++) {
      Map<String, Object> point = new LinkedHashMap<>();
      for (int j = 0; j < index.length; j++) {
        point.put(names.get(j), axes.get(j).get(index[j]));
      }
      points.add(Collections.unmodifiableMap(point));
      for (int j = index.length - 1; j >= 0 && ++index[j] == axes.get(j).size(); j--) {
        index[j] = 0;
      }
    }
    return points;
  }

  @Override
  public boolean equals(Object o) {
    // Order matters: it is the order in which values are drawn.
    return o instanceof SearchSpace s && new ArrayList<>(parameters.entrySet()).equals(new ArrayList<>(s.parameters.entrySet()));
  }

  @Override
  public int hashCode() {
    return parameters.hashCode();
  }

  @Override
  public String toString() {
    return toJson().toString();
  }
}
