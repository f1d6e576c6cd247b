package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import dev.beamline.core.testing.HeadlessChromium;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The report as a person sees it: rendered in headless Chromium, its layout measured. The data are
 * excerpts of vega-datasets 3.2.1 (github.com/vega/vega-datasets): films with long titles and many
 * distributors, Seattle's daily weather (dates, and a baseline span to compare with), and flights
 * (departure times to the minute). The screenshots stay in {@code target/report-render/} to look at.
 */
class StatisticsReportRenderTest {
  private static final Path OUT = Path.of("target", "report-render");
  /** What the report shows of a timestamp in ISO-8601: a year, a month, a date, a time of day, or all of it. */
  private static final Pattern ISO = Pattern.compile("\\d{4}(-\\d{2}(-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z)?)?)?|\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?");
  /** Per report: what {@link #MEASURE} measured in it. */
  private static final Map<String, JsonNode> PAGES = new LinkedHashMap<>();

  @BeforeAll
  static void renderTheReports() throws IOException {
    assumeTrue(HeadlessChromium.available(), "chromium is not installed here (.ci/run installs it)");
    Files.createDirectories(OUT);
    StatisticsSet previous = Weather.previous();
    // The weather is checked against a schema inferred from the previous span, which finds its drift.
    String weather = ValidationRun.validate("seattle-weather", Weather.current(), InferSchema.from(previous.splits().get(0), 10), previous,
        null, DriftThresholds.defaults()).html();
    PAGES.put("movies", render("movies", StatisticsReport.renderWithoutSchema("movies", Movies.statistics())));
    PAGES.put("weather", render("weather", weather));
    PAGES.put("flights", render("flights", StatisticsReport.renderWithoutSchema("flights", Flights.statistics())));
  }

  /** Writes the page, measures it and takes a screenshot of all of it. */
  private static JsonNode render(String name, String html) throws IOException {
    Path page = Files.writeString(OUT.resolve(name + ".html"), html);
    JsonNode measured = HeadlessChromium.evaluateJson(page, MEASURE);
    HeadlessChromium.screenshot(page, OUT.resolve(name + ".png"), 1280, Math.min(measured.get("height").asInt(), 16_000));
    return measured;
  }

  /**
   * Everything the tests check, in one visit of the page (Chromium takes seconds to start): its height,
   * its visible text, the chart texts that overlap, leave their chart or run into their bar, the
   * category rows (label shown, tooltip), the x labels of timestamp histograms, and each feature's
   * histogram axes (label and position of each tick, relative to its chart).
   */
  private static final String MEASURE = """
      const out = {height: document.documentElement.scrollHeight, text: document.body.innerText, texts: 0, problems: []};
      const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
      for (const svg of document.querySelectorAll('svg')) {
        const where = svg.getAttribute('aria-label');
        const box = svg.getBoundingClientRect();
        const texts = [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, r: t.getBoundingClientRect()}));
        out.texts += texts.length;
        for (const a of texts) {
          if (!inside(a.r, box)) out.problems.push(where + ': "' + a.text + '" leaves its chart');
        }
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            const a = texts[i].r, b = texts[j].r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 0.5 && h > 0.5) out.problems.push(where + ': "' + texts[i].text + '" overlaps "' + texts[j].text + '"');
          }
        }
        for (const row of svg.querySelectorAll('g.row')) {
          const label = row.querySelector('text.category');
          if (label.getBoundingClientRect().right > row.querySelector('rect').getBoundingClientRect().left + 0.5) {
            out.problems.push(where + ': "' + label.textContent + '" runs into its bar');
          }
        }
      }
      out.rows = [...document.querySelectorAll('svg.top-values g.row')]
          .map(g => ({shown: g.querySelector('text.category').textContent, whole: g.querySelector('title').textContent}));
      out.timestampAxes = [...document.querySelectorAll('section.feature')]
          .filter(s => s.querySelector('h3 .type').textContent === 'timestamp')
          .flatMap(s => [...s.querySelectorAll('svg.histogram text.tick.x')].map(t => t.textContent));
      const ticks = (svg, axis) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('text.tick.' + axis)].map(t => {
          const r = t.getBoundingClientRect();
          return t.textContent + ' at ' + Math.round(axis === 'x' ? (r.left + r.right) / 2 - box.left : r.top - box.top);
        });
      };
      out.histograms = {};
      for (const s of document.querySelectorAll('section.feature')) {
        out.histograms[s.id] = [...s.querySelectorAll('svg.histogram')].map(svg => ({x: ticks(svg, 'x'), y: ticks(svg, 'y')}));
      }
      return out;
      """;

  @Test
  void chartTextsNeitherOverlapNorLeaveTheirCharts() {
    PAGES.forEach((name, page) -> {
      assertThat(page.get("problems")).as("%s: overlapping or overflowing chart texts", name).isEmpty();
      assertThat(page.get("texts").asInt()).as("%s: texts measured", name).isGreaterThan(100);
    });
  }

  @Test
  void longCategoriesAreShortenedWithTheWholeValueInTheirTooltip() {
    JsonNode rows = PAGES.get("movies").get("rows");
    int shortened = 0;
    for (JsonNode row : rows) {
      String shown = row.get("shown").asText();
      String whole = row.get("whole").asText();
      if (shown.endsWith("…")) {
        shortened++;
        assertThat(whole).startsWith(shown.substring(0, shown.length() - 1));
      } else {
        assertThat(whole).startsWith(shown + ": ");
      }
    }
    // "2001: A Space Odyssey", "Sony Pictures Classics", "Based on Book/Short Story", ...
    assertThat(shortened).as("labels shortened, of %s", rows.size()).isGreaterThan(5);
  }

  @Test
  void timestampsShowAsIsoTextAndNeverAsMicroseconds() {
    // Each split's min and max (exact), per report.
    Map<String, List<String>> expected = Map.of(
        "movies", List.of("1947-12-31", "1999-10-01", "2000-03-03", "2037-12-21"),
        "weather", List.of("2015-01-01", "2015-08-31", "2015-09-01", "2015-12-31", "2012-01-01", "2014-12-31"),
        "flights", List.of("2001-01-01T06:55Z", "2001-01-13T12:35Z"));
    PAGES.forEach((name, page) -> {
      assertThat(page.get("text").asText()).as(name).contains(expected.get(name))
          .doesNotContainPattern("\\d{13,}")
          .doesNotContainPattern("\\d{1,3}(,\\d{3}){4,}")
          .doesNotContainPattern("\\de\\+1\\d");
      assertThat(page.get("timestampAxes")).as("%s: timestamp axis labels", name).isNotEmpty();
      page.get("timestampAxes").forEach(label -> assertThat(label.asText()).as(name).matches(ISO));
    });
  }

  @Test
  void comparedHistogramsShareTheirAxes() {
    JsonNode features = PAGES.get("weather").get("histograms");
    int compared = 0;
    for (Map.Entry<String, JsonNode> f : (Iterable<Map.Entry<String, JsonNode>>) features::fields) {
      JsonNode charts = f.getValue();
      for (JsonNode chart : charts) {
        assertThat(chart).as(f.getKey()).isEqualTo(charts.get(0));
        compared++;
      }
    }
    assertThat(compared).as("histograms: 5 numeric features in 3 datasets").isEqualTo(15);
    assertThat(labels(features.get("f-date").get(0).get("x"))).containsExactly("2012", "2013", "2014", "2015", "2016");
    assertThat(labels(features.get("f-temp_max").get(0).get("x"))).containsExactly("−5", "0", "5", "10", "15", "20", "25", "30", "35", "40");
  }

  private static List<String> labels(JsonNode ticks) {
    List<String> out = new ArrayList<>();
    ticks.forEach(t -> out.add(t.asText().replaceAll(" at -?\\d+$", "")));
    return out;
  }

  @Test
  void theReportSaysWhetherASchemaWasChecked() {
    assertThat(PAGES.get("movies").get("text").asText()).contains("No schema given: anomalies were not checked.").doesNotContain("No anomalies");
    assertThat(PAGES.get("weather").get("text").asText())
        .containsPattern("\\d+ anomal(y|ies), \\d+ of them errors").contains("DRIFT").doesNotContain("No schema given");
  }

  static List<String> lines(String resource) throws IOException {
    try (InputStream in = StatisticsReportRenderTest.class.getResourceAsStream("/report/" + resource)) {
      return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
    }
  }

  static long micros(LocalDateTime t) {
    return ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), t);
  }

  /** Every 12th film of vega-datasets' movies.json: long titles, many distributors and directors. */
  static final class Movies {
    static final ExampleSchema SCHEMA = TestData.schema(
        "title", FeatureType.STRING, "release_date", FeatureType.TIMESTAMP, "distributor", FeatureType.STRING,
        "source", FeatureType.STRING, "major_genre", FeatureType.STRING, "creative_type", FeatureType.STRING,
        "mpaa_rating", FeatureType.STRING, "director", FeatureType.STRING, "worldwide_gross", FeatureType.INT,
        "production_budget", FeatureType.INT, "imdb_rating", FeatureType.FLOAT, "running_time_min", FeatureType.INT);
    private static final DateTimeFormatter RELEASED = DateTimeFormatter.ofPattern("MMM dd yyyy", Locale.ENGLISH);
    private static final String[] KEYS = {"Title", "Release Date", "Distributor", "Source", "Major Genre", "Creative Type",
        "MPAA Rating", "Director", "Worldwide Gross", "Production Budget", "IMDB Rating", "Running Time min"};

    /** Films released before 2000 as split "train", the others as "eval". */
    static StatisticsSet statistics() throws IOException {
      List<GenericRecord> before = new ArrayList<>();
      List<GenericRecord> after = new ArrayList<>();
      ObjectMapper json = new ObjectMapper();
      for (String line : lines("movies.jsonl")) {
        JsonNode m = json.readTree(line);
        Object[] values = new Object[KEYS.length];
        for (int i = 0; i < KEYS.length; i++) {
          JsonNode v = m.get(KEYS[i]);
          FeatureType type = SCHEMA.features().get(i).type();
          values[i] = v == null || v.isNull() ? null : switch (type) {
            case STRING -> v.asText();
            case INT -> v.asLong();
            case FLOAT -> v.asDouble();
            case TIMESTAMP -> micros(LocalDate.parse(v.asText(), RELEASED).atStartOfDay());
            default -> throw new AssertionError(type);
          };
        }
        LocalDate released = LocalDate.parse(m.get("Release Date").asText(), RELEASED);
        (released.getYear() < 2000 ? before : after).add(TestData.record(SCHEMA, values));
      }
      return StatisticsSet.of(List.of(
          FeatureStatisticsFn.computeInMemory(SCHEMA, "train", before), FeatureStatisticsFn.computeInMemory(SCHEMA, "eval", after)));
    }
  }

  /** vega-datasets' seattle-weather.csv: a day per row, 2012 to 2015. */
  static final class Weather {
    static final ExampleSchema SCHEMA = TestData.schema(
        "date", FeatureType.TIMESTAMP, "precipitation", FeatureType.FLOAT, "temp_max", FeatureType.FLOAT,
        "temp_min", FeatureType.FLOAT, "wind", FeatureType.FLOAT, "weather", FeatureType.STRING);

    /** 2015: January to August as "train", the rest as "eval". */
    static StatisticsSet current() throws IOException {
      return StatisticsSet.of(List.of(
          split("train", d -> d.getYear() == 2015 && d.getMonthValue() <= 8), split("eval", d -> d.getYear() == 2015 && d.getMonthValue() > 8)));
    }

    /** 2012 to 2014 as one split "train": the previous span, a baseline for drift. */
    static StatisticsSet previous() throws IOException {
      return StatisticsSet.of(List.of(split("train", d -> d.getYear() < 2015)));
    }

    private static DatasetStatistics split(String name, Predicate<LocalDate> keep) throws IOException {
      List<GenericRecord> records = new ArrayList<>();
      List<String> rows = lines("seattle-weather.csv");
      for (String row : rows.subList(1, rows.size())) {
        String[] c = row.strip().split(",");
        LocalDate day = LocalDate.parse(c[0]);
        if (keep.test(day)) {
          records.add(TestData.record(SCHEMA, micros(day.atStartOfDay()), Double.parseDouble(c[1]), Double.parseDouble(c[2]),
              Double.parseDouble(c[3]), Double.parseDouble(c[4]), c[5]));
        }
      }
      return FeatureStatisticsFn.computeInMemory(SCHEMA, name, records);
    }
  }

  /** The first 300 flights of vega-datasets' flights-2k.json: departure times to the minute, many airports. */
  static final class Flights {
    static final ExampleSchema SCHEMA = TestData.schema(
        "date", FeatureType.TIMESTAMP, "delay", FeatureType.INT, "distance", FeatureType.INT,
        "origin", FeatureType.STRING, "destination", FeatureType.STRING);
    private static final DateTimeFormatter DEPARTED = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm", Locale.ROOT);

    static StatisticsSet statistics() throws IOException {
      List<GenericRecord> records = new ArrayList<>();
      ObjectMapper json = new ObjectMapper();
      for (String line : lines("flights.jsonl")) {
        JsonNode f = json.readTree(line);
        records.add(TestData.record(SCHEMA, micros(LocalDateTime.parse(f.get("date").asText(), DEPARTED)), f.get("delay").asLong(),
            f.get("distance").asLong(), f.get("origin").asText(), f.get("destination").asText()));
      }
      return StatisticsSet.of(List.of(FeatureStatisticsFn.computeInMemory(SCHEMA, "data", records)));
    }
  }
}
