package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeatureNamesTest {

  @ParameterizedTest(name = "''{0}'' -> ''{1}''")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "species | species",
        "Body Mass (g) | body_mass_g",
        "Culmen Length (mm) | culmen_length_mm",
        "CamelCaseName | camelcasename",
        "snake_case_name | snake_case_name",
        "'  padded  ' | padded",
        "a__b | a_b",
        "__private__ | private",
        "a - b / c | a_b_c",
        "x1 | x1",
        "2nd place | _2nd_place",
        "42 | _42",
        "café | caf",
        "'' | _",
        "%%% | _",
      })
  void sanitizes(String column, String expected) {
    assertThat(FeatureNames.sanitize(column)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Body Mass (g)", "2nd place", "", "___", "a__b", "_9", "Größe (kg)"})
  void givesValidFeatureNamesAndIsIdempotent(String column) {
    String once = FeatureNames.sanitize(column);
    assertThat(once).matches("[A-Za-z_][A-Za-z0-9_]*");
    assertThat(FeatureNames.sanitize(once)).isEqualTo(once);
    // The result is always accepted as a feature name.
    assertThat(FeatureSpec.of(once, FeatureType.STRING).name()).isEqualTo(once);
  }
}
