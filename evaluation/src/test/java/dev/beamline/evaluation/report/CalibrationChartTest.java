package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationChartTest {
  private static final CalibrationChart CHART = new CalibrationChart("Adelie", 0, List.of(
      new CalibrationChart.Bin(0.0, 0.1, 60, 0.01, 0.0),
      new CalibrationChart.Bin(0.5, 0.6, 0, Double.NaN, Double.NaN),
      new CalibrationChart.Bin(0.9, 1.0, 30, 0.97, 0.98)));

  @Test
  void theStripSitsUnderThePlotOnTheSameX() {
    // Left: tick labels "0.2" and "60" (3 characters at most) → 51.6. Plot 12..232, strip 250..298.
    Axes plot = CHART.axes();
    Axes strip = CHART.strip();
    assertThat(plot.left()).isEqualTo(strip.left());
    assertThat(plot.bottom()).isEqualTo(232.0);
    assertThat(strip.top()).isEqualTo(250.0);
    assertThat(strip.bottom()).isEqualTo(298.0);
    assertThat(strip.y().domainHigh()).isEqualTo(60.0);
  }

  @Test
  void barsShowEachBinsWeight() {
    String svg = CHART.render();
    // The heaviest bin fills the strip; one of half its weight, half of it. The empty bin has no bar.
    assertThat(svg).contains("<rect x=\"51.6\" y=\"250\" width=\"30\" height=\"48\"")
        .contains("<rect x=\"321.6\" y=\"274\" width=\"30\" height=\"24\"")
        .doesNotContain("<rect x=\"201.6\"");
  }

  @Test
  void pointsJoinTheBinsThatHoldExamples() {
    String svg = CHART.render();
    // (0.01, 0) → (51.6 + 3, 232); (0.97, 0.98) → (51.6 + 291, 12 + 4.4).
    assertThat(svg).contains("<path d=\"M54.6 232 L342.6 16.4\"")
        .contains("<circle cx=\"54.6\" cy=\"232\" r=\"3.5\"")
        .contains("<circle cx=\"342.6\" cy=\"16.4\" r=\"3.5\"");
    assertThat(LineChartTest.count(svg, "<circle")).isEqualTo(2);
  }

  @Test
  void labelsTheStripWithItsLargestWeight() {
    String svg = CHART.render();
    assertThat(svg).contains("<text x=\"44.6\" y=\"258\" text-anchor=\"end\" " + Axes.TICK_TEXT + ">60</text>")
        .contains(">weight</text>")
        .contains(">mean predicted probability</text>")
        .contains(">fraction of positives</text>");
    // The x tick labels are the strip's only: once each.
    assertThat(LineChartTest.count(svg, ">0.4</text>")).isEqualTo(2); // one on x, one on the plot's y axis
    assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"367.6\" height=\"338\"");
  }

  @Test
  void noWeightAtAllStillDraws() {
    String svg = new CalibrationChart("x", 1, List.of()).render();
    assertThat(svg).contains(">1</text>").doesNotContain("<path").doesNotContain("<circle");
  }
}
