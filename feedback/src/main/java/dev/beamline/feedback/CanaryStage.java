package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The canary comparison ({@link CompareCanary}) as the runner sees it: consumes the live metrics
 * ({@link LiveMetricsStage#LIVE_METRICS}) and produces {@link #CANARY_COMPARISON}, a folder holding
 * {@value CanaryWindows#FILE}: the verdict ({@code promote}, {@code keep}, {@code rollback}), its reason
 * and numbers. Made only when the {@code feedback:} section has a {@code canary:} key. With {@code
 * auto_promote} it also moves the label its verdict calls for in the server's model config file, and
 * states the move in its facts ({@code action}).
 *
 * <pre>{@code
 * CanaryStage stage = new CanaryStage(CanaryConfig.of().withMinExamples(500));
 * }</pre>
 */
public final class CanaryStage implements Stage<Serializable> {
  /** The stage's name and folder. */
  public static final String NAME = "canary";
  /** A canary compared with the stable version: the verdict and its numbers. */
  public static final ArtifactKind CANARY_COMPARISON = ArtifactKind.of("CANARY_COMPARISON");
  public static final Port METRICS = Port.required("live_metrics", LiveMetricsStage.LIVE_METRICS);
  public static final Port COMPARISON = Port.folder("canary", CANARY_COMPARISON);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final CanaryConfig config;

  public CanaryStage(CanaryConfig config) {
    this.config = checkNotNull(config, "config");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(METRICS);
  }

  @Override
  public List<Port> produces() {
    return List.of(COMPARISON);
  }

  @Override
  public ObjectNode parameters() {
    return FeedbackStageFactory.canaryParameters(config);
  }

  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    return Plan.empty();
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    return inputs.get(METRICS.role()).ready().apply("CompareCanary", CompareCanary.of(config).to(output));
  }

  @Override
  public Published describe(Plan<Serializable> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals(CanaryWindows.FILE));
    JsonNode doc = Storage.readJson(Storage.resolve(outputDir, CanaryWindows.FILE));
    ObjectNode facts = JSON.createObjectNode();
    for (String k : List.of("verdict", "reason", "stable_versions", "canary_versions", "stable", "canary", "difference", "interval", "z",
        "p_value", "action")) {
      facts.set(k, doc.get(k));
    }
    String line = String.format(Locale.ROOT, "%s: %s, %s (%s %s, %s %s)", config.canaryLabel(), doc.path("verdict").asText(),
        doc.path("reason").asText(), config.stableLabel(), arm(doc.path("stable")), config.canaryLabel(), arm(doc.path("canary")));
    String numbers = String.format(Locale.ROOT, "z %s, p %s; %s", number(doc.path("z"), "%.3f"), number(doc.path("p_value"), "%.4g"),
        Storage.resolve(outputDir, CanaryWindows.FILE));
    List<String> lines = new ArrayList<>(List.of(line, numbers));
    JsonNode action = doc.path("action");
    if (action.isObject()) {
      lines.add(action.path("moved").isTextual()
          ? String.format(Locale.ROOT, "auto_promote: label '%s' moved to version %d (was %s) in %s", action.get("moved").asText(),
              action.path("to_version").asLong(), action.path("previous_version").isNull() ? "unset" : action.path("previous_version").asText(),
              action.path("model_config").asText())
          : "auto_promote: no label moved: " + (action.has("error") ? action.get("error").asText() : action.path("note").asText()));
    }
    return new Published(fingerprint, Map.of(COMPARISON.role(), facts), lines);
  }

  private static String arm(JsonNode a) {
    return a.path("correct").asLong() + "/" + a.path("examples").asLong() + " right"
        + (a.path("accuracy").isNumber() ? String.format(Locale.ROOT, " (%.4f)", a.get("accuracy").asDouble()) : "");
  }

  private static String number(JsonNode n, String format) {
    return n.isNumber() ? String.format(Locale.ROOT, format, n.asDouble()) : "-";
  }
}
