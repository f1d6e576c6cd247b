package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.ingest.InputFiles.SpanSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spans from one on through the newest ({@link SpanSelection#from}, {@code span: {from: 2}}), an empty
 * listing ({@link InputFiles#none}), and {@link ValueParser#timestampMicros}.
 */
class SpansFromTest {
  @TempDir Path root;

  @BeforeAll
  static void registerFileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  private void write(String relative) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "x");
  }

  @Test
  void fromTakesEverySpanFromItThroughTheNewestAndGrowsWithThem() throws IOException {
    write("span-1/a.csv");
    write("span-2/a.csv");
    write("span-3/a.csv");
    write("span-3/b.csv");
    String pattern = root.resolve("span-{SPAN}/*.csv").toString();
    InputFiles in = InputFiles.resolve(pattern, SpanSelection.from(2));
    assertThat(in.files()).extracting(InputFiles.InputFile::path).containsExactly(root.resolve("span-2/a.csv").toString(),
        root.resolve("span-3/a.csv").toString(), root.resolve("span-3/b.csv").toString());
    assertThat(in.spans().keySet()).containsExactly(2L, 3L);
    write("span-10/a.csv");
    assertThat(InputFiles.resolve(pattern, SpanSelection.from(2)).spans().keySet()).containsExactly(2L, 3L, 10L);
    assertThat(InputFiles.resolve(pattern, SpanSelection.from(0)).spans().keySet()).containsExactly(1L, 2L, 3L, 10L);
    assertThat(InputFiles.resolve(pattern, SpanSelection.from(10)).spans().keySet()).containsExactly(10L);
    assertThat(SpanSelection.from(2)).isEqualTo(new SpanSelection(2L, null));
    assertThat(SpanSelection.from(2).isLatest()).isFalse();
  }

  @Test
  void fromPastTheNewestSpanNamesTheSpansFound() throws IOException {
    write("span-1/a.csv");
    write("span-2/a.csv");
    String pattern = root.resolve("span-{SPAN}/*.csv").toString();
    assertThatThrownBy(() -> InputFiles.resolve(pattern, SpanSelection.from(3)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("no span in [3, latest] matches '" + pattern + "'; spans found: [1, 2]");
  }

  @Test
  void noneIsAnEmptyListingOfThePattern() {
    InputFiles none = InputFiles.none("/logs/penguins/*/*.parquet");
    assertThat(none.files()).isEmpty();
    assertThat(none.spans()).isEmpty();
    assertThat(none.pattern()).isEqualTo("/logs/penguins/*/*.parquet");
  }

  private static IngestStage stage(String yaml) throws IOException {
    JsonNode root = YamlFiles.YAML.readTree(yaml);
    List<Stage<?>> stages = new IngestStageFactory().create(new ConfigSection("ingest", root.get("ingest"), "p.yaml", YamlFiles.lineIndex(yaml),
        Paths.get("/data")));
    return (IngestStage) stages.get(0);
  }

  @Test
  void theSpanKeyTakesFromAloneOrToLatest() throws IOException {
    IngestStage from = stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {from: 2}\n");
    assertThat(from.config().spans()).isEqualTo(SpanSelection.from(2));
    assertThat(from.parameters().get("span").toString()).isEqualTo("{\"from\":2,\"to\":\"latest\"}");
    assertThat(stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {from: 2, to: latest}\n").config().spans()).isEqualTo(SpanSelection.from(2));
    assertThat(stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {from: 2, to: 4}\n").config().spans()).isEqualTo(SpanSelection.range(2, 4));
    // The canonical form binds back to the same selection.
    String canonical = from.parameters().toString();
    assertThat(stage("{\"ingest\": " + canonical + "}").config()).isEqualTo(from.config());
  }

  @Test
  void otherSpanValuesAreRefused() {
    String expected = "p.yaml line 3: bad value for 'ingest.span': expected 'latest', {from: <span>, to: <span>} or {from: <span>} (through the"
        + " newest), got ";
    assertThatThrownBy(() -> stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {from: 2, to: newest}\n")).isInstanceOf(ConfigException.class)
        .hasMessage(expected + "{from=2, to=newest}");
    assertThatThrownBy(() -> stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {to: 4}\n")).isInstanceOf(ConfigException.class)
        .hasMessage(expected + "{to=4}");
    assertThatThrownBy(() -> stage("ingest:\n  input: in/span-{SPAN}/*.csv\n  span: {from: 2, until: 4}\n")).isInstanceOf(ConfigException.class)
        .hasMessage(expected + "{from=2, until=4}");
  }

  @Test
  void timestampMicrosReadsInstantsDateTimesAsUtcAndDates() {
    // 2014-04-01T00:00:00Z is 16161 days after 1970-01-01 (44 years with 11 leap days = 16071 days to 2014-01-01,
    // then 31 + 28 + 31 = 90 days): 16161 * 86400 = 1396310400 s.
    assertThat(ValueParser.timestampMicros("2014-04-01")).isEqualTo(1_396_310_400_000_000L);
    assertThat(ValueParser.timestampMicros(" 2014-04-01 ")).isEqualTo(1_396_310_400_000_000L);
    // Twelve hours later, with a space or a 'T', no offset: UTC.
    assertThat(ValueParser.timestampMicros("2014-04-01 12:00:00")).isEqualTo(1_396_353_600_000_000L);
    assertThat(ValueParser.timestampMicros("2014-04-01T12:00:00")).isEqualTo(1_396_353_600_000_000L);
    // 14:00 at +02:00 is 12:00 UTC.
    assertThat(ValueParser.timestampMicros("2014-04-01T14:00:00+02:00")).isEqualTo(1_396_353_600_000_000L);
    assertThat(ValueParser.timestampMicros("2014-04-01T12:00:00.000250Z")).isEqualTo(1_396_353_600_000_250L);
    assertThatThrownBy(() -> ValueParser.timestampMicros("April 1st")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'April 1st' is not an ISO-8601 timestamp or date");
  }
}
