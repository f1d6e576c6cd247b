package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.testing.HeadlessChromium;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The report as a person sees it: each fixture rendered in headless Chromium at 1280 pixels wide, its layout
 * measured after rendering. The fixtures are a three-class penguin species model with a baseline, bootstrap
 * intervals, a too-small slice, bias gaps per class and a failed blessing; a binary credit model with thresholds
 * and curves of 180 points; and a body-mass regression without a blessing, to which a slice named with markup is
 * added. The
 * pages and their screenshots stay in {@code target/report-render/} to look at.
 */
class EvaluationReportRenderTest {
  private static final Path OUT = Path.of("target", "report-render");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Per fixture: what {@link #MEASURE} measured in its page. */
  private static final Map<String, JsonNode> PAGES = new LinkedHashMap<>();
  private static final String HOSTILE = "island=<b>Dream</b> & \"co\"";

  @BeforeAll
  static void renderTheReports() throws IOException {
    assumeTrue(HeadlessChromium.available(), "chromium is not installed here (.ci/run installs it)");
    Files.createDirectories(OUT);
    PAGES.put("species", render("species", EvaluationReportTest.fixture("species_metrics.json"),
        EvaluationReportTest.fixture("species_blessing.json")));
    PAGES.put("binary", render("binary", EvaluationReportTest.fixture("binary_metrics.json"),
        EvaluationReportTest.fixture("binary_blessing.json")));
    ObjectNode regression = (ObjectNode) EvaluationReportTest.fixture("regression_metrics.json");
    ((com.fasterxml.jackson.databind.node.ArrayNode) regression.get("slices")).add(JSON.createObjectNode()
        .put("slice", HOSTILE).put("example_count", 3).put("weighted_count", 3.0).put("too_small", true).putNull("metrics"));
    PAGES.put("regression", render("regression", regression, null));
  }

  private static JsonNode render(String name, JsonNode metrics, JsonNode blessing) throws IOException {
    Path page = Files.writeString(OUT.resolve(name + ".html"), EvaluationReport.render(metrics, blessing));
    JsonNode measured = HeadlessChromium.evaluateJson(page, MEASURE);
    HeadlessChromium.screenshot(page, OUT.resolve(name + ".png"), 1280, Math.min(measured.get("height").asInt(), 16_000));
    return measured;
  }

  /**
   * Everything the tests check, in one visit of the page (Chromium takes seconds to start): the sections, every
   * chart's size and place, chart texts that overlap or leave their chart, the styles of failed checks and
   * too-small slices, and the text of slice names.
   */
  private static final String MEASURE = """
      const out = {height: document.documentElement.scrollHeight, pageWidth: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth, texts: 0, problems: [], charts: []};
      out.sections = [...document.querySelectorAll('header[id], section[id]')].map(s => s.id);
      const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
      for (const svg of document.querySelectorAll('svg')) {
        const where = svg.getAttribute('aria-label');
        const box = svg.getBoundingClientRect();
        out.charts.push({where, section: svg.closest('section').id, width: box.width, height: box.height, left: box.left, right: box.right});
        const texts = [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, r: t.getBoundingClientRect(),
            size: parseFloat(getComputedStyle(t).fontSize)}));
        out.texts += texts.length;
        for (const a of texts) {
          if (!inside(a.r, box)) out.problems.push(where + ': "' + a.text + '" leaves its chart');
          if (a.size < 10) out.problems.push(where + ': "' + a.text + '" is ' + a.size + 'px');
        }
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            const a = texts[i].r, b = texts[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 0.5 && h > 0.5) out.problems.push(where + ': "' + texts[i].text + '" overlaps "' + texts[j].text + '"');
          }
        }
      }
      const verdict = document.querySelector('.verdict');
      out.verdict = {text: verdict.textContent, color: getComputedStyle(verdict).color, fontSize: parseFloat(getComputedStyle(verdict).fontSize)};
      out.checks = [...document.querySelectorAll('tr.check')].map(tr => ({
          status: tr.cells[0].textContent, metric: tr.cells[2].textContent, statusColor: getComputedStyle(tr.cells[0]).color,
          background: getComputedStyle(tr.cells[2]).backgroundColor}));
      out.failedCards = [...document.querySelectorAll('.bias-card')].filter(c => getComputedStyle(c).borderTopColor === 'rgb(176, 0, 32)')
          .map(c => c.querySelector('h4').textContent);
      out.slices = [...document.querySelectorAll('#slices tr.slice')].map(tr => ({name: tr.cells[0].textContent,
          text: tr.innerText, color: getComputedStyle(tr.cells[0]).color, markup: tr.querySelectorAll('b').length}));
      return out;
      """;

  @Test
  void everySectionIsThere() {
    assertThat(sections("species")).containsExactly("summary", "blessing", "overall", "curves", "calibration", "confusion", "slices", "bias");
    assertThat(sections("binary"))
        .containsExactly("summary", "blessing", "overall", "curves", "calibration", "confusion", "thresholds", "slices", "bias");
    assertThat(sections("regression")).containsExactly("summary", "blessing", "overall", "residuals", "slices", "bias");
  }

  @Test
  void chartTextsNeitherOverlapNorLeaveTheirCharts() {
    PAGES.forEach((name, page) -> {
      assertThat(page.get("problems")).as("%s: overlapping, overflowing or tiny chart texts", name).isEmpty();
      assertThat(page.get("texts").asInt()).as("%s: texts measured", name).isGreaterThan(12);
    });
  }

  @Test
  void theMeasureFindsOverlapsWhereThereAreSome() throws IOException {
    // The control: without it, a measure that saw no boxes at all would pass every page.
    String svg = new Svg(100, 40, "control")
        .text(10, 20, "start", "first", Axes.TICK_TEXT)
        .text(14, 22, "start", "second", Axes.TICK_TEXT)
        .text(90, 20, "start", "outside", Axes.TICK_TEXT)
        .finish();
    Path page = Files.writeString(OUT.resolve("control.html"), "<!DOCTYPE html><html><body><section id=\"s\"><div class=\"verdict\">x</div>"
        + svg + "</section></body></html>");
    assertThat(HeadlessChromium.evaluateJson(page, MEASURE).get("problems")).extracting(JsonNode::asText)
        .containsExactly("control: \"outside\" leaves its chart", "control: \"first\" overlaps \"second\"");
  }

  @Test
  void chartsHaveASizeAndFitThePage() {
    PAGES.forEach((name, page) -> {
      int pageWidth = page.get("pageWidth").asInt();
      assertThat(page.get("scrollWidth").asInt()).as("%s scrolls sideways", name).isLessThanOrEqualTo(pageWidth);
      for (JsonNode chart : page.get("charts")) {
        String where = name + ": " + chart.get("where").asText();
        assertThat(chart.get("width").asDouble()).as(where).isGreaterThan(100);
        assertThat(chart.get("height").asDouble()).as(where).isGreaterThan(50);
        assertThat(chart.get("left").asDouble()).as(where).isGreaterThanOrEqualTo(0);
        assertThat(chart.get("right").asDouble()).as(where).isLessThanOrEqualTo(pageWidth);
      }
    });
    // ROC and PR; a calibration plot per class; a bar chart per bias gap: 3 rates per class and accuracy, per feature.
    assertThat(chartsIn("species")).containsExactly(repeat(List.of("curves", "curves", "calibration", "calibration", "calibration"), 20));
    assertThat(chartsIn("binary")).containsExactly(repeat(List.of("curves", "curves", "calibration"), 8));
    assertThat(chartsIn("regression")).containsExactly("residuals");
  }

  @Test
  void theVerdictStandsOut() {
    assertThat(PAGES.get("species").get("verdict").get("text").asText()).isEqualTo("NOT BLESSED");
    assertThat(PAGES.get("species").get("verdict").get("color").asText()).isEqualTo("rgb(176, 0, 32)");
    assertThat(PAGES.get("binary").get("verdict").get("text").asText()).isEqualTo("BLESSED");
    assertThat(PAGES.get("binary").get("verdict").get("color").asText()).isEqualTo("rgb(42, 125, 42)");
    assertThat(PAGES.get("regression").get("verdict").get("text").asText()).isEqualTo("NOT VALIDATED");
    // 1.8 times the body's 16px.
    assertThat(PAGES.get("species").get("verdict").get("fontSize").asDouble()).isEqualTo(28.8);
  }

  @Test
  void failedChecksAreHighlighted() {
    List<String> failed = new ArrayList<>();
    for (JsonNode check : PAGES.get("species").get("checks")) {
      String status = check.get("status").asText();
      if (status.equals("FAILED")) {
        failed.add(check.get("metric").asText());
        assertThat(check.get("statusColor").asText()).isEqualTo("rgb(176, 0, 32)");
        assertThat(check.get("background").asText()).isEqualTo("rgb(253, 232, 234)");
      } else {
        assertThat(check.get("background").asText()).as(status).isNotEqualTo("rgb(253, 232, 234)");
      }
    }
    assertThat(failed).containsExactly("f1_macro", "true_positive_rate/Chinstrap", "true_positive_rate/Gentoo");
    assertThat(PAGES.get("species").get("failedCards")).extracting(JsonNode::asText)
        .containsExactly("true_positive_rate/Chinstrap", "true_positive_rate/Gentoo");
    assertThat(PAGES.get("binary").get("failedCards")).isEmpty();
  }

  @Test
  void tooSmallSlicesAreGreyedAndSaySo() {
    JsonNode slice = slice("species", "island=Torgersen, sex=FEMALE");
    assertThat(slice.get("text").asText()).contains("too few examples (7 < 10)");
    assertThat(slice.get("color").asText()).isEqualTo("rgb(153, 153, 153)");
    assertThat(slice("species", "island=Torgersen").get("color").asText()).isNotEqualTo("rgb(153, 153, 153)");
    assertThat(slice("species", "overall").get("text").asText()).contains("0.9516 [0.9113, 0.9839]");
  }

  @Test
  void markupInASliceNameIsShownAsText() {
    JsonNode slice = slice("regression", HOSTILE);
    assertThat(slice.get("markup").asInt()).isZero();
    assertThat(slice.get("text").asText()).contains("too few examples (3 < 10)");
  }

  private static List<String> sections(String page) {
    List<String> ids = new ArrayList<>();
    PAGES.get(page).get("sections").forEach(s -> ids.add(s.asText()));
    return ids;
  }

  private static List<String> chartsIn(String page) {
    List<String> sections = new ArrayList<>();
    PAGES.get(page).get("charts").forEach(c -> sections.add(c.get("section").asText()));
    return sections;
  }

  /** {@code first}, then {@code biasCharts} times "bias". */
  private static String[] repeat(List<String> first, int biasCharts) {
    List<String> all = new ArrayList<>(first);
    for (int i = 0; i < biasCharts; i++) {
      all.add("bias");
    }
    return all.toArray(String[]::new);
  }

  private static JsonNode slice(String page, String name) {
    for (JsonNode s : PAGES.get(page).get("slices")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no slice " + name + " in " + page + ": " + PAGES.get(page).get("slices"));
  }
}
