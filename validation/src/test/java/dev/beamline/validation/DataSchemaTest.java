package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSchemaTest {
  private static final DataSchema SCHEMA =
      DataSchema.of(
          List.of(
              SchemaFeature.of("species", FeatureType.STRING).withDomain(List.of("Adelie", "Chinstrap", "1", "yes: no")),
              SchemaFeature.of("body_mass_g", FeatureType.INT)
                  .withMinPresence(0.99)
                  .withRange(2700.0, 6300.0)
                  .withDistinct(1L, 1000L)
                  .withDriftThreshold(0.2)
                  .withSkewThreshold(0.05),
              SchemaFeature.of("culmen_length_mm", FeatureType.FLOAT).withNanAllowed(true),
              SchemaFeature.of("alive", FeatureType.BOOLEAN)));

  @Test
  void yamlRoundTrips() {
    String yaml = SCHEMA.toYaml();
    assertThat(yaml).startsWith("# Beamline schema").contains("species:").contains("presence: 0.99").contains("\"1\"");
    assertThat(DataSchema.parse(yaml, "schema.yaml")).isEqualTo(SCHEMA);
  }

  @Test
  void handWrittenSchemaReads() {
    DataSchema s =
        DataSchema.parse(
            "features:\n  a:\n    type: float\n    range: {min: 0}\n  b:\n    type: string\n    presence: 0.5\n", "s.yaml");
    assertThat(s.feature("a").orElseThrow().min()).isEqualTo(0.0);
    assertThat(s.feature("a").orElseThrow().max()).isNull();
    assertThat(s.feature("a").orElseThrow().required()).isTrue();
    assertThat(s.feature("b").orElseThrow().minPresence()).isEqualTo(0.5);
  }

  @Test
  void errorsNameTheLine() {
    assertThatThrownBy(() -> DataSchema.parse("features:\n  a:\n    type: float\n    rnage: {min: 0}\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("s.yaml line 4: unknown key 'features.a.rnage'; did you mean 'range'?");
    assertThatThrownBy(() -> DataSchema.parse("features:\n  a:\n    type: decimal\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("s.yaml line 3: bad value for 'features.a.type': unknown feature type 'decimal'");
    assertThatThrownBy(() -> DataSchema.parse("features:\n  a:\n    type: int\n    presence: 1.5\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("s.yaml line 4: bad value for 'features.a.presence': presence of 'a' must be between 0 and 1, got 1.5");
    assertThatThrownBy(() -> DataSchema.parse("features:\n  a:\n    type: int\n    domain: [x]\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("s.yaml line 4: 'features.a.domain' is for string features; 'a' is int");
    assertThatThrownBy(() -> DataSchema.parse("features:\n  a:\n    presence: 1\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("s.yaml line 2: feature 'a' needs a type (int, float, string, boolean, timestamp)");
    assertThatThrownBy(() -> DataSchema.parse("features: {}\n", "s.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("s.yaml line 1: a schema needs 'features' with at least one feature");
  }
}
