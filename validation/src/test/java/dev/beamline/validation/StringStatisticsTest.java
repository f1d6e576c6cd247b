package dev.beamline.validation;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.STRING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.junit.jupiter.api.Test;

/** Statistics of string and boolean features against values computed by hand or with exact maps. */
class StringStatisticsTest {
  private static final ExampleSchema SCHEMA = TestData.schema("s", STRING);

  private static StringStatistics statsOf(List<?> values) {
    return FeatureStatisticsFn.computeInMemory(SCHEMA, "s", TestData.records(SCHEMA, values))
        .feature("s")
        .orElseThrow()
        .strings();
  }

  @Test
  void smallDatasetByHand() {
    // Utf8 as Avro readers give it, String as code gives it; "" and a penguin outside the BMP.
    List<Object> values = Arrays.asList(new Utf8("Adelie"), "Gentoo", "Adelie", null, "", "\uD83D\uDC27");
    FeatureStatistics f =
        FeatureStatisticsFn.computeInMemory(SCHEMA, "s", TestData.records(SCHEMA, values)).feature("s").orElseThrow();
    assertThat(f.type()).isEqualTo("string");
    assertThat(f.count()).isEqualTo(5);
    assertThat(f.missing()).isEqualTo(1);
    assertThat(f.numeric()).isNull();
    StringStatistics s = f.strings();
    assertThat(s.distinct()).isEqualTo(4);
    assertThat(s.distinctExact()).isTrue();
    List<ValueCount> expected =
        List.of(
            ValueCount.of("Adelie", 2),
            ValueCount.of("", 1),
            ValueCount.of("Gentoo", 1),
            ValueCount.of("\uD83D\uDC27", 1));
    assertThat(s.topValues()).isEqualTo(expected);
    assertThat(s.categoryCounts()).isEqualTo(expected);
    // Lengths in code points: 6, 6, 6, 0, 1.
    assertThat(s.avgLength()).isEqualTo(19 / 5.0);
    assertThat(s.minLength()).isZero();
    assertThat(s.maxLength()).isEqualTo(6);
  }

  @Test
  void booleans() {
    ExampleSchema schema = TestData.schema("b", BOOLEAN);
    FeatureStatistics f =
        FeatureStatisticsFn.computeInMemory(
                schema, "s", TestData.records(schema, Arrays.asList(true, true, false, null)))
            .feature("b")
            .orElseThrow();
    assertThat(f.type()).isEqualTo("boolean");
    assertThat(f.presence()).isEqualTo(0.75);
    assertThat(f.strings())
        .isEqualTo(
            new StringStatistics(
                2,
                true,
                List.of(ValueCount.of("true", 2), ValueCount.of("false", 1)),
                List.of(ValueCount.of("true", 2), ValueCount.of("false", 1)),
                13 / 3.0,
                4,
                5));
  }

  @Test
  void noValues() {
    StringStatistics s = statsOf(Arrays.asList(null, null));
    assertThat(s).isEqualTo(new StringStatistics(0, true, List.of(), List.of(), Double.NaN, 0, 0));
  }

  private static List<String> distinctValues(int n) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      values.add("id-" + i);
    }
    return values;
  }

  @Test
  void distinctIsExactUpToTheLimit() {
    List<String> values = distinctValues(FeatureStatisticsFn.EXACT_DISTINCT_LIMIT);
    values.addAll(distinctValues(10));
    StringStatistics s = statsOf(values);
    assertThat(s.distinct()).isEqualTo(1000);
    assertThat(s.distinctExact()).isTrue();
    assertThat(s.categoryCounts()).hasSize(1000);
    assertThat(s.topValues()).hasSize(20);
    // id-0..id-9 twice, then the rest once, in value order.
    assertThat(s.topValues().get(0)).isEqualTo(ValueCount.of("id-0", 2));
    assertThat(s.topValues().get(10)).isEqualTo(ValueCount.of("id-10", 1));
  }

  @Test
  void distinctPastTheLimitIsAnEstimateOfAtLeastTheLimit() {
    StringStatistics s = statsOf(distinctValues(FeatureStatisticsFn.EXACT_DISTINCT_LIMIT + 1));
    assertThat(s.distinctExact()).isFalse();
    assertThat(s.distinct()).isBetween(1001L, 1031L);
    // The frequent-items sketch has not evicted anything: its counts are exact.
    assertThat(s.categoryCounts()).hasSize(1000).allMatch(vc -> vc.count() == 1);
  }

  @Test
  void fiftyThousandDistinctValuesWithinHllError() {
    List<String> values = distinctValues(50_000);
    values.addAll(distinctValues(50_000));
    Collections.shuffle(values, new Random(3));
    StringStatistics s = statsOf(values);
    assertThat(s.distinctExact()).isFalse();
    assertThat((double) s.distinct()).isCloseTo(50_000, within(0.03 * 50_000));
    assertThat(s.avgLength()).isCloseTo(averageLength(values), within(1e-12));
    assertThat(s.minLength()).isEqualTo(4);
    assertThat(s.maxLength()).isEqualTo(8);
    // Every value appears twice: none is a heavy hitter, and every top value's estimate bounds 2 from above.
    long error = (long) Math.ceil(ItemsSketch.getAprioriError(FeatureStatisticsFn.FREQUENT_ITEMS_MAP_SIZE, 100_000));
    assertThat(s.categoryCounts()).isEmpty();
    assertThat(s.topValues()).hasSize(20).allSatisfy(vc -> assertThat(vc.count()).isBetween(2L, 2 + error));
  }

  private static double averageLength(List<String> values) {
    long total = 0;
    for (String v : values) {
      total += v.length();
    }
    return (double) total / values.size();
  }

  /** v0..v29 with counts 3000, 2900, ..., 100, then {@code tail} values that appear once, shuffled. */
  private static List<String> skewed(int tail) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      for (int k = 0; k < (30 - i) * 100; k++) {
        values.add("v" + i);
      }
    }
    for (int j = 0; j < tail; j++) {
      values.add("tail-" + j);
    }
    Collections.shuffle(values, new Random(11));
    return values;
  }

  @Test
  void topValuesAreExactWhileTheSketchHasNotEvicted() {
    // 1,530 distinct values: past the exact limit, below the sketch's capacity (3,072).
    List<String> values = skewed(1500);
    StringStatistics s = statsOf(values);
    assertThat(s.distinctExact()).isFalse();
    List<ValueCount> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      expected.add(ValueCount.of("v" + i, (30 - i) * 100L));
    }
    assertThat(s.topValues()).isEqualTo(expected);
    // Every value is surely counted, so the category counts list all 1,530 but stop at 1,000.
    assertThat(s.categoryCounts()).hasSize(1000);
    assertThat(s.categoryCounts().subList(0, 20)).isEqualTo(expected);
    assertThat(s.categoryCounts().get(30)).isEqualTo(ValueCount.of("tail-0", 1));
  }

  @Test
  void topValuesOfASkewedDatasetPastEvictionAreWithinTheSketchError() {
    List<String> values = skewed(10_000);
    StringStatistics s = statsOf(values);
    long n = values.size();
    long error = (long) Math.ceil(ItemsSketch.getAprioriError(FeatureStatisticsFn.FREQUENT_ITEMS_MAP_SIZE, n));
    // The counts are 100 apart and the error less than 50: the order is the true one.
    assertThat(error).isLessThan(50);
    assertThat(s.topValues()).hasSize(20);
    for (int i = 0; i < 20; i++) {
      ValueCount vc = s.topValues().get(i);
      assertThat(vc.value()).isEqualTo("v" + i);
      assertThat(vc.count()).isBetween((30 - i) * 100L, (30 - i) * 100L + error);
    }
    // Heavy hitters only: the 30 skewed values, none of the tail.
    assertThat(s.categoryCounts()).extracting(ValueCount::value).hasSize(30).allMatch(v -> v.startsWith("v"));
    ReferenceStatistics.of(SCHEMA, TestData.records(SCHEMA, values)).check(
        FeatureStatisticsFn.computeInMemory(SCHEMA, "s", TestData.records(SCHEMA, values)));
  }

  @Test
  void lengthsCountCodePoints() {
    StringStatistics s = statsOf(List.of("\u00e9t\u00e9", "\uD83D\uDC27\uD83D\uDC27", "abcd"));
    assertThat(s.minLength()).isEqualTo(2);
    assertThat(s.maxLength()).isEqualTo(4);
    assertThat(s.avgLength()).isEqualTo(3.0);
  }

  @Test
  void enumSymbolsAreStrings() {
    Schema sex = Schema.createEnum("Sex", null, null, List.of("MALE", "FEMALE"));
    List<GenericRecord> records =
        TestData.records(
            SCHEMA, List.of(new GenericData.EnumSymbol(sex, "MALE"), new GenericData.EnumSymbol(sex, "MALE")));
    StringStatistics s = FeatureStatisticsFn.computeInMemory(SCHEMA, "s", records).feature("s").orElseThrow().strings();
    assertThat(s.topValues()).containsExactly(ValueCount.of("MALE", 2));
  }
}
