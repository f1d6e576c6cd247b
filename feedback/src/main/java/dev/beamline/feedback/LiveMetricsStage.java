package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.evaluation.SliceSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The live metrics ({@link ComputeLiveMetrics}) as the runner sees it: consumes the joined traffic
 * ({@link JoinFeedbackStage#JOINED_TRAFFIC}) and produces {@link #LIVE_METRICS}. Its plan reads, for each
 * model version in the traffic, the served model's description from its pushed folder (task, classes,
 * label transform), each an external input fingerprinted by content: a version pushed again changes the
 * cache key.
 *
 * <pre>{@code
 * LiveMetricsStage stage = new LiveMetricsStage(config);
 * Plan<LiveMetricsStage.State> plan = stage.plan(ctx);
 * }</pre>
 */
public final class LiveMetricsStage implements Stage<LiveMetricsStage.State> {
  /** The stage's name and folder. */
  public static final String NAME = "live_metrics";
  /** The evaluation's metrics on joined traffic over time. */
  public static final ArtifactKind LIVE_METRICS = ArtifactKind.of("LIVE_METRICS");
  public static final Port TRAFFIC = Port.required("traffic", JoinFeedbackStage.JOINED_TRAFFIC);
  public static final Port METRICS = Port.folder("live_metrics", LIVE_METRICS);
  /** The role of each served model's folder among the external inputs. */
  public static final String SERVED_MODEL = "served_model";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FeedbackConfig config;

  /** What the plan resolved: the document's header (served models found and missing) and the traffic's columns. */
  public record State(LiveMetricsDocument.Header header, dev.beamline.core.ExampleSchema traffic) implements Serializable {}

  public LiveMetricsStage(FeedbackConfig config) {
    this.config = checkNotNull(config, "config");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(TRAFFIC);
  }

  @Override
  public List<Port> produces() {
    return List.of(METRICS);
  }

  @Override
  public ObjectNode parameters() {
    return FeedbackStageFactory.metricsParameters(config);
  }

  /**
   * Checks the slices against the traffic's columns and reads each version's served model.
   *
   * @throws ConfigException for a slice feature the traffic lacks, or a time part of a column that is no timestamp
   */
  @Override
  public Plan<State> plan(PlanContext ctx) {
    StageInput in = ctx.inputs().get(TRAFFIC.role());
    TrafficInfo info = in.info(TrafficInfo.class);
    List<String> problems = new ArrayList<>();
    for (SliceSpec spec : config.slices()) {
      for (SliceSpec.Feature f : spec.features()) {
        var column = info.schema().feature(f.name());
        if (column.isEmpty()) {
          problems.add("feedback.metrics.slices: '" + f.name() + "' is not a column of the joined traffic (columns: "
              + String.join(", ", info.schema().names()) + ")");
        } else if (f.part() != null && column.get().type() != FeatureType.TIMESTAMP) {
          problems.add("feedback.metrics.slices: '" + f.label() + "' takes a part of '" + f.name() + "', which is a "
              + column.get().type().name().toLowerCase(Locale.ROOT) + ", not a timestamp");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), problems));
    }
    String base = Storage.resolve(config.modelsUnder(ctx.root()), info.model());
    TreeMap<Long, ServedModel> models = new TreeMap<>();
    TreeMap<Long, String> missing = new TreeMap<>();
    List<ExternalInput> external = new ArrayList<>();
    for (long v : info.versions()) {
      String dir = Storage.resolve(base, Long.toString(v));
      if (ServedModel.exists(dir)) {
        ServedModel m = ServedModel.read(dir, v);
        models.put(v, m);
        ObjectNode props = JSON.createObjectNode().put("version", v).put("task", m.task());
        external.add(ExternalInput.file(SERVED_MODEL, dir, m.fingerprint(), props));
      } else {
        missing.put(v, dir);
      }
    }
    LiveMetricsDocument.Header header = new LiveMetricsDocument.Header(info.model(), in.uri(), config.metricsWindow().getSeconds(),
        config.slices(), config.minSliceSize(), models, missing);
    return new Plan<>(external, Map.of(), new State(header, info.schema()));
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<State> plan, StageInputs inputs, StageOutput output) {
    State s = plan.state();
    TrafficScorer scorer = new TrafficScorer(s.header().models(), config.metricsWindow(), config.slices());
    return inputs.get(TRAFFIC.role()).ready().apply("ComputeLiveMetrics", ComputeLiveMetrics.of(s.header(), scorer, s.traffic()).to(output));
  }

  @Override
  public Published describe(Plan<State> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals(LiveMetricsDocument.FILE));
    JsonNode doc = Storage.readJson(Storage.resolve(outputDir, LiveMetricsDocument.FILE));
    JsonNode totals = doc.path("totals");
    ObjectNode facts = JSON.createObjectNode();
    facts.set("totals", totals);
    facts.put("window", doc.path("window").asText());
    facts.put("entries", doc.path("series").size());
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%d logged rows, %d labelled, %d in the metrics; %d entries (version, label, %s window, slice)",
        totals.path("rows").asLong(), totals.path("labelled").asLong(), totals.path("scored").asLong(), doc.path("series").size(),
        doc.path("window").asText()));
    for (JsonNode v : doc.path("versions")) {
      if (!v.path("found").asBoolean()) {
        lines.add("version " + v.path("version").asLong() + ": no model folder at " + v.path("model_dir").asText() + ": its labelled rows are not scored");
      }
    }
    lines.add("report: " + Storage.resolve(outputDir, LiveMetricsReport.FILE));
    return new Published(fingerprint, Map.of(METRICS.role(), facts), lines);
  }
}
