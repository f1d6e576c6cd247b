package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.kll.KllSketch;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;

/**
 * Statistics computed the plain way, with every value in memory (sorted arrays, hash maps, exact
 * sums), and a check of computed statistics against them: exact fields exactly (means and standard
 * deviations to 1e-9 relative, for rounding), sketch fields within their documented error.
 */
final class ReferenceStatistics implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Relative error allowed for HLL distinct counts. */
  static final double DISTINCT_ERROR = 0.03;

  private final long numExamples;
  private final ArrayList<Feature> features = new ArrayList<>();

  /** The plain statistics of one feature. */
  static final class Feature implements Serializable {
    private static final long serialVersionUID = 1L;

    final FeatureSpec spec;
    long count;
    long missing;
    long zeros;
    long nan;
    long infinity;
    final ArrayList<Double> finiteList = new ArrayList<>();
    double[] sorted;
    final HashMap<String, Long> valueCounts = new HashMap<>();
    long totalLength;
    long minLength = Long.MAX_VALUE;
    long maxLength;

    Feature(FeatureSpec spec) {
      this.spec = spec;
    }

    boolean numeric() {
      return StatsAccumulator.isNumeric(spec.type());
    }

    /** The exact mean, through BigDecimal. */
    double mean() {
      BigDecimal sum = BigDecimal.ZERO;
      for (double v : sorted) {
        sum = sum.add(new BigDecimal(v));
      }
      return sum.divide(BigDecimal.valueOf(sorted.length), MathContext.DECIMAL128).doubleValue();
    }

    /** The population standard deviation, two-pass. */
    double stdDev() {
      double mean = mean();
      double ss = 0;
      for (double v : sorted) {
        ss += (v - mean) * (v - mean);
      }
      return Math.sqrt(ss / sorted.length);
    }

    /** The fraction of finite values below {@code q}. */
    double rankBelow(double q) {
      int lo = 0;
      int hi = sorted.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (sorted[mid] < q) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return (double) lo / sorted.length;
    }

    /** The fraction of finite values at or below {@code q}. */
    double rankAtOrBelow(double q) {
      int lo = 0;
      int hi = sorted.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (sorted[mid] <= q) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return (double) lo / sorted.length;
    }

    /** Finite values in [low, high), or [low, high] when {@code last}. */
    long countBetween(double low, double high, boolean last) {
      double n = sorted.length;
      return Math.round(((last ? rankAtOrBelow(high) : rankBelow(high)) - rankBelow(low)) * n);
    }

    /** Every value with its count, by decreasing count, ties by value. */
    List<ValueCount> sortedCounts() {
      List<ValueCount> out = new ArrayList<>();
      valueCounts.forEach((v, c) -> out.add(ValueCount.of(v, c)));
      out.sort(Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value));
      return out;
    }
  }

  private ReferenceStatistics(long numExamples) {
    this.numExamples = numExamples;
  }

  static ReferenceStatistics of(ExampleSchema schema, Iterable<? extends GenericRecord> records) {
    List<Feature> features = new ArrayList<>();
    for (FeatureSpec f : schema.features()) {
      features.add(new Feature(f));
    }
    long n = 0;
    for (GenericRecord r : records) {
      n++;
      for (Feature f : features) {
        Object v = r.get(f.spec.name());
        if (v == null) {
          f.missing++;
          continue;
        }
        f.count++;
        if (f.numeric()) {
          double x = ((Number) v).doubleValue();
          if (x == 0) {
            f.zeros++;
          }
          if (Double.isNaN(x)) {
            f.nan++;
          } else if (Double.isInfinite(x)) {
            f.infinity++;
          } else {
            f.finiteList.add(x);
          }
        } else {
          String s = v.toString();
          f.valueCounts.merge(s, 1L, Long::sum);
          long len = s.codePointCount(0, s.length());
          f.totalLength += len;
          f.minLength = Math.min(f.minLength, len);
          f.maxLength = Math.max(f.maxLength, len);
        }
      }
    }
    ReferenceStatistics ref = new ReferenceStatistics(n);
    for (Feature f : features) {
      f.sorted = f.finiteList.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      ref.features.add(f);
    }
    return ref;
  }

  Feature feature(String name) {
    return features.stream().filter(f -> f.spec.name().equals(name)).findFirst().orElseThrow();
  }

  /** Checks {@code actual} against these statistics; throws an AssertionError naming the first difference. */
  void check(DatasetStatistics actual) {
    assertThat(actual.numExamples()).as("num_examples").isEqualTo(numExamples);
    assertThat(actual.featureNames()).isEqualTo(features.stream().map(f -> f.spec.name()).toList());
    for (Feature f : features) {
      FeatureStatistics a = actual.feature(f.spec.name()).orElseThrow();
      String name = f.spec.name();
      assertThat(a.type()).as(name + ".type").isEqualTo(f.spec.type().configName());
      assertThat(a.count()).as(name + ".count").isEqualTo(f.count);
      assertThat(a.missing()).as(name + ".missing").isEqualTo(f.missing);
      assertThat(a.presence())
          .as(name + ".presence")
          .isEqualTo(numExamples == 0 ? 0.0 : (double) f.count / numExamples);
      if (f.numeric()) {
        assertThat(a.strings()).as(name + ".strings").isNull();
        checkNumeric(name, f, a.numeric());
      } else {
        assertThat(a.numeric()).as(name + ".numeric").isNull();
        checkStrings(name, f, a.strings());
      }
    }
  }

  private static void checkNumeric(String name, Feature f, NumericStatistics a) {
    assertThat(a.zeros()).as(name + ".zeros").isEqualTo(f.zeros);
    assertThat(a.nan()).as(name + ".nan").isEqualTo(f.nan);
    assertThat(a.infinity()).as(name + ".infinity").isEqualTo(f.infinity);
    int n = f.sorted.length;
    if (n == 0) {
      assertThat(a.mean()).as(name + ".mean").isNaN();
      assertThat(a.stdDev()).as(name + ".std_dev").isNaN();
      assertThat(a.min()).as(name + ".min").isNaN();
      assertThat(a.max()).as(name + ".max").isNaN();
      assertThat(a.median()).as(name + ".median").isNaN();
      assertThat(a.quantiles()).as(name + ".quantiles").isEmpty();
      assertThat(a.equalWidth().buckets()).as(name + ".equal_width").isEmpty();
      assertThat(a.quantileHistogram().buckets()).as(name + ".quantile_histogram").isEmpty();
      return;
    }
    double min = f.sorted[0];
    double max = f.sorted[n - 1];
    assertThat(a.min()).as(name + ".min").isEqualTo(min);
    assertThat(a.max()).as(name + ".max").isEqualTo(max);
    double mean = f.mean();
    assertThat(a.mean()).as(name + ".mean").isCloseTo(mean, within(1e-9 * Math.max(1, Math.abs(mean))));
    double std = f.stdDev();
    assertThat(a.stdDev()).as(name + ".std_dev").isCloseTo(std, within(1e-9 * Math.max(1, std)));

    // Quantiles: the rank of each decile in the data is within the stated rank error of the decile's rank.
    double eps = a.quantileRankError();
    assertThat(eps).as(name + ".quantile_rank_error").isBetween(0.0, 0.02);
    assertThat(a.quantiles()).as(name + ".quantiles").hasSize(11);
    assertThat(a.quantiles().get(0)).as(name + ".quantiles[0]").isEqualTo(min);
    assertThat(a.quantiles().get(10)).as(name + ".quantiles[10]").isEqualTo(max);
    for (int i = 0; i <= 10; i++) {
      double q = a.quantiles().get(i);
      double r = i / 10.0;
      assertThat(r)
          .as("%s.quantiles[%d] = %s has ranks [%s, %s] in the data", name, i, q, f.rankBelow(q), f.rankAtOrBelow(q))
          .isBetween(f.rankBelow(q) - eps - 1e-12, f.rankAtOrBelow(q) + eps + 1e-12);
    }
    assertThat(a.median()).as(name + ".median").isEqualTo(a.quantiles().get(5));

    // Equal-width histogram: exact boundaries, counts within the sketch's PMF error, exact total.
    List<Bucket> buckets = a.equalWidth().buckets();
    if (min == max) {
      assertThat(buckets).as(name + ".equal_width").containsExactly(Bucket.of(min, max, n));
    } else {
      assertThat(buckets).as(name + ".equal_width").hasSize(10);
      double pmfError = eps == 0 ? 0 : KllSketch.getNormalizedRankError(FeatureStatisticsFn.KLL_K, true);
      for (int i = 0; i < 10; i++) {
        Bucket b = buckets.get(i);
        double low = i == 0 ? min : min + (max - min) * i / 10;
        double high = i == 9 ? max : min + (max - min) * (i + 1) / 10;
        assertThat(b.low()).as("%s.equal_width[%d].low", name, i).isEqualTo(low);
        assertThat(b.high()).as("%s.equal_width[%d].high", name, i).isEqualTo(high);
        assertThat(b.count())
            .as("%s.equal_width[%d].count", name, i)
            .isCloseTo(f.countBetween(low, high, i == 9), within(pmfError * n + 1e-9));
      }
    }
    assertThat(a.equalWidth().totalCount()).as(name + ".equal_width total").isEqualTo(n);

    // Quantile histogram: buckets between deciles, a tenth of the values each.
    List<Bucket> qb = a.quantileHistogram().buckets();
    assertThat(qb).as(name + ".quantile_histogram").hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(qb.get(i))
          .as("%s.quantile_histogram[%d]", name, i)
          .isEqualTo(Bucket.of(a.quantiles().get(i), a.quantiles().get(i + 1), n / 10.0));
    }
    assertThat(a.quantileHistogram().totalCount())
        .as(name + ".quantile_histogram total")
        .isCloseTo(n, within(1e-9 * n));
  }

  private static void checkStrings(String name, Feature f, StringStatistics a) {
    if (f.count == 0) {
      assertThat(a.avgLength()).as(name + ".avg_length").isNaN();
      assertThat(a.minLength()).as(name + ".min_length").isZero();
      assertThat(a.maxLength()).as(name + ".max_length").isZero();
    } else {
      assertThat(a.avgLength()).as(name + ".avg_length").isCloseTo((double) f.totalLength / f.count, within(1e-12));
      assertThat(a.minLength()).as(name + ".min_length").isEqualTo(f.minLength);
      assertThat(a.maxLength()).as(name + ".max_length").isEqualTo(f.maxLength);
    }
    List<ValueCount> exact = f.sortedCounts();
    int distinct = exact.size();
    if (distinct <= FeatureStatisticsFn.EXACT_DISTINCT_LIMIT) {
      assertThat(a.distinctExact()).as(name + ".distinct_exact").isTrue();
      assertThat(a.distinct()).as(name + ".distinct").isEqualTo(distinct);
      assertThat(a.categoryCounts()).as(name + ".category_counts").isEqualTo(exact);
      assertThat(a.topValues()).as(name + ".top_values").isEqualTo(exact.subList(0, Math.min(20, distinct)));
      return;
    }
    assertThat(a.distinctExact()).as(name + ".distinct_exact").isFalse();
    assertThat((double) a.distinct()).as(name + ".distinct").isCloseTo(distinct, within(DISTINCT_ERROR * distinct));
    // Frequent items: every count is an upper bound, at most eps * N above the true count.
    long maxError = (long) Math.ceil(ItemsSketch.getAprioriError(FeatureStatisticsFn.FREQUENT_ITEMS_MAP_SIZE, f.count));
    for (ValueCount vc : a.topValues()) {
      long truth = f.valueCounts.getOrDefault(vc.value(), 0L);
      assertThat(vc.count()).as("%s.top_values[%s]", name, vc.value()).isBetween(truth, truth + maxError);
    }
    for (ValueCount vc : a.categoryCounts()) {
      long truth = f.valueCounts.getOrDefault(vc.value(), 0L);
      assertThat(vc.count()).as("%s.category_counts[%s]", name, vc.value()).isBetween(truth, truth + maxError);
    }
    assertThat(a.topValues()).as(name + ".top_values").hasSize(Math.min(20, distinct));
    assertThat(a.topValues()).as(name + ".top_values order").isSortedAccordingTo(
        Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value));
    // A value more frequent than the 21st by more than twice the error must be among the top 20, and a
    // value more frequent than twice the error among the category counts.
    long twentyFirst = exact.size() > 20 ? exact.get(20).count() : 0;
    List<String> top = a.topValues().stream().map(ValueCount::value).toList();
    List<String> categories = a.categoryCounts().stream().map(ValueCount::value).toList();
    for (ValueCount vc : exact) {
      if (vc.count() > twentyFirst + 2 * maxError) {
        assertThat(top).as(name + ".top_values").contains(vc.value());
      }
      if (vc.count() > 2 * maxError && categories.size() < FeatureStatisticsFn.MAX_CATEGORY_COUNTS) {
        assertThat(categories).as(name + ".category_counts").contains(vc.value());
      }
    }
  }

  /** A hamcrest matcher of statistics that pass {@link #check}, for Beam's {@code CombineFnTester}. */
  Matcher<DatasetStatistics> matcher() {
    return new TypeSafeDiagnosingMatcher<>() {
      @Override
      protected boolean matchesSafely(DatasetStatistics actual, Description mismatch) {
        try {
          check(actual);
          return true;
        } catch (AssertionError e) {
          mismatch.appendText(e.getMessage());
          return false;
        }
      }

      @Override
      public void describeTo(Description description) {
        description.appendText("statistics equal to the plain computation, sketch fields within their error");
      }
    };
  }
}
