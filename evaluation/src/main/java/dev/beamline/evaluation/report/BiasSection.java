package dev.beamline.evaluation.report;

import static dev.beamline.evaluation.report.EvaluationReport.e;
import static dev.beamline.evaluation.report.EvaluationReport.status;
import static dev.beamline.evaluation.report.EvaluationReport.statusClass;
import static dev.beamline.evaluation.report.Json.DASH;
import static dev.beamline.evaluation.report.Json.elements;
import static dev.beamline.evaluation.report.Json.fields;
import static dev.beamline.evaluation.report.Json.isNumber;
import static dev.beamline.evaluation.report.Json.number;
import static dev.beamline.evaluation.report.Json.orDash;
import static dev.beamline.evaluation.report.Json.text;
import static dev.beamline.evaluation.report.Json.value;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's bias section: per sensitive feature, a card per metric with the groups' values as a bar chart, the
 * gap, and the blessing's threshold and verdict when it checked that gap (failed cards framed in red, the groups
 * beyond the allowed band in red). The gaps come from {@code metrics.json}; a checked gap that the metrics do not
 * list is still shown, from the blessing's own copy of its values.
 *
 * <pre>{@code
 * StringBuilder page = new StringBuilder();
 * BiasSection.write(page, metrics.get("bias"), blessing == null ? null : blessing.get("bias"));
 * }</pre>
 */
final class BiasSection {
  private static final String FAILED_COLOR = "#b00020";
  /** A bias card's padding and border, both sides: 1em of 16px and 2px each. */
  private static final double CARD_PADDING = 36;

  private BiasSection() {}

  /** A bias gap to show: the metrics' entry, with the blessing's threshold and status when it checked that gap. */
  private record Gap(JsonNode values, JsonNode check) {}

  /** Appends the section for the metrics' {@code measured} gaps and the blessing's {@code checked} ones (either may be null). */
  static void write(StringBuilder h, JsonNode measured, JsonNode checked) {
    write(h, measured, checked, null);
  }

  /**
   * The same, and for each sensitive feature the data side: each group's share of the evaluated rows
   * and its label distribution, from the feature's slices in {@code slices} (may be null).
   */
  static void write(StringBuilder h, JsonNode measured, JsonNode checked, JsonNode slices) {
    h.append("<section id=\"bias\">\n<h2>Bias gaps</h2>\n");
    List<Gap> gaps = new ArrayList<>();
    List<JsonNode> checks = new ArrayList<>();
    elements(checked).forEach(checks::add);
    // By identity: two checks with equal contents are still two checks.
    Set<JsonNode> used = Collections.newSetFromMap(new IdentityHashMap<>());
    for (JsonNode m : gapsOf(measured)) {
      JsonNode check = checks.stream().filter(c -> !used.contains(c) && sameGap(m, c)).findFirst().orElse(null);
      if (check != null) {
        used.add(check);
      }
      gaps.add(new Gap(m, check));
    }
    // A checked gap the metrics do not list still shows, from the blessing's own copy of the values.
    checks.stream().filter(c -> !used.contains(c)).forEach(c -> gaps.add(new Gap(c, c)));
    if (gaps.isEmpty()) {
      h.append("<p class=\"absent\">not computed: no sensitive features were configured</p>\n</section>\n");
      return;
    }
    h.append("<p class=\"explain\">Per sensitive feature, each metric by group. The gap is the highest group's value minus the"
        + " lowest's").append(gaps.stream().anyMatch(g -> g.check() != null)
            ? "; shaded in green, the values that the threshold allows above the lowest group" : "").append(".</p>\n");
    Map<String, List<Gap>> byFeature = new LinkedHashMap<>();
    for (Gap g : gaps) {
      byFeature.computeIfAbsent(orDash(text(g.values().get("feature"))), k -> new ArrayList<>()).add(g);
    }
    for (Map.Entry<String, List<Gap>> f : byFeature.entrySet()) {
      StringBuilder cards = new StringBuilder();
      double widest = 0;
      for (Gap g : f.getValue()) {
        widest = Math.max(widest, biasCard(cards, f.getKey(), g));
      }
      // Columns as wide as the widest chart of the feature and its card's padding: the cards line up in a grid.
      h.append("<h3>").append(e(f.getKey())).append("</h3>\n");
      representation(h, f.getKey(), slices);
      h.append("<div class=\"bias-grid\" style=\"grid-template-columns:"
          + "repeat(auto-fill,minmax(").append(Svg.n(Math.ceil(Math.max(widest, 200) + CARD_PADDING))).append("px,1fr))\">\n")
          .append(cards).append("</div>\n");
    }
    h.append("</section>\n");
  }

  /**
   * A table of the groups of {@code feature}: examples, share of all evaluated examples, and the share
   * of each class among the group's labels (from the slice's per-class support); a group too small for
   * metrics shows its count only. Nothing when the metrics hold no slice of the feature alone.
   */
  private static void representation(StringBuilder h, String feature, JsonNode slices) {
    double all = 0;
    List<JsonNode> groups = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (JsonNode s : elements(slices)) {
      JsonNode features = s.get("features");
      if ("overall".equals(text(s.get("slice")))) {
        all = number(s.get("example_count"));
      } else if (features != null && features.size() == 1 && features.has(feature)) {
        groups.add(s);
        for (Map.Entry<String, JsonNode> c : fields(s.path("per_class"))) {
          if (!classes.contains(c.getKey())) {
            classes.add(c.getKey());
          }
        }
      }
    }
    if (groups.isEmpty()) {
      return;
    }
    h.append("<table class=\"representation\">\n<tr><th>").append(e(feature)).append("</th><th>examples</th><th>share of rows</th>");
    for (String c : classes) {
      h.append("<th>label ").append(e(c)).append("</th>");
    }
    h.append("</tr>\n");
    for (JsonNode g : groups) {
      double n = number(g.get("example_count"));
      h.append("<tr><td>").append(e(orDash(text(g.get("features").get(feature))))).append("</td><td>").append(Svg.n(n))
          .append("</td><td>").append(all > 0 ? Format.percent(n / all) : DASH).append("</td>");
      JsonNode perClass = g.get("per_class");
      double total = 0;
      for (Map.Entry<String, JsonNode> c : fields(perClass)) {
        total += number(c.getValue().get("support"));
      }
      for (String c : classes) {
        JsonNode support = perClass == null ? null : perClass.path(c).get("support");
        h.append("<td>").append(isNumber(support) && total > 0 ? Format.percent(support.asDouble() / total) : DASH).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  /**
   * The metrics' bias gaps as one list, each naming its feature. The evaluate stage writes them per feature, {@code
   * {"feature": "sex", "groups": [...], "gaps": [{"metric": ..., "groups": {...}, "gap": ...}]}}; a flat list of
   * gaps that each carry their feature reads as well.
   */
  private static List<JsonNode> gapsOf(JsonNode measured) {
    List<JsonNode> gaps = new ArrayList<>();
    for (JsonNode entry : elements(measured)) {
      JsonNode perFeature = entry.get("gaps");
      if (perFeature == null || !perFeature.isArray()) {
        gaps.add(entry);
        continue;
      }
      for (JsonNode g : elements(perFeature)) {
        ObjectNode gap = g.deepCopy();
        gap.set("feature", entry.get("feature"));
        gaps.add(gap);
      }
    }
    return gaps;
  }

  /**
   * Whether blessing entry {@code check} is the check of metrics entry {@code m}: the same feature and metric, or the
   * same feature and gap where the check names a metric family ({@code true_positive_rate}) and the metrics one of
   * its per-class members ({@code true_positive_rate/Adelie}).
   */
  private static boolean sameGap(JsonNode m, JsonNode check) {
    String feature = text(m.get("feature"));
    String metric = text(m.get("metric"));
    String checkMetric = text(check.get("metric"));
    if (feature == null || metric == null || checkMetric == null || !feature.equals(text(check.get("feature")))) {
      return false;
    }
    if (metric.equals(checkMetric)) {
      return true;
    }
    return metric.startsWith(checkMetric + "/") && isNumber(m.get("gap")) && isNumber(check.get("gap"))
        && m.get("gap").asDouble() == check.get("gap").asDouble();
  }

  /** Writes the card of one gap; returns the width of its chart (0 without one). */
  private static double biasCard(StringBuilder h, String feature, Gap g) {
    JsonNode v = g.values();
    JsonNode check = g.check();
    String status = check == null ? "unchecked" : status(check);
    String metric = orDash(text(v.get("metric")));
    double threshold = check == null ? Double.NaN : number(check.get("threshold"));
    double low = Double.POSITIVE_INFINITY;
    List<Map.Entry<String, JsonNode>> groups = fields(v.get("groups"));
    for (Map.Entry<String, JsonNode> group : groups) {
      if (isNumber(group.getValue())) {
        low = Math.min(low, group.getValue().asDouble());
      }
    }
    boolean failed = "failed".equals(status);
    double bandHigh = low + threshold;
    List<HorizontalBarChart.Bar> bars = new ArrayList<>();
    for (Map.Entry<String, JsonNode> group : groups) {
      double value = number(group.getValue());
      // A failed check marks the groups beyond the allowed band: those that make the gap too wide.
      bars.add(new HorizontalBarChart.Bar(group.getKey(), value, failed && value > bandHigh ? FAILED_COLOR : Svg.color(0)));
    }
    boolean band = Double.isFinite(low) && Double.isFinite(threshold);
    h.append("<div class=\"bias-card ").append(statusClass(status)).append("\">\n<h4>").append(e(metric)).append("</h4>\n");
    double width = 0;
    if (bars.isEmpty()) {
      h.append("<p class=\"absent\">no group values</p>\n");
    } else {
      HorizontalBarChart chart =
          new HorizontalBarChart(metric + " by " + feature, null, bars, band ? low : Double.NaN, band ? bandHigh : Double.NaN);
      width = chart.width();
      h.append(chart.render()).append('\n');
    }
    // A gap needs two groups that take part; the evaluate stage writes null otherwise.
    h.append(isNumber(v.get("gap")) ? "<p>gap " + value(v.get("gap")) : "<p>no gap: fewer than two groups");
    if (isNumber(v.get("gap")) && text(v.get("max_group")) != null && text(v.get("min_group")) != null) {
      h.append(" (").append(e(text(v.get("max_group")))).append(" &minus; ").append(e(text(v.get("min_group")))).append(")");
    }
    List<Map.Entry<String, JsonNode>> excluded = fields(v.get("excluded"));
    if (!excluded.isEmpty()) {
      List<String> why = new ArrayList<>();
      excluded.forEach(x -> why.add(e(x.getKey()) + " (" + e(orDash(text(x.getValue()))) + ")"));
      h.append("; left out: ").append(String.join(", ", why));
    }
    if (check == null) {
      h.append("; no threshold</p>\n");
    } else {
      h.append("; threshold ").append(value(check.get("threshold"))).append(": <span class=\"status\">")
          .append(e(status.toUpperCase(Locale.ROOT))).append("</span></p>\n");
      if (text(check.get("message")) != null) {
        h.append("<p class=\"message\">").append(e(text(check.get("message")))).append("</p>\n");
      }
    }
    h.append("</div>\n");
    return width;
  }
}
