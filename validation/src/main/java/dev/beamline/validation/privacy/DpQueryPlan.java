package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.privacy.Zcdp;
import dev.beamline.validation.privacy.PrivacyConfig.Bounds;
import dev.beamline.validation.privacy.PrivacyConfig.Mechanism;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a differentially private release of statistics holds and how its budget is spent: the columns
 * released (numeric ones with declared bounds, categorical ones with a declared domain), those withheld
 * and why, and every released query with its sensitivity, its share of the budget and its noise.
 *
 * <p>Per split: the number of rows; per released numeric column its count of present values, the sum of
 * its values clamped into the bounds and centred on their midpoint, and an equal-width histogram over
 * the bounds; per released categorical column the counts of its declared values and of all others.
 * Means and quantiles are computed from these afterwards (post-processing, free of budget: Dwork and
 * Roth 2014, Proposition 2.1).
 *
 * <p>Sensitivities are per row times {@code m}, the most rows one user may contribute (1 when a row is
 * the unit): a count changes by 1; a histogram has one row in one bucket, so L1 = L2 = 1; a sum of values
 * clamped into {@code [lo, hi]} and centred on the midpoint changes by at most {@code (hi - lo) / 2} (half
 * of what an uncentred sum of {@code max(|lo|, |hi|)} could, when the range straddles zero or not).
 *
 * <p>The budget is split equally among the {@code k} queries of a split. When a row is the unit of
 * privacy, the splits hold disjoint rows (ingestion puts each row in exactly one split), so each split's
 * release spends the whole budget and together they still spend it once (parallel composition, McSherry,
 * "Privacy Integrated Queries", SIGMOD 2009). When a user is the unit, one user's rows may fall in
 * several splits, and the queries of every split share the budget (basic sequential composition):
 * {@code k} counts them all. Laplace: each query gets {@code ε/k}, noise of
 * scale {@code Δ1·k/ε} (Dwork, McSherry, Nissim and Smith 2006); the total is pure ε-DP. Gaussian: the
 * budget becomes {@code ρ = Zcdp.rhoFor(ε, δ)}, each query gets {@code ρ/k} and noise of standard
 * deviation {@code Δ2/sqrt(2ρ/k)}; zCDP composes by adding the ρs (Bun and Steinke 2016), so the whole is
 * (ε, δ)-DP.
 *
 * <pre>{@code
 * DpQueryPlan plan = DpQueryPlan.of(PrivacyConfig.defaults().withBounds("x", 0, 10), schema, List.of("train", "eval"));
 * plan.queries().forEach(q -> System.out.println(q.id() + " eps=" + q.epsilon() + " std=" + q.noiseStd()));
 * }</pre>
 */
public final class DpQueryPlan implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The most a snapped grid step adds to a sum's sensitivity, in units of its noise's σ (SnappedNoise: g <= σ/2^19). */
  static final double GRID_MARGIN = 0x1p-19;

  /** What a query releases. */
  public enum Kind {
    /** The number of rows of a split. */
    ROWS,
    /** The number of present (non-null, non-NaN) values of a numeric column. */
    COUNT,
    /** The sum of a numeric column's values, clamped into its bounds and centred on their midpoint. */
    SUM,
    /** Equal-width bucket counts of a numeric column over its bounds. */
    HISTOGRAM,
    /** Counts of a categorical column's declared values, and of all others. */
    CATEGORIES;

    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A numeric column released with its declared bounds; {@code index} is its position in the examples. */
  public record NumericColumn(String name, int index, Bounds bounds) implements Serializable {}

  /** A categorical column released with its declared domain; {@code index} is its position in the examples. */
  public record CategoricalColumn(String name, int index, ImmutableList<String> domain) implements Serializable {}

  /** A column not released, and why. */
  public record Withheld(String column, String reason) implements Serializable {}

  /**
   * One released query: {@code size} noisy values, its L1 and L2 sensitivities, its share of the budget
   * ({@code epsilon} for Laplace, {@code rho} for Gaussian; the other is null), the noise's scale (the
   * Laplace {@code b} or the Gaussian σ) and its standard deviation, per value.
   */
  public record Query(
      String id, String split, String column, Kind kind, int size, double l1Sensitivity, double l2Sensitivity,
      Double epsilon, Double rho, double noiseScale, double noiseStd) implements Serializable {}

  private final PrivacyConfig config;
  private final ImmutableList<String> splits;
  private final ImmutableList<NumericColumn> numeric;
  private final ImmutableList<CategoricalColumn> categorical;
  private final ImmutableList<Withheld> withheld;
  private final ImmutableList<Query> queries;
  private final int userIndex;

  private DpQueryPlan(
      PrivacyConfig config, List<String> splits, List<NumericColumn> numeric, List<CategoricalColumn> categorical,
      List<Withheld> withheld, int userIndex) {
    this.config = config;
    this.splits = ImmutableList.copyOf(splits);
    this.numeric = ImmutableList.copyOf(numeric);
    this.categorical = ImmutableList.copyOf(categorical);
    this.withheld = ImmutableList.copyOf(withheld);
    this.userIndex = userIndex;
    this.queries = ImmutableList.copyOf(budget());
  }

  /**
   * The plan of releasing {@code config}'s statistics of data of {@code schema} in {@code splits}.
   *
   * @throws ConfigException naming a declared column (bounds, domain, user column) that the data lacks,
   *     or that has the wrong type for its declaration
   */
  public static DpQueryPlan of(PrivacyConfig config, ExampleSchema schema, List<String> splits) {
    checkNotNull(config, "config");
    checkNotNull(schema, "schema");
    checkArgument(splits != null && !splits.isEmpty(), "at least one split is needed, got %s", splits);
    checkDeclaredColumns(config, schema);
    int userIndex = config.userColumn() == null ? -1 : schema.indexOf(config.userColumn());
    List<NumericColumn> numeric = new ArrayList<>();
    List<CategoricalColumn> categorical = new ArrayList<>();
    List<Withheld> withheld = new ArrayList<>();
    for (int i = 0; i < schema.size(); i++) {
      FeatureSpec f = schema.feature(i);
      String name = f.name();
      if (name.equals(config.userColumn())) {
        withheld.add(new Withheld(name, "the user column: the unit of privacy, never released"));
      } else if (config.bounds().containsKey(name)) {
        numeric.add(new NumericColumn(name, i, config.bounds().get(name)));
      } else if (config.domains().containsKey(name)) {
        categorical.add(new CategoricalColumn(name, i, config.domains().get(name)));
      } else if (isNumeric(f.type())) {
        withheld.add(new Withheld(name, "no declared bounds (privacy bounds, or a range in an imported schema): bounds read from the data would reveal its extremes"));
      } else if (isCategorical(f.type())) {
        withheld.add(new Withheld(name, "no declared domain (privacy domains, or a domain in an imported schema): values read from the data would reveal rare ones"));
      } else {
        withheld.add(new Withheld(name, f.type().configName() + " columns are not released"));
      }
    }
    return new DpQueryPlan(config, splits, numeric, categorical, withheld, userIndex);
  }

  private static boolean isNumeric(FeatureType t) {
    return t == FeatureType.INT || t == FeatureType.FLOAT || t == FeatureType.TIMESTAMP;
  }

  private static boolean isCategorical(FeatureType t) {
    return t == FeatureType.STRING || t == FeatureType.BOOLEAN;
  }

  private static void checkDeclaredColumns(PrivacyConfig config, ExampleSchema schema) {
    String columns = " (its columns: " + String.join(", ", schema.names()) + ")";
    if (config.userColumn() != null && schema.feature(config.userColumn()).isEmpty()) {
      throw new ConfigException("privacy user_column '" + config.userColumn() + "' is not a column of the data" + columns);
    }
    for (Map.Entry<String, Bounds> e : config.bounds().entrySet()) {
      FeatureSpec f = schema.feature(e.getKey()).orElseThrow(() ->
          new ConfigException("privacy bounds name column '" + e.getKey() + "', which the data lacks" + columns));
      if (!isNumeric(f.type())) {
        throw new ConfigException("privacy bounds are for numeric columns; '" + e.getKey() + "' is " + f.type().configName());
      }
    }
    for (String column : config.domains().keySet()) {
      FeatureSpec f = schema.feature(column).orElseThrow(() ->
          new ConfigException("privacy domains name column '" + column + "', which the data lacks" + columns));
      if (!isCategorical(f.type())) {
        throw new ConfigException("privacy domains are for string and boolean columns; '" + column + "' is " + f.type().configName());
      }
    }
    if (config.bounds().containsKey(config.userColumn()) || config.domains().containsKey(config.userColumn())) {
      throw new ConfigException("privacy user_column '" + config.userColumn() + "' is the unit of privacy and is never released; remove its bounds or domain");
    }
    TreeSet<String> both = new TreeSet<>(config.bounds().keySet());
    both.retainAll(config.domains().keySet());
    if (!both.isEmpty()) {
      throw new ConfigException("privacy declares both bounds and a domain for " + both);
    }
  }

  /** A query before its share of the budget is known. */
  private record Draft(String id, String split, String column, Kind kind, int size, double sensitivity) {}

  /** The queries in release order, each with its equal share of the budget. */
  private List<Query> budget() {
    // One row moves one count by 1, one bucket by 1, or one centred sum by (hi - lo) / 2: L1 = L2 per
    // row; the m rows of one user at most m times that (all in one bucket, in the worst case).
    double m = config.maxRowsPerUser();
    List<Draft> drafts = new ArrayList<>();
    for (String split : splits) {
      drafts.add(new Draft(split + "/rows", split, null, Kind.ROWS, 1, m));
      for (NumericColumn c : numeric) {
        String prefix = split + "/" + c.name() + "/";
        drafts.add(new Draft(prefix + "count", split, c.name(), Kind.COUNT, 1, m));
        drafts.add(new Draft(prefix + "sum", split, c.name(), Kind.SUM, 1, m * (c.bounds().upper() - c.bounds().lower()) / 2));
        drafts.add(new Draft(prefix + "histogram", split, c.name(), Kind.HISTOGRAM, config.buckets(), m));
      }
      for (CategoricalColumn c : categorical) {
        drafts.add(new Draft(split + "/" + c.name() + "/counts", split, c.name(), Kind.CATEGORIES, c.domain().size() + 1, m));
      }
    }
    int k = parallel() ? drafts.size() / splits.size() : drafts.size();
    boolean laplace = config.mechanism() == Mechanism.LAPLACE;
    double rho = laplace ? Double.NaN : Zcdp.rhoFor(config.epsilon(), config.delta());
    List<Query> out = new ArrayList<>(k);
    for (Draft d : drafts) {
      if (laplace) {
        double eps = config.epsilon() / k;
        double b = d.sensitivity() / eps;
        out.add(new Query(d.id(), d.split(), d.column(), d.kind(), d.size(), d.sensitivity(), d.sensitivity(), eps, null, b, Math.sqrt(2) * b));
      } else {
        double rhoI = rho / k;
        // A real sum is snapped to a grid of step g <= sigma / 2^19 before its noise, which can add one
        // step to its sensitivity (SnappedNoise.gaussian): sigma >= (delta + sigma / 2^19) / sqrt(2 rho_i)
        // keeps it within rho_i. Counts are whole numbers, on the grid already.
        double sigma = d.kind() == Kind.SUM
            ? d.sensitivity() / (Math.sqrt(2 * rhoI) - GRID_MARGIN)
            : Zcdp.sigma(d.sensitivity(), rhoI);
        out.add(new Query(d.id(), d.split(), d.column(), d.kind(), d.size(), d.sensitivity(), d.sensitivity(), null, rhoI, sigma, sigma));
      }
    }
    return out;
  }

  public PrivacyConfig config() {
    return config;
  }

  public ImmutableList<String> splits() {
    return splits;
  }

  public ImmutableList<NumericColumn> numeric() {
    return numeric;
  }

  public ImmutableList<CategoricalColumn> categorical() {
    return categorical;
  }

  public ImmutableList<Withheld> withheld() {
    return withheld;
  }

  /** Every released query, in release order: per split, rows, then each numeric column's count, sum and histogram, then each categorical column's counts. */
  public ImmutableList<Query> queries() {
    return queries;
  }

  /** The query called {@code id} ({@code "train/x/sum"}). */
  public Query query(String id) {
    return queries.stream().filter(q -> q.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no query '" + id + "'"));
  }

  /** The position of the user column in the examples, or -1 when a row is the unit of privacy. */
  public int userIndex() {
    return userIndex;
  }

  /**
   * Whether the splits' releases compose in parallel: a row is the unit and lies in one split only, so
   * each split may spend the whole budget (see the class comment).
   */
  public boolean parallel() {
    return config.userColumn() == null;
  }

  /** The number of queries the budget is split among: those of one split when {@link #parallel}, else all. */
  public int k() {
    return parallel() ? queries.size() / splits.size() : queries.size();
  }

  /**
   * The ε the queries spend together: their sum for Laplace, the (ε, δ) of the summed ρ for Gaussian;
   * with {@link #parallel} splits, the largest of the splits' sums.
   */
  public double totalEpsilon() {
    if (config.mechanism() == Mechanism.LAPLACE) {
      return spent(Query::epsilon);
    }
    return Zcdp.epsilon(totalRho(), config.delta());
  }

  /** The ρ the queries spend together (Gaussian), composed as {@link #totalEpsilon}; NaN for Laplace. */
  public double totalRho() {
    return config.mechanism() == Mechanism.GAUSSIAN ? spent(Query::rho) : Double.NaN;
  }

  /** The sum of {@code cost} over the queries, or over each split's and the largest of those when {@link #parallel}. */
  private double spent(java.util.function.ToDoubleFunction<Query> cost) {
    if (!parallel()) {
      return queries.stream().mapToDouble(cost).sum();
    }
    return splits.stream().mapToDouble(split -> queries.stream().filter(q -> q.split().equals(split)).mapToDouble(cost).sum())
        .max().orElse(0);
  }

  /** What one unit of privacy is, in words. */
  public String unitOfPrivacy() {
    return config.userColumn() == null
        ? "row"
        : "user (column '" + config.userColumn() + "', at most " + config.maxRowsPerUser() + " row" + (config.maxRowsPerUser() == 1 ? "" : "s") + " each)";
  }
}
