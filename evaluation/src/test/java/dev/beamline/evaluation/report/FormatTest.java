package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatTest {
  @Test
  void numbersKeepFourSignificantDigits() {
    assertThat(Format.number(0.98123)).isEqualTo("0.9812");
    assertThat(Format.number(0.98)).isEqualTo("0.98");
    assertThat(Format.number(0.1 + 0.2)).isEqualTo("0.3");
    assertThat(Format.number(-492.8)).isEqualTo("−492.8");
    assertThat(Format.number(0.00012346)).isEqualTo("0.0001235");
  }

  @Test
  void integersAreWholeWithSeparators() {
    assertThat(Format.number(124.0)).isEqualTo("124");
    assertThat(Format.number(12345.0)).isEqualTo("12,345");
    assertThat(Format.number(-3.0)).isEqualTo("−3");
  }

  @Test
  void largeValuesKeepTheirIntegerPart() {
    assertThat(Format.number(153421.37)).isEqualTo("153,421.4");
  }

  @Test
  void specialValues() {
    assertThat(Format.number(0.0)).isEqualTo("0");
    assertThat(Format.number(-0.0)).isEqualTo("0");
    assertThat(Format.number(Double.NaN)).isEqualTo("NaN");
    assertThat(Format.number(Double.POSITIVE_INFINITY)).isEqualTo("∞");
    assertThat(Format.number(Double.NEGATIVE_INFINITY)).isEqualTo("−∞");
    assertThat(Format.number(0.000012346)).isEqualTo("1.235e-05");
  }

  @Test
  void negativeValuesHaveATrueMinus() {
    assertThat(Format.number(-0.5)).isEqualTo("\u22120.5");
    assertThat(Format.number(-0.000012346)).isEqualTo("\u22121.235e-05");
  }

  @Test
  void differencesCarryTheirSign() {
    assertThat(Format.signed(0.02)).isEqualTo("+0.02");
    assertThat(Format.signed(-0.3053)).isEqualTo("−0.3053");
    assertThat(Format.signed(0)).isEqualTo("0");
  }

  @Test
  void percentages() {
    assertThat(Format.percent(0.4567)).isEqualTo("45.7%");
    assertThat(Format.percent(1)).isEqualTo("100.0%");
  }

  @Test
  void htmlIsEscaped() {
    assertThat(Format.html("<b> & 'x' \"y\"")).isEqualTo("&lt;b&gt; &amp; &#39;x&#39; &quot;y&quot;");
  }

  @Test
  void longTextIsShortenedWithAnEllipsis() {
    assertThat(Format.shorten("abcdef", 4)).isEqualTo("abc…");
    assertThat(Format.shorten("abcd", 4)).isEqualTo("abcd");
  }
}
