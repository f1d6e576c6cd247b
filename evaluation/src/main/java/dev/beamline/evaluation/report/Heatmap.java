package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Locale;

/**
 * A confusion matrix as an HTML table shaded like a heat map: true classes as rows, predicted classes as columns,
 * each cell with its count and its share of the row (the row's recall on the diagonal). The shade is that share,
 * blue on the diagonal (right answers) and red off it (mistakes), so that a class that is often confused stands
 * out whatever its size. A table rather than SVG: the numbers stay selectable and the columns size to the labels.
 *
 * <pre>{@code
 * String table = Heatmap.confusionMatrix(List.of("Adelie", "Gentoo"), new double[][] {{55, 1}, {0, 46}});
 * }</pre>
 */
final class Heatmap {
  private static final int[] WHITE = {255, 255, 255};
  private static final int[] BLUE = {31, 119, 180};
  private static final int[] RED = {214, 39, 40};

  private Heatmap() {}

  /** The table of {@code counts[true][predicted]}, both indexed like {@code labels}. */
  static String confusionMatrix(List<String> labels, double[][] counts) {
    checkArgument(counts.length == labels.size(), "counts must have a row per label (%s), got %s", labels.size(), counts.length);
    StringBuilder t = new StringBuilder("<table class=\"heatmap\"><tr><th class=\"corner\">true \\ predicted</th>");
    for (String l : labels) {
      t.append("<th>").append(Format.html(l)).append("</th>");
    }
    t.append("<th>total</th></tr>\n");
    for (int r = 0; r < counts.length; r++) {
      checkArgument(counts[r].length == labels.size(), "row %s must have %s counts, got %s", r, labels.size(), counts[r].length);
      double total = 0;
      for (double c : counts[r]) {
        total += c;
      }
      t.append("<tr><th>").append(Format.html(labels.get(r))).append("</th>");
      for (int c = 0; c < counts[r].length; c++) {
        double share = total > 0 ? counts[r][c] / total : 0;
        t.append("<td style=\"").append(style(share, r == c)).append("\">").append(Format.number(counts[r][c]))
            .append("<br><small>").append(total > 0 ? Format.percent(share) : "—").append("</small></td>");
      }
      t.append("<td class=\"total\">").append(Format.number(total)).append("</td></tr>\n");
    }
    return t.append("</table>\n").toString();
  }

  /** The cell's background for {@code share} of its row, and white text once the background is dark enough. */
  static String style(double share, boolean diagonal) {
    String background = color(share, diagonal);
    return "background:" + background + (share > 0.5 ? ";color:#fff" : "");
  }

  /** The colour {@code share} of the way from white to blue (diagonal) or red, each channel rounded half up. */
  static String color(double share, boolean diagonal) {
    int[] full = diagonal ? BLUE : RED;
    double s = Math.max(0, Math.min(1, share));
    StringBuilder hex = new StringBuilder("#");
    for (int i = 0; i < 3; i++) {
      hex.append(String.format(Locale.ROOT, "%02x", (int) Math.floor(WHITE[i] + (full[i] - WHITE[i]) * s + 0.5)));
    }
    return hex.toString();
  }
}
