package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The canary stage: its section, the windows it compares in a live metrics document, and its published verdict. */
class CanaryStageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] MINIMAL = {"feedback:", "  request_log: logs", "  labels: {input: labels.csv, label: species}"};

  @TempDir Path dir;

  private static ConfigSection section(String... lines) throws Exception {
    String text = String.join("\n", lines) + "\n";
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("feedback", root.get("feedback"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("/work"), root);
  }

  @Test
  void theCanaryKeyMakesTheStageWithItsSettings() throws Exception {
    List<Stage<?>> stages = new FeedbackStageFactory().create(section(MINIMAL[0], MINIMAL[1], MINIMAL[2],
        "  canary: {metric: accuracy, min_examples: 500, confidence: 0.99, min_improvement: -0.01}"));
    assertThat(stages).extracting(Stage::name).containsExactly("join_feedback", "live_metrics", "canary");
    assertThat(stages.get(2).consumes()).extracting(p -> p.kind().name()).containsExactly("LIVE_METRICS");
    assertThat(stages.get(2).produces()).extracting(p -> p.kind().name()).containsExactly("CANARY_COMPARISON");
    assertThat(stages.get(2).parameters().toString()).isEqualTo("{\"metric\":\"accuracy\",\"min_examples\":500,\"confidence\":0.99,"
        + "\"min_improvement\":-0.01,\"stable_label\":\"stable\",\"canary_label\":\"canary\",\"auto_promote\":false,\"model_config\":null}");
    // Defaults, and no canary stage without the key.
    assertThat(FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary: {}"))).isEqualTo(CanaryConfig.of());
    assertThat(new FeedbackStageFactory().create(section(MINIMAL))).extracting(Stage::name).containsExactly("join_feedback", "live_metrics");
  }

  @Test
  void badCanaryValuesAreNamedWithTheirLineAndKey() {
    assertThatThrownBy(() -> FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary:", "    confidence: 95")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.canary.confidence': confidence must be in (0, 1), got 95.0");
    assertThatThrownBy(() -> FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary:", "    metric: auc")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.canary.metric': metric must be 'accuracy' (compared by a two-proportion test),"
            + " got 'auc'");
    assertThatThrownBy(() -> FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary: {min_example: 5}")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 4: unknown key 'feedback.canary.min_example'; did you mean 'min_examples'?");
    assertThatThrownBy(() -> FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary:", "    auto_promote: true")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("p.yaml line 5: bad value for 'feedback.canary.auto_promote': auto_promote needs model_config: the model server's"
            + " --model-config file to edit");
  }

  @Test
  void autoPromoteMovesTheLabelTheVerdictSaysOnceAndWritesWhatItDid() throws Exception {
    CanaryConfig c = FeedbackStageFactory.canary(section(MINIMAL[0], MINIMAL[1], MINIMAL[2], "  canary:", "    auto_promote: true",
        "    model_config: " + dir.resolve("models.yaml")));
    assertThat(c.autoPromote()).isTrue();
    assertThat(c.modelConfig()).isEqualTo(dir.resolve("models.yaml").toString());
    Files.createDirectories(dir.resolve("serving/penguins/1"));
    Files.createDirectories(dir.resolve("serving/penguins/2"));
    Path config = dir.resolve("models.yaml");
    Files.writeString(config, "models:\n  - name: penguins   # the classifier\n    base_path: serving/penguins\n    labels: {stable: 1, canary: 2}\n");
    Path metrics = dir.resolve("live_metrics/7");
    Files.createDirectories(metrics);
    Files.writeString(metrics.resolve(LiveMetricsDocument.FILE), liveMetrics().toString());

    StageOutput output = new StageOutput(dir.resolve("canary/8").toString(), "r1", "{}");
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    PAssert.that(p.apply(Create.of(metrics.toString())).apply(CompareCanary.of(c).to(output))).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();
    assertThat(Files.readString(config)).isEqualTo(
        "models:\n  - name: penguins   # the classifier\n    base_path: serving/penguins\n    labels: {stable: 2, canary: 2}\n");
    JsonNode action = JSON.readTree(Files.readString(Path.of(output.dir(), CanaryWindows.FILE))).get("action");
    assertThat(action.toString()).isEqualTo("{\"model_config\":\"" + config + "\",\"moved\":\"stable\",\"to_version\":2,\"previous_version\":1}");
    assertThat(new CanaryStage(c).describe(null, output.dir()).summary().get(2))
        .isEqualTo("auto_promote: label 'stable' moved to version 2 (was 1) in " + config);

    // The same verdict again (a retried bundle, a later run): nothing more moves.
    ObjectNode promote = JSON.createObjectNode().put("model", "penguins").put("verdict", "promote");
    assertThat(CompareCanary.act(promote, c).get("note").asText()).endsWith("label 'stable' of model 'penguins' names version 2 already, as"
        + " 'canary' does: nothing to move");
    // A rollback moves the canary back to the stable's version; keep moves nothing.
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels: {stable: 1, canary: 2}\n");
    ObjectNode rollback = JSON.createObjectNode().put("model", "penguins").put("verdict", "rollback");
    assertThat(CompareCanary.act(rollback, c).get("moved").asText()).isEqualTo("canary");
    assertThat(dev.beamline.serving.server.ModelConfigFile.read(config).get(0).labels()).isEqualTo(java.util.Map.of("stable", 1L, "canary", 1L));
    ObjectNode keep = JSON.createObjectNode().put("model", "penguins").put("verdict", "keep");
    assertThat(CompareCanary.act(keep, c).toString()).isEqualTo("{\"model_config\":\"" + config + "\",\"moved\":null,"
        + "\"note\":\"verdict keep: no label moved\"}");
    // A model the file does not list is reported, not thrown.
    ObjectNode other = JSON.createObjectNode().put("model", "birds").put("verdict", "promote");
    assertThat(CompareCanary.act(other, c).get("error").asText()).isEqualTo(config + ": no model 'birds'; models there: penguins");
  }

  /** A live metrics entry of the overall slice with a two-class confusion matrix. */
  private static void entry(ArrayNode series, long version, String label, String window, long[][] confusion, String slice) {
    ObjectNode o = series.addObject().put("version", version).put("server_label", label).put("window_start", window).put("slice", slice);
    ArrayNode c = o.putArray("confusion_counts");
    for (long[] row : confusion) {
      ArrayNode r = c.addArray();
      for (long n : row) {
        r.add(n);
      }
    }
  }

  /** Three windows: stable and canary share the second and third; the first has only stable, and a slice and a direct call are ignored. */
  private static ObjectNode liveMetrics() {
    ObjectNode doc = JSON.createObjectNode().put("model", "penguins").put("window", "1d");
    ArrayNode s = doc.putArray("series");
    entry(s, 1, "stable", "2026-11-01T00:00:00Z", new long[][] {{1000, 0}, {0, 0}}, "overall");
    entry(s, 1, "stable", "2026-11-02T00:00:00Z", new long[][] {{200, 10}, {15, 25}}, "overall");   // 225/250
    entry(s, 1, "stable", "2026-11-03T00:00:00Z", new long[][] {{190, 20}, {15, 25}}, "overall");   // 215/250
    entry(s, 2, "canary", "2026-11-02T00:00:00Z", new long[][] {{210, 5}, {10, 25}}, "overall");    // 235/250
    entry(s, 2, "canary", "2026-11-03T00:00:00Z", new long[][] {{200, 5}, {10, 35}}, "overall");    // 235/250
    entry(s, 2, "canary", "2026-11-02T00:00:00Z", new long[][] {{0, 50}, {50, 0}}, "island=Biscoe");
    entry(s, 2, JSON.nullNode().asText(null), "2026-11-02T00:00:00Z", new long[][] {{0, 50}, {50, 0}}, "overall");
    return doc;
  }

  @Test
  void armsArePooledOverTheWindowsBothLabelsServed() {
    ObjectNode doc = CanaryWindows.compare(liveMetrics(), CanaryConfig.of());
    assertThat(doc.get("stable").toString()).isEqualTo("{\"examples\":500,\"correct\":440,\"accuracy\":0.88}");
    assertThat(doc.get("canary").toString()).isEqualTo("{\"examples\":500,\"correct\":470,\"accuracy\":0.94}");
    assertThat(doc.get("windows")).extracting(w -> w.get("compared").asBoolean()).containsExactly(false, true, true);
    assertThat(doc.get("stable_versions").toString()).isEqualTo("[1]");
    assertThat(doc.get("canary_versions").toString()).isEqualTo("[2]");
    // 440/500 against 470/500, as CanaryComparison computes it (in Python: interval [0.024720648278278974, 0.09527935172172092]).
    CanaryComparison.Result r = CanaryComparison.compare(new CanaryComparison.Arm(440, 500), new CanaryComparison.Arm(470, 500), CanaryConfig.of());
    assertThat(doc.get("verdict").asText()).isEqualTo("promote").isEqualTo(r.verdict().text());
    assertThat(doc.get("z").asDouble()).isEqualTo(r.z());
    assertThat(doc.get("interval").get("low").asDouble()).isEqualTo(r.low());
    assertThat(doc.get("interval").get("low").asDouble()).isCloseTo(0.024720648278278974, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(doc.get("interval").get("high").asDouble()).isCloseTo(0.09527935172172092, org.assertj.core.api.Assertions.within(1e-9));

    ObjectNode none = CanaryWindows.compare(liveMetrics(), CanaryConfig.of().withLabels("stable", "beta"));
    assertThat(none.get("verdict").asText()).isEqualTo("keep");
    assertThat(none.get("reason").asText()).isEqualTo("not enough data: no window in which both 'stable' and 'beta' have scored examples"
        + " (3 window(s) of stable, 0 of beta)");
  }

  @Test
  void theStagePublishesTheVerdictAndStatesItInTheSummary() throws Exception {
    Path metrics = dir.resolve("live_metrics/7");
    Files.createDirectories(metrics);
    Files.writeString(metrics.resolve(LiveMetricsDocument.FILE), liveMetrics().toString());
    StageOutput output = new StageOutput(dir.resolve("canary/8").toString(), "r1", "{}");
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    PCollection<String> published = p.apply(Create.of(metrics.toString())).apply(CompareCanary.of(CanaryConfig.of()).to(output));
    PAssert.that(published).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    JsonNode doc = JSON.readTree(Files.readString(Path.of(output.dir(), CanaryWindows.FILE)));
    assertThat(doc.get("verdict").asText()).isEqualTo("promote");
    assertThat(doc.get("live_metrics").asText()).isEqualTo(metrics.toString());
    assertThat(Files.exists(Path.of(output.dir(), "provenance.json"))).isTrue();
    Published d = new CanaryStage(CanaryConfig.of()).describe(null, output.dir());
    assertThat(d.properties().get("canary").get("verdict").asText()).isEqualTo("promote");
    assertThat(d.summary().get(0)).isEqualTo("canary: promote, 95% interval of the accuracy difference [0.0247, 0.0953] is wholly above"
        + " min_improvement 0.0 (stable 440/500 right (0.8800), canary 470/500 right (0.9400))");
    assertThat(d.summary().get(1)).startsWith("z 3.315, p 0.0009165; ");
  }
}
