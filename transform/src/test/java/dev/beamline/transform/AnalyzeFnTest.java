package dev.beamline.transform;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.apache.beam.sdk.util.CoderUtils;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;
import org.junit.jupiter.api.Test;

/**
 * The combiner of every analyzer: merging in every order gives the constants that a naive reference
 * (sorting, two-pass variance, hash maps) computes; the accumulator coder is exact and deterministic.
 */
class AnalyzeFnTest {
  private static final ExampleSchema RAW =
      TestData.schema("x", FLOAT, "n", INT, "t", TIMESTAMP, "s", STRING, "txt", STRING);
  private static final TransformSpec SPEC =
      TransformSpec.of(List.of(
          FeatureTransform.numeric("x").withClip(-2.0, 50.0).withScale(Scale.Z_SCORE),
          FeatureTransform.numeric("x").withOutput("x_mm").withLog(3.0).withScale(Scale.MIN_MAX),
          FeatureTransform.numeric("x").withOutput("x_b").withBucketize(5),
          FeatureTransform.numeric("n").withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null)),
          FeatureTransform.numeric("t").withTimePart(TimePart.HOUR_OF_DAY),
          FeatureTransform.string("s").withVocabulary(new Vocabulary(5, 2, 2))
              .withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null)),
          FeatureTransform.string("txt").withLowercase(true).withText(new Text(1, 2))
              .withVocabulary(new Vocabulary(null, 2, 1)).withEncode(Encoding.TFIDF),
          FeatureTransform.string("s").withOutput("s_hash").withHashBuckets(10),
          FeatureTransform.numeric("t").withOutput("t_year").withTimePart(TimePart.YEAR).withScale(Scale.Z_SCORE),
          FeatureTransform.numeric("t").withOutput("t_year_mm").withTimePart(TimePart.YEAR).withScale(Scale.MIN_MAX),
          FeatureTransform.numeric("t").withOutput("t_month").withTimePart(TimePart.MONTH).withEncode(Encoding.ONE_HOT)));

  /** 180 rows (fewer than the sketch holds exactly), with missing values in every column. */
  private static List<GenericRecord> records() {
    Random random = new Random(17);
    String[] words = {"Alpha", "beta", "GAMMA", "delta", "alpha", "Beta"};
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < 180; i++) {
      Double x = random.nextInt(12) == 0 ? null : random.nextInt(15) == 0 ? Double.NaN : random.nextGaussian() * 20 + 5;
      Long n = random.nextInt(10) == 0 ? null : (long) random.nextInt(6);
      Long t = random.nextInt(9) == 0 ? null : random.nextLong() % 4_000_000_000_000_000L;
      String s = random.nextInt(8) == 0 ? null : "v" + (int) Math.floor(Math.abs(random.nextGaussian()) * 4);
      StringBuilder txt = new StringBuilder();
      int len = random.nextInt(5);
      for (int w = 0; w < len; w++) {
        txt.append(words[random.nextInt(words.length)]).append(random.nextBoolean() ? " " : ", ");
      }
      out.add(TestData.record(RAW, x, n, t, s, txt.length() == 0 ? null : txt.toString()));
    }
    return out;
  }

  /** The constants computed the plain way: sort, sum, count. */
  private static List<FittedFeature> reference(List<GenericRecord> records) {
    List<Double> xs = new ArrayList<>();
    Map<Long, Long> ns = new HashMap<>();
    long[] hours = new long[24];
    List<Long> years = new ArrayList<>();
    long[] months = new long[12];
    Map<String, Long> ss = new HashMap<>();
    Map<String, Long> tokens = new HashMap<>();
    Map<String, Long> docs = new HashMap<>();
    for (GenericRecord r : records) {
      Double x = (Double) r.get("x");
      if (x != null && !x.isNaN()) {
        xs.add(x);
      }
      if (r.get("n") != null) {
        ns.merge((Long) r.get("n"), 1L, Long::sum);
      }
      if (r.get("t") != null) {
        hours[(int) (Math.floorMod((Long) r.get("t"), 86_400_000_000L) / 1000 / 1000 / 3600)]++;
        // Through Instant and ZonedDateTime, not the LocalDate.ofEpochDay of the analyzer.
        java.time.ZonedDateTime utc = java.time.Instant.ofEpochSecond(Math.floorDiv((Long) r.get("t"), 1_000_000L)).atZone(java.time.ZoneOffset.UTC);
        years.add((long) utc.getYear());
        months[utc.getMonthValue() - 1]++;
      }
      if (r.get("s") != null) {
        ss.merge((String) r.get("s"), 1L, Long::sum);
      }
      if (r.get("txt") != null) {
        String[] w = ((String) r.get("txt")).toLowerCase().split("[^a-z]+");
        List<String> grams = new ArrayList<>();
        List<String> words = Arrays.stream(w).filter(s -> !s.isEmpty()).toList();
        grams.addAll(words);
        for (int i = 0; i + 1 < words.size(); i++) {
          grams.add(words.get(i) + " " + words.get(i + 1));
        }
        grams.forEach(g -> tokens.merge(g, 1L, Long::sum));
        new HashSet<>(grams).forEach(g -> docs.merge(g, 1L, Long::sum));
      }
    }
    long rows = records.size();
    List<FeatureTransform> f = SPEC.features();
    double rawMean = xs.stream().mapToDouble(Double::doubleValue).sum() / xs.size();

    double[] clipped = xs.stream().mapToDouble(v -> Math.min(50, Math.max(-2, v))).toArray();
    double mean = Arrays.stream(clipped).sum() / clipped.length;
    double var = Arrays.stream(clipped).map(v -> (v - mean) * (v - mean)).sum() / clipped.length;
    FittedFeature zScore = new FittedFeature(f.get(0), FeatureType.FLOAT, OutputKind.FLOAT, 0, rawMean, null, mean, Math.sqrt(var),
        null, null, null, null, null, null, rows);

    double[] logged = xs.stream().mapToDouble(v -> Math.log(v + 3)).filter(Double::isFinite).toArray();
    FittedFeature minMax = new FittedFeature(f.get(1), FeatureType.FLOAT, OutputKind.FLOAT, 0, rawMean, null, null, null,
        Arrays.stream(logged).min().orElseThrow(), Arrays.stream(logged).max().orElseThrow(), null, null, null, null, rows);

    double[] sorted = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    List<Double> bounds = new ArrayList<>();
    for (int i = 1; i < 5; i++) {
      // The smallest value with at least i/5 of the values at or below it: rank ceil(N * i / 5).
      double b = sorted[(int) ((sorted.length * (long) i + 4) / 5) - 1];
      if (bounds.isEmpty() || b > bounds.get(bounds.size() - 1)) {
        bounds.add(b);
      }
    }
    FittedFeature bucketize = new FittedFeature(f.get(2), FeatureType.FLOAT, OutputKind.ID, bounds.size() + 1, rawMean, null, null,
        null, null, null, bounds.stream().mapToDouble(Double::doubleValue).toArray(), null, null, null, rows);

    long mostFrequentN = ns.entrySet().stream()
        .max(Comparator.<Map.Entry<Long, Long>>comparingLong(Map.Entry::getValue).thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .orElseThrow().getKey();
    FittedFeature n = new FittedFeature(f.get(3), FeatureType.INT, OutputKind.FLOAT, 0, (double) mostFrequentN, null, null, null,
        null, null, null, null, null, null, rows);

    int bestHour = 0;
    for (int h = 1; h < 24; h++) {
      if (hours[h] > hours[bestHour]) {
        bestHour = h;
      }
    }
    FittedFeature hour = new FittedFeature(f.get(4), FeatureType.TIMESTAMP, OutputKind.ID, 24, (double) bestHour, null, null, null,
        null, null, null, null, null, null, rows);

    String mostFrequentS = ss.entrySet().stream()
        .max(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .orElseThrow().getKey();
    List<Map.Entry<String, Long>> vocab = top(ss, 2, 5);
    FittedFeature s = new FittedFeature(f.get(5), FeatureType.STRING, OutputKind.ID, vocab.size() + 2, null, mostFrequentS, null,
        null, null, null, null, vocab.stream().map(Map.Entry::getKey).toList(),
        vocab.stream().mapToLong(Map.Entry::getValue).toArray(), null, rows);

    List<Map.Entry<String, Long>> textVocab = top(tokens, 2, Integer.MAX_VALUE);
    double[] idf = new double[textVocab.size() + 1];
    for (int i = 0; i < idf.length; i++) {
      long df = i < textVocab.size() ? docs.get(textVocab.get(i).getKey()) : 0;
      idf[i] = Math.log((1.0 + rows) / (1.0 + df)) + 1;
    }
    FittedFeature txt = new FittedFeature(f.get(6), FeatureType.STRING, OutputKind.VECTOR, idf.length, null, null, null, null,
        null, null, null, textVocab.stream().map(Map.Entry::getKey).toList(),
        textVocab.stream().mapToLong(Map.Entry::getValue).toArray(), idf, rows);

    FittedFeature hash = new FittedFeature(f.get(7), FeatureType.STRING, OutputKind.ID, 10, null, null, null, null, null, null,
        null, null, null, null, rows);

    Map<Long, Long> yearCounts = new HashMap<>();
    years.forEach(y -> yearCounts.merge(y, 1L, Long::sum));
    double mostFrequentYear = yearCounts.entrySet().stream()
        .max(Comparator.<Map.Entry<Long, Long>>comparingLong(Map.Entry::getValue).thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
        .orElseThrow().getKey();
    double yearMean = years.stream().mapToDouble(Long::doubleValue).sum() / years.size();
    double yearVar = years.stream().mapToDouble(y -> (y - yearMean) * (y - yearMean)).sum() / years.size();
    FittedFeature year = new FittedFeature(f.get(8), FeatureType.TIMESTAMP, OutputKind.FLOAT, 0, mostFrequentYear, null, yearMean,
        Math.sqrt(yearVar), null, null, null, null, null, null, rows);
    FittedFeature yearMinMax = new FittedFeature(f.get(9), FeatureType.TIMESTAMP, OutputKind.FLOAT, 0, mostFrequentYear, null, null,
        null, (double) years.stream().mapToLong(Long::longValue).min().orElseThrow(),
        (double) years.stream().mapToLong(Long::longValue).max().orElseThrow(), null, null, null, null, rows);
    int bestMonth = 0;
    for (int m = 1; m < 12; m++) {
      if (months[m] > months[bestMonth]) {
        bestMonth = m;
      }
    }
    FittedFeature month = new FittedFeature(f.get(10), FeatureType.TIMESTAMP, OutputKind.VECTOR, 12, (double) bestMonth, null, null,
        null, null, null, null, null, null, null, rows);
    return List.of(zScore, minMax, bucketize, n, hour, s, txt, hash, year, yearMinMax, month);
  }

  private static List<Map.Entry<String, Long>> top(Map<String, Long> counts, long threshold, int k) {
    return counts.entrySet().stream()
        .filter(e -> e.getValue() >= threshold)
        .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed().thenComparing(Map.Entry::getKey))
        .limit(k)
        .toList();
  }

  /** Equal to the reference, with doubles that come from sums and moments within 1e-9 (merge order changes rounding). */
  private static void check(List<FittedFeature> expected, FittedTransform actual) {
    assertThat(actual.rawSchema()).isEqualTo(RAW);
    assertThat(actual.features()).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      FittedFeature e = expected.get(i);
      FittedFeature a = actual.features().get(i);
      String name = e.name();
      assertThat(a.spec()).as(name).isEqualTo(e.spec());
      assertThat(a.inputType()).as(name).isEqualTo(e.inputType());
      assertThat(a.kind()).as(name).isEqualTo(e.kind());
      assertThat(a.cardinality()).as(name).isEqualTo(e.cardinality());
      assertThat(a.rows()).as(name).isEqualTo(e.rows());
      assertClose(name + " impute", e.imputeNumber(), a.imputeNumber());
      assertThat(a.imputeString()).as(name).isEqualTo(e.imputeString());
      assertClose(name + " mean", e.mean(), a.mean());
      assertClose(name + " std", e.std(), a.std());
      assertThat(a.min()).as(name).isEqualTo(e.min());
      assertThat(a.max()).as(name).isEqualTo(e.max());
      assertThat(a.boundaries()).as(name).isEqualTo(e.boundaries());
      assertThat(a.vocabulary()).as(name).isEqualTo(e.vocabulary());
      assertThat(a.counts()).as(name).isEqualTo(e.counts());
      assertThat(a.idf()).as(name).isEqualTo(e.idf());
    }
  }

  private static void assertClose(String what, Double expected, Double actual) {
    if (expected == null) {
      assertThat(actual).as(what).isNull();
    } else {
      assertThat(actual).as(what).isCloseTo(expected, within(1e-9 * Math.max(1, Math.abs(expected))));
    }
  }

  private static Matcher<FittedTransform> matches(List<FittedFeature> expected) {
    return new TypeSafeDiagnosingMatcher<>() {
      @Override
      protected boolean matchesSafely(FittedTransform actual, Description mismatch) {
        try {
          check(expected, actual);
          return true;
        } catch (AssertionError e) {
          mismatch.appendText(e.getMessage());
          return false;
        }
      }

      @Override
      public void describeTo(Description description) {
        description.appendText("the reference constants");
      }
    };
  }

  @Test
  void everyAnalyzerGivesTheReferenceConstantsInEveryMergeOrder() {
    List<GenericRecord> records = records();
    List<FittedFeature> expected = reference(records);
    // Sanity of the data: each analyzer has something to find.
    assertThat(expected.get(2).boundaries()).hasSize(4);
    assertThat(expected.get(5).vocabulary()).hasSizeGreaterThan(2);
    assertThat(expected.get(6).vocabulary()).hasSizeGreaterThan(10);
    CombineFnTester.testCombineFn(AnalyzeFn.of(RAW, SPEC), TestData.batches(records, 20), matches(expected));
  }

  @Test
  void theAccumulatorCoderIsExactAndDeterministic() throws Exception {
    List<GenericRecord> records = records();
    AnalyzeFn fn = AnalyzeFn.of(RAW, SPEC);
    AnalysisAccumulator acc = fn.createAccumulator();
    for (ExampleBatch b : TestData.batches(records, 50)) {
      acc = fn.addInput(acc, b);
    }
    Coder<AnalysisAccumulator> coder = fn.getAccumulatorCoder(CoderRegistry.createDefault(), null);
    coder.verifyDeterministic();
    byte[] bytes = CoderUtils.encodeToByteArray(coder, acc);
    AnalysisAccumulator back = CoderUtils.decodeFromByteArray(coder, bytes);
    assertThat(back.rows()).isEqualTo(records.size());
    assertThat(fn.extractOutput(back)).isEqualTo(fn.extractOutput(acc));
    assertThat(CoderUtils.encodeToByteArray(coder, back)).isEqualTo(bytes);
    // Empty accumulators, as empty shards produce, round-trip too.
    AnalysisAccumulator empty = CoderUtils.clone(coder, fn.createAccumulator());
    assertThat(fn.extractOutput(empty)).isEqualTo(fn.extractOutput(fn.createAccumulator()));
  }

  @Test
  void anEmptySplitFitsNaNConstantsAndAnEmptyVocabulary() {
    FittedTransform t = AnalyzeFn.fitInMemory(RAW, SPEC, List.of());
    assertThat(t.feature("x").mean()).isNaN();
    assertThat(t.feature("x_b").boundaries()).isEmpty();
    assertThat(t.feature("x_b").cardinality()).isEqualTo(1);
    assertThat(t.feature("s").vocabulary()).isEmpty();
    assertThat(t.feature("s").imputeString()).isNull();
    assertThat(t.feature("txt").idf()).containsExactly(1.0); // ln(1 / 1) + 1 for the OOV bucket
    assertThat(t.feature("t_year").imputeNumber()).isNaN();
    assertThat(t.feature("t_year").mean()).isNaN();
    assertThat(t.feature("t_year_mm").min()).isNaN();
    assertThat(t.feature("t_month").imputeNumber()).isEqualTo(-1.0);
  }

  @Test
  void aSpecThatDoesNotFitTheSchemaIsRejected() {
    TransformSpec bad = TransformSpec.of(List.of(FeatureTransform.numeric("missing")));
    assertThatThrownBy(() -> AnalyzeFn.of(RAW, bad))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("input feature 'missing' is not in the data");
  }

  @Test
  void aRecordWithoutAnInputIsRejectedByName() {
    ExampleSchema other = TestData.schema("y", FLOAT);
    AnalyzeFn fn = AnalyzeFn.of(RAW, SPEC);
    ExampleBatch batch = ExampleBatch.of(List.of(TestData.record(other, 1.0)));
    assertThatThrownBy(() -> fn.addInput(fn.createAccumulator(), batch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example has no field 'x'");
  }
}
