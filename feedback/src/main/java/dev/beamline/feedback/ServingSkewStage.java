package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The serving skew ({@link ComputeServingSkew}) as the runner sees it: consumes the joined traffic ({@link
 * JoinFeedbackStage#JOINED_TRAFFIC}: every logged row, labelled or not) and the pipeline's training
 * statistics ({@link ArtifactKind#STATISTICS}, of the statistics stage), and produces {@link #SERVING_SKEW}:
 * per time window (and model version), the statistics of the logged inputs against the training split's by
 * validation's skew check. Made by the {@code feedback:} section when it has a {@code skew:} key.
 *
 * <pre>{@code
 * ServingSkewStage stage = new ServingSkewStage(feedbackConfig, SkewConfig.of());
 * Plan<ComputeServingSkew.Run> plan = stage.plan(ctx);
 * }</pre>
 */
public final class ServingSkewStage implements Stage<ServingSkewStage.State> {
  /** The stage's name and folder. */
  public static final String NAME = "serving_skew";
  /** Skew of the served traffic from the training statistics, per window. */
  public static final ArtifactKind SERVING_SKEW = ArtifactKind.of("SERVING_SKEW");
  public static final Port TRAFFIC = Port.required("traffic", JoinFeedbackStage.JOINED_TRAFFIC);
  public static final Port STATISTICS = Port.required("statistics", ArtifactKind.STATISTICS);
  public static final Port SKEW = Port.folder("serving_skew", SERVING_SKEW);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FeedbackConfig feedback;
  private final SkewConfig config;

  /** What the plan resolved: the comparison's settings and the traffic's columns. */
  public record State(ComputeServingSkew.Run run, dev.beamline.core.ExampleSchema traffic) implements Serializable {}

  public ServingSkewStage(FeedbackConfig feedback, SkewConfig config) {
    this.feedback = checkNotNull(feedback, "feedback");
    this.config = checkNotNull(config, "config");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(TRAFFIC, STATISTICS);
  }

  @Override
  public List<Port> produces() {
    return List.of(SKEW);
  }

  @Override
  public ObjectNode parameters() {
    return FeedbackStageFactory.skewParameters(feedback, config);
  }

  /**
   * Finds the logged input columns.
   *
   * @throws ConfigException when the request log has no column that can be a model's input
   */
  @Override
  public Plan<State> plan(PlanContext ctx) {
    StageInput in = ctx.inputs().get(TRAFFIC.role());
    TrafficInfo info = in.info(TrafficInfo.class);
    ServingSkew skew = new ServingSkew(info.schema(), config.windowOr(feedback.metricsWindow()), config.perVersion());
    // Before anything is logged the traffic has only the fixed columns: nothing to compare yet, not an error.
    if (skew.inputColumns().isEmpty() && !info.versions().isEmpty()) {
      throw new ConfigException("feedback.skew: the request log of " + info.model() + " has no input column to compare with the training"
          + " statistics (columns: " + String.join(", ", info.schema().names()) + ")");
    }
    ComputeServingSkew.Run run = new ComputeServingSkew.Run(info.model(), config, DurationText.format(config.windowOr(feedback.metricsWindow())),
        skew, Set.of(feedback.labels().label()));
    return new Plan<>(List.of(), Map.of(), new State(run, info.schema()));
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<State> plan, StageInputs inputs, StageOutput output) {
    State s = plan.state();
    return inputs.get(TRAFFIC.role()).ready()
        .apply("ComputeServingSkew", ComputeServingSkew.of(s.run(), s.traffic(), inputs.get(STATISTICS.role()).ready()).to(output));
  }

  @Override
  public Published describe(Plan<State> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals(ServingSkewDocument.FILE));
    ObjectNode doc = (ObjectNode) Storage.readJson(Storage.resolve(outputDir, ServingSkewDocument.FILE));
    ObjectNode facts = JSON.createObjectNode();
    facts.set("totals", doc.path("totals"));
    facts.put("window", doc.path("window").asText());
    facts.put("baseline_split", doc.path("baseline_split").asText());
    facts.set("missing_features", doc.path("missing_features"));
    List<String> lines = new java.util.ArrayList<>(ServingSkewDocument.summary(doc));
    lines.add("report: " + Storage.resolve(outputDir, ServingSkewReport.FILE));
    return new Published(fingerprint, Map.of(SKEW.role(), facts), lines);
  }
}
