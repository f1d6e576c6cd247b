package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class ExampleSchemaTest {
  private static final ExampleSchema PENGUINS =
      ExampleSchema.of(
          List.of(
              FeatureSpec.of("species", FeatureType.STRING),
              FeatureSpec.of("body_mass_g", FeatureType.FLOAT),
              FeatureSpec.of("year", FeatureType.INT),
              FeatureSpec.of("alive", FeatureType.BOOLEAN),
              FeatureSpec.of("seen_at", FeatureType.TIMESTAMP)));

  private static final String PENGUINS_AVRO =
      "{\"type\":\"record\",\"name\":\"Example\",\"namespace\":\"dev.beamline\",\"fields\":["
          + "{\"name\":\"species\",\"type\":[\"null\",\"string\"],\"default\":null},"
          + "{\"name\":\"body_mass_g\",\"type\":[\"null\",\"double\"],\"default\":null},"
          + "{\"name\":\"year\",\"type\":[\"null\",\"long\"],\"default\":null},"
          + "{\"name\":\"alive\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
          + "{\"name\":\"seen_at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}],"
          + "\"default\":null}]}";

  @Test
  void toAvroHasOneNullableFieldPerFeatureInOrder() {
    Schema avro = PENGUINS.toAvro();

    assertThat(avro).isEqualTo(new Schema.Parser().parse(PENGUINS_AVRO));
    assertThat(avro.toString()).isEqualTo(PENGUINS_AVRO);
    assertThat(avro.getFullName()).isEqualTo("dev.beamline.Example");
    assertThat(avro.getField("seen_at").defaultVal()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
  }

  @Test
  void survivesAvroRoundTrip() {
    assertThat(ExampleSchema.fromAvro(PENGUINS.toAvro())).isEqualTo(PENGUINS);
    // Also through the schema's JSON text, as it is stored beside the examples.
    Schema reparsed = new Schema.Parser().parse(PENGUINS.toAvro().toString());
    assertThat(ExampleSchema.fromAvro(reparsed)).isEqualTo(PENGUINS);
  }

  @Test
  void fromAvroReadsNullableUnionsInEitherOrderAndPlainTypes() {
    Schema record =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Penguin\",\"fields\":["
                    + "{\"name\":\"species\",\"type\":\"string\"},"
                    + "{\"name\":\"island\",\"type\":{\"type\":\"enum\",\"name\":\"Island\","
                    + "\"symbols\":[\"Biscoe\",\"Dream\"]}},"
                    + "{\"name\":\"flipper_mm\",\"type\":[\"int\",\"null\"]},"
                    + "{\"name\":\"mass\",\"type\":[\"null\",\"float\"]},"
                    + "{\"name\":\"tagged\",\"type\":\"boolean\"},"
                    + "{\"name\":\"seen\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]}"
                    + "]}");

    ExampleSchema schema = ExampleSchema.fromAvro(record);

    assertThat(schema.features())
        .containsExactly(
            FeatureSpec.of("species", FeatureType.STRING),
            FeatureSpec.of("island", FeatureType.STRING),
            FeatureSpec.of("flipper_mm", FeatureType.INT),
            FeatureSpec.of("mass", FeatureType.FLOAT),
            FeatureSpec.of("tagged", FeatureType.BOOLEAN),
            FeatureSpec.of("seen", FeatureType.TIMESTAMP));
  }

  @Test
  void fromAvroRejectsNestedRecordNamingTheField() {
    Schema address = SchemaBuilder.record("Address").fields().requiredString("city").endRecord();
    Schema record =
        SchemaBuilder.record("Person").fields()
            .requiredString("name")
            .name("address").type(address).noDefault()
            .endRecord();

    assertThatThrownBy(() -> ExampleSchema.fromAvro(record))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("field 'address' has Avro type ")
        .hasMessageContaining("which is not a scalar feature type");
  }

  @Test
  void fromAvroRejectsArraysMapsBytesAndWideUnionsNamingTheField() {
    assertThatThrownBy(() -> ExampleSchema.fromAvro(
            SchemaBuilder.record("R").fields().requiredLong("id").name("tags").type().array().items().stringType()
                .noDefault().endRecord()))
        .hasMessage(
            "field 'tags' has Avro type {\"type\":\"array\",\"items\":\"string\"}, which is not a scalar feature"
                + " type (int, long, float, double, string, enum, boolean, timestamp)");
    assertThatThrownBy(() -> ExampleSchema.fromAvro(
            SchemaBuilder.record("R").fields().name("attrs").type().map().values().longType().noDefault()
                .endRecord()))
        .hasMessageStartingWith("field 'attrs' has Avro type ");
    assertThatThrownBy(() -> ExampleSchema.fromAvro(
            SchemaBuilder.record("R").fields().requiredBytes("blob").endRecord()))
        .hasMessageStartingWith("field 'blob' has Avro type \"bytes\"");
    assertThatThrownBy(() -> ExampleSchema.fromAvro(
            SchemaBuilder.record("R").fields().name("either").type().unionOf().nullType().and().longType().and()
                .stringType().endUnion().noDefault().endRecord()))
        .hasMessageStartingWith("field 'either' has Avro type [\"null\",\"long\",\"string\"]");
    assertThatThrownBy(() -> ExampleSchema.fromAvro(
            SchemaBuilder.record("R").fields().name("nothing").type().nullType().noDefault().endRecord()))
        .hasMessageStartingWith("field 'nothing' has Avro type \"null\"");
  }

  @Test
  void fromAvroRejectsNonRecords() {
    assertThatThrownBy(() -> ExampleSchema.fromAvro(Schema.create(Schema.Type.LONG)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected an Avro record schema, got LONG");
  }

  @Test
  void rejectsDuplicateNamesNamingTheFeature() {
    List<FeatureSpec> features =
        List.of(
            FeatureSpec.of("species", FeatureType.STRING),
            FeatureSpec.of("year", FeatureType.INT),
            FeatureSpec.of("species", FeatureType.FLOAT));

    assertThatThrownBy(() -> ExampleSchema.of(features))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("feature 'species' appears twice in the schema");
  }

  @Test
  void rejectsEmptySchema() {
    assertThatThrownBy(() -> ExampleSchema.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a schema needs at least one feature");
  }

  @Test
  void rejectsInvalidFeatureNames() {
    assertThatThrownBy(() -> FeatureSpec.of("body mass", FeatureType.FLOAT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("feature name 'body mass' is not valid");
    assertThatThrownBy(() -> FeatureSpec.of("1st", FeatureType.FLOAT))
        .hasMessageStartingWith("feature name '1st' is not valid");
    assertThatThrownBy(() -> FeatureSpec.of("", FeatureType.FLOAT))
        .hasMessageStartingWith("feature name '' is not valid");
  }

  @Test
  void looksUpFeaturesByNameAndPosition() {
    assertThat(PENGUINS.size()).isEqualTo(5);
    assertThat(PENGUINS.indexOf("species")).isEqualTo(0);
    assertThat(PENGUINS.indexOf("year")).isEqualTo(2);
    assertThat(PENGUINS.indexOf("seen_at")).isEqualTo(4);
    assertThat(PENGUINS.indexOf("island")).isEqualTo(-1);
    assertThat(PENGUINS.indexOf("Species")).isEqualTo(-1);
    assertThat(PENGUINS.feature(1)).isEqualTo(FeatureSpec.of("body_mass_g", FeatureType.FLOAT));
    assertThat(PENGUINS.feature("alive")).isEqualTo(Optional.of(FeatureSpec.of("alive", FeatureType.BOOLEAN)));
    assertThat(PENGUINS.feature("island")).isEmpty();
    assertThat(PENGUINS.names()).containsExactly("species", "body_mass_g", "year", "alive", "seen_at");
  }

  @Test
  void equalityFollowsFeaturesInOrder() {
    ExampleSchema ab = ExampleSchema.of(List.of(FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("b", FeatureType.INT)));
    ExampleSchema ab2 = ExampleSchema.of(List.of(FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("b", FeatureType.INT)));
    ExampleSchema ba = ExampleSchema.of(List.of(FeatureSpec.of("b", FeatureType.INT), FeatureSpec.of("a", FeatureType.INT)));

    assertThat(ab).isEqualTo(ab2).hasSameHashCodeAs(ab2).isNotEqualTo(ba);
    assertThat(ab.toString()).isEqualTo("ExampleSchema{a:int, b:int}");
  }
}
