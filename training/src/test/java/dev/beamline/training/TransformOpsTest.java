package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;

/** Each transform step as graph ops, on values computed by hand, and against {@link ReferenceTransform}. */
class TransformOpsTest {

  /** Runs the ops of {@code f} on a batch of raw values: double[], long[] or String[]. */
  static Object run(FittedFeature f, Object raw) {
    return run(f, Map.of(f.spec().input(), raw));
  }

  /** Runs the ops of {@code f} on a batch of each raw feature it reads (by name): double[], long[] or String[]. */
  static Object run(FittedFeature f, Map<String, Object> raws) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, Placeholder<?>> in = TransformOps.rawInputs(tf, List.of(f));
      Operand<?> out = TransformOps.apply(tf, List.of(f), in).get(f.name());
      try (Session s = new Session(g)) {
        s.initialize();
        List<Tensor> feeds = new ArrayList<>();
        Session.Runner runner = s.runner();
        for (Map.Entry<String, Placeholder<?>> e : in.entrySet()) {
          Tensor t = tensor(raws.get(e.getKey()));
          feeds.add(t);
          runner.feed(e.getValue(), t);
        }
        try (Result r = runner.fetch(out).run()) {
          Tensor o = r.get(0);
          int rows = (int) o.shape().get(0);
          switch (f.kind()) {
            case FLOAT:
              return Tensors.toFloats(o);
            case ID:
              return Tensors.toLongs(o);
            case VECTOR: {
              float[] flat = Tensors.toFloats(o);
              assertThat(o.shape().asArray()).containsExactly(rows, f.width());
              float[][] m = new float[rows][];
              for (int i = 0; i < rows; i++) {
                m[i] = java.util.Arrays.copyOfRange(flat, i * f.width(), (i + 1) * f.width());
              }
              return m;
            }
            case IDS: {
              long[] flat = Tensors.toLongs(o);
              assertThat(o.shape().asArray()).containsExactly(rows, f.width());
              long[][] m = new long[rows][];
              for (int i = 0; i < rows; i++) {
                m[i] = java.util.Arrays.copyOfRange(flat, i * f.width(), (i + 1) * f.width());
              }
              return m;
            }
            default:
              throw new AssertionError();
          }
        } finally {
          feeds.forEach(Tensor::close);
        }
      }
    }
  }

  private static Tensor tensor(Object raw) {
    if (raw instanceof double[] d) {
      return Tensors.doubles(d, d.length);
    }
    if (raw instanceof long[] l) {
      return Tensors.longs(l, l.length);
    }
    return Tensors.strings((String[]) raw);
  }

  /** The reference transform of each raw value, in the shape {@link #run} returns. */
  static Object reference(FittedFeature f, Object raw) {
    int n = java.lang.reflect.Array.getLength(raw);
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object v = java.lang.reflect.Array.get(raw, i);
      if (raw instanceof long[] && (Long) v == Long.MIN_VALUE) {
        v = null;
      }
      values.add(ReferenceTransform.apply(f, v));
    }
    switch (f.kind()) {
      case FLOAT: {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = (Float) values.get(i);
        }
        return out;
      }
      case ID: {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
          out[i] = (Long) values.get(i);
        }
        return out;
      }
      case VECTOR:
        return values.toArray(new float[0][]);
      default:
        return values.toArray(new long[0][]);
    }
  }

  private static void assertBoth(FittedFeature f, Object raw, Object expected) {
    Object graph = run(f, raw);
    assertThat(graph).as("graph ops").isEqualTo(expected);
    assertThat(reference(f, raw)).as("Java reference").isEqualTo(expected);
  }

  @Test
  void zScoreImputesTheMeanThenScales() {
    FittedFeature f = Fitted.zScore("x", 2.0, 2.0, 2.0);
    assertBoth(f, new double[] {1, Double.NaN, 4, 2.5}, new float[] {-0.5f, 0f, 1f, 0.25f});
  }

  @Test
  void zScoreWithZeroStdOnlyCenters() {
    FittedFeature f = Fitted.zScore("x", 3.0, 3.0, 0.0);
    assertBoth(f, new double[] {3, 5, Double.NaN}, new float[] {0f, 2f, 0f});
  }

  @Test
  void clipLogAndMinMax() {
    FeatureTransform spec = FeatureTransform.numeric("x").withClip(0.0, 10.0).withLog(1.0).withScale(FeatureTransform.Scale.MIN_MAX);
    double max = Math.log(11);
    FittedFeature f = Fitted.numeric(spec, FeatureType.FLOAT, OutputKind.FLOAT, 0, 0.0, null, null, 0.0, max, null);
    float e = (float) (1 / max);
    assertBoth(f, new double[] {-5, 0, Math.E - 1, 20, Double.NaN}, new float[] {0f, 0f, e, 1f, 0f});
  }

  @Test
  void minMaxWithEqualBoundsIsZero() {
    FittedFeature f = Fitted.numeric(FeatureTransform.numeric("x").withScale(FeatureTransform.Scale.MIN_MAX), FeatureType.INT, OutputKind.FLOAT, 0, 1.0, null, null, 4.0, 4.0, null);
    assertBoth(f, new double[] {4, 7}, new float[] {0f, 0f});
  }

  @Test
  void arithmeticIsInDoubleAndCastAtTheEnd() {
    // 0.1 + 0.2 scaled: float arithmetic would round differently from the double result cast to float.
    FittedFeature f = Fitted.zScore("x", 0.0, 0.1, 3.0);
    double[] raw = {0.30000001192092896, 1e-9, 123456.789};
    float[] expected = new float[raw.length];
    for (int i = 0; i < raw.length; i++) {
      expected[i] = (float) ((raw[i] - 0.1) / 3.0);
    }
    assertBoth(f, raw, expected);
  }

  @Test
  void bucketizeCountsTheBoundariesAtOrBelow() {
    FittedFeature f = Fitted.bucketized("x", 3.0, 1.0, 2.5, 4.0);
    assertBoth(f, new double[] {0.5, 1.0, 2.5, 3, 4.0, 100, Double.NaN, -1e300}, new long[] {0, 1, 2, 2, 3, 3, 2, 0});
  }

  @Test
  void bucketizeWithoutBoundariesIsOneBucket() {
    FittedFeature f = Fitted.numeric(FeatureTransform.numeric("x").withBucketize(2), FeatureType.FLOAT, OutputKind.ID, 1, 0.0, null, null, null, null, new double[0]);
    assertBoth(f, new double[] {-1, 5}, new long[] {0, 0});
  }

  @Test
  void bucketizeOneHot() {
    FeatureTransform spec = FeatureTransform.numeric("x").withBucketize(3).withEncode(Encoding.ONE_HOT);
    FittedFeature f = Fitted.numeric(spec, FeatureType.FLOAT, OutputKind.VECTOR, 3, 0.0, null, null, null, null, new double[] {0.0, 1.0});
    assertBoth(f, new double[] {-1, 0.5, 1}, new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  }

  @Test
  void binarizeIsStrictlyAbove() {
    FeatureTransform spec = FeatureTransform.numeric("x").withBinarize(0.5);
    FittedFeature f = Fitted.numeric(spec, FeatureType.BOOLEAN, OutputKind.ID, 2, 0.0, null, null, null, null, null);
    assertBoth(f, new double[] {0.2, 0.5, 0.7, 1, Double.NaN}, new long[] {0, 0, 1, 1, 0});
  }

  @Test
  void hourOfDayAndDayOfWeekInUtc() {
    long hour = 3_600_000_000L;
    long day = 24 * hour;
    // 1970-01-01T00:00Z was a Thursday (3 with Monday = 0); one microsecond before is Wednesday 23h.
    long[] raw = {0, -1, 13 * hour + 5, 4 * day + 2 * hour, Long.MIN_VALUE, 1_795_870_699_000_000L};
    FittedFeature hourOfDay = Fitted.timePart("t", TimePart.HOUR_OF_DAY, Encoding.ID, 9);
    // 1_795_870_699 s = 2026-11-28T12:58:19Z, a Saturday.
    assertBoth(hourOfDay, raw, new long[] {0, 23, 13, 2, 9, 12});
    FittedFeature dayOfWeek = Fitted.timePart("t", TimePart.DAY_OF_WEEK, Encoding.ID, 6);
    assertBoth(dayOfWeek, raw, new long[] {3, 2, 3, 0, 6, 5});
  }

  @Test
  void dayOfWeekOneHot() {
    FittedFeature f = Fitted.timePart("t", TimePart.DAY_OF_WEEK, Encoding.ONE_HOT, 0);
    assertBoth(f, new long[] {0, Long.MIN_VALUE}, new float[][] {{0, 0, 0, 1, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0}});
  }

  private static long micros(String instant) {
    java.time.Instant t = java.time.Instant.parse(instant);
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
  }

  /** Hand-picked instants around leap days, year ends, ISO week 53 and before the epoch, then a missing one. */
  private static final long[] CALENDAR = {
    micros("2012-02-29T13:47:05Z"), micros("2000-02-29T00:00:00Z"), micros("1900-03-01T06:30:00Z"),
    micros("2015-12-31T00:00:00Z"), micros("2020-12-31T00:00:00Z"), micros("2021-01-01T00:00:00Z"),
    micros("2021-01-04T00:00:00Z"), micros("2008-12-29T00:00:00Z"), micros("1969-12-31T23:59:59.999999Z"),
    micros("1600-01-01T00:00:00Z"), micros("0001-01-01T00:00:00Z"), Long.MIN_VALUE
  };

  @Test
  void everyTimePartOnCalendarBoundaries() {
    // The last id of each row is the imputed one (7) of the missing timestamp.
    assertBoth(Fitted.timePart("t", TimePart.MINUTE, Encoding.ID, 7), CALENDAR, new long[] {47, 0, 30, 0, 0, 0, 0, 0, 59, 0, 0, 7});
    assertBoth(Fitted.timePart("t", TimePart.HOUR_OF_DAY, Encoding.ID, 7), CALENDAR, new long[] {13, 0, 6, 0, 0, 0, 0, 0, 23, 0, 0, 7});
    assertBoth(Fitted.timePart("t", TimePart.DAY_OF_WEEK, Encoding.ID, 6), CALENDAR, new long[] {2, 1, 3, 3, 3, 4, 0, 0, 2, 5, 0, 6});
    assertBoth(Fitted.timePart("t", TimePart.DAY_OF_MONTH, Encoding.ID, 7), CALENDAR, new long[] {28, 28, 0, 30, 30, 0, 3, 28, 30, 0, 0, 7});
    assertBoth(Fitted.timePart("t", TimePart.DAY_OF_YEAR, Encoding.ID, 7), CALENDAR, new long[] {59, 59, 59, 364, 365, 0, 3, 363, 364, 0, 0, 7});
    assertBoth(Fitted.timePart("t", TimePart.WEEK_OF_YEAR, Encoding.ID, 7), CALENDAR, new long[] {8, 8, 8, 52, 52, 52, 0, 0, 0, 51, 0, 7});
    assertBoth(Fitted.timePart("t", TimePart.MONTH, Encoding.ID, 7), CALENDAR, new long[] {1, 1, 2, 11, 11, 0, 0, 11, 11, 0, 0, 7});
    assertBoth(Fitted.year("t", FeatureTransform.Scale.NONE, 1999, null, null, null, null), CALENDAR,
        new float[] {2012, 2000, 1900, 2015, 2020, 2021, 2021, 2008, 1969, 1600, 1, 1999});
  }

  @Test
  void monthOneHotAndTheYearScaled() {
    long[] raw = {micros("2012-04-15T00:00:00Z"), Long.MIN_VALUE};
    assertBoth(Fitted.timePart("t", TimePart.MONTH, Encoding.ONE_HOT, 0), raw,
        new float[][] {{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}});
    long[] years = {micros("2015-03-01T00:00:00Z"), micros("1969-12-31T23:59:59Z"), Long.MIN_VALUE};
    assertBoth(Fitted.year("t", FeatureTransform.Scale.Z_SCORE, 2012, 2013.0, 2.0, null, null), years, new float[] {1f, -22f, -0.5f});
    assertBoth(Fitted.year("t", FeatureTransform.Scale.MIN_MAX, 2012, null, null, 2010.0, 2020.0), years, new float[] {0.5f, -4.1f, 0.2f});
    assertBoth(Fitted.year("t", FeatureTransform.Scale.MIN_MAX, 2012, null, null, 2010.0, 2010.0), years, new float[] {0f, 0f, 0f});
  }

  /** The graph's and the reference's vectors, each within 1e-6 of {@code expected}. */
  private static void assertVectorsClose(FittedFeature f, long[] raw, float[][] expected) {
    for (Object actual : List.of(run(f, raw), reference(f, raw))) {
      float[][] m = (float[][]) actual;
      assertThat(m).hasSameDimensionsAs(expected);
      for (int i = 0; i < m.length; i++) {
        for (int k = 0; k < m[i].length; k++) {
          assertThat(m[i][k]).as(f.spec().timePart() + " row " + i + " [" + k + "]").isCloseTo(expected[i][k], org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  private static float[] circle(double v, double period) {
    return new float[] {(float) Math.sin(2 * Math.PI * v / period), (float) Math.cos(2 * Math.PI * v / period)};
  }

  @Test
  void cyclicalTimePartsGoRoundOncePerPeriodAndMissingIsTheCentre() {
    long[] raw = {micros("2012-02-29T06:15:00Z"), micros("2020-12-31T18:45:00Z"), micros("2021-01-01T00:00:00Z"), Long.MIN_VALUE};
    float[] centre = {0, 0};
    assertVectorsClose(Fitted.timePart("t", TimePart.HOUR_OF_DAY, Encoding.CYCLICAL, 0), raw,
        new float[][] {{1, 0}, {-1, 0}, {0, 1}, centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.MINUTE, Encoding.CYCLICAL, 0), raw,
        new float[][] {{1, 0}, {-1, 0}, {0, 1}, centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.DAY_OF_WEEK, Encoding.CYCLICAL, 0), raw,
        new float[][] {circle(2, 7), circle(3, 7), circle(4, 7), centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.DAY_OF_MONTH, Encoding.CYCLICAL, 0), raw,
        new float[][] {circle(28, 29), circle(30, 31), {0, 1}, centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.DAY_OF_YEAR, Encoding.CYCLICAL, 0), raw,
        new float[][] {circle(59, 366), circle(365, 366), {0, 1}, centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.WEEK_OF_YEAR, Encoding.CYCLICAL, 0), raw,
        new float[][] {circle(8, 52), circle(52, 53), circle(52, 53), centre});
    assertVectorsClose(Fitted.timePart("t", TimePart.MONTH, Encoding.CYCLICAL, 0), raw,
        new float[][] {circle(1, 12), circle(11, 12), {0, 1}, centre});
  }

  @Test
  void timePartsAgreeWithTheReferenceOnRandomTimestampsBeforeAndAfterTheEpoch() {
    java.util.Random random = new java.util.Random(11);
    long[] raw = new long[4000];
    for (int i = 0; i < raw.length; i++) {
      switch (i % 4) {
        case 0: // anywhere microseconds reach, ±292,000 years
          raw[i] = random.nextLong();
          break;
        case 1: // 1800 to 2200
          raw[i] = random.nextLong(-5_364_662_400_000_000L, 7_258_118_400_000_000L);
          break;
        case 2: // within a day of a New Year's midnight, 1600 to 2400
          raw[i] = micros(String.format("%04d-01-01T00:00:00Z", 1600 + random.nextInt(800))) + random.nextLong(-86_400_000_000L, 86_400_000_000L);
          break;
        default:
          raw[i] = random.nextInt(20) == 0 ? Long.MIN_VALUE : random.nextLong(-3_000_000_000_000_000L, 3_000_000_000_000_000L);
      }
    }
    raw[0] = Long.MIN_VALUE + 1;
    raw[4] = Long.MAX_VALUE;
    raw[8] = -1;
    for (TimePart part : TimePart.values()) {
      if (part == TimePart.YEAR) {
        FittedFeature year = Fitted.year("t", FeatureTransform.Scale.Z_SCORE, 2000, 1990.0, 30.0, null, null);
        assertThat(run(year, raw)).as("year").isEqualTo(reference(year, raw));
        continue;
      }
      FittedFeature id = Fitted.timePart("t", part, Encoding.ID, 1);
      assertThat(run(id, raw)).as(part.toString()).isEqualTo(reference(id, raw));
      FittedFeature cyclical = Fitted.timePart("t", part, Encoding.CYCLICAL, 0);
      assertVectorsClose(cyclical, raw, (float[][]) reference(cyclical, raw));
    }
  }

  @Test
  void vocabularyWithLowercaseAndOovBuckets() {
    FittedFeature f = Fitted.vocabulary("s", List.of("a", "bé"), 2, null, Encoding.ID, true);
    long zz = 2 + ReferenceTransform.fingerprint64Mod("zz", 2);
    long empty = 2 + ReferenceTransform.fingerprint64Mod("", 2);
    assertBoth(f, new String[] {"A", "BÉ", "zz", "", "a"}, new long[] {0, 1, zz, empty, 0});
  }

  @Test
  void fingerprintBucketsAreFarmHashOfTheUtf8Bytes() {
    // Values from Guava's farmHashFingerprint64, the hash the Java implementation uses.
    FittedFeature f = Fitted.hashed("s", 1000, Encoding.ID);
    String[] raw = {"", "a", "hello world", "ünïcødé", "日本語"};
    long[] expected = new long[raw.length];
    for (int i = 0; i < raw.length; i++) {
      expected[i] = ReferenceTransform.fingerprint64Mod(raw[i], 1000);
    }
    assertThat(run(f, raw)).isEqualTo(expected);
    // One value by hand: Fingerprint64("a") = 0xb3454265b6df75e3 (FarmHash na::Hash64 reference).
    assertThat(Long.remainderUnsigned(0xb3454265b6df75e3L, 1000)).isEqualTo(expected[1]);
  }

  @Test
  void vocabularyWithoutOovMapsUnknownsToMinusOneAndImputes() {
    FittedFeature f = Fitted.vocabulary("s", List.of("a", "b"), 0, "b", Encoding.ID, false);
    assertBoth(f, new String[] {"", "c", "a"}, new long[] {1, -1, 0});
    FittedFeature oneHot = Fitted.vocabulary("s", List.of("a", "b"), 0, null, Encoding.ONE_HOT, false);
    assertBoth(oneHot, new String[] {"b", "c", ""}, new float[][] {{0, 1}, {0, 0}, {0, 0}});
  }

  @Test
  void hashBucketsOneHot() {
    FittedFeature f = Fitted.hashed("s", 3, Encoding.ONE_HOT);
    float[][] expected = new float[2][3];
    expected[0][(int) ReferenceTransform.fingerprint64Mod("x", 3)] = 1;
    expected[1][(int) ReferenceTransform.fingerprint64Mod("", 3)] = 1;
    assertBoth(f, new String[] {"x", ""}, expected);
  }

  private static FeatureTransform text(int min, int max, int oov, Encoding encoding) {
    return FeatureTransform.string("t").withText(new FeatureTransform.Text(min, max))
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, oov)).withEncode(encoding).withLowercase(true);
  }

  @Test
  void textTokensAndBigramsMultiHot() {
    List<String> vocab = List.of("the", "cat", "the cat", "sat");
    FittedFeature f = Fitted.tokens(text(1, 2, 0, Encoding.MULTI_HOT), vocab, null);
    // "The cat, the CAT!" -> the, cat, the, cat, "the cat", "cat the", "the cat"
    assertBoth(f, new String[] {"The cat, the CAT!", "", "...", "sat", "dog sat"},
        new float[][] {{1, 1, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 0, 1}});
  }

  @Test
  void textTokensAreRunsOfLettersAndDigitsInAnyScript() {
    List<String> vocab = List.of("naïve", "café", "42", "日本語");
    FittedFeature f = Fitted.tokens(text(1, 1, 0, Encoding.IDS).withMaxTokens(5), vocab, null);
    assertBoth(f, new String[] {"Naïve—café;42 日本語", "x_café"}, new long[][] {{0, 1, 2, 3, -1}, {1, -1, -1, -1, -1}});
  }

  @Test
  void idsKeepTokenOrderTruncateAndPad() {
    List<String> vocab = List.of("a", "b", "a b");
    FittedFeature f = Fitted.tokens(text(1, 2, 1, Encoding.IDS).withMaxTokens(4), vocab, null);
    long oovC = 3 + ReferenceTransform.fingerprint64Mod("c", 1);
    // "a b c": a, b, c, "a b", "b c" -> 0, 1, oov, 2, oov -> truncated to 4
    assertBoth(f, new String[] {"a b c", "b", ""}, new long[][] {{0, 1, oovC, 2}, {1, -1, -1, -1}, {-1, -1, -1, -1}});
  }

  @Test
  void tfidfIsCountOverRowLengthTimesIdf() {
    List<String> vocab = List.of("a", "b");
    double[] idf = {1.0, Math.log(3.0 / 2.0) + 1, 2.5};
    FittedFeature f = Fitted.tokens(text(1, 1, 1, Encoding.TFIDF), vocab, idf);
    // "a a b z": a twice, b once, z (OOV bucket 2) once, of 4 tokens.
    float[][] expected = {{(float) (2.0 / 4 * 1.0), (float) (1.0 / 4 * idf[1]), (float) (1.0 / 4 * 2.5)}, {0, 0, 0}};
    assertBoth(f, new String[] {"a a b z", ""}, expected);
  }

  @Test
  void separatorSplitsOnTheWholeStringAndDropsEmptyTokens() {
    FeatureTransform spec = FeatureTransform.string("tags").withSeparator("||")
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(Encoding.IDS).withMaxTokens(3);
    FittedFeature f = Fitted.tokens(spec, List.of("a", "b|c", "c"), null);
    assertBoth(f, new String[] {"a||b|c||||c||a", "||", "d"}, new long[][] {{0, 1, 2}, {-1, -1, -1}, {-1, -1, -1}});
  }

  @Test
  void separatorMultiHot() {
    FeatureTransform spec = FeatureTransform.string("tags").withSeparator(",")
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0));
    FittedFeature f = Fitted.tokens(spec, List.of("x", "y"), null);
    assertBoth(f, new String[] {"y,,y", "x,y,z"}, new float[][] {{0, 1}, {1, 1}});
  }
}
