package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.AnalyzeFn;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The Java transform ({@code FittedTransform.apply}, which materializes the Parquet features) and the
 * TensorFlow ops ({@link TransformOps}, inside the exported model) give the same features for the
 * same raw rows, with constants fitted by the real analyzers.
 */
class JavaAndGraphAgreeTest {
  private static final String[] WORDS = {"Alpha", "beta", "GAMMA", "delta", "épsilon", "zeta", "eta"};

  @Test
  void everyStepAgreesOnFittedConstants() {
    ExampleSchema raw =
        ExampleSchema.of(
            List.of(
                FeatureSpec.of("x", FeatureType.FLOAT),
                FeatureSpec.of("n", FeatureType.INT),
                FeatureSpec.of("s", FeatureType.STRING),
                FeatureSpec.of("t", FeatureType.TIMESTAMP),
                FeatureSpec.of("text", FeatureType.STRING)));
    TransformSpec spec =
        TransformSpec.of(
            List.of(
                FeatureTransform.numeric("x").withOutput("x_z").withScale(FeatureTransform.Scale.Z_SCORE),
                FeatureTransform.numeric("x").withOutput("x_log").withClip(0.0, 50.0).withLog(1.0).withScale(FeatureTransform.Scale.MIN_MAX),
                FeatureTransform.numeric("x").withOutput("x_b").withBucketize(5).withEncode(Encoding.ONE_HOT),
                FeatureTransform.numeric("n").withOutput("n_bin").withBinarize(3.0),
                FeatureTransform.string("s").withOutput("s_vocab").withVocabulary(new FeatureTransform.Vocabulary(4, 1, 2)).withEncode(Encoding.ONE_HOT),
                FeatureTransform.string("s").withOutput("s_hash").withHashBuckets(7),
                FeatureTransform.numeric("t").withOutput("hour").withTimePart(FeatureTransform.TimePart.HOUR_OF_DAY),
                FeatureTransform.numeric("t").withOutput("weekday").withTimePart(FeatureTransform.TimePart.DAY_OF_WEEK),
                FeatureTransform.string("text").withOutput("tfidf").withText(new FeatureTransform.Text(1, 2)).withLowercase(true)
                    .withVocabulary(new FeatureTransform.Vocabulary(null, 2, 1)).withEncode(Encoding.TFIDF),
                FeatureTransform.string("text").withOutput("ids").withText(new FeatureTransform.Text(1, 1)).withLowercase(true)
                    .withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(Encoding.IDS).withMaxTokens(4)));
    Random random = new Random(7);
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      GenericRecord r = new GenericData.Record(raw.toAvro());
      r.put("x", i % 17 == 0 ? null : random.nextGaussian() * 10 + 20);
      r.put("n", i % 13 == 0 ? null : (long) random.nextInt(7));
      r.put("s", i % 11 == 0 ? null : WORDS[random.nextInt(WORDS.length)]);
      r.put("t", i % 19 == 0 ? null : 1_700_000_000_000_000L + random.nextLong(0, 30L * 86_400_000_000L));
      r.put("text", i % 9 == 0 ? null : WORDS[random.nextInt(7)] + ", " + WORDS[random.nextInt(7)] + " " + WORDS[random.nextInt(7)] + "!");
      rows.add(r);
    }
    FittedTransform fitted = AnalyzeFn.fitInMemory(raw, spec, rows.subList(0, 200));
    assertThat(assertAgree(raw, fitted, rows.subList(200, 300))).isEqualTo(spec.features().size());
  }

  @Test
  void idsOfAVocabularyRestrictedToPretrainedVectorsAgree(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
    // Four of the seven words have a vector (lower-cased, as the text is); the others, and every
    // bigram, go to the three OOV buckets.
    java.nio.file.Path vectors = dir.resolve("vectors.txt");
    java.nio.file.Files.writeString(vectors, "alpha 1 2\ngamma 3 4\népsilon 5 6\neta 7 8\nunused 9 9\n");
    ExampleSchema raw = ExampleSchema.of(List.of(FeatureSpec.of("text", FeatureType.STRING)));
    FeatureTransform.Embedding pretrained = FeatureTransform.Embedding.defaults().withVectors(vectors.toString());
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.string("text").withText(new FeatureTransform.Text(1, 2)).withLowercase(true)
            .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 3)).withEncode(Encoding.EMBEDDING).withMaxTokens(5).withEmbedding(pretrained),
        FeatureTransform.string("text").withOutput("capped").withText(new FeatureTransform.Text(1, 1)).withLowercase(true)
            .withVocabulary(new FeatureTransform.Vocabulary(2, 1, 1)).withEncode(Encoding.EMBEDDING).withEmbedding(pretrained)));
    Random random = new Random(11);
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      GenericRecord r = new GenericData.Record(raw.toAvro());
      r.put("text", i % 9 == 0 ? null : WORDS[random.nextInt(7)] + ", " + WORDS[random.nextInt(7)] + " " + WORDS[random.nextInt(7)] + "!");
      rows.add(r);
    }
    FittedTransform fitted = AnalyzeFn.fitInMemory(raw, spec, rows.subList(0, 200));
    assertThat(fitted.feature("text").vocabulary()).containsExactlyInAnyOrder("alpha", "gamma", "épsilon", "eta");
    assertThat(fitted.feature("capped").vocabulary()).hasSize(2);
    assertThat(assertAgree(raw, fitted, rows.subList(200, 300))).isEqualTo(2);
  }

  @Test
  void everyTimePartAgreesOnRandomTimestampsBeforeAndAfterTheEpoch() {
    ExampleSchema raw = ExampleSchema.of(List.of(FeatureSpec.of("t", FeatureType.TIMESTAMP)));
    List<FeatureTransform> features = new ArrayList<>();
    for (FeatureTransform.TimePart part : FeatureTransform.TimePart.values()) {
      FeatureTransform f = FeatureTransform.numeric("t").withTimePart(part);
      String name = part.name().toLowerCase();
      if (part == FeatureTransform.TimePart.YEAR) {
        features.add(f.withOutput(name));
        features.add(f.withOutput(name + "_z").withScale(FeatureTransform.Scale.Z_SCORE));
        features.add(f.withOutput(name + "_mm").withScale(FeatureTransform.Scale.MIN_MAX));
      } else {
        features.add(f.withOutput(name));
        features.add(f.withOutput(name + "_one_hot").withEncode(Encoding.ONE_HOT));
        features.add(f.withOutput(name + "_cyclical").withEncode(Encoding.CYCLICAL));
      }
    }
    TransformSpec spec = TransformSpec.of(features);
    Random random = new Random(23);
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      GenericRecord r = new GenericData.Record(raw.toAvro());
      long t;
      switch (i % 3) {
        case 0: // anywhere 64-bit microseconds reach, about ±292,000 years
          t = random.nextLong(Long.MIN_VALUE + 1, Long.MAX_VALUE);
          break;
        case 1: // 1800 to 2200
          t = random.nextLong(-5_364_662_400_000_000L, 7_258_118_400_000_000L);
          break;
        default: // within two days of a New Year's midnight, from 1601 to 2399
          long newYear = java.time.LocalDate.of(1601 + random.nextInt(799), 1, 1).toEpochDay() * 86_400_000_000L;
          t = newYear + random.nextLong(-172_800_000_000L, 172_800_000_000L);
      }
      r.put("t", i % 29 == 0 ? null : t);
      rows.add(r);
    }
    // Fitted on the first 200 rows, so that the year's constants and the most frequent ids are real.
    FittedTransform fitted = AnalyzeFn.fitInMemory(raw, spec, rows.subList(0, 200));
    assertThat(assertAgree(raw, fitted, rows.subList(200, rows.size()))).isEqualTo(spec.features().size());
  }

  @Test
  void crossesAgreeIdForIdOnRandomRowsWithMissingValues() {
    ExampleSchema raw =
        ExampleSchema.of(
            List.of(
                FeatureSpec.of("origin", FeatureType.STRING),
                FeatureSpec.of("dest", FeatureType.STRING),
                FeatureSpec.of("t", FeatureType.TIMESTAMP),
                FeatureSpec.of("distance", FeatureType.FLOAT),
                FeatureSpec.of("late", FeatureType.INT)));
    // Every kind of crossed id: a vocabulary with and without OOV buckets (-1 for an unknown or missing
    // value), hash buckets, a one-hot vocabulary read as its id, time parts, bucketize, binarize; crosses
    // of two and of four, as ids and one-hot, one declared before the features it crosses.
    TransformSpec spec =
        TransformSpec.of(
            List.of(
                FeatureTransform.cross("hour_x_origin", List.of("hour", "origin")).withHashBuckets(1000),
                FeatureTransform.string("origin").withVocabulary(new FeatureTransform.Vocabulary(4, 1, 2)).withEncode(Encoding.ONE_HOT),
                FeatureTransform.string("dest").withLowercase(true).withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)),
                FeatureTransform.string("origin").withOutput("origin_hash").withHashBuckets(13),
                FeatureTransform.numeric("t").withOutput("hour").withTimePart(FeatureTransform.TimePart.HOUR_OF_DAY),
                FeatureTransform.numeric("t").withOutput("weekday").withTimePart(FeatureTransform.TimePart.DAY_OF_WEEK).withEncode(Encoding.ONE_HOT),
                FeatureTransform.numeric("distance").withOutput("distance_b").withBucketize(5),
                FeatureTransform.numeric("late").withOutput("late_b").withBinarize(2.0),
                FeatureTransform.cross("origin_x_dest", List.of("origin", "dest")).withHashBuckets(50).withEncode(Encoding.ONE_HOT),
                FeatureTransform.cross("four", List.of("origin_hash", "weekday", "distance_b", "late_b")).withHashBuckets(100_000),
                FeatureTransform.cross("dest_x_hour", List.of("dest", "hour")).withHashBuckets(7)));
    Random random = new Random(31);
    String[] dests = {"sea", "PDX", "Sfo", "zrh", ""};
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      GenericRecord r = new GenericData.Record(raw.toAvro());
      r.put("origin", i % 11 == 0 ? null : WORDS[random.nextInt(WORDS.length)]);
      r.put("dest", i % 7 == 0 ? null : dests[random.nextInt(dests.length)]);
      r.put("t", i % 13 == 0 ? null : random.nextLong(-5_000_000_000_000_000L, 5_000_000_000_000_000L));
      r.put("distance", i % 17 == 0 ? null : random.nextDouble() * 2000);
      r.put("late", i % 19 == 0 ? null : (long) random.nextInt(5));
      rows.add(r);
    }
    FittedTransform fitted = AnalyzeFn.fitInMemory(raw, spec, rows.subList(0, 200));
    assertThat(assertAgree(raw, fitted, rows.subList(200, rows.size()))).isEqualTo(spec.features().size());
    // The rows exercise what they should: crosses without an id, and many distinct crossed ids.
    List<GenericRecord> eval = rows.subList(200, rows.size());
    assertThat(eval.stream().filter(r -> (Long) fitted.apply(r).get("dest_x_hour") == -1L).count()).isGreaterThan(100);
    assertThat(eval.stream().map(r -> fitted.apply(r).get("four")).distinct().count()).isGreaterThan(150);
  }

  /** Asserts that the graph ops give what {@code fitted.apply} gives on each of {@code eval}; returns the features checked. */
  private static int assertAgree(ExampleSchema raw, FittedTransform fitted, List<GenericRecord> eval) {
    int checked = 0;
    // One output per transformed feature, no more.
    assertThat(fitted.apply(eval.get(0)).getSchema().getFields()).hasSize(fitted.features().size());
    for (FittedFeature f : fitted.features()) {
      // Every raw feature it reads (a cross reads several), as the exported model takes them.
      Map<String, Object> rawBatches = new LinkedHashMap<>();
      for (FeatureSpec in : f.rawInputs()) {
        String input = in.name();
        FeatureType type = raw.feature(input).orElseThrow().type();
        Object rawBatch;
        if (type == FeatureType.STRING) {
          rawBatch = eval.stream().map(r -> r.get(input) == null ? "" : r.get(input).toString()).toArray(String[]::new);
        } else if (type == FeatureType.TIMESTAMP) {
          rawBatch = eval.stream().mapToLong(r -> r.get(input) == null ? Long.MIN_VALUE : (Long) r.get(input)).toArray();
        } else {
          rawBatch = eval.stream().mapToDouble(r -> r.get(input) == null ? Double.NaN : ((Number) r.get(input)).doubleValue()).toArray();
        }
        rawBatches.put(input, rawBatch);
      }
      Object graph = TransformOpsTest.run(f, rawBatches);
      assertThat(java.lang.reflect.Array.getLength(graph)).isEqualTo(eval.size());
      checked++;
      for (int i = 0; i < eval.size(); i++) {
        Object java = fitted.apply(eval.get(i)).get(f.name());
        GenericRecord row = eval.get(i);
        String where = f.name() + " row " + i + " raw " + f.rawInputs().stream().map(in -> String.valueOf(row.get(in.name()))).toList();
        switch (f.kind()) {
          case FLOAT:
            assertThat(((float[]) graph)[i]).as(where).isCloseTo((Float) java, org.assertj.core.data.Offset.offset(1e-6f));
            break;
          case ID:
            assertThat(((long[]) graph)[i]).as(where).isEqualTo((Long) java);
            break;
          case VECTOR: {
            float[] g = ((float[][]) graph)[i];
            List<?> j = (List<?>) java;
            assertThat(g).as(where).hasSize(j.size()).hasSize(f.width());
            for (int k = 0; k < g.length; k++) {
              assertThat(g[k]).as(where + " [" + k + "]").isCloseTo(((Number) j.get(k)).floatValue(), org.assertj.core.data.Offset.offset(1e-6f));
            }
            break;
          }
          case IDS: {
            long[] g = ((long[][]) graph)[i];
            List<?> j = (List<?>) java;
            assertThat(g).as(where).hasSize(j.size()).hasSize(f.width());
            for (int k = 0; k < g.length; k++) {
              assertThat(g[k]).as(where + " [" + k + "]").isEqualTo(((Number) j.get(k)).longValue());
            }
            break;
          }
          default:
            throw new AssertionError(f.kind());
        }
      }
    }
    return checked;
  }
}
