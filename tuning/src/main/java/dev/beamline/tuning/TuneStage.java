package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.ConfigSection;
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
 * execution ({@code tune/trial-<id>}: its values, seed and epochs as parameters, with the {@code
 * features} list when the search chooses among features; the objective, the metrics per epoch and the
 * wall time as facts; FAILED with its error when it failed), also when every trial failed and the
 * stage with them ({@link #failedSteps}).
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

  /** The start of a trial's step name: {@code trial-<id>}. */
  public static final String STEP_PREFIX = "trial-";

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

  /** The search that the stage's recorded {@link #parameters} describe (their {@code tune} object binds back to it). */
  public static TuneConfig configOf(ObjectNode parameters) {
    JsonNode tune = parameters.get(TuneSpec.SECTION);
    checkArgument(tune != null && tune.isObject(), "the parameters have no '%s' object: %s", TuneSpec.SECTION, parameters);
    return TuneSpec.bind(new ConfigSection(TuneSpec.SECTION, tune, "the tune execution's parameters", Map.of(), java.nio.file.Path.of(".")));
  }

  /**
   * Checks the trials' base configuration against the transformed features, and that the trainer
   * reports the objective's metric for the model's task, before anything runs.
   */
  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    TransformGraphInfo graph = ctx.inputs().get(TRANSFORM_GRAPH.role()).info(TransformGraphInfo.class);
    if (graph.known()) {
      ModelSpec spec = ModelSpec.resolve(train, graph.features());
      checkObjective(tune.objective(), spec.classification(), spec.label().name());
    }
    return Plan.empty();
  }

  /** The metrics the trainer reports after each epoch: for a classifier, or for a regression. */
  static List<String> reportedMetrics(boolean classification) {
    return classification ? List.of("eval_loss", "eval_accuracy", "eval_auc") : List.of("eval_loss", "eval_rmse");
  }

  /**
   * Refuses an objective whose metric the trainer does not report for the task (eval_rmse of a
   * classifier): every trial would fail for want of it.
   *
   * @throws ConfigException naming the metric, the task and the metrics there are
   */
  static void checkObjective(TuneConfig.Objective objective, boolean classification, String label) {
    List<String> reported = reportedMetrics(classification);
    if (!reported.contains(objective.metric())) {
      throw new ConfigException("tune.objective.metric: " + objective.metric() + " is not reported for the " + (classification ? "classification" : "regression")
          + " of '" + label + "'; the trainer reports " + String.join(", ", reported));
    }
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
    List<Published.Step> steps = steps(trials);
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

  /**
   * The trials of a search whose every trial failed, from the {@value Tune#TRIALS_FILE} it left in its
   * staging folder: the runner records them, each FAILED with its error, under the FAILED execution.
   */
  @Override
  public List<Published.Step> failedSteps(Plan<Serializable> plan, String stagingDir) {
    String file = Storage.resolve(stagingDir, Tune.TRIALS_FILE);
    return Storage.exists(file) ? steps(TrialOutcome.listFromJson(Storage.readString(file))) : List.of();
  }

  /** Each trial as the step {@code trial-<id>} that the metadata store records. */
  private List<Published.Step> steps(List<TrialOutcome> trials) {
    TrialRunner runner = new TrialRunner(train, tune);
    List<Published.Step> steps = new ArrayList<>();
    for (TrialOutcome t : trials) {
      steps.add(step(t, runner.trainValues(t.spec()), tune.objective().metric()));
    }
    return steps;
  }

  /**
   * The step of trial {@code t}: its {@code values} (those it set on {@code train:} keys) with its seed
   * and epochs as parameters; the objective's {@code metric}, the wall time, its bracket and rung and the
   * training history as facts; its error when it failed. {@link #outcomeOf} reads it back.
   */
  static Published.Step step(TrialOutcome t, ObjectNode values, String metric) {
    ObjectNode params = values.deepCopy();
    params.put("seed", t.spec().seed());
    params.put("epochs", t.spec().epochs());
    ObjectNode facts = JSON.createObjectNode();
    if (t.metric() != null) {
      facts.put(metric, t.metric());
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
    return new Published.Step(STEP_PREFIX + t.spec().id(), params, facts, t.failed() ? t.result().error() : null, t.startMillis(), t.endMillis());
  }

  /**
   * The trial that {@link #step} recorded as {@code step} (name {@code trial-<id>}, or {@code
   * tune/trial-<id>} as the store names it), for a search of {@code tune}: its values are the parameters
   * the search space names.
   */
  public static TrialOutcome outcomeOf(Published.Step step, TuneConfig tune) {
    String name = step.name().substring(step.name().lastIndexOf('/') + 1);
    checkArgument(name.startsWith(STEP_PREFIX), "'%s' is not a trial's step", step.name());
    int id = Integer.parseInt(name.substring(STEP_PREFIX.length()));
    java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
    for (String n : tune.searchSpace().names()) {
      values.put(n, TrialOutcome.plain(step.parameters().path(n)));
    }
    ObjectNode facts = step.properties();
    TrialSpec spec = new TrialSpec(id, values, step.parameters().path("epochs").asInt(), step.parameters().path("seed").asLong(),
        facts.path("bracket").asInt(), facts.path("rung").asInt());
    String metric = tune.objective().metric();
    Double value = facts.hasNonNull(metric) ? facts.get(metric).asDouble() : null;
    TrialResult result = step.failed() || value == null ? TrialResult.failed(spec, step.error()) : TrialResult.of(spec, tune.objective().minimized(value));
    String history = facts.hasNonNull("history") ? facts.get("history").toString() : null;
    return new TrialOutcome(spec, value, result, history, step.startTime(), step.endTime());
  }

  private static String values(JsonNode values) {
    List<String> parts = new ArrayList<>();
    values.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue()));
    return String.join(", ", parts);
  }
}
