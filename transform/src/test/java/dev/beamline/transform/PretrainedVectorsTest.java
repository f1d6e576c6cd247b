package dev.beamline.transform;

import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.transform.TestData.apply;
import static dev.beamline.transform.TestData.column;
import static dev.beamline.transform.TestData.fit;
import static dev.beamline.transform.TestData.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Embedding;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Pooling;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pretrained word vectors: the reader of the GloVe text format ({@link WordVectors}), the vocabulary of
 * a feature encoded {@code embedding} restricted to the tokens of a vectors file (the others in OOV
 * buckets), the vectors carried in the fitted transform and its folder, and the {@code embedding:}
 * configuration. Every file is written here; expected values are the file's own numbers.
 */
class PretrainedVectorsTest {
  @TempDir Path dir;

  private static final ExampleSchema S = TestData.schema("notes", STRING);

  /** Five words of dimension 3; "film" is not in the data below. */
  private static final String VECTORS = "good 0.5 -0.25 1\nbad -0.5 0.25 -1\ngreat 0.75 0.125 2.5\nawful -1.5 0 -0.875\nfilm 1 1 1\n";
  /** Its SHA-256, as {@code sha256sum} prints it. */
  private static final String VECTORS_SHA256 = "15a69a66b93181c8e4b322734fd014dd85a04d7d7ece2d2c6f4e4d1972c155d9";

  /** Token counts: good 4, poor 3, bad 2, awful, great, meh and movie 1. */
  private static final Object[] NOTES = {"Good movie", "good, GOOD", "bad", "awful bad", "meh", "poor poor poor", "great", "good", null};

  private Path write(String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, content, StandardCharsets.UTF_8);
    return f;
  }

  /** Guava's FarmHash Fingerprint64 mod n, computed here without the code under test. */
  private static long bucket(String token, long n) {
    return Long.remainderUnsigned(Hashing.farmHashFingerprint64().hashString(token, StandardCharsets.UTF_8).asLong(), n);
  }

  private static FeatureTransform notes(Vocabulary vocabulary, String vectors) {
    return FeatureTransform.string("notes").withText(new Text(1, 1)).withLowercase(true).withVocabulary(vocabulary)
        .withEncode(Encoding.EMBEDDING).withMaxTokens(6).withEmbedding(new Embedding(Pooling.SUM, vectors, false));
  }

  @Test
  void theReaderTakesTheGloveTextFormatKeepingTheFirstVectorOfATokenAndHashesTheFile() throws IOException {
    Path f = write("v.txt", "the 0.25 -0.5 1.0\ncat 1e-3 2 -3.5\n\ndog\t0.125 0.5   -0.75  \r\ncat 9 9 9\n");
    WordVectors all = WordVectors.read(f.toString(), token -> true);
    assertThat(all.tokens()).containsExactly("the", "cat", "dog");
    assertThat(all.dim()).isEqualTo(3);
    assertThat(all.vector(0)).containsExactly(0.25f, -0.5f, 1.0f);
    assertThat(all.vector(1)).containsExactly(0.001f, 2f, -3.5f);
    assertThat(all.vector(2)).containsExactly(0.125f, 0.5f, -0.75f);
    assertThat(all.sha256()).isEqualTo("2f66dd1b9dbea04983c1acd5e8db07b687b37f56587d7fc9410f1136a1d24df9");
    // Only the tokens asked for, in file order; select puts them in any order.
    WordVectors some = WordVectors.read(f.toString(), Set.of("dog", "cat", "zebra")::contains);
    assertThat(some.tokens()).containsExactly("cat", "dog");
    WordVectors ordered = some.select(List.of("dog", "cat"));
    assertThat(ordered.values()).containsExactly(0.125f, 0.5f, -0.75f, 0.001f, 2f, -3.5f);
    assertThat(ordered.contains("cat")).isTrue();
    assertThat(ordered.contains("the")).isFalse();
    assertThatThrownBy(() -> some.select(List.of("the"))).hasMessage("no vector for token 'the'");
    // word2vec's and fastText's header: the number of lines and the dimension.
    WordVectors headed = WordVectors.read(write("h.txt", "2 2\na 1 2\nb 3 4\n").toString(), token -> true);
    assertThat(headed.tokens()).containsExactly("a", "b");
    assertThat(headed.values()).containsExactly(1f, 2f, 3f, 4f);
  }

  @Test
  void aBadLineNamesTheFileTheLineAndTheToken() throws IOException {
    assertBad("a 1 2 3\nb 1 2\n", ":2: token 'b' has 2 numbers, expected 3 (as on line 1)");
    assertBad("3 2\na 1 2 3\n", ":2: token 'a' has 3 numbers, expected 2 (as the header states)");
    assertBad("a 1 2 3\n\nb 1 x 3\n", ":3: token 'b': 'x' is not a number");
    assertBad("a 1 NaN 3\n", ":1: token 'a': 'NaN' is not a finite number");
    assertBad("a 1 1e39 3\n", ":1: token 'a': '1e39' is not a finite number");
    assertBad("a\n", ":1: token 'a' has no number after it");
    // Lines of tokens not kept are checked too: the file is wrong wherever it is.
    Path f = write("bad.txt", "a 1 2\nb 1 two\n");
    assertThatThrownBy(() -> WordVectors.read(f.toString(), Set.of("a")::contains))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(f + ":2: token 'b': 'two' is not a number");
    Path empty = write("empty.txt", "\n");
    assertThatThrownBy(() -> WordVectors.read(empty.toString(), token -> true)).hasMessage(empty + " holds no word vector");
  }

  private void assertBad(String content, String message) throws IOException {
    Path f = write("bad.txt", content);
    assertThatThrownBy(() -> WordVectors.read(f.toString(), token -> true))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(f + message);
  }

  @Test
  void writtenVectorsReadBackToTheSameBits() throws IOException {
    SplittableRandom r = new SplittableRandom(7);
    float[] values = new float[200 * 5];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-30, 30)));
    }
    List<String> tokens = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      tokens.add("w" + i + (i % 3 == 0 ? "é" : ""));
    }
    WordVectors v = WordVectors.of(tokens, 5, values, null);
    v.write(dir.resolve("out.txt").toString());
    WordVectors back = WordVectors.read(dir.resolve("out.txt").toString(), token -> true);
    assertThat(back.tokens()).isEqualTo(tokens);
    assertThat(back.values()).containsExactly(values);
  }

  @Test
  void theVocabularyKeepsTokensWithAVectorThenCutsAndTheOthersGoToTheOovBuckets() throws IOException {
    String vectors = write("glove.txt", VECTORS).toString();
    // With vectors: good 4, bad 2, awful 1, great 1 (awful before great on the tie); top_k 3 drops great.
    // poor (3) has no vector, so it is no candidate.
    FittedTransform t = fit(S, notes(new Vocabulary(3, 1, 2), vectors), column(S, NOTES));
    FittedFeature f = t.feature("notes");
    assertThat(f.vocabulary()).containsExactly("good", "bad", "awful");
    assertThat(f.counts()).containsExactly(4, 2, 1);
    assertThat(f.kind()).isEqualTo(OutputKind.IDS);
    assertThat(f.cardinality()).isEqualTo(5);
    assertThat(f.vectors().tokens()).containsExactly("good", "bad", "awful");
    assertThat(f.vectors().values()).containsExactly(0.5f, -0.25f, 1f, -0.5f, 0.25f, -1f, -1.5f, 0f, -0.875f);
    assertThat(f.vectors().sha256()).isEqualTo(VECTORS_SHA256);
    // Ids exactly as encode: ids: tokens without a vector, and great cut by top_k, in the OOV buckets.
    assertThat(apply(t, S, "Poor great movie, good zzz AWFUL"))
        .isEqualTo(longs(3 + bucket("poor", 2), 3 + bucket("great", 2), 3 + bucket("movie", 2), 0, 3 + bucket("zzz", 2), 2));
    assertThat(apply(t, S, "bad")).isEqualTo(longs(1, -1, -1, -1, -1, -1));
    // Without top_k, great is kept.
    assertThat(fit(S, notes(new Vocabulary(null, 1, 1), vectors), column(S, NOTES)).feature("notes").vocabulary())
        .containsExactly("good", "bad", "awful", "great");
    // The same feature with encode: ids and no vectors keeps every token.
    FeatureTransform ids = FeatureTransform.string("notes").withText(new Text(1, 1)).withLowercase(true)
        .withVocabulary(new Vocabulary(3, 1, 2)).withEncode(Encoding.IDS);
    assertThat(fit(S, ids, column(S, NOTES)).feature("notes").vocabulary()).containsExactly("good", "poor", "bad");
  }

  @Test
  void aBrokenVectorsFileOrOneWithoutAnyTokenOfTheDataStopsTheFitNamingTheFeature() throws IOException {
    String broken = write("broken.txt", "good 1 2 3\nbad 1 2\n").toString();
    assertThatThrownBy(() -> fit(S, notes(new Vocabulary(null, 1, 1), broken), column(S, NOTES)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform 'notes': embedding.vectors: " + broken + ":2: token 'bad' has 2 numbers, expected 3 (as on line 1)");
    String vectors = write("other.txt", "film 1 1 1\nplot 2 2 2\n").toString();
    assertThatThrownBy(() -> fit(S, notes(new Vocabulary(null, 1, 1), vectors), column(S, NOTES)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform 'notes': none of the 7 tokens of the analyzed split has a vector in " + vectors
            + " (are the file's tokens lower-cased as the feature's are?)");
    // No token at all (an empty split, or Beam's default value of an empty combine, taken while the
    // graph is built): an empty vocabulary, the OOV buckets only, and the file is not even read.
    FittedFeature none = fit(S, notes(new Vocabulary(null, 1, 1), dir.resolve("absent.txt").toString()), column(S, (Object) null))
        .feature("notes");
    assertThat(none.vocabulary()).isEmpty();
    assertThat(none.cardinality()).isEqualTo(1);
    assertThat(none.vectors()).isNull();
  }

  @Test
  void theFittedTransformCarriesTheVectorsInItsFolderAndTheUsersFileIsNotReadAgain() throws IOException {
    Path vectors = write("glove.txt", VECTORS);
    FittedTransform t = fit(S, notes(new Vocabulary(3, 1, 2), vectors.toString()), column(S, NOTES));
    Path out = dir.resolve("transform");
    t.write(out);
    assertThat(Files.readString(out.resolve("vectors/notes.txt"))).isEqualTo("good 0.5 -0.25 1.0\nbad -0.5 0.25 -1.0\nawful -1.5 0.0 -0.875\n");
    JsonNode json = new ObjectMapper().readTree(out.resolve("transform.json").toFile()).get("features").get(0);
    assertThat(json.get("vectors_file").asText()).isEqualTo("vectors/notes.txt");
    assertThat(json.get("vectors_dim").asInt()).isEqualTo(3);
    assertThat(json.get("vectors_sha256").asText()).isEqualTo(VECTORS_SHA256);
    assertThat(json.get("spec").get("embedding").toString())
        .isEqualTo("{\"pooling\":\"sum\",\"vectors\":\"" + vectors + "\",\"trainable\":false}");
    Files.delete(vectors);
    FittedTransform back = FittedTransform.read(out);
    assertThat(back).isEqualTo(t);
    assertThat(back.feature("notes").vectors().sha256()).isEqualTo(VECTORS_SHA256);
  }

  @Test
  void theDeclarationIsChecked() {
    ExampleSchema raw = TestData.schema("notes", STRING, "kind", STRING);
    FeatureTransform text = FeatureTransform.string("notes").withText(new Text(1, 1)).withEncode(Encoding.EMBEDDING);
    assertRejected(raw, text.withHashBuckets(100).withEmbedding(Embedding.defaults().withVectors("v.txt")),
        "transform 'notes': embedding.vectors needs a vocabulary: vectors are looked up by token, and hash buckets have none");
    assertRejected(raw, text.withVocabulary(new Vocabulary(null, 1, 0)).withEmbedding(Embedding.defaults().withVectors("v.txt")),
        "transform 'notes': embedding.vectors: tokens without a vector go to the vocabulary's OOV buckets, so oov_buckets must be at least 1, got 0");
    assertRejected(raw, text.withVocabulary(Vocabulary.defaults()).withEmbedding(new Embedding(Pooling.MEAN, null, false)),
        "transform 'notes': embedding.trainable: false freezes the rows that start from pretrained vectors, and there are none"
            + " (set embedding.vectors, or leave trainable out)");
    assertRejected(raw, text.withVocabulary(Vocabulary.defaults()).withEncode(Encoding.IDS).withEmbedding(Embedding.defaults()),
        "transform 'notes': embedding applies to encode: embedding, not ids");
    assertRejected(raw, FeatureTransform.string("kind").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.EMBEDDING),
        "transform 'kind': encode embedding needs a multi-valued feature (set text or separator)");
    // Hash buckets without vectors embed too.
    TransformSpec.of(List.of(text.withHashBuckets(100).withEmbedding(new Embedding(Pooling.SUM, null, true)))).check(raw);
  }

  private static void assertRejected(ExampleSchema raw, FeatureTransform f, String message) {
    assertThatThrownBy(() -> TransformSpec.of(List.of(f)).check(raw)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theEmbeddingSectionBindsWithThePathResolvedAgainstThePipelineFile() throws Exception {
    String yaml = String.join("\n",
        "transform:",
        "  features:",
        "    notes: {text: {}, vocabulary: {top_k: 500}, encode: embedding, embedding: {pooling: sum, vectors: data/glove.txt, trainable: false}}",
        "    plain: {input: notes, text: {}, hash_buckets: 64, encode: embedding}",
        "");
    TransformConfig c = TransformStageFactory.bind(TransformStageFactoryTest.section(yaml));
    String vectors = Paths.get(".").resolve("data/glove.txt").normalize().toString();
    FeatureTransform notes = FeatureTransform.string("notes").withText(new Text(1, 1)).withLowercase(true)
        .withVocabulary(new Vocabulary(500, 1, 1)).withEncode(Encoding.EMBEDDING).withEmbedding(new Embedding(Pooling.SUM, vectors, false));
    FeatureTransform plain = FeatureTransform.string("notes").withOutput("plain").withText(new Text(1, 1)).withLowercase(true)
        .withHashBuckets(64).withEncode(Encoding.EMBEDDING);
    assertThat(c).isEqualTo(TransformConfig.of(TransformSpec.of(List.of(notes, plain))));
    assertThat(plain.effectiveEmbedding()).isEqualTo(new Embedding(Pooling.MEAN, null, true));
    String canonical = TransformStageFactory.parameters(c).toString();
    assertThat(canonical).contains("\"embedding\":{\"pooling\":\"sum\",\"vectors\":\"" + vectors + "\",\"trainable\":false}")
        .contains("\"encode\":\"embedding\",\"max_tokens\":null,\"embedding\":null");
    assertThat(TransformStageFactory.bind(TransformStageFactoryTest.section("{\"transform\": " + canonical + "}"))).isEqualTo(c);
  }

  @Test
  void aBadEmbeddingKeyOrValueIsNamedWithItsFileAndLine() {
    assertThatThrownBy(() -> TransformStageFactory.bind(TransformStageFactoryTest.section(
            "transform:\n  features:\n    notes:\n      text: {}\n      vocabulary: {}\n      encode: embedding\n      embedding: {pooling: summ}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 7: unknown value 'summ' for 'transform.features.notes.embedding.pooling'; did you mean 'sum'? (one of: mean, sum)");
    assertThatThrownBy(() -> TransformStageFactory.bind(TransformStageFactoryTest.section(
            "transform:\n  features:\n    notes:\n      text: {}\n      encode: embedding\n      embedding:\n        vector: glove.txt\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 7: unknown key 'transform.features.notes.embedding.vector'; did you mean 'vectors'?");
    assertThatThrownBy(() -> TransformStageFactory.bind(TransformStageFactoryTest.section(
            "transform:\n  features:\n    notes:\n      text: {}\n      encode: embedding\n      embedding: {vectors: ' '}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: 'transform.features.notes.embedding.vectors' must name a file of word vectors");
  }
}
