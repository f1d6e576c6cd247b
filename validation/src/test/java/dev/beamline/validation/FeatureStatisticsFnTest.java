package dev.beamline.validation;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** The CombineFn: merging in every order, the accumulator coder, and bad input. */
class FeatureStatisticsFnTest {
  private static final ExampleSchema NUMERIC = TestData.schema("x", FLOAT, "n", INT, "ts", TIMESTAMP, "none", FLOAT);
  private static final ExampleSchema STRINGS = TestData.schema("s", STRING, "b", BOOLEAN, "few", STRING);

  /** 3,000 examples: Gaussian floats with nulls, NaN, infinities and zeros; integers; timestamps. */
  private static List<GenericRecord> numericRecords() {
    Random random = new Random(1);
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
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
      out.add(TestData.record(NUMERIC, x, n, ts, null));
    }
    return out;
  }

  /**
   * 17,950 examples: s has v0..v29 with counts 900, 870, ..., 30 and 4,000 values seen once (past the
   * exact limit and past the frequent-items sketch's capacity); b is a boolean with nulls; few has 5 values.
   */
  private static List<GenericRecord> stringRecords() {
    List<String> s = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      for (int k = 0; k < (30 - i) * 30; k++) {
        s.add("v" + i);
      }
    }
    for (int j = 0; j < 4000; j++) {
      s.add("tail-" + j);
    }
    Collections.shuffle(s, new Random(5));
    Random random = new Random(6);
    List<GenericRecord> out = new ArrayList<>();
    for (String v : s) {
      Boolean b = random.nextInt(4) == 0 ? null : random.nextBoolean();
      out.add(TestData.record(STRINGS, v, b, "c" + random.nextInt(5)));
    }
    return out;
  }

  @Test
  void numericStatisticsAreTheSameInEveryMergeOrder() {
    List<GenericRecord> records = numericRecords();
    CombineFnTester.testCombineFn(
        FeatureStatisticsFn.of(NUMERIC, "train"),
        TestData.batches(records, 50),
        ReferenceStatistics.of(NUMERIC, records).matcher());
  }

  @Test
  void stringStatisticsAreTheSameInEveryMergeOrder() {
    List<GenericRecord> records = stringRecords();
    CombineFnTester.testCombineFn(
        FeatureStatisticsFn.of(STRINGS, "train"),
        TestData.batches(records, 150),
        ReferenceStatistics.of(STRINGS, records).matcher());
  }

  private static StatsAccumulator accumulate(FeatureStatisticsFn fn, List<GenericRecord> records) {
    StatsAccumulator acc = fn.createAccumulator();
    for (ExampleBatch batch : TestData.batches(records, 500)) {
      acc = fn.addInput(acc, batch);
    }
    return acc;
  }

  @Test
  void mergeLeavesAllButTheFirstAccumulatorUnchanged() {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(STRINGS, "train");
    List<GenericRecord> records = stringRecords();
    // Small (exact) into large (sketches) and large into small, so both sides switch to sketches.
    StatsAccumulator small = accumulate(fn, records.subList(0, 100));
    StatsAccumulator large = accumulate(fn, records.subList(100, records.size()));
    DatasetStatistics smallBefore = fn.extractOutput(small);
    DatasetStatistics largeBefore = fn.extractOutput(large);
    fn.mergeAccumulators(List.of(accumulate(fn, records.subList(0, 10)), small, large));
    fn.mergeAccumulators(List.of(accumulate(fn, records.subList(0, 5000)), small));
    assertThat(fn.extractOutput(small)).isEqualTo(smallBefore);
    assertThat(fn.extractOutput(large)).isEqualTo(largeBefore);

    FeatureStatisticsFn numeric = FeatureStatisticsFn.of(NUMERIC, "train");
    StatsAccumulator other = accumulate(numeric, numericRecords());
    DatasetStatistics otherBefore = numeric.extractOutput(other);
    numeric.mergeAccumulators(List.of(numeric.createAccumulator(), other));
    assertThat(numeric.extractOutput(other)).isEqualTo(otherBefore);
  }

  @Test
  void mergingNothingGivesEmptyStatistics() {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(NUMERIC, "train");
    assertThat(fn.extractOutput(fn.mergeAccumulators(List.of()))).isEqualTo(fn.extractOutput(fn.createAccumulator()));
  }

  private static void assertCoderRoundTrip(FeatureStatisticsFn fn, List<GenericRecord> records) throws Exception {
    StatsAccumulator acc = accumulate(fn, records);
    Coder<StatsAccumulator> coder = fn.getAccumulatorCoder(CoderRegistry.createDefault(), null);
    StatsAccumulator decoded = CoderUtils.clone(coder, acc);
    // Sketches have no equals: compare what comes out of them.
    assertThat(fn.extractOutput(decoded)).isEqualTo(fn.extractOutput(acc));
    // The decoded accumulator merges like the original (KLL compaction is randomized: compare to the truth).
    List<GenericRecord> twice = new ArrayList<>(records);
    twice.addAll(records);
    ReferenceStatistics.of(fn.schema(), twice).check(fn.extractOutput(fn.mergeAccumulators(List.of(decoded, acc))));
  }

  @Test
  void accumulatorCoderRoundTrips() throws Exception {
    FeatureStatisticsFn numeric = FeatureStatisticsFn.of(NUMERIC, "train");
    assertCoderRoundTrip(numeric, List.of());
    assertCoderRoundTrip(numeric, numericRecords().subList(0, 20));
    assertCoderRoundTrip(numeric, numericRecords());

    FeatureStatisticsFn strings = FeatureStatisticsFn.of(STRINGS, "train");
    assertCoderRoundTrip(strings, List.of());
    assertCoderRoundTrip(strings, stringRecords().subList(0, 300));
    assertCoderRoundTrip(strings, stringRecords());
  }

  @Test
  void accumulatorCoderIsCompactAndSerializable() throws Exception {
    FeatureStatisticsFn numeric = FeatureStatisticsFn.of(NUMERIC, "train");
    Coder<StatsAccumulator> coder = numeric.getAccumulatorCoder(CoderRegistry.createDefault(), null);
    CoderProperties.coderSerializable(coder);
    coder.verifyDeterministic();
    assertThat(CoderUtils.encodeToByteArray(coder, numeric.createAccumulator())).hasSizeLessThan(40);
    // Three sketched numeric features, whatever the number of examples: a few KB each.
    List<GenericRecord> many = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      many.addAll(numericRecords());
    }
    assertThat(CoderUtils.encodeToByteArray(coder, accumulate(numeric, many))).hasSizeLessThan(3 * 6000);
  }

  @Test
  void outputCoderRoundTrips() throws Exception {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(NUMERIC, "train");
    Coder<DatasetStatistics> coder = fn.getDefaultOutputCoder(CoderRegistry.createDefault(), null);
    DatasetStatistics stats = fn.extractOutput(accumulate(fn, numericRecords()));
    CoderProperties.coderDecodeEncodeEqual(coder, stats);
    CoderProperties.coderDecodeEncodeEqual(coder, fn.extractOutput(fn.createAccumulator()));
    CoderProperties.coderDeterministic(coder, stats, CoderUtils.clone(coder, stats));
  }

  @Test
  void valueOfTheWrongTypeIsNamed() {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(NUMERIC, "train");
    GenericRecord bad = TestData.record(NUMERIC, "not a number", null, null, null);
    assertThatThrownBy(() -> fn.addInput(fn.createAccumulator(), ExampleBatch.of(List.of(bad))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("feature 'x' is declared float but holds a String");
  }

  @Test
  void recordWithoutAFeatureIsNamed() {
    FeatureStatisticsFn fn = FeatureStatisticsFn.of(TestData.schema("x", FLOAT, "y", FLOAT), "train");
    GenericRecord onlyX = TestData.record(TestData.schema("x", FLOAT), 1.0);
    assertThatThrownBy(() -> fn.addInput(fn.createAccumulator(), ExampleBatch.of(List.of(onlyX))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no field 'y'");
  }

  @Test
  void fieldsAreFoundByNameWhateverTheirPosition() {
    ExampleSchema xy = TestData.schema("x", FLOAT, "s", STRING);
    ExampleSchema yx = TestData.schema("s", STRING, "x", FLOAT);
    List<GenericRecord> records = List.of(TestData.record(xy, 1.0, "a"), TestData.record(yx, "b", 3.0));
    DatasetStatistics s = FeatureStatisticsFn.computeInMemory(xy, "train", records);
    assertThat(s.feature("x").orElseThrow().numeric().mean()).isEqualTo(2.0);
    assertThat(s.feature("s").orElseThrow().strings().distinct()).isEqualTo(2);
  }

  @Test
  void splitNameMustNotBeEmpty() {
    assertThatThrownBy(() -> FeatureStatisticsFn.of(NUMERIC, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("split name");
  }
}
