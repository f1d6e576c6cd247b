package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The page's markup, without a browser: what each section says, escaping, and robustness to missing parts. */
class EvaluationReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode fixture(String name) throws IOException {
    try (InputStream in = EvaluationReportTest.class.getResourceAsStream("/report/" + name)) {
      return JSON.readTree(in);
    }
  }

  private static JsonNode json(String text) throws IOException {
    return JSON.readTree(text);
  }

  @Test
  void userTextIsEscapedEverywhere() throws IOException {
    JsonNode metrics = json("""
        {"task": "classification", "label": "<script>alert(1)</script>", "classes": ["<i>", "B & C"],
         "model": {"uri": "/runs/a&b/1", "fingerprint": "\\"quoted\\""},
         "slices": [
           {"slice": "overall", "features": {}, "example_count": 10, "too_small": false,
            "metrics": {"accuracy": 0.5, "precision/<i>": 0.4},
            "confusion_matrix": {"labels": ["<i>", "B & C"], "counts": [[1, 0], [0, 1]]}},
           {"slice": "island=<b>Biscoe</b> & co", "features": {"island": "<b>Biscoe</b> & co"}, "example_count": 12,
            "too_small": false, "metrics": {"accuracy": 0.75}}],
         "bias": [{"feature": "<sex>", "metric": "accuracy", "groups": {"<M>": 0.9, "F&": 0.8}, "gap": 0.1}]}
        """);
    JsonNode blessing = json("""
        {"blessed": false, "note": "<note>", "checks": [
          {"kind": "value", "metric": "accuracy", "slice": "<s>", "status": "<failed>", "message": "a < b & c"}]}
        """);
    String html = EvaluationReport.render(metrics, blessing);
    assertThat(html)
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("island=&lt;b&gt;Biscoe&lt;/b&gt; &amp; co")
        .contains("<th>&lt;i&gt;</th>")
        .contains("B &amp; C")
        .contains("/runs/a&amp;b/1")
        .contains("&quot;quoted&quot;")
        .contains("&lt;sex&gt;")
        .contains("&lt;M&gt;")
        .contains("F&amp;")
        .contains("&lt;note&gt;")
        .contains("a &lt; b &amp; c")
        // An unknown status is shown, escaped, but never becomes a CSS class.
        .contains("<tr class=\"check unknown\"><td class=\"status\">&lt;FAILED&gt;</td>")
        .doesNotContain("<script>")
        .doesNotContain("<b>Biscoe")
        .doesNotContain("<i>")
        .doesNotContain("<sex>")
        .doesNotContain("<note>");
  }

  @Test
  void eachSensitiveFeatureShowsItsGroupsShareAndLabelDistribution() throws IOException {
    String html = EvaluationReport.render(fixture("species_metrics.json"), null);
    // sex: 64 and 60 of 124 rows; FEMALE's labels 26, 15 and 23 of 64.
    assertThat(html).contains("<table class=\"representation\">\n<tr><th>sex</th><th>examples</th><th>share of rows</th>"
        + "<th>label Adelie</th><th>label Chinstrap</th><th>label Gentoo</th></tr>\n"
        + "<tr><td>FEMALE</td><td>64</td><td>" + Format.percent(64 / 124.0) + "</td><td>" + Format.percent(26 / 64.0) + "</td><td>"
        + Format.percent(15 / 64.0) + "</td><td>" + Format.percent(23 / 64.0) + "</td></tr>\n");
    // The cross of island and sex is no group of either feature.
    assertThat(html).doesNotContain("<td>Torgersen, sex=FEMALE</td>");
  }

  @Test
  void aTooSmallSliceIsShownGreyedWithItsCount() throws IOException {
    String html = EvaluationReport.render(fixture("species_metrics.json"), null);
    assertThat(html).contains("<tr class=\"slice too-small\"><th>island=Torgersen, sex=FEMALE</th><td>7</td>"
        + "<td class=\"too-few\" colspan=\"4\">too few examples (7 &lt; 10)</td></tr>");
  }

  @Test
  void intervalsFollowTheirValue() throws IOException {
    JsonNode metrics = json("""
        {"task": "classification", "slices": [{"slice": "overall", "example_count": 100,
          "metrics": {"accuracy": 0.91, "f1_macro": 0.8}, "intervals": {"accuracy": [0.87, 0.95], "f1_macro": {"lower": 0.7, "upper": 0.85}},
          "baseline_metrics": {"accuracy": 0.86}}]}
        """);
    String html = EvaluationReport.render(metrics, null);
    assertThat(html)
        .contains("<td>0.91 <span class=\"ci\">[0.87, 0.95]</span><br><span class=\"delta\">+0.05</span></td>")
        .contains("<td>0.8 <span class=\"ci\">[0.7, 0.85]</span></td>")
        // The overall table: value, interval, baseline, difference.
        .contains("<tr><th>accuracy</th><td>0.91</td><td>[0.87, 0.95]</td><td>0.86</td><td>+0.05</td></tr>");
  }

  @Test
  void theVerdictIsProminent() throws IOException {
    assertThat(EvaluationReport.render(fixture("species_metrics.json"), fixture("species_blessing.json")))
        .contains("<div class=\"verdict not-blessed\">NOT BLESSED</div>")
        .contains("<p class=\"tally\">8 checks: 4 passed, 3 failed, 1 skipped.</p>")
        .contains("<tr class=\"check failed\"><td class=\"status\">FAILED</td><td class=\"kind\">value</td><td>f1_macro</td><td>island=Torgersen</td>");
    assertThat(EvaluationReport.render(fixture("binary_metrics.json"), fixture("binary_blessing.json")))
        .contains("<div class=\"verdict blessed\">BLESSED</div>")
        .contains("<p class=\"note\">no blessed baseline: 1 change threshold(s) skipped</p>");
    assertThat(EvaluationReport.render(fixture("regression_metrics.json"), null))
        .contains("<div class=\"verdict unknown\">NOT VALIDATED</div>");
  }

  @Test
  void eachTaskGetsItsSections() throws IOException {
    String species = EvaluationReport.render(fixture("species_metrics.json"), fixture("species_blessing.json"));
    assertThat(species).contains("id=\"curves\"", "id=\"calibration\"", "id=\"confusion\"", "id=\"slices\"", "id=\"bias\"")
        .doesNotContain("id=\"thresholds\"").doesNotContain("id=\"residuals\"");
    String binary = EvaluationReport.render(fixture("binary_metrics.json"), fixture("binary_blessing.json"));
    assertThat(binary).contains("id=\"curves\"", "id=\"thresholds\"", "<th>false_positive_rate</th>")
        .contains("ROC curve of default (the positive class), AUC 0.7275.");
    String regression = EvaluationReport.render(fixture("regression_metrics.json"), null);
    assertThat(regression).contains("id=\"residuals\"", "<th>p5</th>", "<th>rmse</th>", "<th>r2</th>")
        .doesNotContain("id=\"curves\"").doesNotContain("id=\"calibration\"").doesNotContain("id=\"confusion\"");
  }

  @Test
  void theHeaderNamesModelDataAndBaseline() throws IOException {
    String html = EvaluationReport.render(fixture("binary_metrics.json"), null);
    assertThat(html)
        .contains("<tr><th>model</th><td><code>/runs/credit/train/12</code>, fingerprint <code class=\"fingerprint\">")
        .contains("<code>/runs/credit/ingest/4</code>; split <b>eval</b>, 1,503 examples, <span class=\"warn\">3 unscored rows</span></td>")
        .contains("<tr><th>baseline</th><td>no baseline</td></tr>")
        .contains("confidence intervals: not computed");
    assertThat(EvaluationReport.render(fixture("species_metrics.json"), null))
        .contains("<tr><th>baseline</th><td><code>/runs/penguins/train/2</code>, artifact 17</td></tr>")
        .contains("<tr><th>slicing</th><td>7 slices (by island; sex; island x sex), at least 10 examples each to be measured;"
            + " confidence intervals: 95% bootstrap, 200 samples, seed 42</td></tr>");
  }

  @Test
  void biasGapsAsTheEvaluateStageWritesThemPerFeature() throws IOException {
    JsonNode metrics = json("""
        {"task": "classification", "classes": ["no", "yes"], "slices": [],
         "bias": [{"feature": "sex", "min_weight": 1.0,
                   "groups": [{"name": "F", "example_count": 40, "weight": 40.0, "excluded_because": null},
                              {"name": "M", "example_count": 30, "weight": 30.0, "excluded_because": null},
                              {"name": "X", "example_count": 1, "weight": 1.0, "excluded_because": null}],
                   "gaps": [{"metric": "true_positive_rate", "groups": {"F": 0.7, "M": 0.9}, "excluded": {"X": "no positives in the group"},
                             "gap": 0.2, "max_group": "M", "min_group": "F"},
                            {"metric": "accuracy", "groups": {}, "excluded": {}, "gap": null, "max_group": null, "min_group": null}]}]}
        """);
    JsonNode blessing = json("""
        {"blessed": true, "checks": [], "bias": [{"feature": "sex", "metric": "true_positive_rate", "groups": {"F": 0.7, "M": 0.9},
          "excluded": {"X": "no positives in the group"}, "gap": 0.2, "max_group": "M", "min_group": "F", "threshold": 0.25,
          "status": "passed", "message": "within 0.25"}]}
        """);
    String html = EvaluationReport.render(metrics, blessing);
    assertThat(html)
        .contains("<h3>sex</h3>")
        .contains("<div class=\"bias-card passed\">\n<h4>true_positive_rate</h4>\n<svg")
        .contains("<p>gap 0.2 (M &minus; F); left out: X (no positives in the group); threshold 0.25:"
            + " <span class=\"status\">PASSED</span></p>")
        .contains("<div class=\"bias-card unknown\">\n<h4>accuracy</h4>\n<p class=\"absent\">no group values</p>\n<p>no gap: fewer than two groups; no threshold</p>");
    assertThat(LineChartTest.count(html, "<div class=\"bias-card")).isEqualTo(2);
  }

  @Test
  void aPerClassCheckOfTheBlessingMeetsItsMetricFamily() throws IOException {
    JsonNode metrics = json("""
        {"task": "classification", "slices": [],
         "bias": [{"feature": "sex", "metric": "true_positive_rate/Adelie", "groups": {"MALE": 0.9, "FEMALE": 0.8}, "gap": 0.1,
                   "max_group": "MALE", "min_group": "FEMALE"},
                  {"feature": "sex", "metric": "accuracy", "groups": {"MALE": 0.9, "FEMALE": 0.88}, "gap": 0.02}]}
        """);
    JsonNode blessing = json("""
        {"blessed": false, "checks": [], "bias": [{"feature": "sex", "metric": "true_positive_rate",
          "groups": {"MALE": 0.9, "FEMALE": 0.8}, "gap": 0.1, "threshold": 0.05, "status": "failed", "message": "too wide"}]}
        """);
    String html = EvaluationReport.render(metrics, blessing);
    assertThat(LineChartTest.count(html, "<div class=\"bias-card")).isEqualTo(2);
    assertThat(html)
        .contains("<div class=\"bias-card failed\">\n<h4>true_positive_rate/Adelie</h4>")
        .contains("gap 0.1 (MALE &minus; FEMALE); threshold 0.05: <span class=\"status\">FAILED</span>")
        .contains("<div class=\"bias-card unknown\">\n<h4>accuracy</h4>")
        .contains("gap 0.02; no threshold")
        // The group above the allowed band (0.8 + 0.05) is the one in red.
        .contains("fill=\"#b00020\"><title>MALE: 0.9</title>")
        .contains("fill=\"#1f77b4\"><title>FEMALE: 0.8</title>");
  }

  @Test
  void missingPartsSayNotComputed() throws IOException {
    String html = EvaluationReport.render(json("{}"), null);
    assertThat(html).contains("<h1>Model evaluation</h1>", "id=\"overall\"", "id=\"slices\"", "id=\"bias\"", "not computed")
        .contains("<tr><th>baseline</th><td>no baseline</td></tr>")
        .endsWith("</body></html>\n");
  }

  @Test
  void nullsAndWrongTypesAnywhereDoNotBreakThePage() throws IOException {
    ObjectNode metrics = (ObjectNode) json("""
        {"model": null, "data": "somewhere", "task": "classification", "label": null, "classes": "not a list",
         "min_slice_size": null, "bootstrap": null, "bias": {"not": "a list"},
         "slices": [null, 3, {"slice": "overall", "metrics": null, "too_small": false},
                    {"slice": "s", "metrics": {"accuracy": "NaN"}, "intervals": {"accuracy": [0.1]},
                     "curves": null, "calibration": {"A": {"bins": null}}, "confusion_matrix": {"labels": ["A"], "counts": [[1, 2]]},
                     "thresholds": "none", "per_class": [1]}]}
        """);
    String html = EvaluationReport.render(metrics, json("{\"blessed\": null, \"checks\": null, \"bias\": [null]}"));
    assertThat(html).contains("<div class=\"verdict unknown\">NO VERDICT</div>").contains("<code>somewhere</code>")
        .endsWith("</body></html>\n");

    // The same slice as the only one: it becomes the overall slice, with its odd parts.
    metrics.set("slices", JSON.createArrayNode().add(metrics.get("slices").get(3)));
    html = EvaluationReport.render(metrics, null);
    assertThat(html).contains("<tr><th>model</th><td>—</td></tr>")
        // Its intervals object holds no pair: the column is there, with a dash.
        .contains("<tr><th>accuracy</th><td>NaN</td><td>—</td></tr>")
        .contains("<section id=\"calibration\">\n<h2>Calibration</h2>\n<p class=\"absent\">not computed</p>")
        .contains("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n<p class=\"absent\">not computed</p>");
  }

  @Test
  void rejectsMetricsThatAreNotAnObject() throws IOException {
    assertThatThrownBy(() -> EvaluationReport.render(json("[]"), null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metrics must be the JSON object of metrics.json, got ARRAY");
    assertThatThrownBy(() -> EvaluationReport.render(null, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metrics must be the JSON object of metrics.json, got null");
  }

  @Test
  void quantilesAreNamedByPercent() throws IOException {
    assertThat(EvaluationReport.quantileName(json("0.05"))).isEqualTo("p5");
    assertThat(EvaluationReport.quantileName(json("0.025"))).isEqualTo("p2.5");
    assertThat(EvaluationReport.quantileName(json("0.5"))).isEqualTo("p50");
  }
}
