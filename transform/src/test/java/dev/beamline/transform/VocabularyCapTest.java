package dev.beamline.transform;

import static dev.beamline.core.FeatureType.STRING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;
import org.junit.jupiter.api.Test;

/**
 * The default cap of a vocabulary without {@code top_k}, just past it: 100,010 distinct tokens, the
 * first ten seen twice. Exact counts (fewer distinct tokens than the counters' capacity), so the kept
 * tokens are known exactly, in every merge order.
 */
class VocabularyCapTest {
  private static final ExampleSchema RAW = TestData.schema("s", STRING);
  private static final int DISTINCT = 100_010;

  /** Token {@code i}: "c1000000", "c1000001", ... all of one length, so that they sort as their numbers. */
  private static String token(int i) {
    return "c" + (1_000_000 + i);
  }

  private static List<ExampleBatch> batches() {
    Schema avro = RAW.toAvro();
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      for (int copies = i < 10 ? 2 : 1; copies > 0; copies--) {
        GenericRecord r = new GenericData.Record(avro);
        r.put(0, token(i));
        rows.add(r);
      }
    }
    return TestData.batches(rows, 5_000);
  }

  private static AnalysisAccumulator analyze(AnalyzeFn fn, List<ExampleBatch> batches) {
    AnalysisAccumulator acc = fn.createAccumulator();
    for (ExampleBatch b : batches) {
      acc = fn.addInput(acc, b);
    }
    return acc;
  }

  /** The ten tokens seen twice, then the singletons by token, to 100,000 in all. */
  private static List<String> expectedVocabulary() {
    List<String> v = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      v.add(token(i));
    }
    return v;
  }

  @Test
  void withoutTopKTheHundredThousandMostFrequentAreKeptWithAWarningNamingTheFeatureAndItsCardinality() {
    assertThat(Vocabulary.DEFAULT_MAX_SIZE).isEqualTo(100_000);
    AnalyzeFn fn = AnalyzeFn.of(RAW, TransformSpec.of(List.of(FeatureTransform.string("s").withVocabulary(Vocabulary.defaults()))));
    List<ExampleBatch> batches = batches();
    CombineFnTester.testCombineFn(fn, batches, hasVocabulary(expectedVocabulary()));
    AnalysisAccumulator acc = analyze(fn, batches);
    FittedFeature s = fn.extractOutput(acc).feature("s");
    assertThat(s.vocabulary()).hasSize(100_000);
    assertThat(s.cardinality()).isEqualTo(100_001); // and one OOV bucket
    assertThat(s.counts()[9]).isEqualTo(2);
    assertThat(s.counts()[10]).isEqualTo(1);
    assertThat(acc.warnings()).containsExactly(
        "transform 's': 100,010 distinct tokens, more than the default vocabulary size: keeping the 100,000 most frequent"
            + " (set vocabulary.top_k to choose)");
  }

  @Test
  void anExplicitTopKOrAThresholdThatKeepsFewerTokensGivesNoWarning() {
    AnalyzeFn all = AnalyzeFn.of(RAW, TransformSpec.of(List.of(FeatureTransform.string("s").withVocabulary(new Vocabulary(DISTINCT, 1, 1)))));
    AnalysisAccumulator acc = analyze(all, batches());
    assertThat(all.extractOutput(acc).feature("s").vocabulary()).hasSize(DISTINCT);
    assertThat(acc.warnings()).isEmpty();

    AnalyzeFn twice = AnalyzeFn.of(RAW, TransformSpec.of(List.of(FeatureTransform.string("s").withVocabulary(new Vocabulary(null, 2, 1)))));
    acc = analyze(twice, batches());
    assertThat(twice.extractOutput(acc).feature("s").vocabulary()).isEqualTo(expectedVocabulary().subList(0, 10));
    assertThat(acc.warnings()).isEmpty();
  }

  private static Matcher<FittedTransform> hasVocabulary(List<String> expected) {
    return new TypeSafeDiagnosingMatcher<>() {
      @Override
      protected boolean matchesSafely(FittedTransform t, Description mismatch) {
        List<String> actual = t.feature("s").vocabulary();
        if (!actual.equals(expected)) {
          mismatch.appendText("a vocabulary of " + actual.size() + " starting " + actual.subList(0, Math.min(12, actual.size())));
          return false;
        }
        return true;
      }

      @Override
      public void describeTo(Description d) {
        d.appendText("a vocabulary of " + expected.size() + " starting " + expected.subList(0, 12));
      }
    };
  }
}
