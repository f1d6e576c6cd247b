package dev.beamline.validation.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The exact aggregates before noise: clamping, buckets, declared values, merging, and bounding users. */
class DpSumsTest {
  static final ExampleSchema SCHEMA = ExampleSchema.of(List.of(
      FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("s", FeatureType.STRING), FeatureSpec.of("u", FeatureType.STRING)));
  static final Schema AVRO = SCHEMA.toAvro();

  static GenericRecord row(Double x, String s, String u) {
    GenericData.Record r = new GenericData.Record(AVRO);
    r.put(0, x);
    r.put(1, s);
    r.put(2, u);
    return r;
  }

  static DpQueryPlan plan(PrivacyConfig c) {
    return DpQueryPlan.of(c, SCHEMA, List.of("train"));
  }

  static PrivacyConfig config() {
    return PrivacyConfig.defaults().withBounds("x", 0, 10).withBuckets(5).withDomain("s", List.of("a", "b"));
  }

  /** x: -3 (clamped to 0), 2.5, 12 (clamped to 10), null, NaN, 4; s: a, b, c, null, a, b. */
  static List<GenericRecord> table() {
    return List.of(row(-3.0, "a", "p"), row(2.5, "b", "p"), row(12.0, "c", "q"), row(null, null, "q"), row(Double.NaN, "a", "r"), row(4.0, "b", "r"));
  }

  @Test
  void valuesAreClampedIntoTheirBoundsCentredAndBucketed() {
    DpSums s = DpSums.empty(plan(config()), "train");
    table().forEach(s::add);
    assertThat(s.rows()).isEqualTo(6);
    assertThat(s.count("x")).isEqualTo(4);   // null and NaN are absent
    // (0 - 5) + (2.5 - 5) + (10 - 5) + (4 - 5)
    assertThat(s.centredSum("x")).isEqualTo(-3.5);
    // buckets of width 2: 0 -> [0, 2), 2.5 -> [2, 4), 4 -> [4, 6), 10 -> the last, [8, 10]
    assertThat(s.histogram("x")).containsExactly(1, 1, 1, 0, 1);
    // a, b, then every other value ("c"); the null in no bucket
    assertThat(s.categories("s")).containsExactly(2, 2, 1);
  }

  @Test
  void mergingInEitherOrderGivesTheSameSums() {
    DpQueryPlan plan = plan(config());
    DpSumsFn fn = new DpSumsFn(plan, "train");
    List<GenericRecord> t = table();
    DpSums a = fn.addInput(fn.createAccumulator(), ExampleBatch.of(new ArrayList<>(t.subList(0, 2))));
    DpSums b = fn.addInput(fn.createAccumulator(), ExampleBatch.of(new ArrayList<>(t.subList(2, 6))));
    DpSums ab = fn.mergeAccumulators(List.of(a, b));
    DpSums a2 = fn.addInput(fn.createAccumulator(), ExampleBatch.of(new ArrayList<>(t.subList(0, 2))));
    DpSums b2 = fn.addInput(fn.createAccumulator(), ExampleBatch.of(new ArrayList<>(t.subList(2, 6))));
    DpSums ba = fn.mergeAccumulators(List.of(b2, a2, fn.createAccumulator()));
    for (DpSums s : List.of(ab, ba)) {
      assertThat(s.rows()).isEqualTo(6);
      assertThat(s.centredSum("x")).isEqualTo(-3.5);
      assertThat(s.histogram("x")).containsExactly(1, 1, 1, 0, 1);
      assertThat(s.categories("s")).containsExactly(2, 2, 1);
    }
    assertThat(ab).isEqualTo(ba).hasSameHashCodeAs(ba);
    assertThat(fn.extractOutput(fn.mergeAccumulators(List.of())).rows()).isZero();
  }

  @Test
  void aUserKeepsTheRowsWithTheSmallestContentHashWhateverTheirOrder() {
    List<GenericRecord> heavy = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      heavy.add(row((double) i, "a", "heavy"));
    }
    List<GenericRecord> expected = new ArrayList<>(heavy);
    expected.sort(Comparator.comparingLong(UserBounding::rank));
    expected = expected.subList(0, 2);
    for (long seed = 0; seed < 5; seed++) {
      List<GenericRecord> shuffled = new ArrayList<>(heavy);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(UserBounding.keep(shuffled, 2)).containsExactlyElementsOf(expected);
    }
    assertThat(UserBounding.keep(heavy, 9)).hasSize(5);
    assertThat(UserBounding.userOf(null)).isEqualTo(UserBounding.MISSING_USER);
  }
}
