package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SvgTest {
  @Test
  void coordinatesHaveOneDecimalAtMost() {
    assertThat(Svg.n(50.0)).isEqualTo("50");
    assertThat(Svg.n(62.25)).isEqualTo("62.3");
    assertThat(Svg.n(1.05)).isEqualTo("1.1");
    assertThat(Svg.n(51.6 + 300)).isEqualTo("351.6");
    assertThat(Svg.n(-0.04)).isEqualTo("0");
    assertThat(Svg.n(-12.5)).isEqualTo("-12.5");
  }

  @Test
  void aNonFiniteCoordinateIsAMistake() {
    assertThatThrownBy(() -> Svg.n(Double.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("coordinate must be finite, got NaN");
  }

  @Test
  void writesElementsAndEscapesText() {
    String svg = new Svg(200, 100, "a <chart>")
        .line(0, 50, 200, 50, "stroke=\"#999\"")
        .text(100, 20, "middle", "A & <B>", "font-size=\"12\"")
        .rect(10, 10, 20.25, 5, "fill=\"red\"", "x & y")
        .finish();
    assertThat(svg).isEqualTo("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\" viewBox=\"0 0 200 100\""
        + " role=\"img\" aria-label=\"a &lt;chart&gt;\">"
        + "<line x1=\"0\" y1=\"50\" x2=\"200\" y2=\"50\" stroke=\"#999\"/>"
        + "<text x=\"100\" y=\"20\" text-anchor=\"middle\" font-size=\"12\">A &amp; &lt;B&gt;</text>"
        + "<rect x=\"10\" y=\"10\" width=\"20.3\" height=\"5\" fill=\"red\"><title>x &amp; y</title></rect>"
        + "</svg>");
  }

  @Test
  void aPathBreaksAtAMissingPoint() {
    String svg = new Svg(10, 10, "p").path(List.of(
        new double[] {0, 0}, new double[] {10, 10}, new double[] {Double.NaN, 5}, new double[] {20, 0}, new double[] {30, 10}),
        "stroke=\"blue\"", null).finish();
    assertThat(svg).contains("<path d=\"M0 0 L10 10 M20 0 L30 10\" stroke=\"blue\"/>");
  }

  @Test
  void aPathOfOnePointDrawsNothing() {
    String svg = new Svg(10, 10, "p").path(List.of(new double[] {1, 1}, new double[] {Double.NaN, 1}), "", null).finish();
    assertThat(svg).doesNotContain("<path");
  }

  @Test
  void coloursCycle() {
    assertThat(Svg.color(0)).isEqualTo("#1f77b4");
    assertThat(Svg.color(2)).isEqualTo("#2ca02c");
    assertThat(Svg.color(Svg.COLORS.size() + 1)).isEqualTo("#ff7f0e");
  }

  @Test
  void aFinishedDrawingTakesNoMore() {
    Svg svg = new Svg(10, 10, "p");
    svg.finish();
    assertThatThrownBy(() -> svg.line(0, 0, 1, 1, "")).isInstanceOf(IllegalStateException.class);
  }
}
