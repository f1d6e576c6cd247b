package dev.beamline.evaluation.report;

import java.util.List;

/**
 * The plotting area of a chart with its two scales: it maps data to pixels and draws the grid, the frame, the
 * ticks with their labels and the axis titles. The y scale runs up the page. Text sizes are fixed (ticks 11px,
 * titles 12px) so that a chart can reserve room for its labels before drawing: {@link #leftMargin} is how far the
 * area must stand from the left edge for its y labels.
 *
 * <pre>{@code
 * Axes axes = Axes.of(50, 16, 300, 260, 0, 1, 0, 1);
 * axes.draw(svg, axes.x().ticks(5), axes.y().ticks(5), "false positive rate", "true positive rate");
 * double px = axes.x(0.5); // 200.0
 * }</pre>
 *
 * @param left the area's left edge, in pixels from the drawing's
 * @param top its top edge
 * @param width its width
 * @param height its height
 * @param x the horizontal scale, onto {@code [left, left + width]}
 * @param y the vertical scale, onto {@code [top + height, top]}
 */
record Axes(double left, double top, double width, double height, LinearScale x, LinearScale y) {
  /** Width of one character of tick text: Helvetica's digits are 0.556 em, at 11px. */
  static final double CHAR_WIDTH = 6.2;
  static final String TICK_TEXT = "font-size=\"11\" fill=\"#444\"";
  static final String TITLE_TEXT = "font-size=\"12\" fill=\"#222\"";
  /** Room needed below the area for x tick labels and the x axis title. */
  static final double BOTTOM_MARGIN = 40;
  private static final int TICK = 4;
  private static final int TICK_GAP = 3;

  /** The area at ({@code left}, {@code top}), {@code width} by {@code height}, showing the given domains. */
  static Axes of(double left, double top, double width, double height, double xLow, double xHigh, double yLow, double yHigh) {
    return new Axes(left, top, width, height, new LinearScale(xLow, xHigh, left, left + width),
        new LinearScale(yLow, yHigh, top + height, top));
  }

  double x(double v) {
    return x.map(v);
  }

  double y(double v) {
    return y.map(v);
  }

  double right() {
    return left + width;
  }

  double bottom() {
    return top + height;
  }

  /**
   * The room left of the area for y tick labels like {@code yTickLabels} and a rotated axis title: tick,
   * gap, the widest label, a gap, the title's height and a margin.
   */
  static double leftMargin(List<String> yTickLabels) {
    return TICK + TICK_GAP + widest(yTickLabels) + 6 + 12 + 8;
  }

  /** The estimated width in pixels of the longest of {@code labels} at the tick text size. */
  static double widest(List<String> labels) {
    return labels.stream().mapToInt(String::length).max().orElse(0) * CHAR_WIDTH;
  }

  /**
   * Draws grid lines at the ticks, the frame, the tick marks and labels (none on the x axis when {@code xTicks}
   * is empty: a bar chart labels its categories itself) and the two axis titles (each omitted when null).
   */
  void draw(Svg svg, List<Double> xTicks, List<Double> yTicks, String xTitle, String yTitle) {
    draw(svg, xTicks, true, yTicks, xTitle, yTitle);
  }

  /** {@link #draw}, with x tick labels only when {@code labelX}: a plot stacked over another on the same x leaves them to it. */
  void draw(Svg svg, List<Double> xTicks, boolean labelX, List<Double> yTicks, String xTitle, String yTitle) {
    for (double t : xTicks) {
      svg.line(x(t), top, x(t), bottom(), "stroke=\"#e6e6e6\"");
    }
    for (double t : yTicks) {
      svg.line(left, y(t), right(), y(t), "stroke=\"#e6e6e6\"");
    }
    svg.rect(left, top, width, height, "fill=\"none\" stroke=\"#999\"", null);
    for (double t : labelX ? xTicks : List.<Double>of()) {
      svg.line(x(t), bottom(), x(t), bottom() + TICK, "stroke=\"#999\"");
      svg.text(x(t), bottom() + TICK + TICK_GAP + 10, "middle", Format.number(t), TICK_TEXT);
    }
    List<String> yLabels = yTicks.stream().map(Format::number).toList();
    for (int i = 0; i < yTicks.size(); i++) {
      double py = y(yTicks.get(i));
      svg.line(left - TICK, py, left, py, "stroke=\"#999\"");
      // +4: the middle of an 11px digit sits about 4px above its baseline.
      svg.text(left - TICK - TICK_GAP, py + 4, "end", yLabels.get(i), TICK_TEXT);
    }
    if (xTitle != null) {
      svg.text(left + width / 2, bottom() + BOTTOM_MARGIN - 6, "middle", xTitle, TITLE_TEXT);
    }
    if (yTitle != null) {
      // Rotated a quarter turn: the glyphs stand left of the baseline, 9px for 12px text.
      double tx = left - TICK - TICK_GAP - widest(yLabels) - 6;
      double ty = top + height / 2;
      svg.text(tx, ty, "middle", yTitle, TITLE_TEXT + " transform=\"rotate(-90 " + Svg.n(tx) + " " + Svg.n(ty) + ")\"");
    }
  }
}
