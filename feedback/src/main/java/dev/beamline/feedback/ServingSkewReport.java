package dev.beamline.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The serving skew's report: one self-contained HTML page (inline CSS, no script) of {@value
 * ServingSkewDocument#FILE}: what was compared with what, the training features missing from the log, then
 * per window (all versions, then each version) a table of every feature's distance and threshold, the
 * drifting features named first and outlined in red. Every string from the document is escaped.
 *
 * <pre>{@code
 * String html = ServingSkewReport.render(doc);
 * }</pre>
 */
public final class ServingSkewReport {
  public static final String FILE = "report.html";
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();

  private ServingSkewReport() {}

  public static String render(JsonNode doc) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Serving skew: ").append(e(doc.path("model").asText()))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0 1.5em}"
            + "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}td.n{text-align:right}tr.drift td{background:#fdd}"
            + "section.drift{border-left:4px solid #c00;padding-left:1em}.muted{color:#666}</style></head><body>\n");
    b.append("<h1>Serving skew of ").append(e(doc.path("model").asText())).append("</h1>\n");
    b.append("<p>Logged inputs per ").append(e(doc.path("window").asText())).append(" window against the <b>")
        .append(e(doc.path("baseline_split").asText())).append("</b> split of <code>").append(e(doc.path("training_statistics").asText()))
        .append("</code>, by validation's skew check: L-infinity distance for categorical features (threshold ")
        .append(doc.path("thresholds").path("categorical").asDouble()).append("), Jensen-Shannon divergence for numeric ones (threshold ")
        .append(doc.path("thresholds").path("numeric").asDouble()).append(").</p>\n");
    b.append("<p>").append(doc.path("totals").path("windows_with_skew").asLong()).append(" of ").append(doc.path("totals").path("windows").asLong())
        .append(" window(s) drift.</p>\n<ul>\n");
    b.append("<li>compared: ").append(list(doc.path("logged_inputs"))).append("</li>\n");
    b.append("<li>training features not in the log: ").append(list(doc.path("missing_features"))).append("</li>\n");
    b.append("<li>not expected in the log (the label): ").append(list(doc.path("not_expected"))).append("</li>\n");
    b.append("<li>logged columns that are not training features (ignored): ").append(list(doc.path("ignored_columns"))).append("</li>\n</ul>\n");
    for (JsonNode w : doc.path("windows")) {
      boolean drift = !w.path("drifting").isEmpty();
      b.append("<section").append(drift ? " class=\"drift\"" : "").append("><h2>").append(e(w.path("window").asText()))
          .append(w.path("version").isNull() ? ", all versions" : ", version " + w.path("version").asLong()).append("</h2>\n<p>")
          .append(w.path("rows").asLong()).append(" logged row(s). ");
      b.append(drift ? "<b>Drifting: " + list(w.path("drifting")) + "</b>" : "No feature drifts.");
      if (!w.path("missing").isEmpty()) {
        b.append(" Missing: ").append(list(w.path("missing"))).append('.');
      }
      b.append("</p>\n<table><tr><th>feature</th><th>distance</th><th>value</th><th>threshold</th></tr>\n");
      List<JsonNode> rows = new ArrayList<>();
      w.path("features").forEach(f -> {
        if (f.path("drift").asBoolean()) {
          rows.add(f);
        }
      });
      w.path("features").forEach(f -> {
        if (!f.path("drift").asBoolean()) {
          rows.add(f);
        }
      });
      for (JsonNode f : rows) {
        b.append("<tr").append(f.path("drift").asBoolean() ? " class=\"drift\"" : "").append("><td>").append(e(f.path("feature").asText()))
            .append("</td><td>").append(e(f.path("distance").asText())).append("</td><td class=\"n\">")
            .append(String.format(Locale.ROOT, "%.4f", f.path("value").asDouble())).append("</td><td class=\"n\">")
            .append(f.path("threshold").asDouble()).append("</td></tr>\n");
      }
      for (JsonNode u : w.path("not_compared")) {
        b.append("<tr><td>").append(e(u.path("feature").asText())).append("</td><td colspan=\"3\" class=\"muted\">not compared: ")
            .append(e(u.path("reason").asText())).append("</td></tr>\n");
      }
      b.append("</table></section>\n");
    }
    return b.append("</body></html>\n").toString();
  }

  private static String list(JsonNode names) {
    if (names.isEmpty()) {
      return "<span class=\"muted\">none</span>";
    }
    List<String> out = new ArrayList<>();
    names.forEach(n -> out.add(e(n.asText())));
    return String.join(", ", out);
  }

  private static String e(String s) {
    return HTML.escape(s);
  }
}
