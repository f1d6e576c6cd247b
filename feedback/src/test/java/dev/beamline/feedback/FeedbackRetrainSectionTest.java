package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** {@code feedback.retrain}: YAML to {@link RetrainConfig}, its conditions and their checks, the stage it makes, its errors. */
class FeedbackRetrainSectionTest {
  private static final String[] MINIMAL = {"feedback:", "  request_log: logs", "  labels: {input: labels.csv, label: species}"};

  private static ConfigSection section(String... lines) throws Exception {
    String text = String.join("\n", lines) + "\n";
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("feedback", root.get("feedback"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work"), root);
  }

  private static RetrainConfig retrain(String... extra) throws Exception {
    String[] lines = new String[MINIMAL.length + extra.length];
    System.arraycopy(MINIMAL, 0, lines, 0, MINIMAL.length);
    System.arraycopy(extra, 0, lines, MINIMAL.length, extra.length);
    return FeedbackStageFactory.retrain(section(lines));
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void withoutTheKeyThereIsNoRetrainStage() throws Exception {
    assertThat(FeedbackStageFactory.retrain(section(MINIMAL))).isNull();
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    RetrainConfig c = retrain("  retrain:",
        "    when: [{metric: accuracy, below_baseline: 0.02}, {drift: true}, {new_labels: 500}, {metric: log_loss, above: 1}]",
        "    min_examples: 50",
        "    export: data/span-{SPAN}/*.csv",
        "    label_column: species_label",
        "    stable_label: prod");
    assertThat(c).isEqualTo(new RetrainConfig(List.of(RetrainConfig.Condition.belowBaseline("accuracy", 0.02), RetrainConfig.Condition.drift(),
        RetrainConfig.Condition.newLabels(500), RetrainConfig.Condition.above("log_loss", 1)), 50, "/work/data/span-{SPAN}/*.csv", "species_label",
        "prod"));
    assertThat(c.needsSkew()).isTrue();
    assertThat(FeedbackStageFactory.retrainParameters(c).toString()).isEqualTo("{\"when\":[\"{metric: accuracy, below_baseline: 0.02}\","
        + "\"{drift: true}\",\"{new_labels: 500}\",\"{metric: log_loss, above: 1}\"],\"min_examples\":50,\"label_column\":\"species_label\","
        + "\"stable_label\":\"prod\"}");
  }

  @Test
  void defaultsAreAHundredExamplesTheStableLabelAndNoExport() throws Exception {
    RetrainConfig c = retrain("  retrain: {when: [{new_labels: 1000}]}");
    assertThat(c).isEqualTo(RetrainConfig.of(List.of(RetrainConfig.Condition.newLabels(1000))));
    assertThat(c.minExamples()).isEqualTo(100);
    assertThat(c.stableLabel()).isEqualTo("stable");
    assertThat(c.export()).isNull();
    assertThat(c.labelColumn()).isNull();
    assertThat(c.needsSkew()).isFalse();
  }

  @Test
  void eachConditionItemBinds() {
    assertThat(FeedbackStageFactory.condition(map("metric", "accuracy", "below", 0.8))).isEqualTo(RetrainConfig.Condition.below("accuracy", 0.8));
    assertThat(FeedbackStageFactory.condition(map("metric", "mse", "above", 3))).isEqualTo(new RetrainConfig.Condition(RetrainConfig.Kind.ABOVE,
        "mse", 3.0));
    assertThat(FeedbackStageFactory.condition(map("below_baseline", 0, "metric", "brier_score")))
        .isEqualTo(RetrainConfig.Condition.belowBaseline("brier_score", 0));
    assertThat(FeedbackStageFactory.condition(map("metric", "mae", "above_baseline", 0.5))).isEqualTo(RetrainConfig.Condition.aboveBaseline("mae", 0.5));
    assertThat(FeedbackStageFactory.condition(map("drift", true))).isEqualTo(RetrainConfig.Condition.drift());
    assertThat(FeedbackStageFactory.condition(map("new_labels", 7))).isEqualTo(RetrainConfig.Condition.newLabels(7));
  }

  @Test
  void badConditionItemsSayWhatWasExpected() {
    assertThatThrownBy(() -> FeedbackStageFactory.condition("drift")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected {metric: accuracy, below: 0.8}, {drift: true} or {new_labels: 1000}, got drift");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("drift", false))).hasMessage("expected {drift: true}, got {drift=false}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("drift", true, "metric", "accuracy")))
        .hasMessage("expected {drift: true}, got {drift=true, metric=accuracy}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("new_labels", "many"))).hasMessage("expected {new_labels: <rows>}, got {new_labels=many}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("new_labels", 2.5))).hasMessage("new_labels must be a whole number >= 1, got 2.5");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("new_labels", 0))).hasMessage("new_labels must be a whole number >= 1, got 0.0");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "accuracy"))).hasMessage("expected {metric: <name>,"
        + " below|above|below_baseline|above_baseline: <number>}, {drift: true} or {new_labels: <rows>}, got {metric=accuracy}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "accuracy", "bellow", 0.8))).hasMessage("a metric condition needs one"
        + " of below, above, below_baseline, above_baseline with a number, got {metric=accuracy, bellow=0.8}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "accuracy", "below", "high"))).hasMessage("a metric condition needs one"
        + " of below, above, below_baseline, above_baseline with a number, got {metric=accuracy, below=high}");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "f1", "below", 0.5))).hasMessage("metric must be one of [accuracy,"
        + " brier_score, log_loss, mae, mse] (their value over several windows is exact), got 'f1'");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "accuracy", "below_baseline", -0.01)))
        .hasMessage("below_baseline is a margin, >= 0; got -0.01");
    assertThatThrownBy(() -> FeedbackStageFactory.condition(map("metric", "log_loss", "above_baseline", -1)))
        .hasMessage("above_baseline is a margin, >= 0; got -1.0");
  }

  @Test
  void theConditionsOwnChecks() {
    assertThatThrownBy(() -> new RetrainConfig.Condition(RetrainConfig.Kind.BELOW, null, 0.5)).hasMessage("below needs a metric");
    assertThatThrownBy(() -> new RetrainConfig.Condition(RetrainConfig.Kind.DRIFT, "accuracy", null)).hasMessage("drift takes no metric");
    assertThatThrownBy(() -> new RetrainConfig.Condition(RetrainConfig.Kind.NEW_LABELS, "accuracy", 5.0)).hasMessage("new_labels takes no metric");
    assertThatThrownBy(() -> RetrainConfig.Condition.below("accuracy", Double.NaN)).hasMessage("below needs a finite number");
    assertThatThrownBy(() -> new RetrainConfig.Condition(RetrainConfig.Kind.ABOVE, "mse", null)).hasMessage("above needs a finite number");
    assertThatThrownBy(() -> new RetrainConfig.Condition(RetrainConfig.Kind.NEW_LABELS, null, null)).hasMessage("new_labels needs a finite number");
    // A negative bound is fine where it is not a margin.
    assertThat(RetrainConfig.Condition.below("mse", -1).value()).isEqualTo(-1.0);
  }

  @Test
  void aConditionIsWrittenAsInYaml() {
    assertThat(RetrainConfig.Condition.below("accuracy", 0.8).text()).isEqualTo("{metric: accuracy, below: 0.8}");
    assertThat(RetrainConfig.Condition.above("log_loss", 1).text()).isEqualTo("{metric: log_loss, above: 1}");
    assertThat(RetrainConfig.Condition.belowBaseline("accuracy", 0.02).text()).isEqualTo("{metric: accuracy, below_baseline: 0.02}");
    assertThat(RetrainConfig.Condition.aboveBaseline("mae", 0).text()).isEqualTo("{metric: mae, above_baseline: 0}");
    assertThat(RetrainConfig.Condition.below("mse", -2.5).text()).isEqualTo("{metric: mse, below: -2.5}");
    assertThat(RetrainConfig.Condition.drift().text()).isEqualTo("{drift: true}");
    assertThat(RetrainConfig.Condition.newLabels(1000).text()).isEqualTo("{new_labels: 1000}");
  }

  @Test
  void theConfigurationsOwnChecks() {
    List<RetrainConfig.Condition> one = List.of(RetrainConfig.Condition.drift());
    assertThatThrownBy(() -> RetrainConfig.of(List.of())).hasMessageStartingWith("when must hold at least one condition");
    assertThatThrownBy(() -> RetrainConfig.of(one).withMinExamples(0)).hasMessage("min_examples must be at least 1, got 0");
    assertThatThrownBy(() -> RetrainConfig.of(one).withExport("data/*.csv")).hasMessage("export must hold {SPAN} (a new span of the training"
        + " data), got 'data/*.csv'");
    assertThatThrownBy(() -> RetrainConfig.of(one).withLabelColumn(" ")).hasMessage("label_column must be a column name, got ' '");
    assertThatThrownBy(() -> RetrainConfig.of(one).withStableLabel("")).hasMessage("stable_label must be a label name, got ''");
  }

  @Test
  void aTypoInsideRetrainIsNamedWithTheKeyItMeant() {
    assertThatThrownBy(() -> retrain("  retrain:", "    wen: [{drift: true}]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 5: unknown key 'feedback.retrain.wen'; did you mean 'when'?");
    assertThatThrownBy(() -> retrain("  retrain:", "    when: [{drift: true}]", "    min_exmaples: 5"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 6: unknown key 'feedback.retrain.min_exmaples'; did you mean 'min_examples'?");
  }

  @Test
  void aBadConditionIsNamedWithItsLineAndItemIndex() {
    assertThatThrownBy(() -> retrain("  retrain:", "    when: [{drift: true}, {metric: f1, below: 0.5}]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.retrain.when': item 1: metric must be one of [accuracy, brier_score, log_loss, mae, mse]"
            + " (their value over several windows is exact), got 'f1'");
    assertThatThrownBy(() -> retrain("  retrain:", "    when:", "      - {new_labels: 2.5}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("bad value for 'feedback.retrain.when': item 0: new_labels must be a whole number >= 1, got 2.5");
    assertThatThrownBy(() -> retrain("  retrain:", "    when: [{metric: accuracy, below_baseline: -0.1}]"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.retrain.when': item 0: below_baseline is a margin, >= 0; got -0.1");
  }

  @Test
  void otherBadValuesAreNamedWithTheirKey() {
    assertThatThrownBy(() -> retrain("  retrain: {}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: 'feedback.retrain.when' is required: the conditions that start a retraining");
    assertThatThrownBy(() -> retrain("  retrain:", "    when: []"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: 'feedback.retrain.when' is required");
    assertThatThrownBy(() -> retrain("  retrain:", "    when: [{drift: true}]", "    min_examples: 0"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: bad value for 'feedback.retrain.min_examples': min_examples must be at least 1, got 0");
    assertThatThrownBy(() -> retrain("  retrain:", "    when: [{drift: true}]", "    export: data/*.csv"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 6: bad value for 'feedback.retrain.export': export must hold {SPAN} (a new span of the training data),"
            + " got '/work/data/*.csv'");
  }

  @Test
  void theExportDefaultsToTheIngestionsInputAndFormat() throws Exception {
    ConfigSection s = section("ingest: {input: 'data/span-{SPAN}/*.txt', format: csv}", MINIMAL[0], MINIMAL[1], MINIMAL[2],
        "  retrain: {when: [{drift: true}]}");
    RetrainStage stage = FeedbackStageFactory.retrainStage(s, FeedbackStageFactory.bind(s), FeedbackStageFactory.retrain(s));
    assertThat(stage.parameters().get("export").asText()).isEqualTo("/work/data/span-{SPAN}/*.txt");
    assertThat(stage.parameters().get("format").asText()).isEqualTo("csv");
    // The section's own export wins, its format told from the file name.
    ConfigSection own = section("ingest: {input: 'data/span-{SPAN}/*.csv'}", MINIMAL[0], MINIMAL[1], MINIMAL[2],
        "  retrain: {when: [{drift: true}], export: 'fb/span-{SPAN}/*.jsonl'}");
    RetrainStage ownStage = FeedbackStageFactory.retrainStage(own, FeedbackStageFactory.bind(own), FeedbackStageFactory.retrain(own));
    assertThat(ownStage.parameters().get("export").asText()).isEqualTo("/work/fb/span-{SPAN}/*.jsonl");
    assertThat(ownStage.parameters().get("format").asText()).isEqualTo("jsonl");
    // Neither: no export.
    ConfigSection neither = section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  retrain: {when: [{drift: true}]}");
    RetrainStage none = FeedbackStageFactory.retrainStage(neither, FeedbackStageFactory.bind(neither), FeedbackStageFactory.retrain(neither));
    assertThat(none.parameters().get("export").isNull()).isTrue();
    assertThat(none.parameters().get("format").isNull()).isTrue();
  }

  @Test
  void theFactoryMakesTheRetrainStageLast() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("feedback")).findFirst().orElseThrow();
    List<Stage<?>> stages = factory.create(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  retrain: {when: [{new_labels: 10}]}"));
    assertThat(stages).extracting(Stage::name).last().isEqualTo("retrain");
    assertThat(stages.get(stages.size() - 1).produces()).extracting(p -> p.kind().name()).containsExactly("RETRAIN_DECISION");
  }
}
