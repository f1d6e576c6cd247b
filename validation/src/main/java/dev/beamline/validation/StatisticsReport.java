package dev.beamline.validation;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import dev.beamline.core.FeatureType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleFunction;

/**
 * A self-contained HTML page of statistics and anomalies, to open in any browser without a network:
 * inline CSS and SVG, no script. Per feature, the splits (or the current data and its baseline) side
 * by side, with their charts on shared axes (see {@link HistogramChart} and {@link TopValuesChart});
 * timestamps in ISO-8601, UTC; anomalies listed first and highlighted at their feature. The page says
 * whether the data were checked against a schema: {@link #render} after a check, {@link
 * #renderWithoutSchema} for statistics alone.
 *
 * <pre>{@code
 * String checked = StatisticsReport.render("penguins", stats, baseline, anomalies);
 * String statisticsOnly = StatisticsReport.renderWithoutSchema("penguins", stats);
 * }</pre>
 */
public final class StatisticsReport {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

  private StatisticsReport() {}

  /** One dataset shown in the report: a split of the current data or of the baseline. */
  private record Column(String label, DatasetStatistics stats) {}

  /**
   * The page for {@code current} (every split) after checking it against a schema, with {@code
   * baseline}'s splits beside them when given (null: none), and the {@code anomalies} found (empty:
   * the page says the data match the schema).
   */
  public static String render(String title, StatisticsSet current, StatisticsSet baseline, List<Anomaly> anomalies) {
    return page(title, current, baseline, anomalies, true);
  }

  /**
   * The page for {@code current} (every split) when no schema was checked: it shows the statistics and
   * says that anomalies were not looked for.
   */
  public static String renderWithoutSchema(String title, StatisticsSet current) {
    return page(title, current, null, List.of(), false);
  }

  private static String page(String title, StatisticsSet current, StatisticsSet baseline, List<Anomaly> anomalies, boolean schemaChecked) {
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
    h.append("<p class=\"meta\">Generated ").append(e(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())).append(" by Beamline. Datasets: ");
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      h.append(i == 0 ? "" : ", ")
          .append("<span class=\"swatch\" style=\"background:").append(color(i)).append("\"></span>")
          .append(e(c.label())).append(" (").append(String.format(Locale.ROOT, "%,d", c.stats().numExamples())).append(" examples)");
    }
    h.append(".</p>\n");

    long errors = anomalies.stream().filter(a -> a.severity() == Anomaly.Severity.ERROR).count();
    h.append("<h2>Anomalies</h2>\n");
    if (!schemaChecked) {
      h.append("<p class=\"note\">No schema given: anomalies were not checked."
          + " (<code>beamline infer-schema</code> writes a schema from these statistics; <code>beamline validate</code> checks data against it.)</p>\n");
    } else if (anomalies.isEmpty()) {
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
    h.append("<p class=\"meta\">The charts of a feature share their axes. Histograms: the share of each dataset's values per"
        + " bucket. Bar charts: its most frequent values (hover for the whole value). Timestamps are in UTC.</p>\n");
    for (String feature : features) {
      List<Anomaly> own = anomalies.stream().filter(a -> feature.equals(a.feature())).toList();
      h.append("<section id=\"f-").append(e(feature)).append("\" class=\"feature").append(own.isEmpty() ? "" : " flagged").append("\">\n");
      String type = columns.stream().map(c -> c.stats().feature(feature)).filter(Optional::isPresent).map(o -> o.get().type()).findFirst().orElse("absent");
      h.append("<h3>").append(e(feature)).append(" <span class=\"type\">").append(e(type)).append("</span></h3>\n");
      for (Anomaly a : own) {
        h.append("<p class=\"anomaly ").append(a.severity().name().toLowerCase(Locale.ROOT)).append("\">").append(a.type())
            .append(a.split() == null ? "" : " in " + e(a.split())).append(": ")
            .append(e(a.description())).append("</p>\n");
      }
      boolean timestamp = type.equals(FeatureType.TIMESTAMP.configName());
      DoubleFunction<String> value = timestamp ? timestampText(feature, columns)::format : StatisticsReport::num;
      h.append(table(feature, columns, value, timestamp));
      h.append("<div class=\"charts\">\n").append(charts(feature, columns, value, timestamp)).append("</div></section>\n");
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  /** Timestamps of {@code feature} to the precision its values need in every dataset (from their extremes and deciles). */
  private static TimestampText timestampText(String feature, List<Column> columns) {
    List<Double> values = new ArrayList<>();
    for (Column c : columns) {
      c.stats().feature(feature).map(FeatureStatistics::numeric).ifPresent(n -> {
        values.add(n.min());
        values.add(n.max());
        values.addAll(n.quantiles());
      });
    }
    return TimestampText.fitting(values);
  }

  private static String table(String feature, List<Column> columns, DoubleFunction<String> value, boolean timestamp) {
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
      // NaN and infinities cannot be timestamps, and a zero is only the epoch.
      if (timestamp && List.of("zeros", "nan", "infinity").contains(row[0])) {
        continue;
      }
      StringBuilder cells = new StringBuilder();
      boolean any = false;
      for (Column c : columns) {
        String v = c.stats().feature(feature).map(f -> cell(row[0], f, value, timestamp)).orElse("—");
        any |= !v.isEmpty() && !v.equals("—");
        cells.append("<td>").append(v).append("</td>");
      }
      if (any) {
        t.append("<tr><th>").append(row[1]).append("</th>").append(cells).append("</tr>\n");
      }
    }
    return t.append("</table>\n").toString();
  }

  private static String cell(String key, FeatureStatistics f, DoubleFunction<String> value, boolean timestamp) {
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
        return n == null ? "" : value.apply(n.mean());
      case "std_dev":
        return n == null ? "" : timestamp ? TimestampText.duration(n.stdDev()) : num(n.stdDev());
      case "min":
        return n == null ? "" : value.apply(n.min());
      case "median":
        return n == null ? "" : value.apply(n.median());
      case "max":
        return n == null ? "" : value.apply(n.max());
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

  /**
   * The charts of {@code feature}, one per dataset that has it, on shared axes: histograms of a numeric
   * or timestamp feature, the most frequent values of a string or boolean one.
   */
  private static String charts(String feature, List<Column> columns, DoubleFunction<String> value, boolean timestamp) {
    List<FeatureStatistics> present = new ArrayList<>();
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      Optional<FeatureStatistics> f = columns.get(i).stats().feature(feature);
      if (f.isPresent()) {
        present.add(f.get());
        index.add(i);
      }
    }
    StringBuilder out = new StringBuilder();
    List<NumericStatistics> numeric = present.stream().map(FeatureStatistics::numeric).filter(n -> n != null).toList();
    Optional<HistogramChart> histograms = HistogramChart.of(numeric, timestamp, value);
    Optional<TopValuesChart> topValues = TopValuesChart.of(present);
    for (int i = 0; i < present.size(); i++) {
      FeatureStatistics f = present.get(i);
      String label = columns.get(index.get(i)).label();
      String color = color(index.get(i));
      if (f.numeric() != null && histograms.isPresent() && !f.numeric().equalWidth().buckets().isEmpty()) {
        long finite = f.count() - f.numeric().nan() - f.numeric().infinity();
        out.append("<figure>").append(histograms.get().svg(label + " " + feature, f.numeric().equalWidth(), color))
            .append("<figcaption>").append(e(label)).append(": histogram of ").append(String.format(Locale.ROOT, "%,d", finite))
            .append(finite == 1 ? " value" : " values").append(timestamp ? " (UTC)" : "").append("</figcaption></figure>\n");
      } else if (f.strings() != null && topValues.isPresent() && !f.strings().topValues().isEmpty()) {
        StringStatistics s = f.strings();
        out.append("<figure>").append(topValues.get().svg(label + " " + feature, f, color))
            .append("<figcaption>").append(e(label)).append(": ")
            .append(s.topValues().size() == s.distinct() && s.distinctExact() ? "all " + s.distinct() + " values"
                : "the " + s.topValues().size() + " most frequent of " + (s.distinctExact() ? "" : "≈")
                    + String.format(Locale.ROOT, "%,d", s.distinct()) + " distinct values")
            .append("</figcaption></figure>\n");
      }
    }
    return out.toString();
  }

  private static String color(int i) {
    return COLORS[i % COLORS.length];
  }

  /** A number for the tables: whole numbers with thousands separators, others to four significant digits. */
  static String num(double v) {
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
          + ".ok{color:#2a7d2a;font-weight:bold}.note{color:#555;font-weight:bold}code{font-size:.95em}.bad{color:#b00020;font-weight:bold}\n"
          + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}\n"
          + "table.stats th{white-space:nowrap}\n"
          + "th{background:#f4f4f4}table.anomalies td{text-align:left}tr.error td{background:#fde8ea}tr.warning td{background:#fff6e0}\n"
          + "section.feature{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:1em 0}\n"
          + "section.flagged{border:2px solid #b00020;background:#fffafa}\n"
          + "p.anomaly.error{color:#b00020;font-weight:bold}p.anomaly.warning{color:#9a6700;font-weight:bold}\n"
          + ".charts{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}figure{margin:.5em 0 0}"
          + "figcaption{font-size:.85em;color:#555;max-width:360px}svg{display:block}\n";
}
