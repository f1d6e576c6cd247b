package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.FeatureType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueParserTest {
  /** 2024-05-01T12:00:00Z: 19844 days after 1970-01-01 (54 years, 13 leap days, 121 days into 2024), plus 12 h. */
  private static final long MAY_1_2024_NOON_MICROS = (19844L * 86_400 + 12 * 3_600) * 1_000_000;

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource({
    "3750, 3750",
    "' 42 ', 42",
    "-7, -7",
    "+5, 5",
    "0, 0",
    "-0, 0",
    "007, 7",
    "9223372036854775807, 9223372036854775807",
    "-9223372036854775808, -9223372036854775808",
  })
  void parsesIntegers(String text, long expected) throws Exception {
    assertThat(ValueParser.parse(text, FeatureType.INT)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.5", "1.0", "1e3", "0x10", "", " ", "abc", "1 000", "1_000", "--1", "+", "١٢", "3L"})
  void rejectsTextThatIsNotAnInteger(String text) {
    assertThatThrownBy(() -> ValueParser.parse(text, FeatureType.INT))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage("'" + text.trim() + "' is not an integer");
  }

  @Test
  void rejectsIntegersOutOfRange() {
    assertThatThrownBy(() -> ValueParser.parse("9223372036854775808", FeatureType.INT))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage("'9223372036854775808' is out of the range of a 64-bit integer");
    assertThatThrownBy(() -> ValueParser.parse("-9223372036854775809", FeatureType.INT))
        .hasMessage("'-9223372036854775809' is out of the range of a 64-bit integer");
  }

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource({
    "1.5, 1.5",
    "-0.25, -0.25",
    "+2.5, 2.5",
    "3750, 3750.0",
    "1e3, 1000.0",
    "1E-2, 0.01",
    "2.5e+2, 250.0",
    ".5, 0.5",
    "5., 5.0",
    "' 7.25 ', 7.25",
  })
  void parsesFloats(String text, double expected) throws Exception {
    assertThat(ValueParser.parse(text, FeatureType.FLOAT)).isEqualTo(expected);
  }

  @Test
  void parsesNotANumberAndInfinities() throws Exception {
    assertThat((Double) ValueParser.parse("NaN", FeatureType.FLOAT)).isNaN();
    assertThat((Double) ValueParser.parse("nan", FeatureType.FLOAT)).isNaN();
    assertThat(ValueParser.parse("inf", FeatureType.FLOAT)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ValueParser.parse("+inf", FeatureType.FLOAT)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ValueParser.parse("Infinity", FeatureType.FLOAT)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ValueParser.parse("+INFINITY", FeatureType.FLOAT)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ValueParser.parse("-inf", FeatureType.FLOAT)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(ValueParser.parse("-Infinity", FeatureType.FLOAT)).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"1f", "1.5F", "1d", "2.0D", "0x10", "0x1p3", "1,5", "", ".", "e5", "1e", "1e5.5", "--1", "infinit",
        "-nan", "NA", "1.2.3", "١٫٥"})
  void rejectsTextThatIsNotAFloat(String text) {
    // Double.parseDouble would take several of these ("1f", "0x1p3"): the parser must not.
    assertThatThrownBy(() -> ValueParser.parse(text, FeatureType.FLOAT))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage("'" + text + "' is not a number");
  }

  @ParameterizedTest(name = "''{0}'' -> {1}")
  @CsvSource({"true, true", "TRUE, true", "True, true", "1, true", "' true ', true",
    "false, false", "FALSE, false", "0, false"})
  void parsesBooleans(String text, boolean expected) throws Exception {
    assertThat(ValueParser.parse(text, FeatureType.BOOLEAN)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"yes", "no", "t", "f", "2", "-1", "01", "", "truee"})
  void rejectsTextThatIsNotABoolean(String text) {
    assertThatThrownBy(() -> ValueParser.parse(text, FeatureType.BOOLEAN))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage("'" + text + "' is not a boolean (true, false, 1 or 0)");
  }

  @Test
  void keepsStringsAsTheyAre() throws Exception {
    assertThat(ValueParser.parse("  Adelie Penguin ", FeatureType.STRING)).isEqualTo("  Adelie Penguin ");
    assertThat(ValueParser.parse("", FeatureType.STRING)).isEqualTo("");
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "2024-05-01T12:00:00Z",
        "2024-05-01T12:00:00z",
        "2024-05-01T12:00:00.000Z",
        "2024-05-01T14:00:00+02:00",
        "2024-05-01T07:00:00-05:00",
        "2024-05-01T12:00:00",
        "2024-05-01 12:00:00",
        "2024-05-01T12:00",
        " 2024-05-01T12:00:00Z ",
      })
  void parsesTimestampsToMicrosSinceTheEpoch(String text) throws Exception {
    assertThat(ValueParser.parse(text, FeatureType.TIMESTAMP)).isEqualTo(MAY_1_2024_NOON_MICROS);
  }

  @Test
  void parsesDatesFractionsAndInstantsBeforeTheEpoch() throws Exception {
    assertThat(ValueParser.parse("1970-01-01T00:00:00Z", FeatureType.TIMESTAMP)).isEqualTo(0L);
    assertThat(ValueParser.parse("2024-05-01", FeatureType.TIMESTAMP)).isEqualTo(19844L * 86_400 * 1_000_000);
    assertThat(ValueParser.parse("2024-05-01T12:00:00.123456Z", FeatureType.TIMESTAMP))
        .isEqualTo(MAY_1_2024_NOON_MICROS + 123_456);
    assertThat(ValueParser.parse("1969-12-31T23:59:59Z", FeatureType.TIMESTAMP)).isEqualTo(-1_000_000L);
    assertThat(ValueParser.parse("1969-12-31T23:59:59.5Z", FeatureType.TIMESTAMP)).isEqualTo(-500_000L);
  }

  @Test
  void parsesTimestampsMoreThan292YearsFromTheEpoch() throws Exception {
    // 9999-12-31 is a common "no end" sentinel: 2932896 days after 1970-01-01.
    assertThat(ValueParser.parse("9999-12-31", FeatureType.TIMESTAMP)).isEqualTo(2_932_896L * 86_400 * 1_000_000);
    // 1600-01-01 is 135140 days before 1970-01-01.
    assertThat(ValueParser.parse("1600-01-01T00:00:00Z", FeatureType.TIMESTAMP))
        .isEqualTo(-135_140L * 86_400 * 1_000_000);
  }

  @Test
  void rejectsTimestampsOutsideTheRangeOfMicros() {
    assertThatThrownBy(() -> ValueParser.parse("+300000-01-01T00:00:00Z", FeatureType.TIMESTAMP))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage(
            "'+300000-01-01T00:00:00Z' is out of the range of timestamps (microseconds since 1970 must fit in"
                + " 64 bits)");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "yesterday", "2024-13-01", "2024-02-30", "2024/05/01", "1714564800", "01-05-2024",
        "2024-05-01T25:00:00Z", "2024-05-01X12:00:00", "2024-05-01T12:00:00+25:00", "12:00:00"})
  void rejectsTextThatIsNotATimestamp(String text) {
    assertThatThrownBy(() -> ValueParser.parse(text, FeatureType.TIMESTAMP))
        .isInstanceOf(ValueParser.BadValueException.class)
        .hasMessage("'" + text + "' is not an ISO-8601 timestamp or date");
  }
}
