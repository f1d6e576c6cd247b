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
import java.util.List;
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
    int checked = 0;
    List<GenericRecord> eval = rows.subList(200, 300);
    // One output per transformed feature, no more.
    assertThat(fitted.apply(eval.get(0)).getSchema().getFields()).hasSize(spec.features().size());
    for (FittedFeature f : fitted.features()) {
      String input = f.spec().input();
      FeatureType type = raw.feature(input).orElseThrow().type();
      Object rawBatch;
      if (type == FeatureType.STRING) {
        rawBatch = eval.stream().map(r -> r.get(input) == null ? "" : r.get(input).toString()).toArray(String[]::new);
      } else if (type == FeatureType.TIMESTAMP) {
        rawBatch = eval.stream().mapToLong(r -> r.get(input) == null ? Long.MIN_VALUE : (Long) r.get(input)).toArray();
      } else {
        rawBatch = eval.stream().mapToDouble(r -> r.get(input) == null ? Double.NaN : ((Number) r.get(input)).doubleValue()).toArray();
      }
      Object graph = TransformOpsTest.run(f, rawBatch);
      assertThat(java.lang.reflect.Array.getLength(graph)).isEqualTo(eval.size());
      checked++;
      for (int i = 0; i < eval.size(); i++) {
        Object java = fitted.apply(eval.get(i)).get(f.name());
        String where = f.name() + " row " + i + " raw " + eval.get(i).get(input);
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
    assertThat(checked).isEqualTo(spec.features().size());
  }
}
