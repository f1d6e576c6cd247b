package dev.beamline.validation;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleFunction;

/**
 * SVG bar charts of the equal-width histograms of one numeric or timestamp feature, one per dataset
 * that the report compares, all on the same axes: x spans the union of their ranges (each bucket drawn
 * where its values lie, so bars line up from chart to chart) and y is the share of each dataset's values
 * in a bucket, up to the same maximum in every chart, so that datasets of different sizes compare.
 * Axis labels are spaced so that they never overlap (their widths estimated by {@link TextWidth});
 * timestamps read as ISO-8601 in UTC (see {@link AxisTicks#instants}).
 *
 * <pre>{@code
 * HistogramChart chart = HistogramChart.of(List.of(train, eval), false, StatisticsReport::num).orElseThrow();
 * String svg = chart.svg("train", train.equalWidth(), "#1f77b4");
 * }</pre>
 */
final class HistogramChart {
  static final int WIDTH = 360;
  private static final int LEFT = 44;
  /** Room for half of the last x label (a date) right of the plot, so that it need not move inwards. */
  private static final int RIGHT = 30;
  private static final int TOP = 10;
  private static final int PLOT_HEIGHT = 120;
  private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
  private static final double FONT = 10;
  private static final int LINE = 12;
  /** The least room, in pixels, between two labels of an axis. */
  private static final double GAP = 6;
  private static final int MAX_X_INTERVALS = 8;
  private static final int Y_INTERVALS = 4;
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();

  private final AxisTicks.Axis x;
  private final AxisTicks.Axis y;
  private final DoubleFunction<String> format;

  private HistogramChart(AxisTicks.Axis x, AxisTicks.Axis y, DoubleFunction<String> format) {
    this.x = x;
    this.y = y;
    this.format = format;
  }

  /**
   * The axes shared by the histograms of {@code compared} (the datasets' statistics of one feature);
   * empty when none has a bucket. {@code format} writes a value in the bars' tooltips.
   */
  static Optional<HistogramChart> of(List<NumericStatistics> compared, boolean timestamps, DoubleFunction<String> format) {
    List<Histogram> histograms = compared.stream().map(NumericStatistics::equalWidth).toList();
    Optional<AxisDomain> union = AxisDomain.union(histograms);
    if (union.isEmpty()) {
      return Optional.empty();
    }
    AxisDomain domain = union.get().widened(timestamps);
    double maxShare = 0;
    for (Histogram h : histograms) {
      double total = h.totalCount();
      for (Bucket b : h.buckets()) {
        maxShare = Math.max(maxShare, total == 0 ? 0 : 100 * b.count() / total);
      }
    }
    AxisTicks.Axis y = AxisTicks.numbers(0, maxShare > 0 ? maxShare : 100, Y_INTERVALS, "%");
    return Optional.of(new HistogramChart(xAxis(domain, timestamps), y, format));
  }

  /** The x ticks: as many as fit (up to {@value #MAX_X_INTERVALS} steps) with their labels apart. */
  private static AxisTicks.Axis xAxis(AxisDomain domain, boolean timestamps) {
    AxisTicks.Axis fewest = null;
    for (int n = MAX_X_INTERVALS; n >= 1; n--) {
      AxisTicks.Axis a = timestamps ? AxisTicks.instants(domain.low(), domain.high(), n) : AxisTicks.numbers(domain.low(), domain.high(), n);
      if (fits(a, a.ticks())) {
        return a;
      }
      fewest = a;
    }
    // Even one step is too narrow for its labels (very long ones): keep the ends, or the first alone.
    List<AxisTicks.Tick> ends = List.of(fewest.ticks().get(0), fewest.ticks().get(fewest.ticks().size() - 1));
    return new AxisTicks.Axis(fewest.low(), fewest.high(), fits(fewest, ends) ? ends : ends.subList(0, 1));
  }

  /** Whether no two labels of {@code ticks}, on the same line, come closer than {@link #GAP}. */
  private static boolean fits(AxisTicks.Axis axis, List<AxisTicks.Tick> ticks) {
    for (int line = 0; line < 2; line++) {
      double previousRight = Double.NEGATIVE_INFINITY;
      for (AxisTicks.Tick t : ticks) {
        if (t.lines().size() <= line) {
          continue;
        }
        double w = TextWidth.of(t.lines().get(line), FONT);
        double center = labelCenter(axis, t.value(), w);
        if (center - w / 2 < previousRight + GAP) {
          return false;
        }
        previousRight = center + w / 2;
      }
    }
    return true;
  }

  /** Where a label of width {@code w} is centred: under its tick, moved inwards to stay inside the chart. */
  private static double labelCenter(AxisTicks.Axis axis, double value, double w) {
    double at = xOf(axis, value);
    return Math.max(w / 2, Math.min(WIDTH - w / 2, at));
  }

  private static double xOf(AxisTicks.Axis axis, double value) {
    double span = axis.high() - axis.low();
    return LEFT + (span == 0 ? 0.5 : (value - axis.low()) / span) * PLOT_WIDTH;
  }

  private double yOf(double share) {
    return TOP + PLOT_HEIGHT * (1 - share / y.high());
  }

  /** The chart of {@code histogram}, {@code label}'s, in {@code color}. */
  String svg(String label, Histogram histogram, String color) {
    int lines = x.ticks().stream().mapToInt(t -> t.lines().size()).max().orElse(1);
    int height = TOP + PLOT_HEIGHT + 6 + lines * LINE + 4;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
        WIDTH, height, WIDTH, height, e(label)));
    for (AxisTicks.Tick t : y.ticks()) {
      double at = yOf(t.value());
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>", LEFT, WIDTH - RIGHT, at, at));
      s.append(String.format(Locale.ROOT, "<text class=\"tick y\" x=\"%d\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"end\" fill=\"#555\">%s</text>",
          LEFT - 5, at + 3.5, FONT, e(t.lines().get(0))));
    }
    double total = histogram.totalCount();
    // Crisp edges: bars a few pixels wide, side by side, would otherwise show anti-aliased seams.
    s.append("<g shape-rendering=\"crispEdges\">");
    for (Bucket b : histogram.buckets()) {
      double share = total == 0 ? 0 : 100 * b.count() / total;
      double x0 = xOf(x, b.low());
      double x1 = xOf(x, b.high());
      // A pixel between bars, unless they are too thin to spare it; a bucket without width (all values
      // equal) still shows, as a thin bar at its value.
      double gap = x1 - x0 >= 4 ? 1 : 0;
      double w = Math.max(1.5, x1 - x0 - gap);
      double left = x1 - x0 - gap >= 1.5 ? x0 + gap / 2 : (x0 + x1) / 2 - w / 2;
      double top = yOf(share);
      s.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s to %s: %s values (%s)</title></rect>",
          left, top, w, TOP + PLOT_HEIGHT - top, color, e(format.apply(b.low())), e(format.apply(b.high())),
          e(count(b.count())), e(percent(share))));
    }
    s.append("</g>");
    int axisY = TOP + PLOT_HEIGHT;
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", LEFT, WIDTH - RIGHT, axisY, axisY));
    for (AxisTicks.Tick t : x.ticks()) {
      double at = xOf(x, t.value());
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", at, at, axisY, axisY + 4));
      for (int i = 0; i < t.lines().size(); i++) {
        String text = t.lines().get(i);
        s.append(String.format(Locale.ROOT,
            "<text class=\"tick x\" x=\"%.1f\" y=\"%d\" font-size=\"%.0f\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
            labelCenter(x, t.value(), TextWidth.of(text, FONT)), axisY + 6 + (i + 1) * LINE - 2, FONT, i == 0 ? "#333" : "#777", e(text)));
      }
    }
    return s.append("</svg>").toString();
  }

  /** A count, which sketches estimate: whole when it is, else to one decimal. */
  private static String count(double c) {
    return c == Math.rint(c) ? String.format(Locale.ROOT, "%,.0f", c) : String.format(Locale.ROOT, "%,.1f", c);
  }

  static String percent(double share) {
    return share >= 10 ? String.format(Locale.ROOT, "%.0f%%", share)
        : share >= 1 || share == 0 ? String.format(Locale.ROOT, "%.1f%%", share) : String.format(Locale.ROOT, "%.2f%%", share);
  }

  private static String e(String s) {
    return HTML.escape(s);
  }
}
