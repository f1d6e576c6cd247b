package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class HeatmapTest {
  @Test
  void shadesRunFromWhiteToFull() {
    assertThat(Heatmap.color(0, true)).isEqualTo("#ffffff");
    assertThat(Heatmap.color(1, true)).isEqualTo("#1f77b4");
    // (255 + 31) / 2 = 143, (255 + 119) / 2 = 187, (255 + 180) / 2 = 217.5 → 218.
    assertThat(Heatmap.color(0.5, true)).isEqualTo("#8fbbda");
    // Red (214, 39, 40) a quarter of the way: 244.75 → 245, 201, 201.25 → 201.
    assertThat(Heatmap.color(0.25, false)).isEqualTo("#f5c9c9");
    assertThat(Heatmap.color(1.5, false)).isEqualTo("#d62728");
  }

  @Test
  void darkCellsGetWhiteText() {
    assertThat(Heatmap.style(0.5, true)).isEqualTo("background:#8fbbda");
    assertThat(Heatmap.style(0.75, true)).isEqualTo("background:#5799c7;color:#fff");
  }

  @Test
  void aTableOfCountsAndRowShares() {
    String table = Heatmap.confusionMatrix(List.of("A", "<B>"), new double[][] {{3, 1}, {0, 4}});
    assertThat(table).isEqualTo("<table class=\"heatmap\"><tr><th class=\"corner\">true \\ predicted</th><th>A</th><th>&lt;B&gt;</th>"
        + "<th>total</th></tr>\n"
        + "<tr><th>A</th><td style=\"background:#5799c7;color:#fff\">3<br><small>75.0%</small></td>"
        + "<td style=\"background:#f5c9c9\">1<br><small>25.0%</small></td><td class=\"total\">4</td></tr>\n"
        + "<tr><th>&lt;B&gt;</th><td style=\"background:#ffffff\">0<br><small>0.0%</small></td>"
        + "<td style=\"background:#1f77b4;color:#fff\">4<br><small>100.0%</small></td><td class=\"total\">4</td></tr>\n"
        + "</table>\n");
  }

  @Test
  void anEmptyRowHasNoShares() {
    String table = Heatmap.confusionMatrix(List.of("A", "B"), new double[][] {{0, 0}, {1, 1}});
    assertThat(table).contains("<td style=\"background:#ffffff\">0<br><small>—</small></td>");
  }

  @Test
  void rejectsAMatrixOfTheWrongShape() {
    assertThatThrownBy(() -> Heatmap.confusionMatrix(List.of("A", "B"), new double[][] {{1, 2}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("counts must have a row per label (2), got 1");
    assertThatThrownBy(() -> Heatmap.confusionMatrix(List.of("A", "B"), new double[][] {{1, 2}, {3}}))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("row 1 must have 2 counts, got 1");
  }
}
