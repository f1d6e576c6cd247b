package dev.beamline.validation;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A self-contained HTML page of statistics and anomalies, to open in any browser without a network:
 * inline CSS and SVG, no script. Per feature, the splits (or the current data and its baseline) side
 * by side, with their histograms drawn; anomalies listed first and highlighted at their feature.
 *
 * <pre>{@code
 * String html = StatisticsReport.render("penguins", stats, baseline, anomalies);
 * }</pre>
 */
public final class StatisticsReport {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

  private StatisticsReport() {}

  /** One dataset shown in the report: a split of the current data or of the baseline. */
  private record Column(String label, DatasetStatistics stats) {}

  /**
   * The page for {@code current} (every split), with {@code baseline}'s splits beside them when given
   * (null: none), and {@code anomalies} (may be empty).
   */
  public static String render(String title, StatisticsSet current, StatisticsSet baseline, List<Anomaly> anomalies) {
    List<Column> columns = new ArrayList<>();
    for (DatasetStatistics s : current.splits()) {
      columns.add(new Column(s.split(), s));
    }
    if (baseline != null) {
      for (DatasetStatistics s : baseline.splits()) {
        columns.add(new Column("baseline " + s.split(), s));
      }
    }
    Set<String> features = new LinkedHashSet<>();
    columns.forEach(c -> features.addAll(c.stats().featureNames()));
    anomalies.stream().map(Anomaly::feature).filter(f -> f != null).forEach(features::add);

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(e(title))
        .append(" — Beamline data report</title>\n<style>\n")
        .append(CSS)
        .append("</style></head><body>\n");
    h.append("<h1>").append(e(title)).append(" — data report</h1>\n");
    h.append("<p class=\"meta\">Generated ").append(e(Instant.now().toString())).append(" by Beamline. Datasets: ");
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      h.append(i == 0 ? "" : ", ")
          .append("<span class=\"swatch\" style=\"background:").append(color(i)).append("\"></span>")
          .append(e(c.label())).append(" (").append(String.format(Locale.ROOT, "%,d", c.stats().numExamples())).append(" examples)");
    }
    h.append(".</p>\n");

    long errors = anomalies.stream().filter(a -> a.severity() == Anomaly.Severity.ERROR).count();
    h.append("<h2>Anomalies</h2>\n");
    if (anomalies.isEmpty()) {
      h.append("<p class=\"ok\">No anomalies: the data matches the schema.</p>\n");
    } else {
      h.append("<p class=\"bad\">").append(anomalies.size()).append(" anomal").append(anomalies.size() == 1 ? "y" : "ies")
          .append(", ").append(errors).append(" of them errors.</p>\n");
      h.append("<table class=\"anomalies\"><tr><th>Severity</th><th>Type</th><th>Feature</th><th>Split</th><th>Description</th></tr>\n");
      for (Anomaly a : anomalies) {
        h.append("<tr class=\"").append(a.severity().name().toLowerCase(Locale.ROOT)).append("\"><td>").append(a.severity())
            .append("</td><td>").append(a.type()).append("</td><td>")
            .append(a.feature() == null ? "" : "<a href=\"#f-" + e(a.feature()) + "\">" + e(a.feature()) + "</a>")
            .append("</td><td>").append(e(a.split() == null ? "" : a.split())).append("</td><td>").append(e(a.description()))
            .append(a.examples().isEmpty() ? "" : " (e.g. " + e(String.join(", ", a.examples())) + ")").append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Features</h2>\n");
    for (String feature : features) {
      List<Anomaly> own = anomalies.stream().filter(a -> feature.equals(a.feature())).toList();
      h.append("<section id=\"f-").append(e(feature)).append("\" class=\"feature").append(own.isEmpty() ? "" : " flagged").append("\">\n");
      String type = columns.stream().map(c -> c.stats().feature(feature)).filter(Optional::isPresent).map(o -> o.get().type()).findFirst().orElse("absent");
      h.append("<h3>").append(e(feature)).append(" <span class=\"type\">").append(e(type)).append("</span></h3>\n");
      for (Anomaly a : own) {
        h.append("<p class=\"anomaly ").append(a.severity().name().toLowerCase(Locale.ROOT)).append("\">").append(a.type()).append(": ")
            .append(e(a.description())).append("</p>\n");
      }
      h.append(table(feature, columns));
      h.append("<div class=\"charts\">\n");
      for (int i = 0; i < columns.size(); i++) {
        Optional<FeatureStatistics> f = columns.get(i).stats().feature(feature);
        if (f.isPresent()) {
          h.append(chart(columns.get(i).label(), f.get(), color(i)));
        }
      }
      h.append("</div></section>\n");
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  private static String table(String feature, List<Column> columns) {
    StringBuilder t = new StringBuilder("<table class=\"stats\"><tr><th></th>");
    for (Column c : columns) {
      t.append("<th>").append(e(c.label())).append("</th>");
    }
    t.append("</tr>\n");
    String[][] rows = {
      {"count", "present values"}, {"missing", "missing"}, {"presence", "presence"}, {"mean", "mean"}, {"std_dev", "std dev"},
      {"min", "min"}, {"median", "median"}, {"max", "max"}, {"zeros", "zeros"}, {"nan", "NaN"}, {"infinity", "infinity"},
      {"distinct", "distinct"}, {"top", "top values"}, {"avg_length", "avg length"}
    };
    for (String[] row : rows) {
      StringBuilder cells = new StringBuilder();
      boolean any = false;
      for (Column c : columns) {
        String v = c.stats().feature(feature).map(f -> cell(row[0], f)).orElse("—");
        any |= !v.isEmpty() && !v.equals("—");
        cells.append("<td>").append(v).append("</td>");
      }
      if (any) {
        t.append("<tr><th>").append(row[1]).append("</th>").append(cells).append("</tr>\n");
      }
    }
    return t.append("</table>\n").toString();
  }

  private static String cell(String key, FeatureStatistics f) {
    NumericStatistics n = f.numeric();
    StringStatistics s = f.strings();
    switch (key) {
      case "count":
        return String.format(Locale.ROOT, "%,d", f.count());
      case "missing":
        return String.format(Locale.ROOT, "%,d", f.missing());
      case "presence":
        return String.format(Locale.ROOT, "%.1f%%", 100 * f.presence());
      case "mean":
        return n == null ? "" : num(n.mean());
      case "std_dev":
        return n == null ? "" : num(n.stdDev());
      case "min":
        return n == null ? "" : num(n.min());
      case "median":
        return n == null ? "" : num(n.median());
      case "max":
        return n == null ? "" : num(n.max());
      case "zeros":
        return n == null ? "" : String.format(Locale.ROOT, "%,d", n.zeros());
      case "nan":
        return n == null ? "" : String.format(Locale.ROOT, "%,d", n.nan());
      case "infinity":
        return n == null ? "" : String.format(Locale.ROOT, "%,d", n.infinity());
      case "distinct":
        return s == null ? "" : (s.distinctExact() ? "" : "≈") + String.format(Locale.ROOT, "%,d", s.distinct());
      case "top":
        if (s == null) {
          return "";
        }
        List<String> top = new ArrayList<>();
        for (ValueCount v : s.topValues().subList(0, Math.min(5, s.topValues().size()))) {
          top.add(e(v.value()) + " (" + v.count() + ")");
        }
        return String.join(", ", top);
      case "avg_length":
        return s == null ? "" : num(s.avgLength());
      default:
        return "";
    }
  }

  /** An SVG bar chart: the equal-width histogram of a numeric feature, the top values of a string one. */
  private static String chart(String label, FeatureStatistics f, String color) {
    List<String> labels = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    if (f.numeric() != null && f.numeric().equalWidth() != null) {
      for (Bucket b : f.numeric().equalWidth().buckets()) {
        labels.add(num(b.low()) + "–" + num(b.high()));
        values.add(b.count());
      }
    } else if (f.strings() != null) {
      for (ValueCount v : f.strings().topValues().subList(0, Math.min(10, f.strings().topValues().size()))) {
        labels.add(v.value());
        values.add((double) v.count());
      }
    }
    int width = 320;
    int height = 140;
    StringBuilder svg = new StringBuilder("<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
        .append("\" height=\"").append(height + 20).append("\" role=\"img\" aria-label=\"").append(e(label + " " + f.name())).append("\">");
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    int n = values.size();
    for (int i = 0; i < n; i++) {
      double w = (double) width / Math.max(1, n);
      double barH = max == 0 ? 0 : (height - 10) * values.get(i) / max;
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s</title></rect>",
          i * w + 1, height - barH, Math.max(1, w - 2), barH, color, e(labels.get(i)), num(values.get(i))));
    }
    if (n > 0 && f.numeric() == null) {
      // Categories: each bar has its own label.
      for (int i = 0; i < n; i++) {
        double w = (double) width / n;
        String text = labels.get(i).length() > 12 ? labels.get(i).substring(0, 11) + "…" : labels.get(i);
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
            i * w + w / 2, height + 14, e(text)));
      }
    } else if (n > 0) {
      svg.append("<text x=\"0\" y=\"").append(height + 14).append("\" font-size=\"10\">").append(e(labels.get(0))).append("</text>");
      svg.append("<text x=\"").append(width).append("\" y=\"").append(height + 14).append("\" font-size=\"10\" text-anchor=\"end\">")
          .append(e(labels.get(n - 1))).append("</text>");
    }
    svg.append("</svg><figcaption>").append(e(label)).append(f.numeric() != null ? ": histogram" : ": top values").append("</figcaption></figure>\n");
    return svg.toString();
  }

  private static String color(int i) {
    return COLORS[i % COLORS.length];
  }

  private static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static String e(String s) {
    return HTML.escape(s);
  }

  private static final String CSS =
      "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:1200px}\n"
          + "h1{font-size:1.6em}h3 .type{font-weight:normal;color:#666;font-size:.8em}\n"
          + ".meta{color:#555}.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.3em}\n"
          + ".ok{color:#2a7d2a;font-weight:bold}.bad{color:#b00020;font-weight:bold}\n"
          + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}\n"
          + "th{background:#f4f4f4}table.anomalies td{text-align:left}tr.error td{background:#fde8ea}tr.warning td{background:#fff6e0}\n"
          + "section.feature{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:1em 0}\n"
          + "section.flagged{border:2px solid #b00020;background:#fffafa}\n"
          + "p.anomaly.error{color:#b00020;font-weight:bold}p.anomaly.warning{color:#9a6700;font-weight:bold}\n"
          + ".charts{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}figcaption{font-size:.85em;color:#555}\n";
}
