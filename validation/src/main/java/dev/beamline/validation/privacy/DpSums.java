package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.validation.privacy.DpQueryPlan.CategoricalColumn;
import dev.beamline.validation.privacy.DpQueryPlan.NumericColumn;
import dev.beamline.validation.privacy.PrivacyConfig.Bounds;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.avro.generic.GenericRecord;

/**
 * The exact, pre-noise aggregates of one split that a {@link DpQueryPlan} releases: the number of
 * rows, per released numeric column its count of present values, the sum of its values clamped into
 * its bounds and centred on their midpoint, and its equal-width bucket counts, and per released
 * categorical column the counts of its declared values and of all others. Mergeable; its size depends
 * on the plan, not on the data. These values are NOT private: only {@link NoisyRelease} of them is.
 *
 * <pre>{@code
 * DpSums s = DpSums.empty(plan, "train");
 * records.forEach(s::add);
 * s.merge(other);
 * }</pre>
 */
public final class DpSums implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String split;
  private final NumericColumn[] numeric;
  private final CategoricalColumn[] categorical;
  private final int buckets;
  private long rows;
  private final long[] counts;
  private final double[] sums;
  private final long[][] histograms;
  private final long[][] categories;

  private DpSums(DpQueryPlan plan, String split) {
    this.split = split;
    this.numeric = plan.numeric().toArray(new NumericColumn[0]);
    this.categorical = plan.categorical().toArray(new CategoricalColumn[0]);
    this.buckets = plan.config().buckets();
    this.counts = new long[numeric.length];
    this.sums = new double[numeric.length];
    this.histograms = new long[numeric.length][buckets];
    this.categories = new long[categorical.length][];
    for (int j = 0; j < categorical.length; j++) {
      categories[j] = new long[categorical[j].domain().size() + 1];
    }
  }

  /** Nothing counted yet, for split {@code split} of {@code plan}. */
  public static DpSums empty(DpQueryPlan plan, String split) {
    return new DpSums(plan, split);
  }

  /** Counts one row. A null or NaN numeric value is absent; a null categorical value is counted nowhere. */
  public DpSums add(GenericRecord r) {
    rows++;
    for (int i = 0; i < numeric.length; i++) {
      Object v = r.get(numeric[i].index());
      if (v == null) {
        continue;
      }
      double x = ((Number) v).doubleValue();
      if (Double.isNaN(x)) {
        continue;
      }
      Bounds b = numeric[i].bounds();
      double clamped = b.clamp(x);
      counts[i]++;
      sums[i] += clamped - b.mid();
      histograms[i][bucketOf(clamped, b, buckets)]++;
    }
    for (int j = 0; j < categorical.length; j++) {
      Object v = r.get(categorical[j].index());
      if (v == null) {
        continue;
      }
      int at = categorical[j].domain().indexOf(v.toString());
      long[] c = categories[j];
      c[at < 0 ? c.length - 1 : at]++;
    }
    return this;
  }

  /** The bucket of {@code clamped} among {@code buckets} equal-width buckets over {@code b}; the upper bound falls in the last. */
  static int bucketOf(double clamped, Bounds b, int buckets) {
    int at = (int) Math.floor((clamped - b.lower()) / (b.upper() - b.lower()) * buckets);
    return Math.max(0, Math.min(buckets - 1, at));
  }

  /** Adds {@code other}'s counts to these and returns this. */
  public DpSums merge(DpSums other) {
    checkArgument(other.split.equals(split), "cannot merge split '%s' into '%s'", other.split, split);
    checkArgument(other.counts.length == counts.length && other.categories.length == categories.length && other.buckets == buckets,
        "cannot merge sums of another plan");
    rows += other.rows;
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
      sums[i] += other.sums[i];
      for (int b = 0; b < buckets; b++) {
        histograms[i][b] += other.histograms[i][b];
      }
    }
    for (int j = 0; j < categories.length; j++) {
      for (int v = 0; v < categories[j].length; v++) {
        categories[j][v] += other.categories[j][v];
      }
    }
    return this;
  }

  public String split() {
    return split;
  }

  public long rows() {
    return rows;
  }

  /** The count of present values of released numeric column {@code column}. */
  public long count(String column) {
    return counts[numericIndex(column)];
  }

  /** The sum of {@code column}'s values clamped into its bounds, minus the midpoint once per value. */
  public double centredSum(String column) {
    return sums[numericIndex(column)];
  }

  /** The equal-width bucket counts of {@code column} over its bounds (a copy). */
  public long[] histogram(String column) {
    return histograms[numericIndex(column)].clone();
  }

  /** The counts of {@code column}'s declared values in domain order, then of all others (a copy). */
  public long[] categories(String column) {
    for (int j = 0; j < categorical.length; j++) {
      if (categorical[j].name().equals(column)) {
        return categories[j].clone();
      }
    }
    throw new IllegalArgumentException("'" + column + "' is not a released categorical column; released: "
        + Arrays.stream(categorical).map(CategoricalColumn::name).toList());
  }

  private int numericIndex(String column) {
    for (int i = 0; i < numeric.length; i++) {
      if (numeric[i].name().equals(column)) {
        return i;
      }
    }
    throw new IllegalArgumentException("'" + column + "' is not a released numeric column; released: "
        + Arrays.stream(numeric).map(NumericColumn::name).toList());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DpSums d && d.split.equals(split) && d.rows == rows && d.buckets == buckets
        && Arrays.equals(d.numeric, numeric) && Arrays.equals(d.categorical, categorical) && Arrays.equals(d.counts, counts)
        && Arrays.equals(d.sums, sums) && Arrays.deepEquals(d.histograms, histograms) && Arrays.deepEquals(d.categories, categories);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * split.hashCode() + Long.hashCode(rows)) + Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return "DpSums{" + split + ", rows=" + rows + ", counts=" + Arrays.toString(counts) + ", sums=" + Arrays.toString(sums) + "}";
  }
}
