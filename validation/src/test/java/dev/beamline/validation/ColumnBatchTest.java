package dev.beamline.validation;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * Examples added column by column ({@link FeatureStatisticsFn#addColumns}) against the same examples
 * added as records: the exact fields identical, whatever the batches and the merge order.
 */
class ColumnBatchTest {
  private static final ExampleSchema SCHEMA =
      TestData.schema("x", FLOAT, "n", INT, "ts", TIMESTAMP, "s", STRING, "b", BOOLEAN, "none", FLOAT);

  /** 5,000 examples: Gaussian floats with nulls, NaN, infinities and zeros; integers; timestamps; strings; booleans. */
  private static List<GenericRecord> records(int rows, int distinctStrings, long seed) {
    Random random = new Random(seed);
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int kind = random.nextInt(100);
      Double x =
          kind < 5 ? null
              : kind < 7 ? Double.NaN
              : kind < 8 ? Double.POSITIVE_INFINITY
              : kind < 9 ? Double.NEGATIVE_INFINITY
              : kind < 12 ? 0.0
              : random.nextGaussian() * 10 + 3;
      Long n = random.nextInt(10) == 0 ? null : (long) random.nextInt(200) - 100;
      long ts = 1_700_000_000_000_000L + random.nextInt(86_400) * 1_000_000L;
      String s = random.nextInt(20) == 0 ? null : "v" + random.nextInt(distinctStrings);
      Boolean b = random.nextInt(4) == 0 ? null : random.nextBoolean();
      out.add(TestData.record(SCHEMA, x, n, ts, s, b, null));
    }
    return out;
  }

  /**
   * The records as column batches of {@code size} rows; string values are counted per batch and added
   * as (value, count), as a dictionary-encoded column would be.
   */
  private static List<ColumnBatch> columns(List<GenericRecord> records, int size) {
    List<ColumnBatch> out = new ArrayList<>();
    for (int from = 0; from < records.size(); from += size) {
      ColumnBatch batch = ColumnBatch.of(SCHEMA);
      for (int i = 0; i < SCHEMA.size(); i++) {
        boolean numeric = StatsAccumulator.isNumeric(SCHEMA.feature(i).type());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (GenericRecord r : records.subList(from, Math.min(records.size(), from + size))) {
          Object v = r.get(i);
          if (v == null) {
            if (numeric) {
              batch.numbers(i).addNull();
            } else {
              batch.strings(i).addNull();
            }
          } else if (numeric) {
            batch.numbers(i).add(((Number) v).doubleValue());
          } else {
            counts.merge(v.toString(), 1L, Long::sum);
          }
        }
        for (Map.Entry<String, Long> e : counts.entrySet()) {
          batch.strings(i).add(e.getKey(), e.getValue());
        }
      }
      out.add(batch);
    }
    return out;
  }

  /** The statistics of the batches, one accumulator per batch, merged last to first. */
  private static DatasetStatistics byColumns(List<ColumnBatch> batches) {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(SCHEMA, "s");
    List<StatsAccumulator> accs = new ArrayList<>();
    for (ColumnBatch b : batches) {
      accs.add(fn.addColumns(fn.createAccumulator(), b));
    }
    Collections.reverse(accs);
    return fn.extractOutput(fn.mergeAccumulators(accs));
  }

  /** Every field that is exact (not from a sketch), feature by feature. */
  private static void assertSameExactFields(DatasetStatistics actual, DatasetStatistics expected) {
    assertThat(actual.numExamples()).isEqualTo(expected.numExamples());
    for (FeatureStatistics e : expected.features()) {
      FeatureStatistics a = actual.feature(e.name()).orElseThrow();
      assertThat(a.count()).as(e.name() + ".count").isEqualTo(e.count());
      assertThat(a.missing()).as(e.name() + ".missing").isEqualTo(e.missing());
      assertThat(a.presence()).as(e.name() + ".presence").isEqualTo(e.presence());
      if (e.numeric() != null) {
        NumericStatistics x = a.numeric();
        NumericStatistics y = e.numeric();
        assertThat(Double.valueOf(x.mean())).as(e.name() + ".mean").isEqualTo(Double.valueOf(y.mean()));
        assertThat(Double.valueOf(x.stdDev())).as(e.name() + ".std_dev").isEqualTo(Double.valueOf(y.stdDev()));
        assertThat(Double.valueOf(x.min())).as(e.name() + ".min").isEqualTo(Double.valueOf(y.min()));
        assertThat(Double.valueOf(x.max())).as(e.name() + ".max").isEqualTo(Double.valueOf(y.max()));
        assertThat(x.zeros()).as(e.name() + ".zeros").isEqualTo(y.zeros());
        assertThat(x.nan()).as(e.name() + ".nan").isEqualTo(y.nan());
        assertThat(x.infinity()).as(e.name() + ".infinity").isEqualTo(y.infinity());
      } else {
        StringStatistics x = a.strings();
        StringStatistics y = e.strings();
        assertThat(Double.valueOf(x.avgLength())).as(e.name() + ".avg_length").isEqualTo(Double.valueOf(y.avgLength()));
        assertThat(x.minLength()).as(e.name() + ".min_length").isEqualTo(y.minLength());
        assertThat(x.maxLength()).as(e.name() + ".max_length").isEqualTo(y.maxLength());
      }
    }
  }

  @Test
  void columnsGiveTheExactFieldsOfRecords() {
    List<GenericRecord> records = records(5000, 50, 1);
    DatasetStatistics expected = FeatureStatisticsFn.computeInMemory(SCHEMA, "s", records);
    for (int size : new int[] {5000, 777, 64}) {
      DatasetStatistics actual = byColumns(columns(records, size));
      assertSameExactFields(actual, expected);
      // Fewer distinct strings than the exact limit: their statistics are exact, top values included.
      assertThat(actual.feature("s").orElseThrow().strings()).isEqualTo(expected.feature("s").orElseThrow().strings());
      assertThat(actual.feature("b").orElseThrow().strings()).isEqualTo(expected.feature("b").orElseThrow().strings());
      ReferenceStatistics.of(SCHEMA, records).check(actual);
    }
  }

  @Test
  void columnsPastTheExactLimitStayWithinTheSketchErrors() {
    List<GenericRecord> records = records(20_000, 3000, 2);
    DatasetStatistics actual = byColumns(columns(records, 1500));
    assertThat(actual.feature("s").orElseThrow().strings().distinctExact()).isFalse();
    ReferenceStatistics.of(SCHEMA, records).check(actual);
    assertSameExactFields(actual, FeatureStatisticsFn.computeInMemory(SCHEMA, "s", records));
  }

  @Test
  void recordsAndColumnsMixInOneAccumulator() {
    List<GenericRecord> records = records(3000, 50, 3);
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(SCHEMA, "s");
    StatsAccumulator acc = fn.createAccumulator();
    for (var batch : TestData.batches(records.subList(0, 1000), 250)) {
      acc = fn.addInput(acc, batch);
    }
    for (ColumnBatch batch : columns(records.subList(1000, 3000), 400)) {
      acc = fn.addColumns(acc, batch);
    }
    assertSameExactFields(fn.extractOutput(acc), FeatureStatisticsFn.computeInMemory(SCHEMA, "s", records));
  }

  @Test
  void meanAndStdDevDoNotDependOnTheOrder() {
    // Large offset, many values: where a running mean and m2 differ in their last digits between orders.
    ExampleSchema schema = TestData.schema("x", FLOAT);
    Random random = new Random(11);
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      values.add(1e6 + random.nextGaussian() * 3.7);
    }
    DatasetStatistics inOrder = FeatureStatisticsFn.computeInMemory(schema, "s", TestData.records(schema, values));
    List<Double> shuffled = new ArrayList<>(values);
    Collections.shuffle(shuffled, new Random(12));
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "s");
    List<StatsAccumulator> accs = new ArrayList<>();
    ColumnBatch batch = ColumnBatch.of(schema);
    for (int i = 0; i < shuffled.size(); i++) {
      batch.numbers(0).add(shuffled.get(i));
      if (batch.numbers(0).size() == 9_999 || i == shuffled.size() - 1) {
        accs.add(fn.addColumns(fn.createAccumulator(), batch));
        batch.clear();
      }
    }
    Collections.shuffle(accs, new Random(13));
    NumericStatistics a = fn.extractOutput(fn.mergeAccumulators(accs)).feature("x").orElseThrow().numeric();
    NumericStatistics b = inOrder.feature("x").orElseThrow().numeric();
    assertThat(a.mean()).isEqualTo(b.mean());
    assertThat(a.stdDev()).isEqualTo(b.stdDev());

    // And both are the exact values, correctly rounded (computed in BigDecimal).
    BigDecimal n = BigDecimal.valueOf(values.size());
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal squares = BigDecimal.ZERO;
    for (double v : values) {
      BigDecimal d = new BigDecimal(v);
      sum = sum.add(d);
      squares = squares.add(d.multiply(d));
    }
    double mean = sum.divide(n, MathContext.DECIMAL128).doubleValue();
    double std = Math.sqrt(squares.multiply(n).subtract(sum.multiply(sum)).divide(n.multiply(n), MathContext.DECIMAL128).doubleValue());
    assertThat(a.mean()).isEqualTo(mean);
    assertThat(a.stdDev()).isEqualTo(std);
  }

  @Test
  void constantValuesHaveNoDeviation() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    ColumnBatch batch = ColumnBatch.of(schema);
    for (int i = 0; i < 10_000; i++) {
      batch.numbers(0).add(0.1);
    }
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "s");
    NumericStatistics x = fn.extractOutput(fn.addColumns(fn.createAccumulator(), batch)).feature("x").orElseThrow().numeric();
    assertThat(x.stdDev()).isZero();
    assertThat(x.mean()).isEqualTo(0.1);
  }

  @Test
  void hugeValuesFallBackToWelford() {
    // Squares of 1e160 overflow; the standard deviation then comes from the running m2 (deviations of
    // 5e153, whose squares still fit).
    ExampleSchema schema = TestData.schema("x", FLOAT);
    ColumnBatch batch = ColumnBatch.of(schema);
    batch.numbers(0).add(1e160);
    batch.numbers(0).add(1e160 + 1e154);
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "s");
    NumericStatistics byColumns =
        fn.extractOutput(fn.addColumns(fn.createAccumulator(), batch)).feature("x").orElseThrow().numeric();
    NumericStatistics byRecords =
        FeatureStatisticsFn.computeInMemory(schema, "s", TestData.records(schema, List.of(1e160, 1e160 + 1e154)))
            .feature("x").orElseThrow().numeric();
    assertThat(byColumns.stdDev()).isCloseTo(5e153, within(5e153 * 1e-9));
    assertThat(byRecords.stdDev()).isCloseTo(5e153, within(5e153 * 1e-9));
    assertThat(byColumns.mean()).isEqualTo(byRecords.mean()).isCloseTo(1e160 + 5e153, within(1e160 * 1e-15));
  }

  @Test
  void weightedStringsCountLikeRepeatedOnes() {
    ExampleSchema schema = TestData.schema("s", STRING);
    ColumnBatch batch = ColumnBatch.of(schema);
    batch.strings(0).add("Adelie", 3);
    batch.strings(0).add("", 2);
    batch.strings(0).add("Adelie");
    batch.strings(0).addNulls(4);
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "s");
    DatasetStatistics byColumns = fn.extractOutput(fn.addColumns(fn.createAccumulator(), batch));
    List<String> values = new ArrayList<>(List.of("Adelie", "Adelie", "Adelie", "", "", "Adelie"));
    values.addAll(Collections.nCopies(4, null));
    assertThat(byColumns).isEqualTo(FeatureStatisticsFn.computeInMemory(schema, "s", TestData.records(schema, values)));
    assertThat(byColumns.numExamples()).isEqualTo(10);
  }

  @Test
  void columnsOfDifferentLengthsAreRefused() {
    ColumnBatch batch = ColumnBatch.of(TestData.schema("x", FLOAT, "s", STRING));
    batch.numbers(0).add(1.0);
    batch.numbers(0).addNull();
    batch.strings(1).add("a");
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(batch.schema(), "s");
    assertThatThrownBy(() -> fn.addColumns(fn.createAccumulator(), batch))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'x' has 2 values and nulls, 's' 1");
  }

  @Test
  void wrongColumnsAndSchemasAreRefused() {
    ColumnBatch batch = ColumnBatch.of(TestData.schema("x", FLOAT, "s", STRING));
    assertThatThrownBy(() -> batch.strings(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feature 0 is not a string");
    assertThatThrownBy(() -> batch.numbers(1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feature 1 is not a numeric");
    assertThatThrownBy(() -> batch.strings(1).add("a", 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
    FeatureStatisticsFn other = FeatureStatisticsFn.of(TestData.schema("x", FLOAT), "s");
    assertThatThrownBy(() -> other.addColumns(other.createAccumulator(), batch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot add a batch of schema");
  }
}
