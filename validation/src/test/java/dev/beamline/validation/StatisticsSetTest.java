package dev.beamline.validation;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The JSON form of statistics and the lookups by split and feature. */
class StatisticsSetTest {
  private static final ExampleSchema SCHEMA =
      TestData.schema("mass", FLOAT, "year", INT, "seen", TIMESTAMP, "species", STRING, "male", BOOLEAN, "none", FLOAT);

  private static DatasetStatistics split(String name, int rows, long seed) {
    Random random = new Random(seed);
    List<GenericRecord> records = new ArrayList<>();
    String[] species = {"Adelie", "Gentoo", "Chinstrap"};
    for (int i = 0; i < rows; i++) {
      records.add(
          TestData.record(
              SCHEMA,
              random.nextInt(10) == 0
                  ? null
                  : random.nextInt(20) == 0 ? Double.NaN : 3000 + random.nextGaussian() * 500,
              2007L + random.nextInt(3),
              1_700_000_000_000_000L + random.nextInt(1000),
              species[random.nextInt(3)],
              random.nextBoolean(),
              null));
    }
    return FeatureStatisticsFn.computeInMemory(SCHEMA, name, records);
  }

  private static StatisticsSet statistics() {
    return StatisticsSet.of(List.of(split("train", 2000, 1), split("eval", 100, 2), split("empty", 0, 3)));
  }

  @Test
  void jsonRoundTrip() {
    StatisticsSet stats = statistics();
    String json = stats.toJson();
    assertThat(StatisticsSet.fromJson(json)).isEqualTo(stats);
    DatasetStatistics train = stats.split("train").orElseThrow();
    assertThat(DatasetStatistics.fromJson(train.toJson())).isEqualTo(train);
  }

  @Test
  void jsonHasSnakeCaseNamesAndNoNulls() throws Exception {
    String json = statistics().toJson();
    assertThat(json).contains("\n  \"splits\" : [");
    JsonNode train = new ObjectMapper().readTree(json).get("splits").get(0);
    assertThat(train.get("split").asText()).isEqualTo("train");
    assertThat(train.get("num_examples").asLong()).isEqualTo(2000);
    JsonNode mass = train.get("features").get(0);
    assertThat(mass.fieldNames()).toIterable()
        .containsExactly("name", "type", "count", "missing", "presence", "numeric");
    assertThat(mass.get("numeric").fieldNames()).toIterable()
        .containsExactly(
            "mean", "std_dev", "min", "max", "median", "zeros", "nan", "infinity", "quantiles",
            "quantile_rank_error", "equal_width", "quantile_histogram");
    assertThat(mass.get("numeric").get("equal_width").get("buckets").get(0).fieldNames()).toIterable()
        .containsExactly("low", "high", "count");
    JsonNode species = train.get("features").get(3);
    assertThat(species.fieldNames()).toIterable()
        .containsExactly("name", "type", "count", "missing", "presence", "strings");
    assertThat(species.get("strings").fieldNames()).toIterable()
        .containsExactly(
            "distinct", "distinct_exact", "top_values", "category_counts", "avg_length", "min_length", "max_length");
    assertThat(species.get("strings").get("top_values").get(0).fieldNames()).toIterable()
        .containsExactly("value", "count");
    // A feature without values: NaN as a string, which JSON parsers accept.
    JsonNode none = train.get("features").get(5).get("numeric");
    assertThat(none.get("mean").asText()).isEqualTo("NaN");
    assertThat(none.get("quantiles")).isEmpty();
  }

  @Test
  void lookupBySplitAndFeature() {
    StatisticsSet stats = statistics();
    assertThat(stats.splitNames()).containsExactly("train", "eval", "empty");
    assertThat(stats.split("eval").orElseThrow().numExamples()).isEqualTo(100);
    assertThat(stats.split("test")).isEmpty();
    FeatureStatistics species = stats.feature("train", "species").orElseThrow();
    assertThat(species.featureType()).isEqualTo(FeatureType.STRING);
    assertThat(species.strings().distinct()).isEqualTo(3);
    assertThat(stats.feature("train", "nope")).isEmpty();
    assertThat(stats.feature("test", "species")).isEmpty();
    assertThat(stats.split("train").orElseThrow().featureNames())
        .containsExactly("mass", "year", "seen", "species", "male", "none");
  }

  @Test
  void theExampleInTheJavadocIsTrue() {
    ExampleSchema schema = TestData.schema("body_mass_g", FLOAT, "species", STRING);
    List<GenericRecord> penguins =
        List.of(
            TestData.record(schema, 3500.0, "Adelie"),
            TestData.record(schema, 3600.0, "Adelie"),
            TestData.record(schema, 3600.0, "Gentoo"),
            TestData.record(schema, 3800.0, "Adelie"),
            TestData.record(schema, null, "Gentoo"));
    DatasetStatistics s = FeatureStatisticsFn.computeInMemory(schema, "train", penguins);
    FeatureStatistics mass = s.feature("body_mass_g").orElseThrow();
    assertThat(mass.presence()).isEqualTo(0.8);
    assertThat(mass.numeric().mean()).isEqualTo(3625.0);
    // Squared deviations 15625, 625, 625, 30625: variance 47500 / 4 (Welford's rounding in the last digit).
    assertThat(mass.numeric().stdDev()).isCloseTo(Math.sqrt(11875), within(1e-12));
    assertThat(mass.numeric().quantiles())
        .containsExactly(3500.0, 3500.0, 3500.0, 3600.0, 3600.0, 3600.0, 3600.0, 3600.0, 3800.0, 3800.0, 3800.0);
    assertThat(mass.numeric().equalWidth().buckets().get(0)).isEqualTo(Bucket.of(3500, 3530, 1));
    assertThat(mass.numeric().quantileHistogram().buckets().get(0)).isEqualTo(Bucket.of(3500, 3500, 0.4));
    StringStatistics species = s.feature("species").orElseThrow().strings();
    assertThat(species.topValues()).containsExactly(ValueCount.of("Adelie", 3), ValueCount.of("Gentoo", 2));
    assertThat(species.avgLength()).isEqualTo(6.0);
  }

  @Test
  void splitNamesMustBeDistinct() {
    DatasetStatistics train = split("train", 10, 1);
    assertThatThrownBy(() -> StatisticsSet.of(List.of(train, train)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("split 'train' appears twice");
  }

  @Test
  void badJsonIsNamed() {
    assertThatThrownBy(() -> StatisticsSet.fromJson("{\"splits\": 3}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid StatisticsSet JSON");
  }
}
