package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code transform:} section: YAML to the Java API, the canonical parameters, and back. */
class TransformStageFactoryTest {
  private static final String FULL = String.join("\n",
      "transform:",
      "  analyze_split: eval",
      "  features:",
      "    mass: {input: body_mass_g, impute: mean, clip: {min: 0, max: 9000}, log: true, scale: z_score}",
      "    mass_bucket: {input: body_mass_g, bucketize: 4}",
      "    heavy: {input: body_mass_g, binarize: 4000, encode: one_hot}",
      "    hour: {input: date, time_part: hour_of_day, impute: constant, impute_value: '0'}",
      "    island: {vocabulary: {top_k: 10, frequency_threshold: 2, oov_buckets: 3}, encode: one_hot}",
      "    notes: {text: {ngrams: [1, 2]}, vocabulary: {}, encode: tfidf}",
      "    tags: {separator: '|', hash_buckets: 16, encode: ids, max_tokens: 4}",
      "    low: {clip: {max: 3}, log_offset: 0.5}",
      "");

  private static final TransformConfig FULL_CONFIG = TransformConfig.of(TransformSpec.of(List.of(
      FeatureTransform.numeric("body_mass_g").withOutput("mass").withImpute(new Impute(Impute.Strategy.MEAN, null))
          .withClip(0.0, 9000.0).withLog(1.0).withScale(Scale.Z_SCORE),
      FeatureTransform.numeric("body_mass_g").withOutput("mass_bucket").withBucketize(4),
      FeatureTransform.numeric("body_mass_g").withOutput("heavy").withBinarize(4000.0).withEncode(Encoding.ONE_HOT),
      FeatureTransform.numeric("date").withOutput("hour").withTimePart(TimePart.HOUR_OF_DAY)
          .withImpute(new Impute(Impute.Strategy.CONSTANT, "0")),
      FeatureTransform.string("island").withVocabulary(new Vocabulary(10, 2, 3)).withEncode(Encoding.ONE_HOT),
      FeatureTransform.string("notes").withText(new Text(1, 2)).withLowercase(true)
          .withVocabulary(Vocabulary.defaults()).withEncode(Encoding.TFIDF),
      FeatureTransform.string("tags").withSeparator("|").withHashBuckets(16).withEncode(Encoding.IDS).withMaxTokens(4),
      FeatureTransform.numeric("low").withClip(null, 3.0).withLog(0.5))))
      .withAnalyzeSplit("eval");

  /** The {@code transform} section of the YAML {@code text}, as the runner hands it over. */
  static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("transform", root.get("transform"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("."));
  }

  private static TransformConfig bind(String text) throws Exception {
    return TransformStageFactory.bind(section(text));
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    assertThat(bind(FULL)).isEqualTo(FULL_CONFIG);
    assertThat(bind("transform:\n  features:\n    x: {}\n"))
        .isEqualTo(TransformConfig.of(TransformSpec.of(List.of(FeatureTransform.numeric("x")))));
  }

  @Test
  void parametersAreTheCanonicalSnakeCaseForm() throws Exception {
    TransformConfig c = TransformConfig.of(TransformSpec.of(List.of(
        FeatureTransform.numeric("body_mass_g").withOutput("mass").withClip(0.0, null).withLog(1.0).withScale(Scale.Z_SCORE),
        FeatureTransform.string("notes").withText(new Text(1, 2)).withLowercase(true).withVocabulary(Vocabulary.defaults()))));
    String expected = "{\"analyze_split\":\"train\",\"features\":{"
        + "\"mass\":{\"input\":\"body_mass_g\",\"impute\":null,\"impute_value\":null,\"clip\":{\"min\":0.0,\"max\":null},"
        + "\"log\":true,\"log_offset\":1.0,\"scale\":\"z_score\",\"bucketize\":null,\"binarize\":null,\"time_part\":null,"
        + "\"lowercase\":false,\"text\":null,\"separator\":null,\"vocabulary\":null,\"hash_buckets\":null,\"encode\":null,"
        + "\"max_tokens\":null,\"embedding\":null,\"cross\":null},"
        + "\"notes\":{\"input\":\"notes\",\"impute\":null,\"impute_value\":null,\"clip\":null,"
        + "\"log\":false,\"log_offset\":null,\"scale\":\"none\",\"bucketize\":null,\"binarize\":null,\"time_part\":null,"
        + "\"lowercase\":true,\"text\":{\"ngrams\":[1,2]},\"separator\":null,"
        + "\"vocabulary\":{\"top_k\":null,\"frequency_threshold\":1,\"oov_buckets\":1},\"hash_buckets\":null,\"encode\":null,"
        + "\"max_tokens\":null,\"embedding\":null,\"cross\":null}}}";
    assertThat(TransformStageFactory.parameters(c).toString()).isEqualTo(expected);
    assertThat(new TransformStage(c).parameters().toString()).isEqualTo(expected);
    // The YAML that says the same, with the defaults left out, has the same canonical form.
    String yaml = String.join("\n",
        "transform:",
        "  features:",
        "    mass: {input: body_mass_g, clip: {min: 0}, log: true, scale: z_score}",
        "    notes: {text: {ngrams: [1, 2]}, vocabulary: {}}",
        "");
    assertThat(TransformStageFactory.parameters(bind(yaml)).toString()).isEqualTo(expected);
  }

  @Test
  void theCanonicalFormBindsBackToAnEqualConfiguration() throws Exception {
    String canonical = TransformStageFactory.parameters(FULL_CONFIG).toString();
    String text = "{\"transform\": " + canonical + "}";
    assertThat(bind(text)).isEqualTo(FULL_CONFIG);
    assertThat(TransformStageFactory.parameters(bind(text)).toString()).isEqualTo(canonical);
    // Through JSON text too, as recorded in the metadata store.
    JsonNode reread = new ObjectMapper().readTree(canonical);
    ConfigSection s = new ConfigSection("transform", reread, "store", Map.of(), Paths.get("."));
    assertThat(TransformStageFactory.bind(s)).isEqualTo(FULL_CONFIG);
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() {
    assertRejected("transform:\n  analyze_split: train\n", "p.yaml line 1: 'transform.features' is required: one entry per transformed feature");
    assertRejected("transform:\n  features:\n    x: {scale: zscore}\n",
        "p.yaml line 3: unknown value 'zscore' for 'transform.features.x.scale'; did you mean 'z_score'? (one of: none, z_score, min_max)");
    assertRejected("transform:\n  features:\n    x: {impute: constant}\n",
        "p.yaml line 3: 'transform.features.x.impute: constant' needs 'impute_value'");
    assertRejected("transform:\n  features:\n    x:\n      text: {ngrams: [1, 2, 3]}\n",
        "p.yaml line 4: 'transform.features.x.text.ngrams' must be [min, max], got [1, 2, 3]");
    assertRejected("transform:\n  analyze_split: ' '\n  features:\n    x: {}\n",
        "p.yaml line 2: bad value for 'transform.analyze_split': analyze_split must name a split, got ' '");
    assertThatThrownBy(() -> bind("transform:\n  features:\n    x: {scael: z_score}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: unknown key 'transform.features.x.scael'; did you mean 'scale'?");
  }

  @Test
  void timePartsBindWithTheirEncodingsAndTheYearWithItsScale() throws Exception {
    String yaml = String.join("\n",
        "transform:",
        "  features:",
        "    month: {input: date, time_part: month, encode: one_hot}",
        "    month_circle: {input: date, time_part: month, encode: cyclical}",
        "    day: {input: date, time_part: day_of_month}",
        "    day_of_year: {input: date, time_part: day_of_year, encode: cyclical}",
        "    week: {input: date, time_part: week_of_year, impute: constant, impute_value: '52'}",
        "    minute: {input: date, time_part: minute}",
        "    year: {input: date, time_part: year, scale: min_max}",
        "");
    TransformConfig expected = TransformConfig.of(TransformSpec.of(List.of(
        FeatureTransform.numeric("date").withOutput("month").withTimePart(TimePart.MONTH).withEncode(Encoding.ONE_HOT),
        FeatureTransform.numeric("date").withOutput("month_circle").withTimePart(TimePart.MONTH).withEncode(Encoding.CYCLICAL),
        FeatureTransform.numeric("date").withOutput("day").withTimePart(TimePart.DAY_OF_MONTH),
        FeatureTransform.numeric("date").withOutput("day_of_year").withTimePart(TimePart.DAY_OF_YEAR).withEncode(Encoding.CYCLICAL),
        FeatureTransform.numeric("date").withOutput("week").withTimePart(TimePart.WEEK_OF_YEAR)
            .withImpute(new Impute(Impute.Strategy.CONSTANT, "52")),
        FeatureTransform.numeric("date").withOutput("minute").withTimePart(TimePart.MINUTE),
        FeatureTransform.numeric("date").withOutput("year").withTimePart(TimePart.YEAR).withScale(Scale.MIN_MAX))));
    assertThat(bind(yaml)).isEqualTo(expected);
    String canonical = TransformStageFactory.parameters(expected).toString();
    assertThat(canonical).contains("\"month_circle\":{\"input\":\"date\"").contains("\"time_part\":\"month\"").contains("\"encode\":\"cyclical\"")
        .contains("\"time_part\":\"year\"").contains("\"scale\":\"min_max\"");
    assertThat(bind("{\"transform\": " + canonical + "}")).isEqualTo(expected);
  }

  @Test
  void anUnknownTimePartOrEncodingNamesTheNearestAndAllOfThem() {
    assertRejected("transform:\n  features:\n    m: {input: date, time_part: months}\n",
        "p.yaml line 3: unknown value 'months' for 'transform.features.m.time_part'; did you mean 'month'? (one of: hour_of_day,"
            + " day_of_week, minute, day_of_month, day_of_year, week_of_year, month, year)");
    assertRejected("transform:\n  features:\n    m: {input: date, time_part: month, encode: cyclic}\n",
        "p.yaml line 3: unknown value 'cyclic' for 'transform.features.m.encode'; did you mean 'cyclical'? (one of: id, one_hot,"
            + " multi_hot, ids, tfidf, cyclical, embedding)");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theFactoryIsFoundAndMakesTheStage() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("transform"))
        .findFirst()
        .orElseThrow();
    List<Stage<?>> stages = factory.create(section(FULL));
    assertThat(stages).hasSize(1);
    assertThat(stages.get(0)).isInstanceOf(TransformStage.class);
    assertThat(stages.get(0).name()).isEqualTo("transform");
    assertThat(((TransformStage) stages.get(0)).config()).isEqualTo(FULL_CONFIG);
  }
}
