package dev.beamline.evaluation.report;

import java.math.BigDecimal;
import java.util.List;

/**
 * A horizontal bar chart of named values, one row per name, with an optional shaded band on the value axis: the
 * per-group values of a metric in a bias check, the band being the values the threshold allows (the lowest group's
 * value plus the largest gap tolerated). Each bar's value is written at its end.
 *
 * <pre>{@code
 * String svg = new HorizontalBarChart("true_positive_rate by sex", "true_positive_rate", List.of(
 *         new HorizontalBarChart.Bar("MALE", 0.9, "#b00020"), new HorizontalBarChart.Bar("FEMALE", 0.8, "#1f77b4")),
 *     0.8, 0.85).render();
 * }</pre>
 *
 * @param label the accessible name of the chart
 * @param xTitle the title of the value axis (null: none)
 * @param bars the bars, top to bottom
 * @param bandLow the band's low end (NaN: no band)
 * @param bandHigh its high end, drawn only as far as the axis goes
 */
record HorizontalBarChart(String label, String xTitle, List<Bar> bars, double bandLow, double bandHigh) {
  static final double PLOT_WIDTH = 200;
  static final double ROW = 22;
  static final double BAR = 14;
  static final double TOP = 8;
  static final int NAME_CHARS = 18;

  /** One bar: its row label, value and fill colour. */
  record Bar(String name, double value, String color) {}

  HorizontalBarChart {
    bars = List.copyOf(bars);
  }

  /** The tick step of the value axis: about five ticks over the values' extent. */
  BigDecimal step() {
    double[] extent = extent();
    return LinearScale.step(extent[1] - extent[0], 5);
  }

  /** The axes: values from the lowest (or 0) to the highest (or 0), rounded out; one row per bar. */
  Axes axes() {
    double[] extent = extent();
    LinearScale x = new LinearScale(extent[0], extent[1], 0, 1).nice(step());
    double left = 8 + Axes.widest(names()) + 8;
    return Axes.of(left, TOP, PLOT_WIDTH, bars.size() * ROW + 4, x.domainLow(), x.domainHigh(), 0, Math.max(1, bars.size()));
  }

  /** The lowest and highest values, zero and the band's low end included. */
  private double[] extent() {
    double low = 0;
    double high = 0;
    for (Bar b : bars) {
      if (Double.isFinite(b.value())) {
        low = Math.min(low, b.value());
        high = Math.max(high, b.value());
      }
    }
    if (Double.isFinite(bandLow)) {
      low = Math.min(low, bandLow);
    }
    if (low == high) {
      high = 1;
    }
    return new double[] {low, high};
  }

  private List<String> names() {
    return bars.stream().map(b -> Format.shorten(b.name(), NAME_CHARS)).toList();
  }

  /** The centre line of row {@code i}, counted from the top. */
  double rowCenter(Axes axes, int i) {
    return axes.top() + 2 + i * ROW + ROW / 2;
  }

  /** The drawing's width: the names, the plot, and room for the value written at the end of a bar that reaches the axis' end. */
  double width() {
    return axes().right() + 6 + Axes.widest(values()) + 8;
  }

  private List<String> values() {
    return bars.stream().map(b -> Format.number(b.value())).toList();
  }

  String render() {
    Axes axes = axes();
    List<String> values = values();
    // Without an axis title, only the tick labels need room below the plot.
    Svg svg = new Svg(width(), axes.bottom() + (xTitle == null ? 22 : Axes.BOTTOM_MARGIN), label);
    if (Double.isFinite(bandLow) && Double.isFinite(bandHigh)) {
      double from = axes.x(Math.max(bandLow, axes.x().domainLow()));
      double to = axes.x(Math.min(bandHigh, axes.x().domainHigh()));
      svg.rect(from, axes.top(), Math.max(0, to - from), axes.height(), "fill=\"#2ca02c\" fill-opacity=\"0.2\"",
          "allowed: " + Format.number(bandLow) + " to " + Format.number(bandHigh));
      svg.line(to, axes.top(), to, axes.bottom(), "stroke=\"#2ca02c\" stroke-dasharray=\"3 2\"");
    }
    axes.draw(svg, axes.x().ticks(step()), List.of(), xTitle, null);
    double zero = axes.x(0);
    List<String> names = names();
    for (int i = 0; i < bars.size(); i++) {
      Bar b = bars.get(i);
      double cy = rowCenter(axes, i);
      svg.text(axes.left() - 8, cy + 4, "end", names.get(i), Axes.TICK_TEXT);
      if (Double.isFinite(b.value())) {
        double end = axes.x(b.value());
        svg.rect(Math.min(zero, end), cy - BAR / 2, Math.abs(end - zero), BAR, "fill=\"" + b.color() + "\"",
            b.name() + ": " + values.get(i));
      }
      double labelX = (Double.isFinite(b.value()) ? Math.max(zero, axes.x(b.value())) : zero) + 4;
      svg.text(labelX, cy + 4, "start", values.get(i), Axes.TICK_TEXT);
    }
    if (zero > axes.left()) {
      svg.line(zero, axes.top(), zero, axes.bottom(), "stroke=\"#555\"");
    }
    return svg.finish();
  }
}
