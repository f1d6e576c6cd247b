package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import dev.beamline.evaluation.report.TimeSeriesChart;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The live metrics' report: one self-contained HTML page (inline CSS and SVG, no script) of {@value
 * LiveMetricsDocument#FILE}: what was measured and the served versions, the totals, then per headline
 * metric a chart of its value over time with one line per model version and server label (the overall
 * slice), the label coverage and the traffic over time, a table per version and label of every window,
 * and the slices of every window. Every string from the document is escaped.
 *
 * <pre>{@code
 * String html = LiveMetricsReport.render(document);
 * }</pre>
 */
public final class LiveMetricsReport {
  /** The report's file in the artifact. */
  public static final String FILE = "report.html";
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final List<String> CLASSIFICATION = List.of("accuracy", "f1_macro", "roc_auc", "log_loss");
  private static final List<String> REGRESSION = List.of("rmse", "mae", "r2");
  /** Metrics that are rates, drawn on [0, 1]. */
  private static final Set<String> RATES = Set.of("accuracy", "f1_macro", "roc_auc", "pr_auc", "label_coverage");

  private LiveMetricsReport() {}

  /** The page of {@code doc}, the root object of {@value LiveMetricsDocument#FILE}. */
  public static String render(JsonNode doc) {
    checkArgument(doc != null && doc.isObject(), "doc must be the JSON object of %s", LiveMetricsDocument.FILE);
    StringBuilder h = new StringBuilder();
    String model = doc.path("model").asText("");
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(e(model))
        .append(" — Beamline live metrics</title>\n<style>\n").append(CSS).append("</style></head><body>\n");
    h.append("<header id=\"summary\">\n<h1>Live metrics: ").append(e(model)).append("</h1>\n<table class=\"summary\">\n");
    row(h, "traffic", "<code>" + e(doc.path("traffic").asText("")) + "</code>");
    row(h, "windows", e(doc.path("window").asText("")) + " (UTC, aligned to the epoch), by the time of each request");
    List<String> specs = new ArrayList<>();
    doc.path("slice_specs").forEach(s -> specs.add(s.asText()));
    row(h, "slices", specs.isEmpty() ? "overall only" : "overall, and by " + e(String.join("; ", specs)) + "; at least "
        + doc.path("min_slice_size").asLong() + " scored rows each to be measured");
    JsonNode totals = doc.path("totals");
    row(h, "rows", count(totals, "rows") + " logged rows, " + count(totals, "labelled") + " labelled (" + percent(totals.path("label_coverage"))
        + "), " + count(totals, "scored") + " in the metrics" + warn(totals, "unscored", " labelled rows without a readable prediction")
        + warn(totals, "unknown_label", " labels the model does not know"));
    h.append("</table>\n<h2>Served versions</h2>\n<table class=\"versions\"><tr><th>version</th><th>task</th><th>classes</th><th>model folder</th></tr>\n");
    for (JsonNode v : doc.path("versions")) {
      List<String> classes = new ArrayList<>();
      v.path("classes").forEach(c -> classes.add(c.asText()));
      h.append("<tr><td>").append(v.path("version").asLong()).append("</td><td>")
          .append(v.path("found").asBoolean() ? e(v.path("task").asText()) : "<span class=\"warn\">not found</span>")
          .append("</td><td class=\"text\">").append(e(String.join(", ", classes))).append("</td><td class=\"text\"><code>")
          .append(e(v.path("model_dir").asText())).append("</code></td></tr>\n");
    }
    h.append("</table>\n</header>\n");

    Map<String, List<JsonNode>> overall = new LinkedHashMap<>();
    List<JsonNode> slices = new ArrayList<>();
    Set<String> metricNames = new LinkedHashSet<>();
    for (JsonNode s : doc.path("series")) {
      if ("overall".equals(s.path("slice").asText())) {
        overall.computeIfAbsent(line(s), k -> new ArrayList<>()).add(s);
        s.path("metrics").fieldNames().forEachRemaining(metricNames::add);
      } else {
        slices.add(s);
      }
    }
    List<String> headline = new ArrayList<>();
    for (String m : metricNames.contains("accuracy") ? CLASSIFICATION : REGRESSION) {
      if (metricNames.contains(m)) {
        headline.add(m);
      }
    }
    if (metricNames.contains("accuracy") && metricNames.contains("rmse")) {
      headline.addAll(REGRESSION);
    }

    h.append("<section id=\"over-time\">\n<h2>Over time</h2>\n<p class=\"explain\">The overall slice of each window, one line per model"
        + " version and server label. A window without labelled rows leaves a gap.</p>\n<div class=\"charts\">\n");
    for (String m : headline) {
      chart(h, overall, m, m, true);
    }
    chart(h, overall, "label_coverage", "label coverage", false);
    chart(h, overall, "rows", "logged rows", false);
    h.append("</div>\n</section>\n");

    h.append("<section id=\"windows\">\n<h2>Windows</h2>\n");
    for (Map.Entry<String, List<JsonNode>> e : overall.entrySet()) {
      h.append("<h3>").append(e(e.getKey())).append("</h3>\n");
      table(h, e.getValue(), headline, false);
    }
    h.append("</section>\n");
    if (!slices.isEmpty()) {
      h.append("<section id=\"slices\">\n<h2>Slices</h2>\n");
      table(h, slices, headline, true);
      h.append("</section>\n");
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  /** The name of a line: {@code version 2 (canary)}. */
  private static String line(JsonNode s) {
    JsonNode label = s.path("server_label");
    return "version " + s.path("version").asLong() + (label.isNull() || label.isMissingNode() ? "" : " (" + label.asText() + ")");
  }

  private static void chart(StringBuilder h, Map<String, List<JsonNode>> lines, String field, String title, boolean metric) {
    TimeSeriesChart c = TimeSeriesChart.of(title + " per window", title);
    if (RATES.contains(field)) {
      c = c.withYDomain(0, 1);
    }
    boolean any = false;
    for (Map.Entry<String, List<JsonNode>> e : lines.entrySet()) {
      List<TimeSeriesChart.Point> points = new ArrayList<>();
      for (JsonNode s : e.getValue()) {
        JsonNode v = metric ? s.path("metrics").path(field) : s.path(field);
        points.add(new TimeSeriesChart.Point(Instant.parse(s.path("window_start").asText()).getEpochSecond(),
            v.isNumber() ? v.asDouble() : Double.NaN));
        any |= v.isNumber();
      }
      c = c.withSeries(e.getKey(), points);
    }
    if (!any) {
      return;
    }
    h.append("<figure>").append(c.render()).append("<figcaption>").append(e(title)).append(" per window</figcaption></figure>\n");
  }

  private static void table(StringBuilder h, List<JsonNode> rows, List<String> metrics, boolean sliced) {
    h.append("<table class=\"metrics\"><tr>").append(sliced ? "<th>version</th><th>window</th><th>slice</th>" : "<th>window</th>")
        .append("<th>rows</th><th>labelled</th><th>scored</th><th>not scored</th>");
    metrics.forEach(m -> h.append("<th>").append(e(m)).append("</th>"));
    h.append("</tr>\n");
    for (JsonNode s : rows) {
      boolean small = s.path("too_small").asBoolean();
      h.append(small ? "<tr class=\"too-small\">" : "<tr>");
      if (sliced) {
        h.append("<td class=\"text\">").append(e(line(s))).append("</td>");
      }
      h.append("<td class=\"text\">").append(e(s.path("window_start").asText().replace("T00:00:00Z", ""))).append("</td>");
      if (sliced) {
        h.append("<td class=\"text\">").append(e(s.path("slice").asText())).append("</td>");
      }
      long notScored = s.path("unscored").asLong() + s.path("unknown_label").asLong();
      List<String> reasons = new ArrayList<>();
      s.path("reasons").forEach(r -> reasons.add(r.asText()));
      h.append("<td>").append(count(s, "rows")).append("</td><td>").append(count(s, "labelled")).append("</td><td>").append(count(s, "scored"))
          .append("</td><td").append(reasons.isEmpty() ? "" : " title=\"" + e(String.join("; ", reasons)) + "\"")
          .append(notScored > 0 ? " class=\"warn\"" : "").append('>').append(notScored).append("</td>");
      if (small) {
        h.append("<td class=\"too-few\" colspan=\"").append(metrics.size()).append("\">too few scored rows</td>");
      } else {
        for (String m : metrics) {
          JsonNode v = s.path("metrics").path(m);
          h.append("<td>").append(v.isNumber() ? number(v.asDouble()) : "—").append("</td>");
        }
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void row(StringBuilder h, String name, String html) {
    h.append("<tr><th>").append(e(name)).append("</th><td>").append(html).append("</td></tr>\n");
  }

  private static String count(JsonNode o, String field) {
    return String.format(Locale.ROOT, "%,d", o.path(field).asLong());
  }

  private static String warn(JsonNode o, String field, String what) {
    long n = o.path(field).asLong();
    return n == 0 ? "" : ", <span class=\"warn\">" + String.format(Locale.ROOT, "%,d", n) + e(what) + "</span>";
  }

  private static String percent(JsonNode fraction) {
    return fraction.isNumber() ? String.format(Locale.ROOT, "%.1f%%", 100 * fraction.asDouble()) : "—";
  }

  /** Four significant digits, as the evaluation report writes metrics. */
  static String number(double v) {
    if (v == 0) {
      return "0";
    }
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  private static String e(String s) {
    return HTML.escape(s);
  }

  // The evaluation report's look, so that the two read as one product.
  private static final String CSS =
      "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:1200px}\n"
          + "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{margin:1em 0 .3em}\n"
          + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}\n"
          + "th{background:#f4f4f4}td.text{text-align:left}\n"
          + "table.summary th,table.summary td{text-align:left}table.summary th{width:7em}\n"
          + "code{font-size:.95em}.warn{color:#9a6700;font-weight:bold}.explain{color:#555}\n"
          + "tr.too-small th,tr.too-small td{color:#999;background:#f7f7f7}td.too-few{text-align:left;font-style:italic}\n"
          + ".charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}figure{margin:0}"
          + "figcaption{font-size:.85em;color:#555;max-width:480px}svg{display:block}\n";
}
