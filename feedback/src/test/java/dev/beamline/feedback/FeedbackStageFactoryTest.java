package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFormat;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code feedback:} section: YAML to the Java API, the defaults, the canonical parameters, and the errors. */
class FeedbackStageFactoryTest {
  private static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("feedback", root.get("feedback"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work"), root);
  }

  private static FeedbackConfig bind(String... lines) throws Exception {
    return FeedbackStageFactory.bind(section(String.join("\n", lines) + "\n"));
  }

  private static final String[] MINIMAL = {"feedback:", "  request_log: logs", "  labels: {input: labels.csv, label: species}"};

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    FeedbackConfig bound = bind(
        "feedback:",
        "  request_log: serving-logs/",
        "  model: penguins",
        "  models: /srv/models",
        "  labels:",
        "    input: labels/*.csv",
        "    format: csv",
        "    csv: {delimiter: ';', null_values: ['', NA]}",
        "    schema: {order_id: string}",
        "    key: order_id",
        "    label: species",
        "    time: labelled_at",
        "    max_rejected_fraction: 0.05",
        "  window: {max_delay: 7d}",
        "  metrics: {window: 6h, slices: [island, [sex, island]], min_slice_size: 3}");
    IngestExamples.Config files = IngestExamples.Config.of("/work/labels/*.csv").withFormat(InputFormat.CSV)
        .withCsv(dev.beamline.ingest.CsvFormat.defaults().withDelimiter(';').withNullValues(List.of("", "NA")))
        .withSchema(ExampleSchema.of(List.of(FeatureSpec.of("order_id", FeatureType.STRING))))
        .withMaxRejectedFraction(0.05);
    FeedbackConfig expected = FeedbackConfig.of("/work/serving-logs", LabelSource.of(files, "species").withKey("order_id").withTime("labelled_at"))
        .withModel("penguins")
        .withModels("/srv/models")
        .withMaxDelay(Duration.ofDays(7))
        .withMetricsWindow(Duration.ofHours(6))
        .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island")),
            SliceSpec.of(SliceSpec.Feature.values("sex"), SliceSpec.Feature.values("island"))))
        .withMinSliceSize(3);
    assertThat(bound).isEqualTo(expected);
    assertThat(FeedbackStageFactory.joinParameters(bound).toString()).isEqualTo(FeedbackStageFactory.joinParameters(expected).toString());
    assertThat(FeedbackStageFactory.metricsParameters(bound).toString())
        .isEqualTo("{\"model\":\"penguins\",\"models\":\"/srv/models\",\"metrics\":{\"window\":\"6h\",\"slices\":"
            + "[[{\"feature\":\"island\",\"buckets\":[],\"part\":null}],[{\"feature\":\"sex\",\"buckets\":[],\"part\":null},"
            + "{\"feature\":\"island\",\"buckets\":[],\"part\":null}]],\"min_slice_size\":3}}");
  }

  @Test
  void defaultsJoinByRequestIdWithoutALimitInDailyWindows() throws Exception {
    FeedbackConfig c = bind(MINIMAL);
    assertThat(c).isEqualTo(FeedbackConfig.of("/work/logs", LabelSource.of(IngestExamples.Config.of("/work/labels.csv"), "species")));
    assertThat(c.labels().key()).isEqualTo("request_id");
    assertThat(c.labels().time()).isNull();
    assertThat(c.maxDelay()).isNull();
    assertThat(c.metricsWindow()).isEqualTo(Duration.ofDays(1));
    assertThat(c.minSliceSize()).isEqualTo(10);
    assertThat(FeedbackStageFactory.joinParameters(c).toString()).isEqualTo(
        "{\"request_log\":\"/work/logs\",\"model\":null,\"labels\":{\"input\":\"/work/labels.csv\",\"format\":null,\"csv\":{\"delimiter\":\",\","
            + "\"quote\":\"\\\"\",\"header\":true,\"null_values\":[\"\"],\"columns\":[],\"max_record_bytes\":1048576},\"schema\":null,"
            + "\"key\":\"request_id\",\"label\":\"species\",\"time\":null,\"max_rejected_fraction\":0.0},\"window\":{\"max_delay\":null}}");
  }

  @Test
  void theModelAndItsFolderDefaultToThePushSections() throws Exception {
    FeedbackConfig c = bind("push:", "  serving_base: /srv/models", "  model_name: birds", MINIMAL[0], MINIMAL[1], MINIMAL[2]);
    assertThat(c.model()).isEqualTo("birds");
    assertThat(c.models()).isEqualTo("/srv/models");
    assertThat(c.modelFor("pipeline")).isEqualTo("birds");
    FeedbackConfig own = bind("push: {model_name: birds}", MINIMAL[0], MINIMAL[1], MINIMAL[2], "  model: fish");
    assertThat(own.model()).isEqualTo("fish");
    assertThat(own.modelsUnder("/runs")).isEqualTo("/runs/serving");
    assertThat(bind(MINIMAL).modelFor("penguins")).isEqualTo("penguins");
  }

  @Test
  void aTypoIsNamedWithItsLineAndTheKeyItMeant() {
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], "  labels:", "    input: labels.csv", "    label: species", "    kye: order_id"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: unknown key 'feedback.labels.kye'; did you mean 'key'? (known keys here: csv, format, input, key, label,"
            + " max_rejected_fraction, schema, time)");
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  window: {max_dealy: 7d}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: unknown key 'feedback.window.max_dealy'; did you mean 'max_delay'?");
  }

  @Test
  void badValuesAreNamedWithTheirLineAndKey() {
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  window:", "    max_delay: 7 days"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.window.max_delay': '7 days' is not a duration: write a whole number and a unit"
            + " (s, m, h, d, w), such as 7d or 12h, or ISO-8601 such as PT36H");
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  metrics:", "    slices: [island, {feature: mass, buckets: [2, 1]}]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 5: bad value for 'feedback.metrics.slices': item 1: the buckets of slice feature 'mass' must be increasing");
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], "  labels:", "    input: labels.csv", "    label: species", "    csv: {delimiter: ';;'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: 'feedback.labels.csv.delimiter' must be one character, got ';;'");
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], "  labels:", "    input: labels.csv", "    label: species", "    key: species"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: bad value for 'feedback.labels.key': the label column 'species' cannot also be the key");
    assertThatThrownBy(() -> bind(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  model: ../etc"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: bad value for 'feedback.model': model must be a model name");
  }

  @Test
  void requiredKeysAreSaidToBeRequired() {
    assertThatThrownBy(() -> bind("feedback:", "  labels: {input: l.csv, label: species}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 1: 'feedback.request_log' is required: the model server's --request-log folder");
    assertThatThrownBy(() -> bind("feedback:", "  request_log: logs"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 1: 'feedback.labels' is required");
    assertThatThrownBy(() -> bind("feedback:", "  request_log: logs", "  labels: {input: l.csv}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 3: 'feedback.labels.label' is required: the column holding the label");
    assertThatThrownBy(() -> bind("feedback:", "  request_log: logs", "  labels: {label: species}"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 3: 'feedback.labels.input' is required: the file or pattern to read");
  }

  @Test
  void theFactoryIsRegisteredAndMakesTheJoinAndTheLiveMetrics() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("feedback")).findFirst().orElseThrow();
    List<Stage<?>> stages = factory.create(section(String.join("\n", MINIMAL) + "\n"));
    assertThat(stages).extracting(Stage::name).containsExactly("join_feedback", "live_metrics");
    assertThat(stages.get(0).produces()).extracting(p -> p.kind().name()).containsExactly("JOINED_TRAFFIC");
    assertThat(stages.get(1).consumes()).extracting(p -> p.kind().name()).containsExactly("JOINED_TRAFFIC");
    assertThat(stages.get(1).produces()).extracting(p -> p.kind().name()).containsExactly("LIVE_METRICS");
  }
}
