package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.crypto.Encryption;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The push stage as the runner sees it, in the spirit of TFX's Pusher: once the model, its blessing and
 * its evaluation are published, {@link PushModel} checks the blessing and (with {@code max_epsilon}) the
 * model's differential-privacy ε, infra-validates the model and
 * publishes it as the next version under {@code <serving_base>/<model_name>/} (TensorFlow Serving's
 * layout), then writes {@value #PUSH_FILE} ({@link PushRecord}) into its own output folder, the {@code
 * PUSHED_MODEL} artifact. The plan resolves the model name (the pipeline's unless configured); nothing
 * is read or written before the pipeline runs.
 *
 * <pre>{@code
 * Stage<?> push = new PushStage(PushConfig.to("/srv/models").withModelName("penguins"));
 * }</pre>
 */
public final class PushStage implements Stage<PushConfig> {
  /** The stage's name: its folder in the run layout. */
  public static final String NAME = "push";
  /** The evaluate stage's whole output folder: metrics, predictions, report. */
  public static final ArtifactKind MODEL_EVALUATION = ArtifactKind.of("MODEL_EVALUATION");
  /** The evaluate stage's verdict, {@code blessing.json} inside its folder. */
  public static final ArtifactKind BLESSING = ArtifactKind.of("BLESSING");
  /** A model version published for serving. */
  public static final ArtifactKind PUSHED_MODEL = ArtifactKind.of("PUSHED_MODEL");
  /** The exported SavedModel to push. */
  public static final Port MODEL = Port.required("model", ArtifactKind.MODEL);
  /** The blessing that decides whether it is pushed. */
  public static final Port BLESSING_FILE = Port.required("blessing", BLESSING);
  /** The evaluation whose predictions infra validation compares with, and whose metrics are recorded. */
  public static final Port EVALUATION = Port.required("evaluation", MODEL_EVALUATION);
  /** The stage's output folder, holding {@value #PUSH_FILE}. */
  public static final Port PUSHED = Port.folder("pushed_model", PUSHED_MODEL);
  /** The record of the push inside the output folder. */
  public static final String PUSH_FILE = "push.json";

  private final PushConfig config;

  public PushStage(PushConfig config) {
    this.config = checkNotNull(config, "config");
  }

  public PushConfig config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(MODEL, BLESSING_FILE, EVALUATION);
  }

  @Override
  public List<Port> produces() {
    return List.of(PUSHED);
  }

  @Override
  public ObjectNode parameters() {
    return PushStageFactory.parameters(config);
  }

  /**
   * Resolves the serving folder (default: serving/ under the pipeline root) and the model name; its state is the resolved configuration.
   *
   * @throws ConfigException when the pipeline's name, taken as the model name, cannot name a folder
   */
  @Override
  public Plan<PushConfig> plan(PlanContext ctx) {
    String name = config.modelNameFor(ctx.pipeline());
    try {
      ModelPush.checkName(name);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(PushStageFactory.SECTION + ".model_name: " + e.getMessage() + "; set "
          + PushStageFactory.SECTION + ".model_name");
    }
    if (config.servingBase() == null && ctx.root() == null) {
      throw new ConfigException(PushStageFactory.SECTION + ".serving_base is required here: there is no pipeline root to put '"
          + PushConfig.DEFAULT_SERVING_FOLDER + "' under");
    }
    PushLabel.check(config, name);
    PushConfig resolved = config.resolved(ctx.pipeline(), ctx.root());
    // An encrypted pipeline pushes encrypted models: the serving base is encrypted with the same keyset.
    if (ctx.root() != null) {
      Encryption.cipherFor(ctx.root()).ifPresent(c -> Encryption.register(resolved.servingBase(), Encryption.SERVING, c));
    }
    return new Plan<>(List.of(), Map.of(), resolved);
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<PushConfig> plan, StageInputs inputs, StageOutput output) {
    checkState(plan.state() != null, "the push stage's plan resolves the serving folder and the model name; got a plan without state");
    StageInput blessing = inputs.get(BLESSING_FILE.role());
    StageInput evaluation = inputs.get(EVALUATION.role());
    return inputs.get(MODEL.role())
        .ready()
        .apply("PushModel", PushModel.of(plan.state(), plan.state().modelName())
            .withEvaluation(blessing.uri(), evaluation.uri())
            .to(output)
            .after(List.of(blessing.ready(), evaluation.ready())));
  }

  /**
   * The folder's fingerprint, {@value #PUSH_FILE} as the facts (with the model's {@code epsilon}), and the
   * lines naming the version pushed, the infra validation, the label, and the privacy check when {@code
   * max_epsilon} is set.
   */
  @Override
  public Published describe(Plan<PushConfig> plan, String outputDir) {
    PushRecord r = PushRecord.read(Storage.resolve(outputDir, PUSH_FILE));
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> !rel.equals(StageOutput.PROVENANCE_FILE));
    JsonNode infra = r.infraValidation();
    int rows = infra.path("rows").asInt(0);
    String validation = rows == 0
        ? "infra validation: off"
        : String.format(Locale.ROOT, "infra validation: the freshly loaded model answered %d row(s) as in the evaluation (largest difference %s)",
            rows, infra.path("max_difference").asDouble());
    JsonNode label = Storage.readJson(Storage.resolve(outputDir, PUSH_FILE)).path("label");
    com.fasterxml.jackson.databind.node.ObjectNode facts = r.toJson();
    List<String> lines = new java.util.ArrayList<>(List.of(r.summary(), validation));
    if (label.isObject()) {
      facts.set("label", label);
      lines.add(PushLabel.summary(label));
    }
    if (plan.state() != null && plan.state().maxEpsilon() != null && r.epsilon() != null) {
      lines.add(String.format(Locale.ROOT, "privacy: model epsilon %s is within %s.max_epsilon %s",
          dev.beamline.training.PrivacyGuarantee.epsilonText(r.epsilon()), PushStageFactory.SECTION, plan.state().maxEpsilon()));
    }
    return new Published(fingerprint, Map.of(PUSHED.role(), facts), lines);
  }
}
