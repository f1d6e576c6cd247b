package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A line chart of values over time, one series per line, each point marked: a metric per time window
 * (the feedback loop's live metrics, one line per model version). The x axis is UTC time, labelled at
 * a few of the points' own times (dates, or date and hour when the points lie less than a day apart);
 * the y axis is [0, 1] for a rate, else from 0 (or the lowest value, when below 0) to the highest,
 * rounded to a tick. A series breaks where a value is missing (NaN). The look is {@link LineChart}'s,
 * legend right of the plot. Immutable: each {@code withX} returns a new chart.
 *
 * <pre>{@code
 * String svg = TimeSeriesChart.of("accuracy per day", "accuracy")
 *     .withYDomain(0, 1)
 *     .withSeries("version 1 (stable)", List.of(new TimeSeriesChart.Point(1764460800, 0.97), new TimeSeriesChart.Point(1764547200, 0.95)))
 *     .render();
 * }</pre>
 */
public final class TimeSeriesChart {
  /** The most time labels under the x axis: a date is about 62 pixels wide at the tick text size. */
  private static final int MAX_TIME_LABELS = 4;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("uuuu-MM-dd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);

  /** One value at one time: seconds since the epoch (UTC) and the value, NaN for none. */
  public record Point(long epochSecond, double value) {}

  private record Series(String name, List<Point> points) {}

  private final String label;
  private final String yTitle;
  private final double[] yDomain;
  private final ImmutableList<Series> series;

  private TimeSeriesChart(String label, String yTitle, double[] yDomain, ImmutableList<Series> series) {
    this.label = label;
    this.yTitle = yTitle;
    this.yDomain = yDomain;
    this.series = series;
  }

  /** An empty chart; {@code label} is what a screen reader says of it, {@code yTitle} the y axis' title. */
  public static TimeSeriesChart of(String label, String yTitle) {
    checkArgument(label != null && yTitle != null, "label and yTitle must not be null");
    return new TimeSeriesChart(label, yTitle, null, ImmutableList.of());
  }

  /** The same chart with the y axis fixed to [low, high] (e.g. [0, 1] for a rate). */
  public TimeSeriesChart withYDomain(double low, double high) {
    checkArgument(Double.isFinite(low) && Double.isFinite(high) && low < high, "the y domain must be finite with low < high, got [%s, %s]", low,
        high);
    return new TimeSeriesChart(label, yTitle, new double[] {low, high}, series);
  }

  /** The same chart with a line added, in the next colour; its points in any order (drawn by time). */
  public TimeSeriesChart withSeries(String name, List<Point> points) {
    checkArgument(name != null && points != null, "name and points must not be null");
    List<Point> sorted = new ArrayList<>(points);
    sorted.sort((a, b) -> Long.compare(a.epochSecond(), b.epochSecond()));
    return new TimeSeriesChart(label, yTitle, yDomain,
        ImmutableList.<Series>builder().addAll(series).add(new Series(name, List.copyOf(sorted))).build());
  }

  /** The chart as an {@code <svg>} element. */
  public String render() {
    TreeSet<Long> times = new TreeSet<>();
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (Point p : s.points()) {
        times.add(p.epochSecond());
        if (Double.isFinite(p.value())) {
          low = Math.min(low, p.value());
          high = Math.max(high, p.value());
        }
      }
    }
    double[] y = yDomain != null ? yDomain : domainOf(low, high);
    double xLow = times.isEmpty() ? 0 : times.first();
    double xHigh = times.isEmpty() ? 1 : times.last();
    LinearScale yScale = new LinearScale(y[0], y[1], 0, 1);
    double left = Axes.leftMargin(yScale.ticks(5).stream().map(Format::number).toList());
    Axes axes = Axes.of(left, LineChart.TOP, LineChart.PLOT_WIDTH, LineChart.PLOT_HEIGHT, xLow, xHigh, y[0], y[1]);
    boolean legend = series.size() > 1;
    List<String> names = series.stream().map(s -> Format.shorten(s.name(), LineChart.LEGEND_CHARS)).toList();
    double legendLeft = axes.right() + 20;
    double width = legend ? legendLeft + 22 + Axes.widest(names) + 8 : axes.right() + LineChart.RIGHT;
    double height = Math.max(axes.bottom() + Axes.BOTTOM_MARGIN, LineChart.TOP + (legend ? series.size() * LineChart.LEGEND_ROW + 8 : 0));
    Svg svg = new Svg(width, height, label);
    List<Long> labelled = labelled(new ArrayList<>(times));
    axes.draw(svg, labelled.stream().map(Long::doubleValue).toList(), false, axes.y().ticks(5), "time (UTC)", yTitle);
    DateTimeFormatter format = times.size() > 1 && minimumGap(new ArrayList<>(times)) < 86_400 ? HOUR : DAY;
    for (long t : labelled) {
      svg.line(axes.x(t), axes.bottom(), axes.x(t), axes.bottom() + 4, "stroke=\"#999\"");
      svg.text(axes.x(t), axes.bottom() + 17, "middle", format.format(Instant.ofEpochSecond(t)), Axes.TICK_TEXT);
    }
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      String color = Svg.color(i);
      List<double[]> pixels = new ArrayList<>();
      for (Point p : s.points()) {
        pixels.add(new double[] {axes.x(p.epochSecond()), Double.isFinite(p.value()) ? axes.y(p.value()) : Double.NaN});
      }
      svg.path(pixels, "fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\" stroke-linejoin=\"round\"", s.name());
      for (Point p : s.points()) {
        if (Double.isFinite(p.value())) {
          svg.circle(axes.x(p.epochSecond()), axes.y(p.value()), 3, "fill=\"" + color + "\"",
              s.name() + ": " + format.format(Instant.ofEpochSecond(p.epochSecond())) + ", " + Format.number(p.value()));
        }
      }
    }
    if (legend) {
      for (int i = 0; i < series.size(); i++) {
        double rowY = LineChart.TOP + 8 + i * LineChart.LEGEND_ROW;
        svg.line(legendLeft, rowY, legendLeft + 16, rowY, "stroke=\"" + Svg.color(i) + "\" stroke-width=\"3\"");
        svg.text(legendLeft + 22, rowY + 4, "start", names.get(i), Axes.TICK_TEXT + " class=\"legend\"");
      }
    }
    return svg.finish();
  }

  /** From 0 (or the lowest value, when negative) to the highest value, both rounded out to a tick. */
  private static double[] domainOf(double low, double high) {
    if (!Double.isFinite(low)) {
      return new double[] {0, 1};
    }
    double from = Math.min(0, low);
    double to = Math.max(high, from + (from == 0 && high == 0 ? 1 : 0));
    if (to <= from) {
      to = from + Math.max(1, Math.abs(from));
    }
    BigDecimal step = LinearScale.step(to - from, 5);
    LinearScale nice = new LinearScale(from, to, 0, 1).nice(step);
    return new double[] {nice.domainLow(), nice.domainHigh()};
  }

  /** At most {@value #MAX_TIME_LABELS} of {@code times} (sorted), evenly spread, the first and last included. */
  private static List<Long> labelled(List<Long> times) {
    if (times.size() <= MAX_TIME_LABELS) {
      return times;
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < MAX_TIME_LABELS; i++) {
      long t = times.get((int) Math.round((double) i * (times.size() - 1) / (MAX_TIME_LABELS - 1)));
      if (out.isEmpty() || out.get(out.size() - 1) != t) {
        out.add(t);
      }
    }
    return out;
  }

  private static long minimumGap(List<Long> sorted) {
    long gap = Long.MAX_VALUE;
    for (int i = 1; i < sorted.size(); i++) {
      gap = Math.min(gap, sorted.get(i) - sorted.get(i - 1));
    }
    return gap;
  }
}
