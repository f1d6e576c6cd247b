package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AxesTest {
  @Test
  void mapsDataToPixelsWithYUpward() {
    Axes axes = Axes.of(50, 16, 300, 260, 0, 1, 0, 1);
    assertThat(axes.x(0.5)).isEqualTo(200.0);
    assertThat(axes.y(0.25)).isEqualTo(211.0);
    assertThat(axes.right()).isEqualTo(350.0);
    assertThat(axes.bottom()).isEqualTo(276.0);
  }

  @Test
  void leftMarginFitsTheWidestTickLabelAndTheTitle() {
    // tick 4 + gap 3 + 3 characters of 6.2 + gap 6 + title 12 + margin 8
    assertThat(Axes.leftMargin(List.of("0", "0.2", "1"))).isEqualTo(4 + 3 + 3 * 6.2 + 6 + 12 + 8);
  }

  @Test
  void drawsTicksLabelsAndTitles() {
    Axes axes = Axes.of(50, 10, 100, 100, 0, 1, 0, 1);
    Svg svg = new Svg(200, 200, "axes");
    axes.draw(svg, List.of(0.0, 1.0), List.of(0.5), "x title", "y title");
    String out = svg.finish();
    assertThat(out)
        .contains("<text x=\"50\" y=\"127\" text-anchor=\"middle\" " + Axes.TICK_TEXT + ">0</text>")
        .contains("<text x=\"150\" y=\"127\" text-anchor=\"middle\" " + Axes.TICK_TEXT + ">1</text>")
        .contains("<text x=\"43\" y=\"64\" text-anchor=\"end\" " + Axes.TICK_TEXT + ">0.5</text>")
        .contains("<text x=\"100\" y=\"144\" text-anchor=\"middle\" " + Axes.TITLE_TEXT + ">x title</text>")
        // 50 - 4 - 3 - 3 × 6.2 - 6 = 18.4
        .contains("<text x=\"18.4\" y=\"60\" text-anchor=\"middle\" " + Axes.TITLE_TEXT + " transform=\"rotate(-90 18.4 60)\">y title</text>");
  }

  @Test
  void xLabelsCanBeLeftToAPlotBelow() {
    Axes axes = Axes.of(50, 10, 100, 100, 0, 1, 0, 1);
    Svg svg = new Svg(200, 200, "axes");
    axes.draw(svg, List.of(0.0, 1.0), false, List.of(), null, null);
    String out = svg.finish();
    assertThat(out).doesNotContain("<text").contains("<line x1=\"150\" y1=\"10\" x2=\"150\" y2=\"110\" stroke=\"#e6e6e6\"/>");
  }
}
