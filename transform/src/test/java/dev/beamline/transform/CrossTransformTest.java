package dev.beamline.transform;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import dev.beamline.core.ExampleBatch;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hashed crosses of categorical transformed features: ids by hand, missing values, the spec's checks, JSON and YAML. */
class CrossTransformTest {
  private static final ExampleSchema RAW = TestData.schema("origin", STRING, "date", TIMESTAMP, "distance", FLOAT);
  private static final long HOUR = 3_600_000_000L;
  private static final long DAY = 24 * HOUR;
  private static final String[] ORIGINS = {"SEA", "PDX", "SFO", "LAX", "JFK"};

  @TempDir Path dir;

  /** Guava's FarmHash Fingerprint64 of the UTF-8 key, unsigned, mod n: computed here without the code under test. */
  private static long bucket(String key, long n) {
    return Long.remainderUnsigned(Hashing.farmHashFingerprint64().hashString(key, StandardCharsets.UTF_8).asLong(), n);
  }

  /** The cross declared first, before the features it crosses; a one-hot origin is crossed by its id. */
  private static TransformSpec spec() {
    return TransformSpec.of(List.of(
        FeatureTransform.cross("origin_x_hour", List.of("origin", "hour")).withHashBuckets(1000),
        FeatureTransform.string("origin").withVocabulary(new Vocabulary(3, 1, 1)).withEncode(Encoding.ONE_HOT),
        FeatureTransform.numeric("date").withOutput("hour").withTimePart(TimePart.HOUR_OF_DAY),
        FeatureTransform.numeric("distance").withBucketize(4),
        FeatureTransform.cross("hour_x_origin_x_distance", List.of("hour", "origin", "distance")).withHashBuckets(50).withEncode(Encoding.ONE_HOT)));
  }

  private static List<GenericRecord> rows(int n, long seed) {
    Random r = new Random(seed);
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(TestData.record(RAW,
          i % 7 == 0 ? null : ORIGINS[Math.min(r.nextInt(7), ORIGINS.length - 1)],
          i % 11 == 0 ? null : 1_700_000_000_000_000L + r.nextLong(0, 20 * DAY),
          i % 13 == 0 ? null : r.nextDouble() * 1000));
    }
    return out;
  }

  @Test
  void theCrossIdIsTheFingerprintOfTheCrossedIdsJoinedModTheBuckets() {
    List<GenericRecord> train = rows(200, 1);
    FittedTransform t = AnalyzeFn.fitInMemory(RAW, spec(), train);
    FittedFeature origin = t.feature("origin");
    FittedFeature hour = t.feature("hour");
    FittedFeature distance = t.feature("distance");
    FittedFeature cross = t.feature("origin_x_hour");
    assertThat(cross.kind()).isEqualTo(OutputKind.ID);
    assertThat(cross.cardinality()).isEqualTo(1000);
    assertThat(cross.inputType()).isNull();
    assertThat(cross.crossed()).containsExactly(origin, hour);
    assertThat(cross.rawInputs()).containsExactly(FeatureSpec.of("origin", STRING), FeatureSpec.of("date", TIMESTAMP));
    assertThat(t.feature("hour_x_origin_x_distance").kind()).isEqualTo(OutputKind.VECTOR);
    assertThat(t.feature("hour_x_origin_x_distance").width()).isEqualTo(50);
    assertThat(t.names()).containsExactly("origin_x_hour", "origin", "hour", "distance", "hour_x_origin_x_distance");
    int checked = 0;
    int missing = 0;
    for (GenericRecord row : rows(300, 2)) {
      // The crossed ids, by the contract: the vocabulary index or the one OOV bucket (the empty token
      // of a missing origin too); the hour, or the most frequent training hour; the distance's bucket.
      String o = row.get("origin") == null ? "" : row.get("origin").toString();
      long originId = origin.vocabulary().contains(o) ? origin.vocabulary().indexOf(o) : origin.vocabulary().size();
      long hourId = row.get("date") == null ? (long) (double) hour.imputeNumber() : Math.floorMod((Long) row.get("date"), DAY) / HOUR;
      double d = row.get("distance") == null ? distance.imputeNumber() : (Double) row.get("distance");
      long distanceId = java.util.Arrays.stream(distance.boundaries()).filter(b -> b <= d).count();
      GenericRecord out = t.apply(row);
      assertThat(out.get("origin_x_hour")).as("row %s", row).isEqualTo(bucket(originId + "_X_" + hourId, 1000));
      List<?> oneHot = (List<?>) out.get("hour_x_origin_x_distance");
      long expected = bucket(hourId + "_X_" + originId + "_X_" + distanceId, 50);
      for (int k = 0; k < 50; k++) {
        assertThat(oneHot.get(k)).as("row %s [%s]", row, k).isEqualTo(k == expected ? 1f : 0f);
      }
      checked++;
      missing += row.get("origin") == null || row.get("date") == null || row.get("distance") == null ? 1 : 0;
    }
    assertThat(checked).isEqualTo(300);
    assertThat(missing).isGreaterThan(50);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aCrossedFeatureWithoutAnIdLeavesTheCrossWithoutOne() {
    // No OOV bucket: an unknown or missing origin has id -1, and so has its cross (one-hot: all zeros).
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.string("origin").withVocabulary(new Vocabulary(null, 1, 0)),
        FeatureTransform.numeric("date").withOutput("hour").withTimePart(TimePart.HOUR_OF_DAY),
        FeatureTransform.cross("x", List.of("origin", "hour")).withHashBuckets(10),
        FeatureTransform.cross("x_one_hot", List.of("origin", "hour")).withHashBuckets(10).withEncode(Encoding.ONE_HOT)));
    FittedTransform t = AnalyzeFn.fitInMemory(RAW, spec, List.of(TestData.record(RAW, "SEA", 5 * HOUR, 1.0)));
    GenericRecord known = t.apply(TestData.record(RAW, "SEA", 7 * HOUR, null));
    assertThat(known.get("x")).isEqualTo(bucket("0_X_7", 10));
    for (String unknown : new String[] {"ZRH", null}) {
      GenericRecord out = t.apply(TestData.record(RAW, unknown, 7 * HOUR, null));
      assertThat(out.get("origin")).isEqualTo(-1L);
      assertThat(out.get("x")).isEqualTo(-1L);
      assertThat((List<Object>) out.get("x_one_hot")).hasSize(10).containsOnly(0f);
    }
    // A missing timestamp takes the training hour, 5, and crosses it.
    assertThat(t.apply(TestData.record(RAW, "SEA", null, null)).get("x")).isEqualTo(bucket("0_X_5", 10));
  }

  @Test
  void aCrossIsWrittenWithoutInputAndReadBackEqual() throws Exception {
    FittedTransform t = AnalyzeFn.fitInMemory(RAW, spec(), rows(100, 3));
    t.write(dir);
    FittedTransform back = FittedTransform.read(dir);
    assertThat(back).isEqualTo(t);
    assertThat(back.feature("origin_x_hour").crossed()).containsExactly(back.feature("origin"), back.feature("hour"));
    JsonNode json = new ObjectMapper().readTree(t.toJson());
    JsonNode cross = json.at("/features/0");
    assertThat(cross.get("output").asText()).isEqualTo("origin_x_hour");
    assertThat(cross.has("input")).isFalse();
    assertThat(cross.has("input_type")).isFalse();
    assertThat(cross.at("/spec/cross").toString()).isEqualTo("[\"origin\",\"hour\"]");
    assertThat(cross.at("/spec/hash_buckets").asInt()).isEqualTo(1000);
    for (GenericRecord row : rows(50, 4)) {
      assertThat(back.apply(row)).isEqualTo(t.apply(row));
    }
    // Stand-ins before the run have the kinds and the crossed features too.
    TransformGraphInfo provisional = TransformGraphInfo.provisional(RAW, spec());
    assertThat(provisional.features().get(0).crossed()).extracting(FittedFeature::name).containsExactly("origin", "hour");
    assertThat(provisional.features().get(4).kind()).isEqualTo(OutputKind.VECTOR);
  }

  @Test
  void theAnalyzersOfASpecWithCrossesMergeEncodeAndSerialize() throws Exception {
    AnalyzeFn fn = AnalyzeFn.of(RAW, spec());
    List<AnalysisAccumulator> parts = new ArrayList<>();
    for (ExampleBatch b : TestData.batches(rows(120, 5), 40)) {
      parts.add(fn.addInput(fn.createAccumulator(), b));
    }
    AnalysisAccumulator merged = fn.mergeAccumulators(parts);
    Coder<AnalysisAccumulator> coder = fn.getAccumulatorCoder(CoderRegistry.createDefault(), null);
    AnalysisAccumulator back = CoderUtils.clone(coder, merged);
    FittedTransform fitted = fn.extractOutput(back);
    assertThat(fitted).isEqualTo(AnalyzeFn.fitInMemory(RAW, spec(), rows(120, 5)));
    // Workers receive the fitted transform by Java serialization.
    FittedTransform copy = SerializableUtils.clone(fitted);
    assertThat(copy).isEqualTo(fitted);
    for (GenericRecord row : rows(20, 6)) {
      assertThat(copy.apply(row)).isEqualTo(fitted.apply(row));
    }
  }

  private static void rejected(List<FeatureTransform> features, String... messages) {
    assertThatThrownBy(() -> TransformSpec.of(features).check(RAW))
        .isInstanceOf(ConfigException.class)
        .hasMessage(String.join("\n", messages));
  }

  @Test
  void theSpecNamesWhatACrossCannotRead() {
    FeatureTransform origin = FeatureTransform.string("origin").withHashBuckets(10);
    FeatureTransform hour = FeatureTransform.numeric("date").withOutput("hour").withTimePart(TimePart.HOUR_OF_DAY);
    FeatureTransform distance = FeatureTransform.numeric("distance").withScale(FeatureTransform.Scale.Z_SCORE);
    TransformSpec.of(List.of(origin, hour, FeatureTransform.cross("c", List.of("origin", "hour")).withHashBuckets(5))).check(RAW);
    rejected(List.of(origin, FeatureTransform.cross("c", List.of("origin")).withHashBuckets(5)),
        "transform 'c': cross needs at least two transformed features, got [origin]");
    rejected(List.of(origin, hour, FeatureTransform.cross("c", List.of("origin", "hour"))),
        "transform 'c': a cross needs hash_buckets: the number of ids the crossed values are hashed into");
    rejected(List.of(origin, distance, FeatureTransform.cross("c", List.of("origin", "distance", "nope")).withHashBuckets(5)),
        "transform 'c': cross: 'distance' has no single id per row; a cross reads categorical ids: a single-valued string with"
            + " a vocabulary or hash_buckets, bucketize, binarize, or a time part (not year, not cyclical)",
        "transform 'c': cross: 'nope' is not a transformed feature (transformed features: origin, distance, c)");
    FeatureTransform month = FeatureTransform.numeric("date").withOutput("month").withTimePart(TimePart.MONTH).withEncode(Encoding.CYCLICAL);
    rejected(List.of(origin, month, FeatureTransform.cross("c", List.of("origin", "month")).withHashBuckets(5).withEncode(Encoding.TFIDF)),
        "transform 'c': cross: 'month' has no single id per row; a cross reads categorical ids: a single-valued string with"
            + " a vocabulary or hash_buckets, bucketize, binarize, or a time part (not year, not cyclical)",
        "transform 'c': encode tfidf does not apply to a cross (use id or one_hot)");
    rejected(List.of(origin, hour, FeatureTransform.cross("c", List.of("origin", "hour")).withHashBuckets(5),
            FeatureTransform.cross("d", List.of("c", "hour", "hour")).withHashBuckets(0).withLowercase(true)),
        "transform 'd': a cross reads the ids of other transformed features, so only cross, hash_buckets and encode apply",
        "transform 'd': cross names a feature twice: [c, hour, hour]",
        "transform 'd': cross: 'c' is a cross itself; cross the features it crosses instead",
        "transform 'd': hash_buckets must be at least 1, got 0");
  }

  private static ConfigSection section(String yaml) throws Exception {
    return TransformStageFactoryTest.section(yaml);
  }

  @Test
  void theSectionBindsACrossAndItsCanonicalFormBindsBack() throws Exception {
    String yaml = String.join("\n",
        "transform:",
        "  features:",
        "    origin: {vocabulary: {top_k: 3}, encode: one_hot}",
        "    hour: {input: date, time_part: hour_of_day}",
        "    origin_x_hour: {cross: [origin, hour], hash_buckets: 1000, encode: one_hot}",
        "");
    TransformConfig c = TransformStageFactory.bind(section(yaml));
    assertThat(c.spec().features().get(2))
        .isEqualTo(FeatureTransform.cross("origin_x_hour", List.of("origin", "hour")).withHashBuckets(1000).withEncode(Encoding.ONE_HOT));
    c.spec().check(RAW);
    JsonNode canonical = TransformStageFactory.parameters(c);
    assertThat(canonical.at("/features/origin_x_hour/cross").toString()).isEqualTo("[\"origin\",\"hour\"]");
    assertThat(canonical.at("/features/origin_x_hour/input").isNull()).isTrue();
    assertThat(canonical.at("/features/origin/cross").isNull()).isTrue();
    ConfigSection back = new ConfigSection("transform", new ObjectMapper().readTree(canonical.toString()), "store", Map.of(), Paths.get("."));
    assertThat(TransformStageFactory.bind(back)).isEqualTo(c);
    assertThat(TransformStageFactory.parameters(TransformStageFactory.bind(back))).isEqualTo(canonical);
    assertThatThrownBy(() -> TransformStageFactory.bind(section(
            "transform:\n  features:\n    x: {input: origin, cross: [a, b], hash_buckets: 5}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 3: 'transform.features.x.input' does not apply to a cross: it crosses the transformed features [a, b], not a raw feature");
  }
}
