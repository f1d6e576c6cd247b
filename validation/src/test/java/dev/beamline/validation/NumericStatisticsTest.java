package dev.beamline.validation;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.datasketches.kll.KllSketch;
import org.junit.jupiter.api.Test;

/** Statistics of numeric features against values computed by hand or from the sorted data. */
class NumericStatisticsTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;

  private static final ExampleSchema SCHEMA = TestData.schema("x", FLOAT, "n", INT, "ts", TIMESTAMP, "none", FLOAT);

  /** Ten examples: x has two nulls, a NaN, +inf, two zeros and the finite values 1, 2, 0, 4, -3, 0. */
  private static List<GenericRecord> handData() {
    Object[][] rows = {
      {1.0, 5L, 1_700_000_000_000_000L, null},
      {2.0, 5L, null, null},
      {0.0, null, null, null},
      {null, 0L, null, null},
      {NAN, 10L, null, null},
      {INF, null, null, null},
      {4.0, null, null, null},
      {-3.0, null, null, null},
      {null, null, null, null},
      {0.0, null, null, null},
    };
    List<GenericRecord> out = new ArrayList<>();
    for (Object[] row : rows) {
      out.add(TestData.record(SCHEMA, row));
    }
    return out;
  }

  private static DatasetStatistics hand() {
    return FeatureStatisticsFn.computeInMemory(SCHEMA, "train", handData());
  }

  @Test
  void countsMissingAndPresence() {
    DatasetStatistics s = hand();
    assertThat(s.split()).isEqualTo("train");
    assertThat(s.numExamples()).isEqualTo(10);
    FeatureStatistics x = s.feature("x").orElseThrow();
    assertThat(x.type()).isEqualTo("float");
    assertThat(x.count()).isEqualTo(8);
    assertThat(x.missing()).isEqualTo(2);
    assertThat(x.presence()).isEqualTo(0.8);
    assertThat(x.strings()).isNull();
    FeatureStatistics n = s.feature("n").orElseThrow();
    assertThat(n.type()).isEqualTo("int");
    assertThat(n.count()).isEqualTo(4);
    assertThat(n.missing()).isEqualTo(6);
    assertThat(n.presence()).isEqualTo(0.4);
    assertThat(s.feature("ts").orElseThrow().type()).isEqualTo("timestamp");
  }

  @Test
  void exactFieldsOfFloats() {
    NumericStatistics x = hand().feature("x").orElseThrow().numeric();
    // Finite values 1, 2, 0, 4, -3, 0: sum 4, sum of squares 30, so the variance is 30/6 - (2/3)^2 = 41/9.
    assertThat(x.mean()).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(x.stdDev()).isCloseTo(Math.sqrt(41) / 3, within(1e-15));
    assertThat(x.min()).isEqualTo(-3.0);
    assertThat(x.max()).isEqualTo(4.0);
    assertThat(x.zeros()).isEqualTo(2);
    assertThat(x.nan()).isEqualTo(1);
    assertThat(x.infinity()).isEqualTo(1);
  }

  @Test
  void quantilesOfFloatsAreExactWhileTheSketchHoldsEveryValue() {
    NumericStatistics x = hand().feature("x").orElseThrow().numeric();
    assertThat(x.quantileRankError()).isZero();
    // Sorted: -3, 0, 0, 1, 2, 4. Decile r is the smallest value with at least r of the values at or below it.
    assertThat(x.quantiles()).containsExactly(-3.0, -3.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 2.0, 4.0, 4.0);
    assertThat(x.median()).isEqualTo(0.0);
  }

  @Test
  void histogramsOfFloats() {
    NumericStatistics x = hand().feature("x").orElseThrow().numeric();
    // Width 0.7 from -3 to 4: -3 | 0, 0 in [-0.2, 0.5) | 1 in [0.5, 1.2) | 2 in [1.9, 2.6) | 4 in the last.
    double[] counts = {1, 0, 0, 0, 2, 1, 0, 1, 0, 1};
    List<Bucket> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      double low = -3.0 + 7.0 * i / 10;
      double high = i == 9 ? 4.0 : -3.0 + 7.0 * (i + 1) / 10;
      expected.add(Bucket.of(low, high, counts[i]));
    }
    assertThat(x.equalWidth().buckets()).isEqualTo(expected);
    assertThat(x.equalWidth().buckets().get(4).low()).isCloseTo(-0.2, within(1e-15));
    assertThat(x.equalWidth().totalCount()).isEqualTo(6.0);

    List<Double> q = x.quantiles();
    assertThat(x.quantileHistogram().buckets()).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(x.quantileHistogram().buckets().get(i)).isEqualTo(Bucket.of(q.get(i), q.get(i + 1), 0.6));
    }
  }

  @Test
  void integers() {
    NumericStatistics n = hand().feature("n").orElseThrow().numeric();
    // 5, 5, 0, 10: mean 5, squared deviations 0, 0, 25, 25.
    assertThat(n.mean()).isEqualTo(5.0);
    assertThat(n.stdDev()).isEqualTo(Math.sqrt(12.5));
    assertThat(n.min()).isEqualTo(0.0);
    assertThat(n.max()).isEqualTo(10.0);
    assertThat(n.median()).isEqualTo(5.0);
    assertThat(n.zeros()).isEqualTo(1);
    assertThat(n.nan()).isZero();
    assertThat(n.infinity()).isZero();
    assertThat(n.quantiles()).containsExactly(0.0, 0.0, 0.0, 5.0, 5.0, 5.0, 5.0, 5.0, 10.0, 10.0, 10.0);
    assertThat(n.equalWidth().buckets())
        .containsExactly(
            Bucket.of(0, 1, 1), Bucket.of(1, 2, 0), Bucket.of(2, 3, 0), Bucket.of(3, 4, 0), Bucket.of(4, 5, 0),
            Bucket.of(5, 6, 2), Bucket.of(6, 7, 0), Bucket.of(7, 8, 0), Bucket.of(8, 9, 0), Bucket.of(9, 10, 1));
  }

  @Test
  void oneTimestampMakesOneBucket() {
    NumericStatistics ts = hand().feature("ts").orElseThrow().numeric();
    double t = 1_700_000_000_000_000.0;
    assertThat(ts.mean()).isEqualTo(t);
    assertThat(ts.stdDev()).isZero();
    assertThat(ts.min()).isEqualTo(t);
    assertThat(ts.max()).isEqualTo(t);
    assertThat(ts.median()).isEqualTo(t);
    assertThat(ts.quantiles()).hasSize(11).containsOnly(t);
    assertThat(ts.equalWidth().buckets()).containsExactly(Bucket.of(t, t, 1));
    assertThat(ts.quantileHistogram().totalCount()).isCloseTo(1.0, within(1e-15));
  }

  @Test
  void featureWithoutValues() {
    FeatureStatistics none = hand().feature("none").orElseThrow();
    assertThat(none.count()).isZero();
    assertThat(none.missing()).isEqualTo(10);
    assertThat(none.presence()).isZero();
    assertThat(none.numeric())
        .isEqualTo(
            new NumericStatistics(
                NAN, NAN, NAN, NAN, NAN, 0, 0, 0, List.of(), 0.0, Histogram.empty(), Histogram.empty()));
  }

  @Test
  void onlyNanAndInfinities() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    NumericStatistics x =
        FeatureStatisticsFn.computeInMemory(
                schema, "s", TestData.records(schema, List.of(NAN, INF, Double.NEGATIVE_INFINITY, NAN)))
            .feature("x")
            .orElseThrow()
            .numeric();
    assertThat(x.nan()).isEqualTo(2);
    assertThat(x.infinity()).isEqualTo(2);
    assertThat(x.mean()).isNaN();
    assertThat(x.quantiles()).isEmpty();
  }

  @Test
  void negativeZeroIsAZero() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    NumericStatistics x =
        FeatureStatisticsFn.computeInMemory(schema, "s", TestData.records(schema, List.of(-0.0, 0.0, 1.0)))
            .feature("x")
            .orElseThrow()
            .numeric();
    assertThat(x.zeros()).isEqualTo(2);
  }

  @Test
  void largeOffsetDoesNotLoseTheVariance() {
    // Naive sum-of-squares formulas cancel catastrophically here; Welford and Chan do not.
    ExampleSchema schema = TestData.schema("x", FLOAT);
    List<Double> values = List.of(1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16);
    NumericStatistics x =
        FeatureStatisticsFn.computeInMemory(schema, "s", TestData.records(schema, values))
            .feature("x")
            .orElseThrow()
            .numeric();
    assertThat(x.mean()).isEqualTo(1e9 + 10);
    assertThat(x.stdDev()).isCloseTo(Math.sqrt(22.5), within(1e-9));
  }

  /** 0..99,999 in a shuffled order, as floats. */
  private static List<GenericRecord> shuffledRange(ExampleSchema schema) {
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      values.add((double) i);
    }
    Collections.shuffle(values, new Random(42));
    return TestData.records(schema, values);
  }

  @Test
  void quantilesOfHundredThousandValuesAreWithinTheRankError() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    NumericStatistics x =
        FeatureStatisticsFn.computeInMemory(schema, "s", shuffledRange(schema)).feature("x").orElseThrow().numeric();
    double n = 100_000;
    assertThat(x.mean()).isEqualTo(49_999.5);
    assertThat(x.stdDev()).isCloseTo(Math.sqrt((n * n - 1) / 12), within(1e-6));
    assertThat(x.min()).isZero();
    assertThat(x.max()).isEqualTo(99_999.0);
    assertThat(x.quantileRankError())
        .isEqualTo(KllSketch.getNormalizedRankError(FeatureStatisticsFn.KLL_K, false))
        .isBetween(0.01, 0.015);
    double eps = x.quantileRankError();
    for (int i = 0; i <= 10; i++) {
      // The value v has rank (v + 1) / n: v values lie below it.
      double rank = (x.quantiles().get(i) + 1) / n;
      assertThat(rank).as("rank of decile %d", i).isCloseTo(i / 10.0, within(eps + 1 / n));
    }
    assertThat((x.median() + 1) / n).isCloseTo(0.5, within(eps));
    assertThat(x.quantiles().get(0)).isZero();
    assertThat(x.quantiles().get(10)).isEqualTo(99_999.0);
  }

  @Test
  void histogramsOfHundredThousandValues() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    NumericStatistics x =
        FeatureStatisticsFn.computeInMemory(schema, "s", shuffledRange(schema)).feature("x").orElseThrow().numeric();
    double n = 100_000;
    double pmfError = KllSketch.getNormalizedRankError(FeatureStatisticsFn.KLL_K, true);
    List<Bucket> buckets = x.equalWidth().buckets();
    assertThat(buckets).hasSize(10);
    for (int i = 0; i < 10; i++) {
      double low = 99_999.0 * i / 10;
      double high = 99_999.0 * (i + 1) / 10;
      assertThat(buckets.get(i).low()).isEqualTo(low);
      assertThat(buckets.get(i).high()).isEqualTo(high);
      // The integers v with low <= v < high (<= for the last bucket).
      double truth = (i == 9 ? Math.floor(high) + 1 : Math.ceil(high)) - Math.ceil(low);
      assertThat(buckets.get(i).count()).as("bucket %d", i).isCloseTo(truth, within(pmfError * n));
      assertThat(buckets.get(i).count()).isEqualTo(Math.rint(buckets.get(i).count()));
    }
    assertThat(x.equalWidth().totalCount()).isEqualTo(n);

    List<Bucket> quantile = x.quantileHistogram().buckets();
    double eps = x.quantileRankError();
    for (int i = 0; i < 10; i++) {
      Bucket b = quantile.get(i);
      assertThat(b.low()).isEqualTo(x.quantiles().get(i));
      assertThat(b.high()).isEqualTo(x.quantiles().get(i + 1));
      assertThat(b.count()).isEqualTo(10_000.0);
      // The values really in [low, high): within twice the rank error of a tenth.
      assertThat(b.high() - b.low()).isCloseTo(10_000, within(2 * eps * n + 1));
    }
    assertThat(x.quantileHistogram().totalCount()).isEqualTo(n);
  }

  @Test
  void randomDataMatchesThePlainComputation() {
    ExampleSchema schema = TestData.schema("g", FLOAT, "i", INT);
    Random random = new Random(7);
    List<GenericRecord> records = new ArrayList<>();
    for (int k = 0; k < 20_000; k++) {
      double g = random.nextGaussian() * 3 + 100;
      records.add(TestData.record(schema, random.nextInt(50) == 0 ? null : g, (long) random.nextInt(1000) - 500));
    }
    ReferenceStatistics.of(schema, records).check(FeatureStatisticsFn.computeInMemory(schema, "s", records));
  }
}
