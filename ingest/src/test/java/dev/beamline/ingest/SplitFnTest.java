package dev.beamline.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.common.hash.Hashing;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class SplitFnTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(
          List.of(
              FeatureSpec.of("user_id", FeatureType.INT),
              FeatureSpec.of("name", FeatureType.STRING),
              FeatureSpec.of("score", FeatureType.FLOAT)));
  private static final Schema AVRO = SCHEMA.toAvro();
  private static final int USER_ID = 0;

  private static final List<String> KEYS =
      List.of(
          "", "a", "b", "hello", "user-42", "42", "7\u001fab\u001f1.5", "\u0000", "ünïcödé ✓",
          "a somewhat longer key, longer than thirty-two bytes, to reach farmhash's other branches",
          "x".repeat(200));

  private static GenericRecord record(Long userId, String name, Double score) {
    GenericData.Record r = new GenericData.Record(AVRO);
    r.put(0, userId);
    r.put(1, name);
    r.put(2, score);
    return r;
  }

  /** The split of {@code key}, computed from the definition: buckets handed to splits in order. */
  private static int expectedSplit(String key, int... bucketsPerSplit) {
    int total = 0;
    for (int b : bucketsPerSplit) {
      total += b;
    }
    long fingerprint = Hashing.farmHashFingerprint64().hashString(key, UTF_8).asLong();
    long bucket = Long.remainderUnsigned(fingerprint, total);
    int split = 0;
    for (long end = bucketsPerSplit[0]; bucket >= end; end += bucketsPerSplit[++split]) {}
    return split;
  }

  @Test
  void fingerprintOfTheEmptyKeyIsFarmHashsConstant() {
    // FarmHash's Fingerprint64 of no bytes is its constant k2 = 0x9ae16a3b2f90404f,
    // which is 11160318154034397263 unsigned: 2 mod 3 (eval under 2:1), 3 mod 10 (train under 8:1:1).
    assertThat(Hashing.farmHashFingerprint64().hashString("", UTF_8).asLong()).isEqualTo(0x9ae16a3b2f90404fL);
    assertThat(new SplitFn(SplitConfig.defaults(), -1).splitOf("")).isEqualTo(1);
    assertThat(new SplitFn(tenBuckets(), -1).splitOf("")).isEqualTo(0);
  }

  private static SplitConfig tenBuckets() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("train", 8);
    m.put("eval", 1);
    m.put("test", 1);
    return SplitConfig.of(m);
  }

  @Test
  void splitOfFixedKeysFollowsTheFingerprintModuloTheBuckets() {
    SplitFn twoToOne = new SplitFn(SplitConfig.defaults(), -1);
    SplitFn eightOneOne = new SplitFn(tenBuckets(), -1);
    SplitFn one = new SplitFn(SplitConfig.of(Map.of("all", 1)), -1);

    for (String key : KEYS) {
      assertThat(twoToOne.splitOf(key)).as(key).isEqualTo(expectedSplit(key, 2, 1));
      assertThat(eightOneOne.splitOf(key)).as(key).isEqualTo(expectedSplit(key, 8, 1, 1));
      assertThat(one.splitOf(key)).as(key).isEqualTo(0);
    }
    // The fixed keys do not all land in one split, or the check above would prove little.
    assertThat(KEYS.stream().map(twoToOne::splitOf).distinct()).containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void canonicalKeyJoinsValuesInSchemaOrder() {
    SplitFn whole = new SplitFn(SplitConfig.defaults(), -1);

    assertThat(whole.canonicalKey(record(7L, "ab", 1.5))).isEqualTo("7\u001fab\u001f1.5");
    assertThat(whole.canonicalKey(record(7L, "ab", null))).isEqualTo("7\u001fab\u001f\u0000");
    assertThat(whole.canonicalKey(record(null, null, null))).isEqualTo("\u0000\u001f\u0000\u001f\u0000");
    // A string read back from Avro (Utf8) has the same key as a Java string.
    GenericRecord utf8 = record(7L, null, 1.5);
    utf8.put(1, new Utf8("ab"));
    assertThat(whole.canonicalKey(utf8)).isEqualTo("7\u001fab\u001f1.5");

    SplitFn byUser = new SplitFn(SplitConfig.defaults(), USER_ID);
    assertThat(byUser.canonicalKey(record(7L, "ab", 1.5))).isEqualTo("7");
    assertThat(byUser.canonicalKey(record(null, "ab", 1.5))).isEqualTo("\u0000");
  }

  @Test
  void sameRecordGoesToTheSameSplitEveryTime() {
    SplitFn fn = new SplitFn(SplitConfig.defaults(), -1);
    SplitFn copy = SerializableUtils.clone(fn);
    for (long i = 0; i < 50; i++) {
      GenericRecord r = record(i, "user-" + i, i / 4.0);
      int split = fn.partitionFor(r, 2);

      assertThat(split).isEqualTo(expectedSplit(fn.canonicalKey(r), 2, 1));
      assertThat(fn.partitionFor(r, 2)).isEqualTo(split);
      assertThat(fn.partitionFor(record(i, "user-" + i, i / 4.0), 2)).isEqualTo(split);
      assertThat(copy.partitionFor(r, 2)).isEqualTo(split);
      assertThat(new SplitFn(SplitConfig.defaults(), -1).partitionFor(r, 2)).isEqualTo(split);
    }
  }

  @Test
  void twoToOneSendsTwoThirdsOfDistinctRecordsToTrain() {
    SplitFn fn = new SplitFn(SplitConfig.defaults(), -1);
    int n = 30_000;
    int train = 0;
    for (long i = 0; i < n; i++) {
      if (fn.partitionFor(record(i, "user-" + (i % 997), (i % 101) / 8.0), 2) == 0) {
        train++;
      }
    }

    assertThat((double) train / n).isCloseTo(2.0 / 3.0, within(0.01));
  }

  @Test
  void partitionFeatureSendsEveryRowOfAKeyToTheSameSplit() {
    SplitFn fn = new SplitFn(SplitConfig.defaults(), USER_ID);
    Map<Long, Set<Integer>> splitsOfUser = new HashMap<>();
    int train = 0;
    for (long i = 0; i < 3_000; i++) {
      long user = i % 100;
      int split = fn.partitionFor(record(user, "row-" + i, i * 0.5), 2);
      splitsOfUser.computeIfAbsent(user, u -> new HashSet<>()).add(split);
      if (split == 0) {
        train++;
      }
    }

    assertThat(splitsOfUser).hasSize(100);
    for (Map.Entry<Long, Set<Integer>> e : splitsOfUser.entrySet()) {
      assertThat(e.getValue()).as("user %s", e.getKey()).containsExactly(expectedSplit(e.getKey().toString(), 2, 1));
    }
    // Whole users move, so both splits still get some.
    assertThat(train).isStrictlyBetween(0, 3_000).isEqualTo(train / 30 * 30);
  }
}
