package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LineChartTest {
  private static final List<double[]> CURVE = List.of(new double[] {0, 0}, new double[] {0.5, 0.25}, new double[] {1, 1});

  @Test
  void theUnitSquareFillsThePlot() {
    // Left margin for tick labels of 3 characters: 4 + 3 + 18.6 + 6 + 12 + 8 = 51.6; top 12; 300 × 260.
    Axes axes = LineChart.of("c", "x", "y").axes();
    assertThat(axes.left()).isEqualTo(51.6, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(axes.top()).isEqualTo(12.0);
    assertThat(axes.width()).isEqualTo(300.0);
    assertThat(axes.height()).isEqualTo(260.0);
  }

  @Test
  void pointsLandWhereTheScalesPutThem() {
    String svg = LineChart.of("ROC", "fpr", "tpr").withSeries("Adelie", CURVE).render();
    // (0, 0) → (51.6, 272); (0.5, 0.25) → (51.6 + 150, 272 - 65); (1, 1) → (351.6, 12).
    assertThat(svg).contains("<path d=\"M51.6 272 L201.6 207 L351.6 12\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"");
    // No legend for a single series: the plot plus its right margin.
    assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"367.6\" height=\"312\"");
    assertThat(svg).doesNotContain("class=\"legend\"");
  }

  @Test
  void theDiagonalRunsCornerToCorner() {
    String svg = LineChart.of("ROC", "fpr", "tpr").withDiagonal().render();
    assertThat(svg).contains("<line x1=\"51.6\" y1=\"272\" x2=\"351.6\" y2=\"12\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>");
  }

  @Test
  void bothAxesAreTickedFromZeroToOne() {
    String svg = LineChart.of("ROC", "fpr", "tpr").render();
    for (String tick : List.of("0", "0.2", "0.4", "0.6", "0.8", "1")) {
      assertThat(count(svg, ">" + tick + "</text>")).as("labels %s", tick).isEqualTo(2);
    }
    assertThat(svg).contains(">fpr</text>").contains(">tpr</text>");
  }

  @Test
  void severalSeriesGetALegendRightOfThePlotWithEscapedNames() {
    String svg = LineChart.of("ROC", "fpr", "tpr").withSeries("<b>", CURVE).withSeries("Gentoo", CURVE, 2).render();
    // Legend at 351.6 + 20; rows 18px apart from 12 + 8; text 22px right of the swatch, baseline 4px below its line.
    assertThat(svg).contains("<line x1=\"371.6\" y1=\"20\" x2=\"387.6\" y2=\"20\" stroke=\"#1f77b4\" stroke-width=\"3\"/>")
        .contains("<text x=\"393.6\" y=\"24\" text-anchor=\"start\" " + Axes.TICK_TEXT + " class=\"legend\">&lt;b&gt;</text>")
        .contains("<line x1=\"371.6\" y1=\"38\" x2=\"387.6\" y2=\"38\" stroke=\"#2ca02c\" stroke-width=\"3\"/>")
        .contains("<text x=\"393.6\" y=\"42\" text-anchor=\"start\" " + Axes.TICK_TEXT + " class=\"legend\">Gentoo</text>")
        .doesNotContain("<b>");
    // The drawing widens for the legend: 393.6 + 6 characters × 6.2 + 8.
    assertThat(svg).contains("width=\"438.8\"");
  }

  @Test
  void markersMarkEveryFinitePoint() {
    String svg = LineChart.of("c", "x", "y").withMarkers()
        .withSeries("s", List.of(new double[] {0, 0}, new double[] {Double.NaN, 0.5}, new double[] {1, 1})).render();
    assertThat(count(svg, "<circle")).isEqualTo(2);
    assertThat(svg).contains("<circle cx=\"351.6\" cy=\"12\" r=\"3\" fill=\"#1f77b4\"><title>s: (1, 1)</title></circle>");
  }

  @Test
  void anotherDomain() {
    String svg = LineChart.of("c", "x", "y").withDomain(0, 10, 0, 2).withSeries("s", List.of(new double[] {5, 1}, new double[] {10, 2})).render();
    // y ticks 0, 0.5, ..., 2 are 3 characters at most, so the left margin is 51.6 again.
    assertThat(svg).contains("<path d=\"M201.6 142 L351.6 12\"");
  }

  @Test
  void rejectsPointsThatAreNotPairs() {
    assertThatThrownBy(() -> LineChart.of("c", "x", "y").withSeries("s", List.of(new double[] {1, 2, 3})))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a point must be {x, y}, got 3 values");
  }

  static int count(String s, String part) {
    Matcher m = Pattern.compile(Pattern.quote(part)).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
