package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkArgument;
import static dev.beamline.evaluation.report.Json.DASH;
import static dev.beamline.evaluation.report.Json.elements;
import static dev.beamline.evaluation.report.Json.fields;
import static dev.beamline.evaluation.report.Json.isMissing;
import static dev.beamline.evaluation.report.Json.isNumber;
import static dev.beamline.evaluation.report.Json.number;
import static dev.beamline.evaluation.report.Json.object;
import static dev.beamline.evaluation.report.Json.orDash;
import static dev.beamline.evaluation.report.Json.strings;
import static dev.beamline.evaluation.report.Json.text;
import static dev.beamline.evaluation.report.Json.value;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.training.PrivacyGuarantee;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The model evaluation report: one self-contained HTML page (inline CSS and SVG, no script, no network) of what
 * the evaluate stage measured and what the blessing decided. It shows the model (with its differential-privacy
 * guarantee) and data, the verdict with every
 * check, the overall metrics against the baseline's, the ROC, precision-recall and calibration curves and the
 * confusion matrix of a classifier (the residual quantiles of a regression model), the metrics of every slice
 * with their confidence intervals, and the bias gaps per sensitive feature. The look is the statistics report's
 * ({@code dev.beamline.validation.StatisticsReport}), so that the two read as one product.
 *
 * <p>The input is the evaluate stage's {@code metrics.json} and the blessing's {@code blessing.json}, as trees:
 * every part but the root object may be missing or null, and its section then says "not computed" or is left
 * out. Every string from them (class names, slice values, messages) is escaped.
 *
 * <pre>{@code
 * ObjectMapper json = new ObjectMapper();
 * String html = EvaluationReport.render(json.readTree(metricsFile), json.readTree(blessingFile));
 * Files.writeString(dir.resolve("report.html"), html);
 * }</pre>
 */
public final class EvaluationReport {
  /** The slice table's columns for a classifier, in order; those no slice has are left out. */
  private static final List<String> CLASSIFICATION_COLUMNS = List.of("accuracy", "f1_macro", "roc_auc", "log_loss");
  /** The same for a regression model. */
  private static final List<String> REGRESSION_COLUMNS = List.of("rmse", "mae", "r2");

  private EvaluationReport() {}

  /**
   * The page for {@code metrics} (the root object of {@code metrics.json}) and {@code blessing} (that of {@code
   * blessing.json}; null when the model was not validated).
   *
   * @throws IllegalArgumentException when {@code metrics} is not a JSON object
   */
  public static String render(JsonNode metrics, JsonNode blessing) {
    checkArgument(metrics != null && metrics.isObject(), "metrics must be the JSON object of metrics.json, got %s",
        metrics == null ? null : metrics.getNodeType());
    JsonNode verdict = blessing != null && blessing.isObject() ? blessing : null;
    boolean regression = "regression".equals(text(metrics.get("task")));
    List<String> classes = strings(metrics.get("classes"));
    JsonNode overall = overall(metrics.get("slices"));
    String label = text(metrics.get("label"));

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
        .append(label == null ? "" : e(label) + " — ")
        .append("Beamline evaluation report</title>\n<style>\n")
        .append(CSS)
        .append("</style></head><body>\n");
    header(h, metrics, classes, label);
    blessing(h, verdict);
    overallMetrics(h, overall, classes, metrics.get("min_slice_size"));
    if (regression) {
      residuals(h, overall, metrics.get("slices"));
    } else {
      curves(h, overall, classes);
      calibration(h, overall, classes);
      confusion(h, overall);
      thresholds(h, overall, classes);
    }
    slices(h, metrics, regression);
    BiasSection.write(h, metrics.get("bias"), verdict == null ? null : verdict.get("bias"), metrics.get("slices"));
    h.append("</body></html>\n");
    return h.toString();
  }

  private static void header(StringBuilder h, JsonNode metrics, List<String> classes, String label) {
    String task = text(metrics.get("task"));
    h.append("<header id=\"summary\">\n<h1>Model evaluation");
    if (label != null) {
      h.append(": ").append(e(label));
    }
    h.append("</h1>\n<table class=\"summary\">\n");
    JsonNode model = metrics.get("model");
    String modelCell = artifact(model);
    h.append("<tr><th>model</th><td>").append(modelCell.isEmpty() ? DASH : modelCell).append("</td></tr>\n");
    if (model != null && model.isObject() && model.path("privacy").isObject()) {
      h.append("<tr><th>privacy</th><td>").append(privacy(model.get("privacy"))).append("</td></tr>\n");
    }

    JsonNode data = metrics.get("data");
    StringBuilder d = new StringBuilder(artifact(data));
    if (data != null && data.isObject()) {
      List<String> parts = new ArrayList<>();
      if (text(data.get("split")) != null) {
        parts.add("split <b>" + e(text(data.get("split"))) + "</b>");
      }
      if (isNumber(data.get("examples"))) {
        parts.add(value(data.get("examples")) + " examples");
      }
      // Rows the model could not score, or without a label, are left out of every metric: a warning when there are any.
      for (String[] count : new String[][] {{"unscored", " unscored rows"}, {"unlabelled", " unlabelled rows"}}) {
        JsonNode n = data.get(count[0]);
        if (isNumber(n) && (n.asDouble() > 0 || count[0].equals("unscored"))) {
          boolean warn = n.asDouble() > 0;
          parts.add((warn ? "<span class=\"warn\">" : "") + value(n) + count[1] + (warn ? "</span>" : ""));
        }
      }
      if (!parts.isEmpty()) {
        d.append(d.length() == 0 ? "" : "; ").append(String.join(", ", parts));
      }
    }
    h.append("<tr><th>data</th><td>").append(d.length() == 0 ? DASH : d).append("</td></tr>\n");
    h.append("<tr><th>task</th><td>").append(task == null ? DASH : e(task)).append("</td></tr>\n");
    h.append("<tr><th>label</th><td>").append(label == null ? DASH : e(label)).append("</td></tr>\n");
    if (!classes.isEmpty()) {
      h.append("<tr><th>classes</th><td>");
      for (int i = 0; i < classes.size(); i++) {
        h.append(i == 0 ? "" : ", ").append("<span class=\"swatch\" style=\"background:").append(Svg.color(i)).append("\"></span>")
            .append(e(classes.get(i)));
      }
      h.append("</td></tr>\n");
    }
    JsonNode baseline = metrics.get("baseline");
    h.append("<tr><th>baseline</th><td>").append(isMissing(baseline) ? "no baseline" : artifact(baseline)).append("</td></tr>\n");
    if (baseline != null && baseline.isObject() && baseline.path("privacy").isObject()) {
      h.append("<tr><th>baseline privacy</th><td>").append(privacy(baseline.get("privacy"))).append("</td></tr>\n");
    }
    h.append("<tr><th>slicing</th><td>").append(slicing(metrics)).append("</td></tr>\n");
    h.append("</table>\n</header>\n");
  }

  /**
   * A model's differential-privacy guarantee ({@link PrivacyGuarantee#toJson}) in words: {@code Differential
   * privacy: ε = 1.500 at δ = 1.00e-05 per training row (DP-SGD)}, or {@code Not differentially private (ε = ∞)}.
   */
  static String privacy(JsonNode node) {
    PrivacyGuarantee g = PrivacyGuarantee.fromJson(node);
    if (!g.isPrivate()) {
      return "Not differentially private (ε = ∞)";
    }
    return String.format(Locale.ROOT, "Differential privacy: ε = %s at δ = %.3g per training row (DP-SGD)",
        PrivacyGuarantee.epsilonText(g.epsilon()), g.delta());
  }

  /** An artifact reference: its URI and fingerprint when it is an object, its text otherwise. */
  private static String artifact(JsonNode node) {
    if (isMissing(node)) {
      return "";
    }
    if (!node.isObject()) {
      return "<code>" + e(node.asText()) + "</code>";
    }
    List<String> parts = new ArrayList<>();
    if (text(node.get("uri")) != null) {
      parts.add("<code>" + e(text(node.get("uri"))) + "</code>");
    }
    if (text(node.get("fingerprint")) != null) {
      parts.add("fingerprint <code class=\"fingerprint\">" + e(text(node.get("fingerprint"))) + "</code>");
    }
    if (text(node.get("artifact_id")) != null) {
      parts.add("artifact " + e(text(node.get("artifact_id"))));
    }
    return String.join(", ", parts);
  }

  private static String slicing(JsonNode metrics) {
    JsonNode slices = metrics.get("slices");
    StringBuilder s = new StringBuilder();
    s.append(slices != null && slices.isArray() ? slices.size() + " slice" + (slices.size() == 1 ? "" : "s") : "no slices");
    List<String> specs = strings(metrics.get("slice_specs"));
    if (!specs.isEmpty()) {
      s.append(" (by ").append(e(String.join("; ", specs))).append(')');
    }
    if (isNumber(metrics.get("min_slice_size"))) {
      s.append(", at least ").append(value(metrics.get("min_slice_size"))).append(" examples each to be measured");
    }
    JsonNode bootstrap = metrics.get("bootstrap");
    s.append("; confidence intervals: ");
    if (bootstrap != null && bootstrap.isObject() && bootstrap.path("samples").asDouble() > 0) {
      JsonNode confidence = bootstrap.get("confidence");
      s.append(isNumber(confidence) ? Format.number(100 * confidence.asDouble()) + "% " : "").append("bootstrap, ")
          .append(value(bootstrap.get("samples"))).append(" samples");
      if (!isMissing(bootstrap.get("seed"))) {
        s.append(", seed ").append(value(bootstrap.get("seed")));
      }
    } else {
      s.append("not computed");
    }
    return s.toString();
  }

  private static void blessing(StringBuilder h, JsonNode blessing) {
    h.append("<section id=\"blessing\">\n<h2>Blessing</h2>\n");
    if (blessing == null) {
      h.append("<div class=\"verdict unknown\">NOT VALIDATED</div>\n<p class=\"note\">No blessing was given: the model was not"
          + " checked against thresholds.</p>\n</section>\n");
      return;
    }
    JsonNode blessed = blessing.get("blessed");
    if (blessed != null && blessed.isBoolean()) {
      h.append(blessed.asBoolean() ? "<div class=\"verdict blessed\">BLESSED</div>\n" : "<div class=\"verdict not-blessed\">NOT BLESSED</div>\n");
    } else {
      h.append("<div class=\"verdict unknown\">NO VERDICT</div>\n");
    }
    if (text(blessing.get("note")) != null) {
      h.append("<p class=\"note\">").append(e(text(blessing.get("note")))).append("</p>\n");
    }

    List<JsonNode> rows = new ArrayList<>();
    elements(blessing.get("checks")).forEach(rows::add);
    elements(blessing.get("bias")).forEach(rows::add);
    if (rows.isEmpty()) {
      h.append("<p>No checks were configured.</p>\n</section>\n");
      return;
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (JsonNode r : rows) {
      counts.merge(status(r), 1, Integer::sum);
    }
    List<String> tally = new ArrayList<>();
    counts.forEach((status, n) -> tally.add(n + " " + status));
    h.append("<p class=\"tally\">").append(rows.size()).append(rows.size() == 1 ? " check: " : " checks: ")
        .append(e(String.join(", ", tally))).append(".</p>\n");
    h.append("<table class=\"checks\"><tr><th>status</th><th>check</th><th>metric</th><th>slice or feature</th><th>value</th>"
        + "<th>baseline</th><th>bound</th><th>message</th></tr>\n");
    for (JsonNode r : rows) {
      boolean bias = r.has("feature");
      String status = status(r);
      h.append("<tr class=\"check ").append(statusClass(status)).append("\"><td class=\"status\">")
          .append(e(status.toUpperCase(Locale.ROOT))).append("</td><td class=\"kind\">").append(e(bias ? "bias gap" : orDash(text(r.get("kind")))))
          .append("</td><td>").append(e(orDash(text(r.get("metric"))))).append("</td><td>")
          .append(e(orDash(text(r.get(bias ? "feature" : "slice"))))).append("</td><td class=\"num\">")
          .append(value(r.get(bias ? "gap" : "value"))).append("</td><td class=\"num\">").append(value(r.get("baseline")))
          .append("</td><td class=\"bound\">");
      if (bias) {
        h.append(isMissing(r.get("threshold")) ? DASH : "gap &le; " + value(r.get("threshold")));
      } else {
        h.append(e(orDash(text(r.get("bound")))));
      }
      h.append("</td><td class=\"message\">").append(e(orDash(text(r.get("message"))))).append("</td></tr>\n");
    }
    h.append("</table>\n</section>\n");
  }

  /** A check's status in lower case; "unknown" without one. */
  static String status(JsonNode check) {
    String s = text(check.get("status"));
    return s == null ? "unknown" : s.toLowerCase(Locale.ROOT);
  }

  /** A CSS class for a check's status: only the three known ones, never the raw (user-supplied) string. */
  static String statusClass(String status) {
    return switch (status) {
      case "passed", "failed", "skipped" -> status;
      default -> "unknown";
    };
  }

  private static void overallMetrics(StringBuilder h, JsonNode overall, List<String> classes, JsonNode min) {
    h.append("<section id=\"overall\">\n<h2>Overall metrics</h2>\n");
    JsonNode metrics = overall == null ? null : overall.get("metrics");
    if (metrics == null || !metrics.isObject()) {
      h.append(overall != null && overall.path("too_small").asBoolean(false) ? "<p class=\"absent\">" + tooFew(overall, min) + "</p>\n"
          : "<p class=\"absent\">not computed</p>\n");
      h.append("</section>\n");
      return;
    }
    JsonNode intervals = object(overall.get("intervals"));
    JsonNode baseline = object(overall.get("baseline_metrics"));
    h.append("<table class=\"metrics\"><tr><th>metric</th><th>value</th>");
    if (intervals != null) {
      h.append("<th>interval</th>");
    }
    if (baseline != null) {
      h.append("<th>baseline</th><th>difference</th>");
    }
    h.append("</tr>\n");
    for (Map.Entry<String, JsonNode> m : fields(metrics)) {
      if (m.getKey().contains("/")) {
        // Per-class values ("precision/Adelie") go to the per-class table.
        continue;
      }
      h.append("<tr><th>").append(e(m.getKey())).append("</th><td>").append(value(m.getValue())).append("</td>");
      if (intervals != null) {
        h.append("<td>").append(interval(intervals.get(m.getKey()))).append("</td>");
      }
      if (baseline != null) {
        JsonNode b = baseline.get(m.getKey());
        h.append("<td>").append(value(b)).append("</td><td>")
            .append(isNumber(b) && isNumber(m.getValue()) ? Format.signed(m.getValue().asDouble() - b.asDouble()) : DASH).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
    perClass(h, overall, metrics, classes);
    h.append("</section>\n");
  }

  /** A table of the per-class values: {@code per_class}'s, then those of the overall metrics named {@code metric/class}. */
  private static void perClass(StringBuilder h, JsonNode overall, JsonNode metrics, List<String> classes) {
    Map<String, Map<String, JsonNode>> rows = new LinkedHashMap<>();
    classes.forEach(c -> rows.put(c, new LinkedHashMap<>()));
    Set<String> columns = new LinkedHashSet<>();
    JsonNode perClass = object(overall.get("per_class"));
    if (perClass != null) {
      for (Map.Entry<String, JsonNode> c : fields(perClass)) {
        for (Map.Entry<String, JsonNode> m : fields(c.getValue())) {
          columns.add(m.getKey());
          rows.computeIfAbsent(c.getKey(), k -> new LinkedHashMap<>()).put(m.getKey(), m.getValue());
        }
      }
    }
    for (Map.Entry<String, JsonNode> m : fields(metrics)) {
      int slash = m.getKey().indexOf('/');
      if (slash > 0) {
        String metric = m.getKey().substring(0, slash);
        columns.add(metric);
        rows.computeIfAbsent(m.getKey().substring(slash + 1), k -> new LinkedHashMap<>()).putIfAbsent(metric, m.getValue());
      }
    }
    if (columns.isEmpty()) {
      return;
    }
    h.append("<h3>Per class</h3>\n<table class=\"metrics per-class\"><tr><th>class</th>");
    columns.forEach(c -> h.append("<th>").append(e(c)).append("</th>"));
    h.append("</tr>\n");
    for (Map.Entry<String, Map<String, JsonNode>> r : rows.entrySet()) {
      h.append("<tr><th>").append(e(r.getKey())).append("</th>");
      columns.forEach(c -> h.append("<td>").append(value(r.getValue().get(c))).append("</td>"));
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static void curves(StringBuilder h, JsonNode overall, List<String> classes) {
    h.append("<section id=\"curves\">\n<h2>ROC and precision-recall curves</h2>\n");
    JsonNode curves = overall == null ? null : object(overall.get("curves"));
    if (curves == null || curves.isEmpty()) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    JsonNode metrics = object(overall.get("metrics"));
    List<String> keys = ordered(curves, classes);
    boolean single = keys.size() == 1;
    LineChart roc = LineChart.of("ROC curve", "false positive rate", "true positive rate").withDiagonal();
    LineChart pr = LineChart.of("precision-recall curve", "recall", "precision");
    for (String k : keys) {
      int color = colorOf(k, classes, keys);
      roc = roc.withSeries(k + auc(metrics, "roc_auc/" + k, " (", ")"), points(curves.get(k).get("roc"), "fpr", "tpr"), color);
      pr = pr.withSeries(k + auc(metrics, "pr_auc/" + k, " (", ")"), points(curves.get(k).get("pr"), "recall", "precision"), color);
    }
    // One curve: the legend would repeat the caption, so the caption names the class and the area under the curve.
    String of = single ? " of " + e(keys.get(0)) + (classes.size() == 2 ? " (the positive class)" : "") : ", each class against the rest";
    h.append("<div class=\"charts\">\n<figure>").append(roc.render()).append("<figcaption>ROC curve").append(of)
        .append(single ? auc(metrics, "roc_auc", ", ", "") : "").append(". Dashed: a random ranking.</figcaption></figure>\n");
    h.append("<figure>").append(pr.render()).append("<figcaption>Precision-recall curve").append(of)
        .append(single ? auc(metrics, "pr_auc", ", ", "") : "").append(".</figcaption></figure>\n</div>\n");
    h.append("</section>\n");
  }

  /** "AUC 0.97" between {@code before} and {@code after} when {@code metrics} has {@code key}, else nothing. */
  private static String auc(JsonNode metrics, String key, String before, String after) {
    JsonNode v = metrics == null ? null : metrics.get(key);
    return isNumber(v) ? before + "AUC " + Format.number(v.asDouble()) + after : "";
  }

  private static void calibration(StringBuilder h, JsonNode overall, List<String> classes) {
    h.append("<section id=\"calibration\">\n<h2>Calibration</h2>\n");
    JsonNode calibration = overall == null ? null : object(overall.get("calibration"));
    List<String> keys = new ArrayList<>();
    if (calibration != null) {
      for (String k : ordered(calibration, classes)) {
        if (elements(calibration.get(k).get("bins")).iterator().hasNext()) {
          keys.add(k);
        }
      }
    }
    if (keys.isEmpty()) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    h.append("<p class=\"explain\">Per bin of predicted probability, the mean prediction against the fraction of positives;"
        + " dashed: perfect calibration. Under each plot, the weight of every bin.</p>\n<div class=\"charts\">\n");
    for (String k : keys) {
      JsonNode c = calibration.get(k);
      List<CalibrationChart.Bin> bins = new ArrayList<>();
      for (JsonNode b : elements(c.get("bins"))) {
        bins.add(new CalibrationChart.Bin(number(b.get("lower")), number(b.get("upper")), number(b.get("weight")),
            number(b.get("mean_prediction")), number(b.get("fraction_positive"))));
      }
      h.append("<figure>").append(new CalibrationChart(k, colorOf(k, classes, keys), bins).render()).append("<figcaption>")
          .append(e(k)).append(": mean prediction ").append(value(c.get("mean_prediction"))).append(", observed ")
          .append(value(c.get("mean_label"))).append("</figcaption></figure>\n");
    }
    h.append("</div>\n</section>\n");
  }

  private static void confusion(StringBuilder h, JsonNode overall) {
    h.append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n");
    JsonNode matrix = overall == null ? null : object(overall.get("confusion_matrix"));
    List<String> labels = matrix == null ? List.of() : strings(matrix.get("labels"));
    double[][] counts = matrix == null ? null : matrix(matrix.get("counts"), labels.size());
    if (labels.isEmpty() || counts == null) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    h.append("<p class=\"explain\">Rows: true classes; columns: predicted. Each cell: the count and its share of the row;"
        + " blue on the diagonal, red off it.</p>\n");
    h.append(Heatmap.confusionMatrix(labels, counts)).append("</section>\n");
  }

  /** {@code node} as an n by n matrix of numbers, or null when it is not one. */
  private static double[][] matrix(JsonNode node, int n) {
    if (node == null || !node.isArray() || node.size() != n) {
      return null;
    }
    double[][] m = new double[n][];
    for (int r = 0; r < n; r++) {
      JsonNode row = node.get(r);
      if (!row.isArray() || row.size() != n) {
        return null;
      }
      m[r] = new double[n];
      for (int c = 0; c < n; c++) {
        m[r][c] = number(row.get(c));
      }
    }
    return m;
  }

  private static void thresholds(StringBuilder h, JsonNode overall, List<String> classes) {
    JsonNode thresholds = overall == null ? null : overall.get("thresholds");
    boolean binary = classes.size() == 2;
    if ((thresholds == null || !thresholds.isArray() || thresholds.isEmpty()) && !binary) {
      return;
    }
    h.append("<section id=\"thresholds\">\n<h2>Metrics at thresholds</h2>\n");
    if (thresholds == null || !thresholds.isArray() || thresholds.isEmpty()) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    Set<String> columns = new LinkedHashSet<>();
    columns.add("threshold");
    thresholds.forEach(t -> fields(t).forEach(f -> columns.add(f.getKey())));
    h.append("<p class=\"explain\">The metrics when the positive class is predicted at or above each threshold.</p>\n");
    h.append("<table class=\"metrics thresholds\"><tr>");
    columns.forEach(c -> h.append("<th>").append(e(c)).append("</th>"));
    h.append("</tr>\n");
    for (JsonNode t : thresholds) {
      h.append("<tr>");
      columns.forEach(c -> h.append("<td>").append(value(t.get(c))).append("</td>"));
      h.append("</tr>\n");
    }
    h.append("</table>\n</section>\n");
  }

  private static void residuals(StringBuilder h, JsonNode overall, JsonNode slices) {
    h.append("<section id=\"residuals\">\n<h2>Residuals</h2>\n");
    JsonNode quantiles = overall == null ? null : overall.path("residuals").get("quantiles");
    if (quantiles == null || !quantiles.isArray() || quantiles.isEmpty()) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    List<BarChart.Bar> bars = new ArrayList<>();
    for (JsonNode q : quantiles) {
      bars.add(new BarChart.Bar(quantileName(q.get("p")), number(q.get("value"))));
    }
    h.append("<p class=\"explain\">Quantiles of label minus prediction: above zero the model predicts too low, below too high.</p>\n");
    h.append("<figure>").append(new BarChart("residual quantiles, overall", "quantile", "label \u2212 prediction", bars).render())
        .append("<figcaption>Residual quantiles of ").append(e(orDash(text(overall.get("slice"))))).append("</figcaption></figure>\n");

    // One row per measured slice, its quantiles in the overall slice's order.
    Set<String> columns = new LinkedHashSet<>();
    for (JsonNode q : quantiles) {
      columns.add(quantileName(q.get("p")));
    }
    h.append("<h3>By slice</h3>\n<table class=\"metrics residuals\"><tr><th>slice</th>");
    columns.forEach(c -> h.append("<th>").append(e(c)).append("</th>"));
    h.append("</tr>\n");
    for (JsonNode s : elements(slices)) {
      JsonNode qs = s.path("residuals").get("quantiles");
      if (qs == null || !qs.isArray()) {
        continue;
      }
      Map<String, JsonNode> byName = new LinkedHashMap<>();
      qs.forEach(q -> byName.put(quantileName(q.get("p")), q.get("value")));
      h.append("<tr><th>").append(e(orDash(text(s.get("slice"))))).append("</th>");
      columns.forEach(c -> h.append("<td>").append(value(byName.get(c))).append("</td>"));
      h.append("</tr>\n");
    }
    h.append("</table>\n</section>\n");
  }

  /** "p5" for probability 0.05, "p2.5" for 0.025. */
  static String quantileName(JsonNode p) {
    return isNumber(p) ? "p" + Format.number(100 * p.asDouble()) : "p?";
  }

  private static void slices(StringBuilder h, JsonNode metrics, boolean regression) {
    h.append("<section id=\"slices\">\n<h2>Metrics by slice</h2>\n");
    JsonNode slices = metrics.get("slices");
    if (slices == null || !slices.isArray() || slices.isEmpty()) {
      h.append("<p class=\"absent\">not computed</p>\n</section>\n");
      return;
    }
    List<String> columns = new ArrayList<>();
    boolean anyInterval = false;
    boolean anyBaseline = false;
    boolean weighted = false;
    for (String c : regression ? REGRESSION_COLUMNS : CLASSIFICATION_COLUMNS) {
      for (JsonNode s : slices) {
        if (object(s.get("metrics")) != null && s.get("metrics").has(c)) {
          columns.add(c);
          break;
        }
      }
    }
    for (JsonNode s : slices) {
      anyInterval |= object(s.get("intervals")) != null;
      anyBaseline |= object(s.get("baseline_metrics")) != null;
      weighted |= isNumber(s.get("weighted_count")) && isNumber(s.get("example_count"))
          && s.get("weighted_count").asDouble() != s.get("example_count").asDouble();
    }
    if (anyInterval || anyBaseline) {
      h.append("<p class=\"explain\">")
          .append(anyInterval ? "In brackets: the confidence interval. " : "")
          .append(anyBaseline ? "Under each value: its difference from the baseline model's." : "").append("</p>\n");
    }
    h.append("<table class=\"metrics slices\"><tr><th>slice</th><th>examples</th>").append(weighted ? "<th>weight</th>" : "");
    columns.forEach(c -> h.append("<th>").append(e(c)).append("</th>"));
    h.append("</tr>\n");
    JsonNode min = metrics.get("min_slice_size");
    for (JsonNode s : slices) {
      JsonNode values = object(s.get("metrics"));
      boolean tooSmall = s.path("too_small").asBoolean(false);
      h.append("<tr class=\"slice").append(tooSmall ? " too-small" : "").append("\"><th>").append(e(orDash(text(s.get("slice")))))
          .append("</th><td>").append(value(s.get("example_count"))).append("</td>")
          .append(weighted ? "<td>" + value(s.get("weighted_count")) + "</td>" : "");
      if (tooSmall || values == null) {
        h.append("<td class=\"too-few\" colspan=\"").append(Math.max(1, columns.size())).append("\">")
            .append(tooSmall ? tooFew(s, min) : "not computed").append("</td>");
      } else {
        JsonNode intervals = object(s.get("intervals"));
        JsonNode baseline = object(s.get("baseline_metrics"));
        for (String c : columns) {
          JsonNode v = values.get(c);
          h.append("<td>").append(value(v));
          if (intervals != null && intervals.has(c)) {
            h.append(" <span class=\"ci\">").append(interval(intervals.get(c))).append("</span>");
          }
          if (baseline != null && isNumber(baseline.get(c)) && isNumber(v)) {
            h.append("<br><span class=\"delta\">").append(Format.signed(v.asDouble() - baseline.get(c).asDouble())).append("</span>");
          }
          h.append("</td>");
        }
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n</section>\n");
  }

  /** "too few examples (3 &lt; 10)": why a slice has no metrics. */
  private static String tooFew(JsonNode slice, JsonNode min) {
    JsonNode n = slice.get("example_count");
    if (isNumber(n) && isNumber(min)) {
      return "too few examples (" + value(n) + " &lt; " + value(min) + ")";
    }
    return "too few examples" + (isNumber(n) ? " (" + value(n) + ")" : "");
  }

  /** The slice named "overall", else the first without features, else the first; null without slices. */
  private static JsonNode overall(JsonNode slices) {
    JsonNode firstWithoutFeatures = null;
    for (JsonNode s : elements(slices)) {
      if ("overall".equals(text(s.get("slice")))) {
        return s;
      }
      if (firstWithoutFeatures == null && (s.get("features") == null || s.get("features").isEmpty())) {
        firstWithoutFeatures = s;
      }
    }
    if (firstWithoutFeatures != null) {
      return firstWithoutFeatures;
    }
    return slices != null && slices.isArray() && !slices.isEmpty() && slices.get(0).isObject() ? slices.get(0) : null;
  }

  /** The keys of {@code byClass}: the classes' order first, so that colours match the class list, then the rest. */
  private static List<String> ordered(JsonNode byClass, List<String> classes) {
    List<String> keys = new ArrayList<>();
    for (String c : classes) {
      if (object(byClass.get(c)) != null) {
        keys.add(c);
      }
    }
    for (Map.Entry<String, JsonNode> f : fields(byClass)) {
      if (!keys.contains(f.getKey()) && f.getValue().isObject()) {
        keys.add(f.getKey());
      }
    }
    return keys;
  }

  /**
   * A class's colour number: its place in the class list, so that one class has one colour on the whole page; a key
   * that is no listed class comes after them, in its chart's order.
   */
  private static int colorOf(String key, List<String> classes, List<String> keys) {
    int i = classes.indexOf(key);
    return i >= 0 ? i : classes.size() + keys.indexOf(key);
  }

  private static List<double[]> points(JsonNode curve, String x, String y) {
    List<double[]> points = new ArrayList<>();
    for (JsonNode p : elements(curve)) {
      points.add(new double[] {number(p.get(x)), number(p.get(y))});
    }
    return points;
  }

  /** "[0.87, 0.95]" from a pair or an object with lower and upper; a dash otherwise. */
  private static String interval(JsonNode i) {
    if (i != null && i.isArray() && i.size() == 2) {
      return "[" + value(i.get(0)) + ", " + value(i.get(1)) + "]";
    }
    if (i != null && i.isObject() && i.has("lower") && i.has("upper")) {
      return "[" + value(i.get("lower")) + ", " + value(i.get("upper")) + "]";
    }
    return DASH;
  }

  static String e(String s) {
    return Format.html(s);
  }

  /** The statistics report's style, with the verdict, the check statuses, slices and bias cards added. */
  private static final String CSS =
      "body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222;max-width:1200px}\n"
          + "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}h4{margin:.3em 0}\n"
          + ".swatch{display:inline-block;width:.8em;height:.8em;margin-right:.3em}\n"
          + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}\n"
          + "th{background:#f4f4f4}\n"
          + "table.summary th,table.summary td{text-align:left}table.summary th{width:7em}\n"
          + "table.checks{width:100%}table.checks th,table.checks td{text-align:left}table.checks td.num{text-align:right}"
          + "table.checks td.bound,table.checks td.kind{white-space:nowrap}\n"
          + "code{font-size:.95em}code.fingerprint{word-break:break-all}.warn{color:#9a6700;font-weight:bold}\n"
          + ".verdict{display:inline-block;font-size:1.8em;font-weight:bold;letter-spacing:.05em;padding:.3em 1em;border-radius:6px;"
          + "margin:.3em 0}\n"
          + ".verdict.blessed{color:#2a7d2a;background:#e8f5e9;border:2px solid #2a7d2a}\n"
          + ".verdict.not-blessed{color:#b00020;background:#fde8ea;border:2px solid #b00020}\n"
          + ".verdict.unknown{color:#555;background:#f4f4f4;border:2px solid #999}\n"
          + ".note{font-style:italic;color:#444}.explain{color:#555}.absent{color:#777;font-style:italic}\n"

          + "tr.failed td{background:#fde8ea}tr.failed td.status,.bias-card.failed .status{color:#b00020;font-weight:bold}\n"
          + "tr.passed td.status,.bias-card.passed .status{color:#2a7d2a;font-weight:bold}\n"
          + "tr.skipped td{color:#777;background:#fafafa}tr.skipped td.status{font-style:italic}\n"
          + "table.metrics th:first-child{text-align:left}.ci{color:#555;white-space:nowrap}.delta{color:#666;font-size:.85em}\n"
          + "tr.too-small th,tr.too-small td{color:#999;background:#f7f7f7}td.too-few{text-align:left;font-style:italic}\n"
          + "table.heatmap td{min-width:5em;text-align:center}table.heatmap tr:first-child th{text-align:center}"
          + "table.heatmap td small{opacity:.85}"
          + "table.heatmap th.corner{font-weight:normal;color:#555;font-size:.85em}table.heatmap td.total{background:#f9f9f9}\n"
          + ".charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}figure{margin:0}"
          + "figcaption{font-size:.85em;color:#555;max-width:480px}svg{display:block}\n"
          + ".bias-grid{display:grid;gap:1em;align-items:start}\n"
          + ".bias-card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em}.bias-card p{margin:.3em 0}\n"
          + ".bias-card.failed{border:2px solid #b00020;background:#fffafa}\n";
}
