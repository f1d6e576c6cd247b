package dev.beamline.transform;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The artifact: transform.json and the vocabulary files, written and read back exactly. */
class FittedTransformJsonTest {
  private static final ExampleSchema RAW =
      TestData.schema("x", FLOAT, "n", INT, "b", BOOLEAN, "t", TIMESTAMP, "s", STRING);

  /** A transform with every kind of constant, including NaN and a vocabulary of awkward tokens. */
  private static FittedTransform transform() {
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.numeric("x").withClip(-1.5, null).withLog(1.0).withScale(Scale.Z_SCORE),
        FeatureTransform.numeric("x").withOutput("x_mm").withScale(Scale.MIN_MAX),
        FeatureTransform.numeric("n").withOutput("n_b").withBucketize(3).withEncode(Encoding.ONE_HOT)
            .withImpute(new Impute(Impute.Strategy.CONSTANT, "2")),
        FeatureTransform.numeric("b").withBinarize(0.5),
        FeatureTransform.numeric("t").withTimePart(TimePart.DAY_OF_WEEK),
        FeatureTransform.string("s").withLowercase(true).withVocabulary(new Vocabulary(10, 1, 2))
            .withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null)),
        FeatureTransform.string("s").withOutput("s_text").withText(new Text(1, 2)).withVocabulary(Vocabulary.defaults())
            .withEncode(Encoding.TFIDF),
        FeatureTransform.string("s").withOutput("s_ids").withSeparator("\t").withHashBuckets(7).withEncode(Encoding.IDS)
            .withMaxTokens(4)));
    List<GenericRecord> train = List.of(
        TestData.record(RAW, 1.0, 1L, true, 0L, "tab\there"),
        TestData.record(RAW, 2.5, 5L, false, null, "back\\slash and\nnewline"),
        TestData.record(RAW, null, 9L, null, 86_400_000_000L, "tab\there"),
        TestData.record(RAW, 4.0, null, true, 5L, "Ünïcode \r cr"));
    return AnalyzeFn.fitInMemory(RAW, spec, train);
  }

  @Test
  void writeThenReadGivesTheSameTransform(@TempDir Path dir) {
    FittedTransform t = transform();
    t.write(dir);
    FittedTransform back = FittedTransform.read(dir);
    assertThat(back).isEqualTo(t);
    assertThat(back.features()).containsExactlyElementsOf(t.features());
    // A transform written again is byte for byte the same.
    Path again = dir.resolve("again");
    back.write(again);
    assertThat(again.resolve("transform.json")).hasSameTextualContentAs(dir.resolve("transform.json"));
    assertThat(again.resolve("vocabularies/s.tsv")).hasSameTextualContentAs(dir.resolve("vocabularies/s.tsv"));
  }

  @Test
  void theRoundTripKeepsNaNAndEveryBit(@TempDir Path dir) {
    // Without a non-missing training value the constants are NaN.
    ExampleSchema x = TestData.schema("x", FLOAT);
    FittedTransform nan = TestData.fit(x, FeatureTransform.numeric("x").withScale(Scale.Z_SCORE), TestData.column(x, (Object) null));
    nan.write(dir);
    FittedTransform back = FittedTransform.read(dir);
    assertThat(back).isEqualTo(nan);
    assertThat(back.feature("x").mean()).isNaN();
    FittedTransform t = transform();
    t.write(dir.resolve("t"));
    FittedFeature f = FittedTransform.read(dir.resolve("t")).feature("s_text");
    for (int i = 0; i < f.idf().length; i++) {
      assertThat(Double.doubleToRawLongBits(f.idf()[i])).isEqualTo(Double.doubleToRawLongBits(t.feature("s_text").idf()[i]));
    }
  }

  @Test
  void theJsonIsReadableAndDocumented(@TempDir Path dir) throws Exception {
    transform().write(dir);
    JsonNode root = new ObjectMapper().readTree(Files.readString(dir.resolve("transform.json")));
    assertThat(root.get("format").asText()).isEqualTo("beamline-transform");
    assertThat(root.get("raw_schema").get(3).get("type").asText()).isEqualTo("timestamp");
    JsonNode x = root.get("features").get(0);
    assertThat(x.get("output").asText()).isEqualTo("x");
    assertThat(x.get("kind").asText()).isEqualTo("float");
    assertThat(x.get("spec").get("scale").asText()).isEqualTo("z_score");
    assertThat(x.get("spec").get("clip_min").asDouble()).isEqualTo(-1.5);
    assertThat(x.get("spec").has("clip_max")).isFalse();
    // Raw mean of 1, 2.5, 4.
    assertThat(x.get("impute_number").asDouble()).isEqualTo(2.5);
    JsonNode s = root.get("features").get(5);
    assertThat(s.get("vocabulary_file").asText()).isEqualTo("vocabularies/s.tsv");
    assertThat(s.get("impute_string").asText()).isEqualTo("tab\there");
    assertThat(s.get("cardinality").asInt()).isEqualTo(s.get("vocabulary_size").asInt() + 2);
    assertThat(root.get("features").get(2).get("width").asInt()).isEqualTo(root.get("features").get(2).get("cardinality").asInt());
    assertThat(root.get("features").get(7).get("spec").get("separator").asText()).isEqualTo("\t");
  }

  @Test
  void vocabularyFilesEscapeTabsNewlinesAndBackslashes(@TempDir Path dir) throws Exception {
    transform().write(dir);
    // Lower-cased raw values, by count then token.
    assertThat(Files.readString(dir.resolve("vocabularies/s.tsv")))
        .isEqualTo("tab\\there\t2\nback\\\\slash and\\nnewline\t1\nünïcode \\r cr\t1\n");
    assertThat(Files.readAllLines(dir.resolve("vocabularies/s.tsv"))).hasSize(3);
    assertThat(VocabularyFile.read(dir.resolve("vocabularies/s.tsv")).tokens())
        .containsExactly("tab\there", "back\\slash and\nnewline", "ünïcode \r cr");
    assertThat(dir.resolve("vocabularies/s_ids.tsv")).doesNotExist(); // hash buckets: no vocabulary
  }

  @Test
  void aBadEscapeIsReportedWithItsLine(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("v.tsv"), "ok\t1\nbad\\x\t2\n");
    assertThatThrownBy(() -> VocabularyFile.read(dir.resolve("v.tsv")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v.tsv:2: bad escape in token 'bad\\x'");
  }

  @Test
  void readingAFolderWithoutATransformSaysWhatIsMissing(@TempDir Path dir) {
    assertThatThrownBy(() -> FittedTransform.read(dir))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("holds no transform")
        .hasMessageContaining("transform.json is missing");
  }

  @Test
  void javaSerializationKeepsTheTransformAndItStillApplies() throws Exception {
    FittedTransform t = transform();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    FittedTransform back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (FittedTransform) in.readObject();
    }
    assertThat(back).isEqualTo(t);
    GenericRecord raw = TestData.record(RAW, 2.0, 3L, false, 0L, "Tab\there");
    assertThat(back.apply(raw)).isEqualTo(t.apply(raw));
  }

  @Test
  void theOutputSchemaHasOneNonNullFieldPerOutput() {
    Schema s = transform().outputSchema();
    assertThat(s.getFullName()).isEqualTo("dev.beamline.Transformed");
    assertThat(s.getFields()).extracting(Schema.Field::name)
        .containsExactly("x", "x_mm", "n_b", "b", "t", "s", "s_text", "s_ids");
    assertThat(s.getField("x").schema().getType()).isEqualTo(Schema.Type.FLOAT);
    assertThat(s.getField("b").schema().getType()).isEqualTo(Schema.Type.LONG);
    assertThat(s.getField("n_b").schema().toString()).isEqualTo("{\"type\":\"array\",\"items\":\"float\"}");
    assertThat(s.getField("s_ids").schema().toString()).isEqualTo("{\"type\":\"array\",\"items\":\"long\"}");
  }
}
