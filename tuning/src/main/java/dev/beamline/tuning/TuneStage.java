package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.training.Hyperparameters;
import dev.beamline.training.ModelSpec;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainStageFactory;
import dev.beamline.transform.TransformGraphInfo;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The tune stage: searches the values of {@code train:} keys ({@link Tune}) on the transform stage's
 * examples, between transform and train, and publishes the best as the HYPERPARAMETERS artifact that
 * the train stage applies. Every trial is recorded in the metadata store as a step of the stage's
 * execution ({@code tune/trial-<id>}: its values, seed and epochs as parameters; the objective, the
 * metrics per epoch and the wall time as facts; FAILED with its error when it failed).
 *
 * <pre>{@code
 * Stage<?> tune = new TuneStage(TuneConfig.bayesian(space, 12).withMaxParallelTrials(2), trainConfig);
 * }</pre>
 */
public final class TuneStage implements Stage<Serializable> {
  /** The stage's name: its folder in the run layout. */
  public static final String NAME = "tune";
  public static final Port TRANSFORM_GRAPH = Port.required("transform_graph", ArtifactKind.TRANSFORM_GRAPH);
  /** The chosen values, the trials and the report: the whole output folder. */
  public static final Port HYPERPARAMETERS = Port.folder("hyperparameters", Hyperparameters.KIND);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TuneConfig tune;
  private final TrainConfig train;

  /** A search of {@code tune} whose trials start from {@code train} (the pipeline's {@code train:} section). */
  public TuneStage(TuneConfig tune, TrainConfig train) {
    this.tune = checkNotNull(tune, "tune");
    this.train = checkNotNull(train, "train");
  }

  public TuneConfig tune() {
    return tune;
  }

  public TrainConfig train() {
    return train;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(TRANSFORM_GRAPH);
  }

  @Override
  public List<Port> produces() {
    return List.of(HYPERPARAMETERS);
  }

  /** The search and the training configuration the trials start from: both decide the result. */
  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.set("tune", TuneSpec.parameters(tune));
    p.set("train", TrainStageFactory.parameters(train));
    return p;
  }

  /** Checks the trials' base configuration against the transformed features before anything runs. */
  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    TransformGraphInfo graph = ctx.inputs().get(TRANSFORM_GRAPH.role()).info(TransformGraphInfo.class);
    if (graph.known()) {
      ModelSpec.resolve(train, graph.features());
    }
    return Plan.empty();
  }

  @Override
  public ArtifactInfo readInfo(Port port, String uri) {
    return null;
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    return inputs.get(TRANSFORM_GRAPH.role()).ready().apply("Tune", Tune.of(tune, train, output));
  }

  @Override
  public Published describe(Plan<Serializable> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals(Tune.HYPERPARAMETERS_FILE) || rel.equals(Tune.TRIALS_FILE));
    ObjectNode h;
    try {
      h = (ObjectNode) JSON.readTree(Storage.readString(Storage.resolve(outputDir, Tune.HYPERPARAMETERS_FILE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<TrialOutcome> trials = TrialOutcome.listFromJson(Storage.readString(Storage.resolve(outputDir, Tune.TRIALS_FILE)));
    List<Published.Step> steps = new ArrayList<>();
    for (TrialOutcome t : trials) {
      ObjectNode params = t.valuesJson();
      params.put("seed", t.spec().seed());
      params.put("epochs", t.spec().epochs());
      ObjectNode facts = JSON.createObjectNode();
      if (t.metric() != null) {
        facts.put(tune.objective().metric(), t.metric());
      }
      facts.put("wall_seconds", t.wallSeconds());
      facts.put("bracket", t.spec().bracket());
      facts.put("rung", t.spec().rung());
      if (t.historyJson() != null) {
        try {
          facts.set("history", JSON.readTree(t.historyJson()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      steps.add(new Published.Step("trial-" + t.spec().id(), params, facts, t.failed() ? t.result().error() : null, t.startMillis(), t.endMillis()));
    }
    long failed = trials.stream().filter(TrialOutcome::failed).count();
    double busy = TrialOutcome.trainingSeconds(trials);
    double wall = TrialOutcome.wallSeconds(trials);
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%d trial(s) (%s, at most %d at a time), %d failed: %.1f s of training in %.1f s",
        trials.size(), tune.algorithm().name().toLowerCase(Locale.ROOT), tune.maxParallelTrials(), failed, busy, wall));
    lines.add(String.format(Locale.ROOT, "best: trial %d, %s %.4f: %s", h.get("trial").asInt(), tune.objective().metric(),
        h.get("metric").asDouble(), values(h.get("values"))));
    return new Published(fingerprint, Map.of(HYPERPARAMETERS.role(), h), lines, steps);
  }

  private static String values(JsonNode values) {
    List<String> parts = new ArrayList<>();
    values.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue()));
    return String.join(", ", parts);
  }
}
