package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.SchemaFeature;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the statistics stage releases differentially private statistics ({@code validation.privacy:}):
 * the budget (ε, and δ for the Gaussian mechanism), the mechanism, the unit of privacy (a row, or a
 * user when {@code userColumn} is set, each user bounded to {@code maxRowsPerUser} rows), the declared
 * bounds of numeric columns and domains of categorical ones, and the number of histogram buckets. Only
 * columns with declared bounds or domains are released: bounds or a domain taken from the data would
 * themselves reveal rare values (see {@link DpQueryPlan}).
 *
 * <pre>{@code
 * PrivacyConfig p = PrivacyConfig.defaults().withEpsilon(0.5)
 *     .withBounds("body_mass_g", 2000, 7000)
 *     .withDomain("species", List.of("Adelie", "Chinstrap", "Gentoo"));
 * }</pre>
 */
public record PrivacyConfig(
    double epsilon,
    double delta,
    Mechanism mechanism,
    String userColumn,
    int maxRowsPerUser,
    ImmutableMap<String, Bounds> bounds,
    ImmutableMap<String, ImmutableList<String>> domains,
    int buckets)
    implements Serializable {

  /** The default δ of the Gaussian mechanism. */
  public static final double DEFAULT_DELTA = 1e-6;
  /** The default number of equal-width histogram buckets. */
  public static final int DEFAULT_BUCKETS = 10;
  /** The most buckets allowed: each is a released value. */
  public static final int MAX_BUCKETS = 1000;

  /** The noise added to every released value. */
  public enum Mechanism {
    /** Discrete Laplace noise on a snapped grid: pure ε-differential privacy, δ = 0 (Dwork et al. 2006; Mironov 2012). */
    LAPLACE,
    /** Discrete Gaussian noise: ρ-zCDP, stated as (ε, δ)-differential privacy (Bun and Steinke 2016; Canonne, Kamath and Steinke 2020). */
    GAUSSIAN;

    /** The name in configuration and in {@code dp_statistics.json}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mechanism called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the allowed values otherwise
     */
    public static Mechanism parse(String name) {
      checkArgument(name != null, "mechanism must be laplace or gaussian, got null");
      for (Mechanism m : values()) {
        if (m.configName().equals(name.trim().toLowerCase(Locale.ROOT))) {
          return m;
        }
      }
      throw new IllegalArgumentException("mechanism must be laplace or gaussian, got '" + name + "'");
    }
  }

  /**
   * The declared range {@code [lower, upper]} of a numeric column: values are clamped into it before they
   * are counted or summed, so that one row changes a sum by at most {@code (upper - lower) / 2}.
   */
  public record Bounds(double lower, double upper) implements Serializable {
    public Bounds {
      checkArgument(Double.isFinite(lower) && Double.isFinite(upper), "bounds must be finite, got [%s, %s]", lower, upper);
      checkArgument(lower < upper, "bounds need lower < upper, got [%s, %s]", lower, upper);
    }

    /** The midpoint: sums are taken of values centred on it. */
    public double mid() {
      return lower / 2 + upper / 2;
    }

    /** {@code value} clamped into the bounds. */
    public double clamp(double value) {
      return Math.max(lower, Math.min(upper, value));
    }
  }

  public PrivacyConfig {
    checkArgument(epsilon > 0 && Double.isFinite(epsilon), "epsilon must be a finite number > 0, got %s", epsilon);
    checkArgument(delta > 0 && delta < 1, "delta must be in (0, 1), got %s", delta);
    checkNotNull(mechanism, "mechanism");
    checkArgument(userColumn == null || !userColumn.isBlank(), "user_column must not be empty, got '%s'", userColumn);
    checkArgument(maxRowsPerUser >= 1, "max_rows_per_user must be >= 1, got %s", maxRowsPerUser);
    checkArgument(userColumn != null || maxRowsPerUser == 1, "max_rows_per_user applies with a user_column; got %s without one", maxRowsPerUser);
    checkNotNull(bounds, "bounds");
    checkNotNull(domains, "domains");
    checkArgument(buckets >= 1 && buckets <= MAX_BUCKETS, "buckets must be between 1 and %s, got %s", MAX_BUCKETS, buckets);
  }

  /** ε = 1, the Laplace mechanism (δ = 1e-6 kept for Gaussian), a row as unit, no bounds or domains, 10 buckets. */
  public static PrivacyConfig defaults() {
    return new PrivacyConfig(1.0, DEFAULT_DELTA, Mechanism.LAPLACE, null, 1, ImmutableMap.of(), ImmutableMap.of(), DEFAULT_BUCKETS);
  }

  public PrivacyConfig withEpsilon(double epsilon) {
    checkArgument(epsilon > 0 && Double.isFinite(epsilon), "epsilon must be a finite number > 0, got %s", epsilon);
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, bounds, domains, buckets);
  }

  public PrivacyConfig withDelta(double delta) {
    checkArgument(delta > 0 && delta < 1, "delta must be in (0, 1), got %s", delta);
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, bounds, domains, buckets);
  }

  public PrivacyConfig withMechanism(Mechanism mechanism) {
    checkArgument(mechanism != null, "mechanism must be laplace or gaussian, got null");
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, bounds, domains, buckets);
  }

  /** Each user (the value of {@code column}) is the unit of privacy, with at most {@code maxRows} rows counted. */
  public PrivacyConfig withUserColumn(String column, int maxRows) {
    checkArgument(column != null && !column.isBlank(), "user_column must name a column, got '%s'", column);
    checkArgument(maxRows >= 1, "max_rows_per_user must be >= 1, got %s", maxRows);
    return new PrivacyConfig(epsilon, delta, mechanism, column, maxRows, bounds, domains, buckets);
  }

  /** The declared bounds of numeric column {@code column}; replaces earlier ones. */
  public PrivacyConfig withBounds(String column, double lower, double upper) {
    checkArgument(column != null && !column.isBlank(), "bounds need a column name, got '%s'", column);
    checkArgument(Double.isFinite(lower) && Double.isFinite(upper) && lower < upper,
        "bounds of '%s' need finite lower < upper, got [%s, %s]", column, lower, upper);
    Map<String, Bounds> b = new TreeMap<>(bounds);
    b.put(column, new Bounds(lower, upper));
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, ImmutableMap.copyOf(b), domains, buckets);
  }

  /** The declared domain of categorical column {@code column}: its values are counted, any other as "other". */
  public PrivacyConfig withDomain(String column, List<String> values) {
    checkArgument(column != null && !column.isBlank(), "domains need a column name, got '%s'", column);
    checkArgument(values != null && !values.isEmpty(), "the domain of '%s' needs at least one value, got %s", column, values);
    checkArgument(values.stream().distinct().count() == values.size(), "the domain of '%s' repeats a value: %s", column, values);
    Map<String, ImmutableList<String>> d = new TreeMap<>(domains);
    d.put(column, ImmutableList.copyOf(values));
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, bounds, ImmutableMap.copyOf(d), buckets);
  }

  public PrivacyConfig withBuckets(int buckets) {
    checkArgument(buckets >= 1 && buckets <= MAX_BUCKETS, "buckets must be between 1 and %s, got %s", MAX_BUCKETS, buckets);
    return new PrivacyConfig(epsilon, delta, mechanism, userColumn, maxRowsPerUser, bounds, domains, buckets);
  }

  /**
   * The ranges and domains a user's imported schema declares, for the columns this configuration does
   * not declare itself (its own declarations win). A schema that was inferred from the data must not be
   * passed here: its ranges and domains are the data's.
   */
  public PrivacyConfig withDeclarationsOf(DataSchema schema) {
    PrivacyConfig c = this;
    for (SchemaFeature f : schema.features()) {
      if (f.isNumeric() && f.min() != null && f.max() != null && f.min() < f.max() && !bounds.containsKey(f.name())) {
        c = c.withBounds(f.name(), f.min(), f.max());
      }
      if (f.domain() != null && !f.domain().isEmpty() && !domains.containsKey(f.name())) {
        c = c.withDomain(f.name(), f.domain());
      }
    }
    return c;
  }

  /** δ as stated for the mechanism: 0 for Laplace (pure ε-DP). */
  public double effectiveDelta() {
    return mechanism == Mechanism.LAPLACE ? 0.0 : delta;
  }

  /** The configuration in its canonical form (snake_case keys, every default filled in): part of the cache key. */
  public ObjectNode toParameters() {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("epsilon", epsilon);
    p.put("delta", effectiveDelta());
    p.put("mechanism", mechanism.configName());
    p.put("user_column", userColumn);
    p.put("max_rows_per_user", maxRowsPerUser);
    ObjectNode b = p.putObject("bounds");
    new TreeMap<>(bounds).forEach((col, r) -> b.putArray(col).add(r.lower()).add(r.upper()));
    ObjectNode d = p.putObject("domains");
    new TreeMap<>(domains).forEach((col, values) -> {
      ArrayNode a = d.putArray(col);
      values.forEach(a::add);
    });
    p.put("buckets", buckets);
    return p;
  }
}
