package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart of one or more series over fixed domains, [0, 1] on both axes unless told otherwise: the shape of
 * ROC and precision-recall curves. Each series gets the next {@link Svg#COLORS colour}; with more than one, a
 * legend stands right of the plot, outside it, so that it never hides a curve. Immutable: each {@code withX}
 * returns a new chart.
 *
 * <pre>{@code
 * String svg = LineChart.of("ROC curve", "false positive rate", "true positive rate")
 *     .withDiagonal()
 *     .withSeries("Adelie", List.of(new double[] {0, 0}, new double[] {0.1, 0.9}, new double[] {1, 1}))
 *     .render();
 * }</pre>
 */
final class LineChart {
  static final double PLOT_WIDTH = 300;
  static final double PLOT_HEIGHT = 260;
  static final double TOP = 12;
  static final double RIGHT = 16;
  static final double LEGEND_ROW = 18;
  static final int LEGEND_CHARS = 24;

  /** One curve: its legend name and its points, {x, y} in data units, in drawing order. */
  record Series(String name, List<double[]> points, int color) {}

  private final String label;
  private final String xTitle;
  private final String yTitle;
  private final double[] domain;
  private final ImmutableList<Series> series;
  private final boolean diagonal;
  private final boolean markers;

  private LineChart(String label, String xTitle, String yTitle, double[] domain, ImmutableList<Series> series, boolean diagonal,
      boolean markers) {
    this.label = label;
    this.xTitle = xTitle;
    this.yTitle = yTitle;
    this.domain = domain;
    this.series = series;
    this.diagonal = diagonal;
    this.markers = markers;
  }

  /** An empty chart over [0, 1] × [0, 1]; {@code label} is its accessible name, the titles its axes'. */
  static LineChart of(String label, String xTitle, String yTitle) {
    return new LineChart(label, xTitle, yTitle, new double[] {0, 1, 0, 1}, ImmutableList.of(), false, false);
  }

  /** The same chart showing [xLow, xHigh] × [yLow, yHigh]. */
  LineChart withDomain(double xLow, double xHigh, double yLow, double yHigh) {
    checkArgument(xLow < xHigh && yLow < yHigh, "domain must have low < high on both axes, got [%s, %s] × [%s, %s]", xLow, xHigh, yLow,
        yHigh);
    return new LineChart(label, xTitle, yTitle, new double[] {xLow, xHigh, yLow, yHigh}, series, diagonal, markers);
  }

  /** The same chart with a series added, in the next colour. */
  LineChart withSeries(String name, List<double[]> points) {
    return withSeries(name, points, series.size());
  }

  /** The same chart with a series added in colour number {@code color}, to match other charts of the page. */
  LineChart withSeries(String name, List<double[]> points, int color) {
    for (double[] p : points) {
      checkArgument(p.length == 2, "a point must be {x, y}, got %s values", p.length);
    }
    return new LineChart(label, xTitle, yTitle, domain,
        ImmutableList.<Series>builder().addAll(series).add(new Series(name, List.copyOf(points), color)).build(), diagonal, markers);
  }

  /** The same chart with the dashed line from the domain's lower left to its upper right: chance, or perfect calibration. */
  LineChart withDiagonal() {
    return new LineChart(label, xTitle, yTitle, domain, series, true, markers);
  }

  /** The same chart with a dot on every point, for curves of few points. */
  LineChart withMarkers() {
    return new LineChart(label, xTitle, yTitle, domain, series, diagonal, true);
  }

  /** The axes the chart draws in: where a point will land. */
  Axes axes() {
    LinearScale yScale = new LinearScale(domain[2], domain[3], 0, 1);
    double left = Axes.leftMargin(yScale.ticks(5).stream().map(Format::number).toList());
    return Axes.of(left, TOP, PLOT_WIDTH, PLOT_HEIGHT, domain[0], domain[1], domain[2], domain[3]);
  }

  /** The chart as an {@code <svg>} element. */
  String render() {
    Axes axes = axes();
    boolean legend = series.size() > 1;
    List<String> names = series.stream().map(s -> Format.shorten(s.name(), LEGEND_CHARS)).toList();
    double legendLeft = axes.right() + 20;
    double width = legend ? legendLeft + 22 + Axes.widest(names) + 8 : axes.right() + RIGHT;
    double height = Math.max(axes.bottom() + Axes.BOTTOM_MARGIN, TOP + (legend ? series.size() * LEGEND_ROW + 8 : 0));
    Svg svg = new Svg(width, height, label);
    axes.draw(svg, axes.x().ticks(5), axes.y().ticks(5), xTitle, yTitle);
    if (diagonal) {
      svg.line(axes.x(domain[0]), axes.y(domain[2]), axes.x(domain[1]), axes.y(domain[3]),
          "stroke=\"#888\" stroke-dasharray=\"4 4\"");
    }
    for (Series s : series) {
      String color = Svg.color(s.color());
      List<double[]> pixels = new ArrayList<>();
      for (double[] p : s.points()) {
        pixels.add(new double[] {axes.x(p[0]), axes.y(p[1])});
      }
      svg.path(pixels, "fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\" stroke-linejoin=\"round\"", s.name());
      if (markers) {
        for (double[] p : s.points()) {
          if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
            svg.circle(axes.x(p[0]), axes.y(p[1]), 3, "fill=\"" + color + "\"",
                s.name() + ": (" + Format.number(p[0]) + ", " + Format.number(p[1]) + ")");
          }
        }
      }
    }
    if (legend) {
      for (int i = 0; i < series.size(); i++) {
        double rowY = TOP + 8 + i * LEGEND_ROW;
        svg.line(legendLeft, rowY, legendLeft + 16, rowY, "stroke=\"" + Svg.color(series.get(i).color()) + "\" stroke-width=\"3\"");
        svg.text(legendLeft + 22, rowY + 4, "start", names.get(i), Axes.TICK_TEXT + " class=\"legend\"");
      }
    }
    return svg.finish();
  }
}
