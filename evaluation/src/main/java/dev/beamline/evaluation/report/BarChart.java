package dev.beamline.evaluation.report;

import java.math.BigDecimal;
import java.util.List;

/**
 * A vertical bar chart of named values, negative ones included: bars grow up or down from a zero line, as the
 * residual quantiles of a regression model do (under-predictions above, over-predictions below). The y axis is
 * widened to round ticks and always contains zero.
 *
 * <pre>{@code
 * String svg = new BarChart("residual quantiles", "quantile", "label - prediction", List.of(
 *     new BarChart.Bar("p5", -310.5), new BarChart.Bar("p50", 12.0), new BarChart.Bar("p95", 402.0))).render();
 * }</pre>
 *
 * @param label the accessible name of the chart
 * @param xTitle the title under the category labels (null: none)
 * @param yTitle the title of the value axis (null: none)
 * @param bars the bars, left to right; a NaN value draws no bar
 */
record BarChart(String label, String xTitle, String yTitle, List<Bar> bars) {
  static final double MIN_PLOT_WIDTH = 240;
  static final double BAND = 56;
  static final double PLOT_HEIGHT = 200;
  static final double TOP = 12;

  /** One bar: its category label and value. */
  record Bar(String name, double value) {}

  BarChart {
    bars = List.copyOf(bars);
  }

  /** The tick step of the value axis: about five ticks over the values' extent. */
  BigDecimal step() {
    double[] extent = extent();
    return LinearScale.step(extent[1] - extent[0], 5);
  }

  /** The axes: categories spread over the width, values from the lowest (or 0) to the highest (or 0), rounded out. */
  Axes axes() {
    double[] extent = extent();
    BigDecimal step = step();
    LinearScale y = new LinearScale(extent[0], extent[1], 0, 1).nice(step);
    double left = Axes.leftMargin(y.ticks(step).stream().map(Format::number).toList());
    double width = Math.max(MIN_PLOT_WIDTH, BAND * bars.size());
    return Axes.of(left, TOP, width, PLOT_HEIGHT, 0, Math.max(1, bars.size()), y.domainLow(), y.domainHigh());
  }

  /** The lowest and highest values, zero included. */
  private double[] extent() {
    double low = 0;
    double high = 0;
    for (Bar b : bars) {
      if (Double.isFinite(b.value())) {
        low = Math.min(low, b.value());
        high = Math.max(high, b.value());
      }
    }
    if (low == high) {
      // Nothing but zeros: any unit scale shows them.
      high = 1;
    }
    return new double[] {low, high};
  }

  String render() {
    Axes axes = axes();
    Svg svg = new Svg(axes.right() + 16, axes.bottom() + Axes.BOTTOM_MARGIN, label);
    axes.draw(svg, List.of(), axes.y().ticks(step()), xTitle, yTitle);
    double band = axes.width() / Math.max(1, bars.size());
    double zero = axes.y(0);
    for (int i = 0; i < bars.size(); i++) {
      Bar b = bars.get(i);
      double center = axes.x(i + 0.5);
      if (Double.isFinite(b.value())) {
        double end = axes.y(b.value());
        svg.rect(center - band * 0.3, Math.min(zero, end), band * 0.6, Math.abs(zero - end),
            "fill=\"" + Svg.color(0) + "\"", b.name() + ": " + Format.number(b.value()));
      }
      int fits = (int) Math.max(1, Math.floor((band - 4) / Axes.CHAR_WIDTH));
      svg.text(center, axes.bottom() + 17, "middle", Format.shorten(b.name(), fits), Axes.TICK_TEXT);
    }
    svg.line(axes.left(), zero, axes.right(), zero, "stroke=\"#555\"");
    return svg.finish();
  }
}
