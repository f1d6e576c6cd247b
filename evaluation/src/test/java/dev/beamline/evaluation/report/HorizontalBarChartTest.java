package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HorizontalBarChartTest {
  private static final HorizontalBarChart CHART = new HorizontalBarChart("tpr by sex", null, List.of(
      new HorizontalBarChart.Bar("MALE", 0.9, "#b00020"), new HorizontalBarChart.Bar("FEMALE", 0.8, "#1f77b4")), 0.8, 0.85);

  @Test
  void valuesRunFromZeroToARoundEnd() {
    // Extent [0, 0.9]: 0.18 → step 0.2 → [0, 1]. Names up to 6 characters: 8 + 37.2 + 8.
    Axes axes = CHART.axes();
    assertThat(axes.x().domainLow()).isEqualTo(0.0);
    assertThat(axes.x().domainHigh()).isEqualTo(1.0);
    assertThat(axes.left()).isEqualTo(53.2, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(axes.height()).isEqualTo(48.0);
  }

  @Test
  void oneRowPerGroupWithItsValueAtTheBarsEnd() {
    String svg = CHART.render();
    assertThat(svg)
        .contains("<text x=\"45.2\" y=\"25\" text-anchor=\"end\" " + Axes.TICK_TEXT + ">MALE</text>")
        // 200px for [0, 1]: 0.9 is 180px long, its value 4px past its end.
        .contains("<rect x=\"53.2\" y=\"14\" width=\"180\" height=\"14\" fill=\"#b00020\"><title>MALE: 0.9</title></rect>")
        .contains("<text x=\"237.2\" y=\"25\" text-anchor=\"start\" " + Axes.TICK_TEXT + ">0.9</text>")
        .contains("<rect x=\"53.2\" y=\"36\" width=\"160\" height=\"14\" fill=\"#1f77b4\"><title>FEMALE: 0.8</title></rect>")
        .contains("<text x=\"217.2\" y=\"47\" text-anchor=\"start\" " + Axes.TICK_TEXT + ">0.8</text>");
  }

  @Test
  void theBandShadesTheAllowedValues() {
    // From x(0.8) = 53.2 + 160 to x(0.85) = 53.2 + 170.
    assertThat(CHART.render()).contains("<rect x=\"213.2\" y=\"8\" width=\"10\" height=\"48\" fill=\"#2ca02c\" fill-opacity=\"0.2\">"
        + "<title>allowed: 0.8 to 0.85</title></rect>");
  }

  @Test
  void aBandBeyondTheAxisStopsAtItsEnd() {
    String svg = new HorizontalBarChart("c", null, List.of(new HorizontalBarChart.Bar("a", 1, "#000")), 1, 1.5).render();
    // [0, 1] stays the axis (left 8 + 6.2 + 8, so 1 is at 222.2); the band is cut to nothing at its end.
    assertThat(svg).contains("<rect x=\"222.2\" y=\"8\" width=\"0\" height=\"26\"");
  }

  @Test
  void theDrawingLeavesRoomForTheLastValue() {
    // 53.2 + 200 + 6 + "0.9" (18.6) + 8; without an axis title, 22px under the plot for the tick labels.
    assertThat(CHART.render()).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"285.8\" height=\"78\"");
  }
}
