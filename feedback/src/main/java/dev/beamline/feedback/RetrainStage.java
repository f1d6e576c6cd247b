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
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import dev.beamline.ingest.InputFormat;
import dev.beamline.serving.push.PushStage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The retraining trigger ({@code feedback.retrain:}) as the runner sees it: consumes the joined traffic
 * and the live metrics, and the serving skew, the canary comparison and the ingested examples when the
 * pipeline makes them; produces {@link #RETRAIN_DECISION}, a folder holding {@value
 * DecideRetrain#FILE}: whether it fired, why (every condition with its value and threshold), and the
 * new span it wrote. The next run of the pipeline (by hand, or {@code beamline watch} when the span
 * appears) ingests it with the rest and retrains.
 *
 * <p>Planning reads the previous decision (for the cutoff: the newest request already exported) and the
 * pipeline's push records (each version's evaluation, the baselines) from the metadata store; both are
 * in the cache key, so a decision that exported traffic makes the next one run again from there.
 *
 * <pre>{@code
 * RetrainStage stage = new RetrainStage(feedbackConfig, RetrainConfig.of(List.of(Condition.drift())), "data/span-{SPAN}/*.csv", InputFormat.CSV);
 * }</pre>
 */
public final class RetrainStage implements Stage<DecideRetrain.Run> {
  /** The stage's name and folder. */
  public static final String NAME = "retrain";
  /** A retraining decision and the span it wrote. */
  public static final ArtifactKind RETRAIN_DECISION = ArtifactKind.of("RETRAIN_DECISION");
  public static final Port TRAFFIC = Port.required("traffic", JoinFeedbackStage.JOINED_TRAFFIC);
  public static final Port METRICS = Port.required("live_metrics", LiveMetricsStage.LIVE_METRICS);
  public static final Port SKEW = Port.optional("serving_skew", ServingSkewStage.SERVING_SKEW);
  public static final Port CANARY = Port.optional("canary", CanaryStage.CANARY_COMPARISON);
  public static final Port EXAMPLES = Port.optional("examples", ArtifactKind.EXAMPLES);
  public static final Port DECISION = Port.folder("retrain", RETRAIN_DECISION);
  /** Push records read for baselines, newest first. */
  static final int BASELINE_PUSHES = 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FeedbackConfig feedback;
  private final RetrainConfig config;
  private final String export;
  private final InputFormat format;

  /**
   * @param export the resolved export pattern (the configured one, else {@code ingest.input}); null when neither is there
   * @param format the export's format; null when it cannot be told
   */
  public RetrainStage(FeedbackConfig feedback, RetrainConfig config, String export, InputFormat format) {
    this.feedback = checkNotNull(feedback, "feedback");
    this.config = checkNotNull(config, "config");
    this.export = export;
    this.format = format;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(TRAFFIC, METRICS, SKEW, CANARY, EXAMPLES);
  }

  @Override
  public List<Port> produces() {
    return List.of(DECISION);
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = FeedbackStageFactory.retrainParameters(config);
    p.put("export", export);
    p.put("format", format == null ? null : format.name().toLowerCase(java.util.Locale.ROOT));
    return p;
  }

  @Override
  public Plan<DecideRetrain.Run> plan(PlanContext ctx) {
    if (export == null) {
      throw new ConfigException("feedback.retrain: no pattern to write the new span under: set feedback.retrain.export (e.g. data/span-{SPAN}/*.csv)"
          + " or ingest.input with {SPAN}");
    }
    TrafficExport.check(export);
    if (format != InputFormat.CSV && format != InputFormat.JSONL) {
      throw new ConfigException("feedback.retrain.export: the new span is written as csv or jsonl; '" + export + "' is "
          + (format == null ? "of no format its extension tells" : format.name().toLowerCase(java.util.Locale.ROOT))
          + " (set ingest.format, or a retrain.export ending in .csv or .jsonl)");
    }
    if (config.needsSkew() && ctx.inputs().find(SKEW.role()).isEmpty()) {
      throw new ConfigException("feedback.retrain.when: {drift: true} reads the serving skew: add feedback.skew (and validation:, whose statistics it"
          + " compares with)");
    }
    List<ExternalInput> external = new ArrayList<>();
    Instant cutoff = null;
    String previous = null;
    List<StoredArtifact> decisions = ctx.live(NAME, RETRAIN_DECISION);
    if (!decisions.isEmpty()) {
      StoredArtifact last = decisions.get(0);
      JsonNode doc = DecideRetrain.read(last.uri());
      cutoff = doc.path("next_cutoff").isTextual() ? Instant.parse(doc.get("next_cutoff").asText()) : null;
      previous = last.uri();
      external.add(ExternalInput.stored("previous_decision", last));
    }
    Map<Long, String> baselines = new LinkedHashMap<>();
    List<StoredArtifact> pushes = ctx.live(PushStage.NAME, PushStage.PUSHED_MODEL);
    for (StoredArtifact push : pushes.subList(0, Math.min(BASELINE_PUSHES, pushes.size()))) {
      String file = Storage.resolve(push.uri(), PushStage.PUSH_FILE);
      if (Storage.exists(file)) {
        JsonNode record = Storage.readJson(file);
        baselines.putIfAbsent(record.path("version").asLong(), record.path("metrics").toString());
      }
    }
    if (!pushes.isEmpty()) {
      external.add(ExternalInput.stored("newest_push", pushes.get(0)));
    }
    String label = config.labelColumn() != null ? config.labelColumn() : feedback.labels().label();
    List<String> columns = columns(ctx.inputs(), label);
    java.util.Set<String> timestamps = new java.util.TreeSet<>();
    ctx.inputs().find(EXAMPLES.role()).map(in -> in.info(ExamplesInfo.class)).ifPresent(info -> info.schema().features().stream()
        .filter(f -> f.type() == dev.beamline.core.FeatureType.TIMESTAMP).forEach(f -> timestamps.add(f.name())));
    return new Plan<>(external, Map.of(), new DecideRetrain.Run(config, cutoff, previous, baselines,
        new TrafficExport(export, format, columns, label, timestamps)));
  }

  /** The new span's columns: the ingested examples' when the pipeline ingests, else the logged inputs, then the label. */
  static List<String> columns(StageInputs inputs, String label) {
    List<String> out = new ArrayList<>();
    Optional<StageInput> examples = inputs.find(EXAMPLES.role());
    if (examples.isPresent() && examples.get().info(ExamplesInfo.class) != null) {
      out.addAll(examples.get().info(ExamplesInfo.class).schema().names());
    } else {
      TrafficInfo traffic = inputs.get(TRAFFIC.role()).info(TrafficInfo.class);
      for (String c : traffic.schema().names()) {
        if (TrafficSchema.FIXED.stream().noneMatch(f -> f.name().equals(c)) && !c.startsWith("output_") && !c.startsWith("feedback_")) {
          out.add(c);
        }
      }
    }
    if (!out.contains(label)) {
      out.add(label);
    }
    return out;
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<DecideRetrain.Run> plan, StageInputs inputs, StageOutput output) {
    return inputs.get(TRAFFIC.role()).ready().apply("DecideRetrain", DecideRetrain.of(plan.state(), inputs.get(METRICS.role()).ready(),
        inputs.find(SKEW.role()).map(StageInput::ready).orElse(null), inputs.find(CANARY.role()).map(StageInput::ready).orElse(null)).to(output));
  }

  @Override
  public Published describe(Plan<DecideRetrain.Run> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals(DecideRetrain.FILE));
    JsonNode doc = DecideRetrain.read(outputDir);
    ObjectNode facts = JSON.createObjectNode();
    for (String k : List.of("fired", "reason", "hold", "version", "checks", "new_labelled_rows", "cutoff", "next_cutoff", "export")) {
      facts.set(k, doc.get(k));
    }
    List<String> lines = new ArrayList<>();
    lines.add(doc.path("reason").asText());
    JsonNode e = doc.path("export");
    if (e.isObject()) {
      lines.add(String.format(java.util.Locale.ROOT, "wrote %d labelled row(s) as span %d: %s (the next run ingests it and retrains)", e.path("rows").asLong(),
          e.path("span").asLong(), e.path("file").asText()));
    }
    for (JsonNode c : doc.path("checks")) {
      if (!c.path("met").asBoolean()) {
        lines.add("not met " + c.path("condition").asText() + ": " + c.path("detail").asText());
      }
    }
    return new Published(fingerprint, Map.of(DECISION.role(), facts), lines);
  }
}
