package dev.beamline.transform;

import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.transform.TestData.apply;
import static dev.beamline.transform.TestData.column;
import static dev.beamline.transform.TestData.fit;
import static dev.beamline.transform.TestData.floats;
import static dev.beamline.transform.TestData.longs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** Vocabularies, hash buckets, tokens and every encoding of string features, against values computed by hand. */
class StringTransformTest {
  private static final ExampleSchema S = TestData.schema("s", STRING);
  private static final FeatureTransform STRING_FEATURE = FeatureTransform.string("s");

  /** Guava's FarmHash Fingerprint64 mod n, computed here without the code under test. */
  private static long bucket(String token, long n) {
    return Long.remainderUnsigned(Hashing.farmHashFingerprint64().hashString(token, StandardCharsets.UTF_8).asLong(), n);
  }

  @Test
  void vocabularyOrderedByCountThenTokenWithOneOovBucket() {
    FittedTransform t = fit(S, STRING_FEATURE.withVocabulary(Vocabulary.defaults()), column(S, "b", "a", "b", "c", null, ""));
    FittedFeature f = t.feature("s");
    assertThat(f.vocabulary()).containsExactly("b", "a", "c");
    assertThat(f.counts()).containsExactly(2, 1, 1);
    assertThat(f.kind()).isEqualTo(OutputKind.ID);
    assertThat(f.cardinality()).isEqualTo(4);
    assertThat(f.imputeString()).isNull();
    assertThat(apply(t, S, "b")).isEqualTo(0L);
    assertThat(apply(t, S, new Utf8("a"))).isEqualTo(1L);
    assertThat(apply(t, S, "c")).isEqualTo(2L);
    assertThat(apply(t, S, "zebra")).isEqualTo(3L); // the only OOV bucket
    assertThat(apply(t, S, null)).isEqualTo(3L); // missing is the empty token, never in the vocabulary
    assertThat(apply(t, S, "")).isEqualTo(3L);
  }

  @Test
  void topKAfterTheFrequencyThresholdAndNoOovBuckets() {
    // x:3, y:2, z:2, w:1; threshold 2 keeps x, y, z; top 2 keeps x, y (y before z on the tie).
    FittedTransform t = fit(S, STRING_FEATURE.withVocabulary(new Vocabulary(2, 2, 0)),
        column(S, "z", "x", "y", "w", "x", "z", "y", "x"));
    assertThat(t.feature("s").vocabulary()).containsExactly("x", "y");
    assertThat(t.feature("s").counts()).containsExactly(3, 2);
    assertThat(t.feature("s").cardinality()).isEqualTo(2);
    assertThat(apply(t, S, "y")).isEqualTo(1L);
    assertThat(apply(t, S, "z")).isEqualTo(-1L);
    assertThat(apply(t, S, null)).isEqualTo(-1L);
  }

  @Test
  void oovBucketsByFingerprint() {
    FittedTransform t = fit(S, STRING_FEATURE.withVocabulary(new Vocabulary(null, 1, 5)), column(S, "a", "b"));
    assertThat(t.feature("s").cardinality()).isEqualTo(7);
    for (String token : List.of("Hello", "TensorFlow", "2.x", "zebra", "")) {
      assertThat(apply(t, S, token.isEmpty() ? null : token)).isEqualTo(2 + bucket(token, 5));
    }
  }

  @Test
  void hashBucketsMatchTensorFlowsStringToHashBucketFast() {
    // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) == [0, 2, 2] (TensorFlow's documentation).
    FittedTransform t = fit(S, STRING_FEATURE.withHashBuckets(3), column(S, "a"));
    assertThat(t.feature("s").cardinality()).isEqualTo(3);
    assertThat(t.feature("s").vocabulary()).isNull();
    assertThat(apply(t, S, "Hello")).isEqualTo(0L);
    assertThat(apply(t, S, "TensorFlow")).isEqualTo(2L);
    assertThat(apply(t, S, "2.x")).isEqualTo(2L);
    assertThat(apply(t, S, null)).isEqualTo(bucket("", 3));
  }

  @Test
  void lowercaseBeforeTheVocabulary() {
    FittedTransform t = fit(S, STRING_FEATURE.withLowercase(true).withVocabulary(Vocabulary.defaults()),
        column(S, "Dream", "dream", "BISCOE"));
    assertThat(t.feature("s").vocabulary()).containsExactly("dream", "biscoe");
    assertThat(apply(t, S, "DREAM")).isEqualTo(0L);
    assertThat(apply(t, S, "Biscoe")).isEqualTo(1L);
  }

  @Test
  void mostFrequentImputationInRawSpaceThenLowercase() {
    FeatureTransform f = STRING_FEATURE.withLowercase(true).withVocabulary(new Vocabulary(null, 1, 0))
        .withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null));
    FittedTransform t = fit(S, f, column(S, "biscoe", "Dream", "dream", "Dream", null, "biscoe", "biscoe"));
    // Raw counts: biscoe 3, Dream 2, dream 1; tokens: biscoe 3, dream 3 -> biscoe first on the tie.
    assertThat(t.feature("s").imputeString()).isEqualTo("biscoe");
    assertThat(t.feature("s").vocabulary()).containsExactly("biscoe", "dream");
    assertThat(apply(t, S, null)).isEqualTo(0L);
    FittedTransform tie = fit(S, f, column(S, "b", "a"));
    assertThat(tie.feature("s").imputeString()).isEqualTo("a");
  }

  @Test
  void constantImputationAddsNoTokenToTheVocabulary() {
    FeatureTransform f = STRING_FEATURE.withVocabulary(Vocabulary.defaults()).withImpute(new Impute(Impute.Strategy.CONSTANT, "unknown"));
    FittedTransform t = fit(S, f, column(S, "a", null, null));
    assertThat(t.feature("s").vocabulary()).containsExactly("a");
    assertThat(t.feature("s").imputeString()).isEqualTo("unknown");
    assertThat(apply(t, S, null)).isEqualTo(1 + bucket("unknown", 1));
  }

  @Test
  void oneHot() {
    FittedTransform t = fit(S, STRING_FEATURE.withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT),
        column(S, "b", "a", "b", "c"));
    assertThat(t.feature("s").kind()).isEqualTo(OutputKind.VECTOR);
    assertThat(t.feature("s").width()).isEqualTo(4);
    assertThat(apply(t, S, "a")).isEqualTo(floats(0, 1, 0, 0));
    assertThat(apply(t, S, null)).isEqualTo(floats(0, 0, 0, 1));
    FittedTransform noOov = fit(S, STRING_FEATURE.withVocabulary(new Vocabulary(null, 1, 0)).withEncode(Encoding.ONE_HOT),
        column(S, "b", "a"));
    assertThat(apply(noOov, S, "zebra")).isEqualTo(floats(0, 0));
  }

  @Test
  void textTokensAreLowercasedWordsThenNgrams() {
    FeatureTransform f = STRING_FEATURE.withLowercase(true).withText(new Text(1, 2)).withVocabulary(Vocabulary.defaults());
    FittedTransform t = fit(S, f, column(S, "The cat, the HAT!"));
    // the:2, then the rest once each, by token: "cat", "cat the", "hat", "the cat", "the hat".
    assertThat(t.feature("s").vocabulary()).containsExactly("the", "cat", "cat the", "hat", "the cat", "the hat");
    assertThat(t.feature("s").counts()).containsExactly(2, 1, 1, 1, 1, 1);
    assertThat(t.feature("s").kind()).isEqualTo(OutputKind.VECTOR); // multi-hot by default
  }

  @Test
  void separatorSplitsAndDropsEmptyTokens() {
    FittedTransform t = fit(S, STRING_FEATURE.withSeparator("|").withVocabulary(Vocabulary.defaults()),
        column(S, "a||b|", "|a"));
    assertThat(t.feature("s").vocabulary()).containsExactly("a", "b");
    assertThat(t.feature("s").counts()).containsExactly(2, 1);
  }

  /** Rows "a b", "b c", "b" and a missing one: counts b 3, a 1, c 1; vocabulary b, a, c and one OOV bucket. */
  private static final List<Object> TEXT_ROWS = java.util.Arrays.asList("a b", "b c", "b", null);

  private static FittedTransform fitText(Encoding encoding, Vocabulary vocabulary, Integer maxTokens) {
    FeatureTransform f = STRING_FEATURE.withText(new Text(1, 1)).withVocabulary(vocabulary).withEncode(encoding).withMaxTokens(maxTokens);
    return fit(S, f, column(S, TEXT_ROWS.toArray()));
  }

  @Test
  void multiHot() {
    FittedTransform t = fitText(Encoding.MULTI_HOT, Vocabulary.defaults(), null);
    assertThat(t.feature("s").vocabulary()).containsExactly("b", "a", "c");
    assertThat(t.feature("s").cardinality()).isEqualTo(4);
    assertThat(apply(t, S, "c a zebra a")).isEqualTo(floats(0, 1, 1, 1));
    assertThat(apply(t, S, null)).isEqualTo(floats(0, 0, 0, 0));
  }

  @Test
  void idsArePaddedAndTruncated() {
    FittedTransform t = fitText(Encoding.IDS, new Vocabulary(null, 1, 0), 3);
    assertThat(t.feature("s").kind()).isEqualTo(OutputKind.IDS);
    assertThat(t.feature("s").width()).isEqualTo(3);
    // a b c a zebra -> 1 0 2 1 -1: the -1 is dropped, then the list is cut at 3.
    assertThat(apply(t, S, "a b c a zebra")).isEqualTo(longs(1, 0, 2));
    assertThat(apply(t, S, "zebra a")).isEqualTo(longs(1, -1, -1));
    assertThat(apply(t, S, null)).isEqualTo(longs(-1, -1, -1));
    FittedTransform defaults = fitText(Encoding.IDS, new Vocabulary(null, 1, 0), null);
    assertThat(defaults.feature("s").width()).isEqualTo(FeatureTransform.DEFAULT_MAX_TOKENS);
  }

  @Test
  void tfidf() {
    FittedTransform t = fitText(Encoding.TFIDF, Vocabulary.defaults(), null);
    FittedFeature f = t.feature("s");
    // N = 4 training rows; df: b 3, a 1, c 1, OOV 0; idf = ln((1 + N) / (1 + df)) + 1.
    double idfB = Math.log(5.0 / 4) + 1;
    double idfA = Math.log(5.0 / 2) + 1;
    double idfOov = Math.log(5.0) + 1;
    assertThat(f.idf()).containsExactly(idfB, idfA, idfA, idfOov);
    // "b b a zebra": 4 tokens; b twice, a once, zebra in the OOV bucket once.
    assertThat(apply(t, S, "b b a zebra"))
        .isEqualTo(floats((float) (2.0 / 4 * idfB), (float) (1.0 / 4 * idfA), 0f, (float) (1.0 / 4 * idfOov)));
    assertThat(apply(t, S, null)).isEqualTo(floats(0, 0, 0, 0));
  }

  @Test
  void tfidfCountsTokensWithoutAnIdInTheLength() {
    FittedTransform t = fitText(Encoding.TFIDF, new Vocabulary(null, 1, 0), null);
    double idfB = Math.log(5.0 / 4) + 1;
    assertThat(t.feature("s").idf()).hasSize(3);
    assertThat(apply(t, S, "b zebra")).isEqualTo(floats((float) (1.0 / 2 * idfB), 0f, 0f));
  }
}
