package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.ingest.InputFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The feedback join ({@link JoinFeedback}) as the runner sees it: reads the server's request log and the
 * label files from outside the pipeline, each file an external input listed by path, size and time (the
 * cache key; their SHA-256s are stated once read), and produces the joined traffic ({@link
 * #JOINED_TRAFFIC}), whose columns it states once prepared ({@link TrafficInfo}).
 *
 * <pre>{@code
 * JoinFeedbackStage stage = new JoinFeedbackStage(config);
 * Plan<FeedbackInputs> plan = stage.prepare(stage.plan(ctx), ctx);   // lists, then reads footers and label schema
 * PCollection<String> published = stage.expand(pipeline, plan, StageInputs.none(), output);
 * }</pre>
 */
public final class JoinFeedbackStage implements Stage<FeedbackInputs> {
  /** The stage's name and folder. */
  public static final String NAME = "join_feedback";
  /** Logged requests joined with the labels that came later. */
  public static final ArtifactKind JOINED_TRAFFIC = ArtifactKind.of("JOINED_TRAFFIC");
  public static final Port TRAFFIC = Port.folder("traffic", JOINED_TRAFFIC);

  private final FeedbackConfig config;

  public JoinFeedbackStage(FeedbackConfig config) {
    this.config = checkNotNull(config, "config");
  }

  public FeedbackConfig config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of();
  }

  @Override
  public List<Port> produces() {
    return List.of(TRAFFIC);
  }

  @Override
  public ObjectNode parameters() {
    return FeedbackStageFactory.joinParameters(config);
  }

  /**
   * Lists the request log's segments of the model and the label files.
   *
   * @throws dev.beamline.core.ConfigException when either pattern matches nothing
   */
  @Override
  public Plan<FeedbackInputs> plan(PlanContext ctx) {
    // An encrypted pipeline's server writes its request log with the same keyset (beamline serve --encryption-keyset).
    if (ctx.root() != null) {
      dev.beamline.core.crypto.Encryption.cipherFor(ctx.root()).ifPresent(
          c -> dev.beamline.core.crypto.Encryption.register(config.requestLog(), dev.beamline.core.crypto.Encryption.REQUEST_LOGS, c));
    }
    FeedbackInputs listed = FeedbackInputs.list(config, config.modelFor(ctx.pipeline()));
    List<ExternalInput> external = new ArrayList<>();
    listed.segments().files().forEach(f -> external.add(listed(FileRead.REQUEST_LOG, f)));
    listed.labelFiles().files().forEach(f -> external.add(listed(FileRead.LABELS, f)));
    return new Plan<>(external, Map.of(), listed);
  }

  private static ExternalInput listed(String role, InputFiles.InputFile f) {
    return ExternalInput.listed(role, f.path(), f.bytes(), FeedbackInputs.modifiedMillis(f.path()));
  }

  /** Reads the segments' columns and the label files' schema; states the traffic's columns. */
  @Override
  public Plan<FeedbackInputs> prepare(Plan<FeedbackInputs> plan, PlanContext ctx) {
    FeedbackInputs resolved = plan.state().resolve();
    return new Plan<>(plan.externalInputs(), Map.of(TRAFFIC.role(), info(resolved)), resolved);
  }

  static TrafficInfo info(FeedbackInputs in) {
    return new TrafficInfo(in.model(), in.versions(), in.traffic());
  }

  @Override
  public ArtifactInfo readInfo(Port port, String uri) {
    checkArgument(port.role().equals(TRAFFIC.role()), "the join produces '%s' only, not '%s'", TRAFFIC.role(), port.role());
    JoinedTraffic t = JoinedTraffic.open(uri);
    return new TrafficInfo(t.model(), t.versions(), t.schema());
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<FeedbackInputs> plan, StageInputs inputs, StageOutput output) {
    checkState(plan.state() != null && plan.state().resolved(), "the join's plan is not prepared: call prepare() before expand()");
    return pipeline.apply("JoinFeedback", JoinFeedback.of(plan.state()).to(output));
  }

  @Override
  public Published describe(Plan<FeedbackInputs> plan, String outputDir) {
    JoinedTraffic t = JoinedTraffic.open(outputDir);
    String fingerprint = FolderFingerprint.sha256(outputDir,
        rel -> !rel.equals(StageOutput.PROVENANCE_FILE) && !rel.equals(JoinedTraffic.SUMMARY_FILE));
    JsonNode s = t.summary();
    ObjectNode facts = JsonNodeFactory.instance.objectNode();
    facts.put("model", t.model());
    facts.set("versions", s.get("versions"));
    facts.setAll(t.counts().toJson());
    ArrayNode files = facts.putArray(Published.INPUT_FILES);
    for (JsonNode f : s.get("files")) {
      files.addObject().put("path", f.get("path").asText()).put("sha256", f.get("sha256").asText()).put("role", f.get("role").asText());
    }
    JoinCounts c = t.counts();
    List<String> lines = List.of(
        String.format(Locale.ROOT, "%d logged rows of %s (versions %s): %d joined, %d without a label (%d whose label came too late),"
                + " %d duplicate(s) left out",
            c.get(JoinCounts.REQUESTS), t.model(), t.versions(), c.get(JoinCounts.JOINED), c.get(JoinCounts.WITHOUT_LABEL),
            c.get(JoinCounts.LABEL_TOO_LATE), c.get(JoinCounts.DUPLICATE_REQUESTS)),
        String.format(Locale.ROOT, "%d label row(s): %d joined, %d without a request, %d too late, %d superseded, %d rejected",
            c.get(JoinCounts.LABELS) + c.get(JoinCounts.REJECTED_LABELS), c.get(JoinCounts.LABELS_JOINED), c.get(JoinCounts.ORPHAN_LABELS),
            c.get(JoinCounts.LATE_LABELS), c.get(JoinCounts.SUPERSEDED_LABELS), c.get(JoinCounts.REJECTED_LABELS)));
    return new Published(fingerprint, Map.of(TRAFFIC.role(), facts), lines);
  }
}
