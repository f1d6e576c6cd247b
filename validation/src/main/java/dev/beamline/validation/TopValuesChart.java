package dev.beamline.validation;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * SVG horizontal bar charts of the most frequent values of one string or boolean feature, one per
 * dataset that the report compares: a row per value, its label at the left (shortened with an ellipsis
 * past {@value #MAX_LABEL_WIDTH} pixels, the whole value in the row's tooltip), its bar the share of the
 * dataset's values that hold it, on one scale for every chart of the feature. The charts of a feature
 * share their layout too: the labels take the room that the longest needs, up to that width.
 *
 * <pre>{@code
 * TopValuesChart chart = TopValuesChart.of(List.of(trainTitle, evalTitle)).orElseThrow();
 * String svg = chart.svg("train", trainTitle, "#1f77b4");
 * }</pre>
 */
final class TopValuesChart {
  static final int WIDTH = 360;
  /** The most room for a value's label, right-aligned at its bar. */
  static final int MAX_LABEL_WIDTH = 128;
  private static final int MIN_LABEL_WIDTH = 24;
  /** The room after the longest bar for its share, e.g. "100%". */
  private static final int SHARE_WIDTH = 40;
  private static final int ROW = 17;
  private static final int BAR = 12;
  private static final int TOP = 4;
  private static final double FONT = 11;
  private static final double SHARE_FONT = 10;
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();

  private final double maxShare;
  private final double labelWidth;
  private final double labelRight;
  private final double barLeft;
  private final double barMax;

  private TopValuesChart(double maxShare, double labelWidth) {
    this.maxShare = maxShare;
    this.labelWidth = labelWidth;
    this.labelRight = 6 + labelWidth;
    this.barLeft = labelRight + 6;
    this.barMax = WIDTH - barLeft - SHARE_WIDTH;
  }

  /** The scale shared by the charts of {@code compared} (the datasets' statistics of one feature); empty without values. */
  static Optional<TopValuesChart> of(List<FeatureStatistics> compared) {
    double max = 0;
    double widest = MIN_LABEL_WIDTH;
    for (FeatureStatistics f : compared) {
      if (f.strings() != null && f.count() > 0) {
        for (ValueCount v : f.strings().topValues()) {
          max = Math.max(max, 100.0 * v.count() / f.count());
          widest = Math.max(widest, TextWidth.of(label(v), FONT));
        }
      }
    }
    return max > 0 ? Optional.of(new TopValuesChart(max, Math.min(Math.ceil(widest), MAX_LABEL_WIDTH))) : Optional.empty();
  }

  /** What a value's row says, before shortening: the value, or that it is empty. */
  private static String label(ValueCount v) {
    return v.value().isEmpty() ? "(empty)" : v.value();
  }

  /** The chart of {@code f}'s top values in {@code dataset}, in {@code color}. */
  String svg(String dataset, FeatureStatistics f, String color) {
    List<ValueCount> values = f.strings() == null ? List.of() : f.strings().topValues();
    int height = TOP + values.size() * ROW + 4;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT,
        "<svg class=\"top-values\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">",
        WIDTH, height, WIDTH, height, e(dataset)));
    s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>", barLeft, barLeft, TOP, height - 4));
    for (int i = 0; i < values.size(); i++) {
      ValueCount v = values.get(i);
      double share = f.count() == 0 ? 0 : 100.0 * v.count() / f.count();
      double length = Math.max(1, barMax * share / maxShare);
      int rowTop = TOP + i * ROW;
      double baseline = rowTop + ROW / 2.0 + 3.5;
      boolean empty = v.value().isEmpty();
      String shown = TextWidth.truncate(label(v), FONT, labelWidth);
      s.append("<g class=\"row\"><title>").append(e(empty ? "(empty string)" : v.value())).append(": ")
          .append(String.format(Locale.ROOT, "%,d of %,d values (%s)", v.count(), f.count(), HistogramChart.percent(share))).append("</title>");
      s.append(String.format(Locale.ROOT, "<text class=\"category%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"end\"%s>%s</text>",
          empty ? " empty" : "", labelRight, baseline, FONT, empty ? " fill=\"#777\" font-style=\"italic\"" : " fill=\"#222\"", e(shown)));
      s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
          barLeft, rowTop + (ROW - BAR) / 2.0, length, BAR, color));
      s.append(String.format(Locale.ROOT, "<text class=\"share\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" fill=\"#555\">%s</text></g>",
          barLeft + length + 4, baseline - 0.5, SHARE_FONT, e(HistogramChart.percent(share))));
    }
    return s.append("</svg>").toString();
  }

  private static String e(String s) {
    return HTML.escape(s);
  }
}
