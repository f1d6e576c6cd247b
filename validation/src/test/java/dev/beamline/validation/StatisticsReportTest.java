package dev.beamline.validation;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The report's text, without a browser; StatisticsReportRenderTest looks at it rendered. */
class StatisticsReportTest {
  private static final ExampleSchema SCHEMA = TestData.schema("seen", TIMESTAMP, "x", FLOAT, "city", STRING);
  /** 2001-01-01T00:00:00Z. */
  private static final long Y2001 = 978_307_200_000_000L;
  private static final long MINUTE = 60_000_000L;
  private static final long DAY = 86_400_000_000L;

  /** train: x from 0 to 10, seen every day from 2001-01-01T06:55Z; eval: x from 5 to 20, seen from 2001-01-11T06:55Z. */
  private static StatisticsSet stats() {
    List<GenericRecord> train = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      train.add(TestData.record(SCHEMA, Y2001 + 415 * MINUTE + i * DAY, (double) i, i % 2 == 0 ? "Oslo" : "Reykjavík"));
    }
    List<GenericRecord> eval = new ArrayList<>();
    for (int i = 5; i <= 20; i++) {
      eval.add(TestData.record(SCHEMA, Y2001 + 415 * MINUTE + (i + 5) * DAY, (double) i, "Oslo"));
    }
    return StatisticsSet.of(List.of(
        FeatureStatisticsFn.computeInMemory(SCHEMA, "train", train), FeatureStatisticsFn.computeInMemory(SCHEMA, "eval", eval)));
  }

  @Test
  void withoutASchemaThePageSaysAnomaliesWereNotChecked() {
    String html = StatisticsReport.renderWithoutSchema("cities", stats());
    assertThat(html).contains("No schema given: anomalies were not checked.").doesNotContain("No anomalies");
  }

  @Test
  void afterACheckWithoutFindingsThePageSaysTheDataMatch() {
    String html = StatisticsReport.render("cities", stats(), null, List.of());
    assertThat(html).contains("No anomalies: the data matches the schema.").doesNotContain("No schema given");
  }

  @Test
  void timestampsReadAsIsoInstantsInUtc() {
    String html = StatisticsReport.renderWithoutSchema("cities", stats());
    String seen = section(html, "seen");
    assertThat(seen)
        .contains("<tr><th>min</th><td>2001-01-01T06:55Z</td><td>2001-01-11T06:55Z</td></tr>")
        .contains("<tr><th>max</th><td>2001-01-11T06:55Z</td><td>2001-01-26T06:55Z</td></tr>")
        // Means of 11 and 16 consecutive days: the 6th and the 8.5th day.
        .contains("<tr><th>mean</th><td>2001-01-06T06:55Z</td><td>2001-01-18T18:55Z</td></tr>")
        // Population standard deviations: sqrt((11² - 1) / 12) = 3.16 days, sqrt((16² - 1) / 12) = 4.61 days.
        .contains("<tr><th>std dev</th><td>3.16 days</td><td>4.61 days</td></tr>")
        .doesNotContain("<th>NaN</th>");
    // No microseconds anywhere, plain or with separators, nor in scientific notation.
    assertThat(html).doesNotContainPattern("\\d{13,}").doesNotContainPattern("\\d{1,3}(,\\d{3}){4,}").doesNotContainPattern("e\\+1[0-9]");
    // The axis: Mondays, from the one before the first day to the one after the last.
    List<String> mondays = List.of("2001-01-01", "2001-01-08", "2001-01-15", "2001-01-22", "2001-01-29");
    assertThat(xTicks(seen)).containsExactly(mondays, mondays);
  }

  @Test
  void comparedHistogramsShareBothAxes() {
    String x = section(StatisticsReport.renderWithoutSchema("cities", stats()), "x");
    // train spans [0, 10] and eval [5, 20]: both charts span their union.
    assertThat(xTicks(x)).containsExactly(List.of("0", "5", "10", "15", "20"), List.of("0", "5", "10", "15", "20"));
    List<List<String>> y = texts(x, "histogram", "tick y");
    assertThat(y).hasSize(2);
    assertThat(y.get(0)).isEqualTo(y.get(1)).startsWith("0%");
  }

  @Test
  void categoriesHaveOneRowEachWithTheWholeValueInTheTooltip() {
    String city = section(StatisticsReport.renderWithoutSchema("cities", stats()), "city");
    assertThat(texts(city, "top-values", "category")).containsExactly(List.of("Oslo", "Reykjavík"), List.of("Oslo"));
    assertThat(city).contains("<title>Reykjavík: 5 of 11 values (45%)</title>").contains("<title>Oslo: 16 of 16 values (100%)</title>");
  }

  private static String section(String html, String feature) {
    Matcher m = Pattern.compile("(?s)<section id=\"f-" + feature + "\".*?</section>").matcher(html);
    assertThat(m.find()).as("section of %s", feature).isTrue();
    return m.group();
  }

  private static List<List<String>> xTicks(String section) {
    return texts(section, "histogram", "tick x");
  }

  /** The texts of class {@code textClass} in each SVG of class {@code svgClass}, chart by chart. */
  private static List<List<String>> texts(String html, String svgClass, String textClass) {
    List<List<String>> charts = new ArrayList<>();
    Matcher svg = Pattern.compile("(?s)<svg class=\"" + svgClass + "\".*?</svg>").matcher(html);
    while (svg.find()) {
      List<String> texts = new ArrayList<>();
      Matcher t = Pattern.compile("<text class=\"" + textClass + "\"[^>]*>([^<]*)</text>").matcher(svg.group());
      while (t.find()) {
        texts.add(t.group(1));
      }
      charts.add(texts);
    }
    return charts;
  }
}
