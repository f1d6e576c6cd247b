package dev.beamline.training;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.transform.TransformGraphInfo;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The training stage as the runner sees it: {@link Train} on the transform stage's published
 * examples, once they are complete, exporting a SavedModel that takes raw features. Its folder is the
 * SavedModel, with {@code training_history.json} and {@code provenance.json} beside it.
 *
 * <pre>{@code
 * Stage<?> train = new TrainStage(TrainConfig.defaults("species").withEpochs(20));
 * }</pre>
 */
public final class TrainStage implements Stage<Serializable> {
  /** The stage's name: its folder in the run layout. */
  public static final String NAME = "train";
  /** The fitted transform and the transformed examples inside its folder. */
  public static final Port TRANSFORM_GRAPH = Port.required("transform_graph", ArtifactKind.TRANSFORM_GRAPH);
  /** Tuned values of this section's keys (a tune stage's output), applied over the configuration when present. */
  public static final Port HYPERPARAMETERS = Port.optional("hyperparameters", Hyperparameters.KIND);
  /** The validate stage's anomalies, read for drift of the label; consumed only with {@code on_label_drift: reweight}. */
  public static final Port ANOMALIES = Port.optional("anomalies", ArtifactKind.ANOMALIES);
  /** The exported model: the whole output folder. */
  public static final Port MODEL = Port.folder("model", ArtifactKind.MODEL);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;

  public TrainStage(TrainConfig config) {
    this.config = checkNotNull(config, "config");
  }

  public TrainConfig config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    // The anomalies only when they can change the model: other pipelines keep their lineage and cache.
    return config.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT
        ? List.of(TRANSFORM_GRAPH, HYPERPARAMETERS, ANOMALIES)
        : List.of(TRANSFORM_GRAPH, HYPERPARAMETERS);
  }

  @Override
  public List<Port> produces() {
    return List.of(MODEL);
  }

  @Override
  public ObjectNode parameters() {
    return TrainStageFactory.parameters(config);
  }

  /**
   * Checks the configuration against the transformed features (fitted ones from the cache, or the
   * names and kinds the transform stage states before its run), so that it fails before anything runs.
   *
   * @throws dev.beamline.core.ConfigException naming every problem found
   */
  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    if (config.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT && ctx.inputs().find(ANOMALIES.role()).isEmpty()) {
      throw new dev.beamline.core.ConfigException("train.on_label_drift: reweight needs data validation (a 'validation:' section,"
          + " with drift) to report drift of the label; this pipeline has none");
    }
    TransformGraphInfo graph = ctx.inputs().get(TRANSFORM_GRAPH.role()).info(TransformGraphInfo.class);
    // Unknown only when the transform does not fit the data: that run fails before training.
    if (graph.known()) {
      ModelSpec spec = ModelSpec.resolve(config, graph.features());
      // Class names are the label's vocabulary: known once fitted (a cached transform), else checked when training.
      ClassBalance.check(spec, !graph.provisional());
      FedAvg.check(config, graph.features());
      return new Plan<>(List.of(), Map.of(MODEL.role(), ModelInfo.of(spec)), null);
    }
    return Plan.empty();
  }

  /** A cached model's {@link ModelInfo}, from its {@code model.json}. */
  @Override
  public ArtifactInfo readInfo(Port port, String uri) {
    return port.equals(MODEL) ? ModelInfo.read(uri) : null;
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    PCollection<String> transformed = inputs.get(TRANSFORM_GRAPH.role()).ready();
    Train train = Train.of(config, output).withFittedFeatures(new ReadFitted());
    java.util.Optional<dev.beamline.core.stage.StageInput> tuned = inputs.find(HYPERPARAMETERS.role());
    if (tuned.isPresent()) {
      // Trains once the tuner has published its choice, with those values.
      transformed = transformed.apply("AfterTuning", org.apache.beam.sdk.transforms.Wait.on(tuned.get().ready()));
      train = train.withHyperparameters(tuned.get().uri());
    }
    java.util.Optional<dev.beamline.core.stage.StageInput> anomalies = inputs.find(ANOMALIES.role());
    if (anomalies.isPresent() && config.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT) {
      // Reads whether the label drifted once validation has published its anomalies.
      transformed = transformed.apply("AfterValidation", org.apache.beam.sdk.transforms.Wait.on(anomalies.get().ready()));
      train = train.withAnomalies(anomalies.get().uri());
    }
    return transformed
        .apply("TransformedExamplesDir", MapElements.into(TypeDescriptors.strings()).via(new ExamplesDir()))
        .setCoder(StringUtf8Coder.of())
        .apply("Train", train);
  }

  /** The transformed examples' folder inside a published transform folder. */
  private static final class ExamplesDir implements SerializableFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String apply(String transformDir) {
      return Storage.resolve(transformDir, AnalyzeAndTransform.EXAMPLES_DIR);
    }
  }

  /** Reads the fitted features beside the transformed examples, when the model is trained. */
  private static final class ReadFitted implements SerializableFunction<String, List<FittedFeature>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<FittedFeature> apply(String examplesDir) {
      return FittedTransform.read(Storage.parent(examplesDir)).features();
    }
  }

  @Override
  public Published describe(Plan<Serializable> plan, String outputDir) {
    // The graph and the trained variables identify the model.
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> rel.equals("saved_model.pb") || rel.startsWith("variables"));
    TrainingHistory h = TrainingHistory.fromJson(Storage.readString(Storage.resolve(outputDir, Train.HISTORY_FILE)));
    TrainingHistory.Epoch best = h.best();

    ObjectNode p = JSON.createObjectNode();
    p.put("model", config.model().name().toLowerCase(Locale.ROOT));
    p.put("label", config.label());
    p.put("epochs", h.epochs().size());
    p.put("best_epoch", h.bestEpoch());
    p.put("steps", h.steps());
    best.evalMetrics().forEach(p::put);
    p.put("train_loss", best.trainLoss());
    p.put("seed", config.seed());
    p.put("format", "tensorflow-savedmodel");
    // epsilon: a number for a model trained with DP-SGD, "inf" without differential privacy.
    PrivacyGuarantee privacy = PrivacyGuarantee.ofModel(outputDir);
    privacy.toJson().fields().forEachRemaining(f -> {
      if (!f.getKey().equals("accountant") && !f.getKey().equals("unit")) {
        p.set(f.getKey().equals("mechanism") ? "privacy" : f.getKey(), f.getValue());
      }
    });

    TrainConfig used = config;
    String tunedFile = Storage.resolve(outputDir, Hyperparameters.FILE);
    if (Storage.exists(tunedFile)) {
      Hyperparameters tuned = Hyperparameters.read(outputDir);
      used = tuned.applyTo(config);
      p.set("hyperparameters", tuned.values());
      p.put("model", used.model().name().toLowerCase(Locale.ROOT));
    }
    // The effective class weights and rates (balanced ones as computed on the training split).
    String balanceFile = Storage.resolve(outputDir, ClassBalance.FILE);
    ClassBalance balance = Storage.exists(balanceFile) ? ClassBalance.fromJson(Storage.readString(balanceFile)) : null;
    if (balance != null) {
      if (balance.classWeights() != null) {
        p.set("class_weights", JSON.valueToTree(balance.classWeights()));
      }
      if (balance.resample() != null) {
        p.set("resample", JSON.valueToTree(balance.resample()));
      }
      p.put("reweighted_for_label_drift", balance.reweightedForLabelDrift());
    }
    String model = switch (used.model()) {
      case DNN -> "DNN " + used.hiddenUnits();
      case WIDE_DEEP -> "wide-and-deep model (DNN " + used.hiddenUnits() + " and a linear part)";
      default -> "linear model";
    } + (used.batchNorm() ? " with batch normalization" : "");
    StringBuilder s = new StringBuilder();
    if (used.federated() != null) {
      // Each "epoch" of a federated model's history is a round of federated averaging.
      s.append(model).append(", ").append(h.epochs().size()).append(" round(s) of federated averaging by '")
          .append(used.federated().clientColumn()).append("'");
    } else {
      s.append(model).append(", ").append(h.epochs().size()).append(" epoch(s)");
    }
    if (h.stoppedEarly()) {
      s.append(" (stopped early)");
    }
    s.append(used.federated() != null ? ", kept round " : ", best epoch ").append(h.bestEpoch());
    if (best.evalAccuracy() != null) {
      s.append(String.format(Locale.ROOT, ": eval accuracy %.4f", best.evalAccuracy()));
    }
    if (best.evalAuc() != null) {
      s.append(String.format(Locale.ROOT, ", AUC %.4f", best.evalAuc()));
    }
    if (best.evalRmse() != null) {
      // The RMSE is in the label's own units, the loss in its transformed units (TrainingHistory).
      s.append(String.format(Locale.ROOT, ": eval RMSE %.4f in the label's units", best.evalRmse()));
    }
    if (best.evalLoss() != null) {
      s.append(String.format(Locale.ROOT, ", eval loss %.4f", best.evalLoss()));
    }
    List<String> lines = new ArrayList<>();
    lines.add(s.toString());
    if (p.has("hyperparameters")) {
      lines.add("tuned: " + p.get("hyperparameters"));
    }
    if (balance != null && !balance.describe().isEmpty()) {
      lines.add(balance.describe());
    }
    lines.add(privacy.describe());
    lines.add(String.format(Locale.ROOT, "%.0f examples/s in training; SavedModel (serving_default takes raw features)", best.examplesPerSecond()));
    return new Published(fingerprint, Map.of(MODEL.role(), p), lines);
  }
}
