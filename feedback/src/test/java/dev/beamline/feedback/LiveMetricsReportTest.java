package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.evaluation.report.TimeSeriesChart;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The live metrics' page: what it shows, and that nothing from the data reaches it unescaped. */
class LiveMetricsReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode doc() throws Exception {
    String entry = "{\"version\": %d, \"server_label\": %s, \"window_start\": \"%s\", \"window_end\": \"x\", \"slice\": \"%s\", \"rows\": 10,"
        + " \"labelled\": 8, \"unlabelled\": 2, \"scored\": %d, \"unscored\": 0, \"unknown_label\": 0, \"label_coverage\": 0.8,"
        + " \"too_small\": %s, \"reasons\": [\"<b>bad</b>\"], \"metrics\": %s}";
    String metrics = "{\"accuracy\": %s, \"f1_macro\": 0.5, \"roc_auc\": null, \"log_loss\": 0.7}";
    String series = String.join(",",
        String.format(entry, 1, "\"stable\"", "2026-11-30T00:00:00Z", "overall", 8, false, String.format(metrics, "0.75")),
        String.format(entry, 1, "\"stable\"", "2026-12-01T00:00:00Z", "overall", 8, false, String.format(metrics, "null")),
        String.format(entry, 1, "\"stable\"", "2026-12-02T00:00:00Z", "overall", 8, false, String.format(metrics, "0.875")),
        String.format(entry, 2, "\"<script>alert(1)</script>\"", "2026-11-30T00:00:00Z", "overall", 8, false, String.format(metrics, "0.5")),
        String.format(entry, 2, "\"<script>alert(1)</script>\"", "2026-11-30T00:00:00Z", "island=<Dream>", 1, true, "null"));
    return JSON.readTree("{\"model\": \"penguins & co\", \"traffic\": \"/runs/t\", \"window\": \"1d\", \"window_seconds\": 86400,"
        + " \"slice_specs\": [\"island\"], \"min_slice_size\": 2, \"versions\": [{\"version\": 1, \"model_dir\": \"/m/1\", \"found\": true,"
        + " \"task\": \"classification\", \"classes\": [\"a\", \"b\"]}, {\"version\": 2, \"model_dir\": \"/m/2\", \"found\": false, \"task\": null,"
        + " \"classes\": []}], \"totals\": {\"rows\": 50, \"labelled\": 40, \"scored\": 39, \"unscored\": 1, \"unknown_label\": 0,"
        + " \"label_coverage\": 0.8}, \"series\": [" + series + "]}");
  }

  @Test
  void everyStringFromTheDataIsEscaped() throws Exception {
    String html = LiveMetricsReport.render(doc());
    assertThat(html).doesNotContain("<script>", "<b>bad", "<Dream>", "penguins & co");
    assertThat(html).contains("version 2 (&lt;script&gt;alert(1)&lt;/script&gt;)", "island=&lt;Dream&gt;", "penguins &amp; co",
        "&lt;b&gt;bad&lt;/b&gt;");
  }

  @Test
  void showsEachLineOverTimeTheWindowsAndTheTooSmallSlices() throws Exception {
    String html = LiveMetricsReport.render(doc());
    assertThat(html).contains("accuracy per window", "f1_macro per window", "log_loss per window", "label coverage per window",
        "logged rows per window", "version 1 (stable)", "2026-11-30", "2026-12-02", "too few scored rows", "not found",
        "50 logged rows, 40 labelled (80.0%), 39 in the metrics, <span class=\"warn\">1 labelled rows without a readable prediction</span>");
    // roc_auc is null everywhere: no chart of it.
    assertThat(html).doesNotContain("roc_auc per window");
  }

  @Test
  void aMissingValueBreaksItsLineInTwo() {
    String svg = TimeSeriesChart.of("accuracy per window", "accuracy").withYDomain(0, 1)
        .withSeries("v1", List.of(new TimeSeriesChart.Point(0, 0.5), new TimeSeriesChart.Point(86_400, 0.6),
            new TimeSeriesChart.Point(2 * 86_400, Double.NaN), new TimeSeriesChart.Point(3 * 86_400, 0.7), new TimeSeriesChart.Point(4 * 86_400, 0.8)))
        .render();
    Matcher path = Pattern.compile("<path d=\"([^\"]*)\"").matcher(svg);
    assertThat(path.find()).isTrue();
    assertThat(path.group(1).chars().filter(ch -> ch == 'M').count()).isEqualTo(2);
    // Four points drawn, the dates of the first and last windows under the axis.
    assertThat(Pattern.compile("<circle").matcher(svg).results().count()).isEqualTo(4);
    assertThat(svg).contains(">1970-01-01<", ">1970-01-05<", "time (UTC)");
  }

  @Test
  void windowsShorterThanADayAreLabelledWithTheirHour() {
    String svg = TimeSeriesChart.of("rows per hour", "rows")
        .withSeries("v1", List.of(new TimeSeriesChart.Point(3_600, 3), new TimeSeriesChart.Point(7_200, 5)))
        .render();
    assertThat(svg).contains(">01-01 01:00<", ">01-01 02:00<");
  }
}
