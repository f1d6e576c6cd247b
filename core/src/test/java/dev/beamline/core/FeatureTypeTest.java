package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeatureTypeTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "int, INT", "integer, INT", "long, INT", "' INT ', INT",
    "float, FLOAT", "double, FLOAT", "Double, FLOAT",
    "string, STRING", "str, STRING",
    "bool, BOOLEAN", "boolean, BOOLEAN",
    "timestamp, TIMESTAMP"
  })
  void parsesConfigNames(String name, FeatureType expected) {
    assertThat(FeatureType.parse(name)).isEqualTo(expected);
  }

  @Test
  void rejectsUnknownNamesListingTheAcceptedOnes() {
    assertThatThrownBy(() -> FeatureType.parse("decimal"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown feature type 'decimal'; expected one of int, float, string, boolean, timestamp");
  }

  @Test
  void configNameIsLowerCase() {
    assertThat(FeatureType.TIMESTAMP.configName()).isEqualTo("timestamp");
  }

  @Test
  void avroTypes() {
    assertThat(FeatureType.INT.avroType()).isEqualTo(Schema.create(Schema.Type.LONG));
    assertThat(FeatureType.FLOAT.avroType()).isEqualTo(Schema.create(Schema.Type.DOUBLE));
    assertThat(FeatureType.STRING.avroType()).isEqualTo(Schema.create(Schema.Type.STRING));
    assertThat(FeatureType.BOOLEAN.avroType()).isEqualTo(Schema.create(Schema.Type.BOOLEAN));
    assertThat(FeatureType.TIMESTAMP.avroType().toString())
        .isEqualTo("{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}");
  }

  @Test
  void everyTypeSurvivesAvroRoundTrip() {
    for (FeatureType t : FeatureType.values()) {
      assertThat(FeatureType.fromAvro(t.avroType())).isEqualTo(t);
    }
  }

  @Test
  void fromAvroMapsScalarTypesAndRefusesTheOthers() {
    assertThat(FeatureType.fromAvro(Schema.create(Schema.Type.INT))).isEqualTo(FeatureType.INT);
    assertThat(FeatureType.fromAvro(Schema.create(Schema.Type.FLOAT))).isEqualTo(FeatureType.FLOAT);
    assertThat(FeatureType.fromAvro(SchemaBuilder.enumeration("Island").symbols("Biscoe", "Dream")))
        .isEqualTo(FeatureType.STRING);
    assertThat(FeatureType.fromAvro(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))))
        .isEqualTo(FeatureType.TIMESTAMP);
    // A date is a day count, not an instant: it stays an integer.
    assertThat(FeatureType.fromAvro(LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT))))
        .isEqualTo(FeatureType.INT);
    assertThat(FeatureType.fromAvro(Schema.create(Schema.Type.BYTES))).isNull();
    assertThat(FeatureType.fromAvro(Schema.create(Schema.Type.NULL))).isNull();
    assertThat(FeatureType.fromAvro(Schema.createArray(Schema.create(Schema.Type.LONG)))).isNull();
    assertThat(FeatureType.fromAvro(Schema.createMap(Schema.create(Schema.Type.LONG)))).isNull();
    assertThat(FeatureType.fromAvro(SchemaBuilder.record("R").fields().requiredLong("x").endRecord())).isNull();
  }
}
