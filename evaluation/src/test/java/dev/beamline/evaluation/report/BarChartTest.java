package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BarChartTest {
  private static final BarChart CHART = new BarChart("residuals", "quantile", "label - prediction", List.of(
      new BarChart.Bar("p5", -310.5), new BarChart.Bar("p50", 12.0), new BarChart.Bar("p95", 402.0)));

  @Test
  void theValueAxisIsRoundedOutToWholeSteps() {
    // Extent [-310.5, 402]: 712.5 / 5 → step 200 → [-400, 600].
    Axes axes = CHART.axes();
    assertThat(axes.y().domainLow()).isEqualTo(-400.0);
    assertThat(axes.y().domainHigh()).isEqualTo(600.0);
    // Tick labels "−400" are 4 characters: 4 + 3 + 24.8 + 6 + 12 + 8.
    assertThat(axes.left()).isEqualTo(57.8, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(axes.width()).isEqualTo(240.0);
  }

  @Test
  void barsGrowUpOrDownFromZero() {
    String svg = CHART.render();
    // Zero at 212 - 200 × 0.4 = 132; bands of 80px, bars 48px wide in their middle.
    assertThat(svg).contains("<rect x=\"73.8\" y=\"132\" width=\"48\" height=\"62.1\" fill=\"#1f77b4\"><title>p5: −310.5</title></rect>")
        .contains("<rect x=\"153.8\" y=\"129.6\" width=\"48\" height=\"2.4\" fill=\"#1f77b4\"><title>p50: 12</title></rect>")
        .contains("<rect x=\"233.8\" y=\"51.6\" width=\"48\" height=\"80.4\" fill=\"#1f77b4\"><title>p95: 402</title></rect>")
        .contains("<line x1=\"57.8\" y1=\"132\" x2=\"297.8\" y2=\"132\" stroke=\"#555\"/>");
  }

  @Test
  void everyTickAndCategoryIsLabelled() {
    String svg = CHART.render();
    for (String tick : List.of("−400", "−200", "0", "200", "400", "600")) {
      assertThat(svg).contains(">" + tick + "</text>");
    }
    assertThat(svg).contains("<text x=\"97.8\" y=\"229\" text-anchor=\"middle\" " + Axes.TICK_TEXT + ">p5</text>");
  }

  @Test
  void manyBarsWidenThePlot() {
    List<BarChart.Bar> bars = List.of(new BarChart.Bar("a", 1), new BarChart.Bar("b", 2), new BarChart.Bar("c", 3),
        new BarChart.Bar("d", 4), new BarChart.Bar("e", 5));
    assertThat(new BarChart("b", null, null, bars).axes().width()).isEqualTo(280.0);
  }

  @Test
  void onlyZerosOrNothingStillHasAScale() {
    Axes axes = new BarChart("b", null, null, List.of(new BarChart.Bar("a", 0), new BarChart.Bar("b", Double.NaN))).axes();
    assertThat(axes.y().domainLow()).isEqualTo(0.0);
    assertThat(axes.y().domainHigh()).isEqualTo(1.0);
  }
}
