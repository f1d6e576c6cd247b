package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.training.PrivacyGuarantee;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes a blessed model, as TFX's Pusher does after its InfraValidator: the push stage's composite
 * transform. Its input holds the published model folder; once the blessing and the evaluation are
 * published too ({@link #after}), one step, at pipeline run time:
 *
 * <ol>
 *   <li>reads the blessing and refuses an unblessed model, naming its failed checks;
 *   <li>with {@code push.max_epsilon} set, refuses a model whose differential-privacy ε exceeds it
 *       ({@link PrivacyBudget}), naming both numbers; a model trained without differential privacy
 *       (ε = ∞) is refused too;
 *   <li>runs {@link InfraValidation} (unless {@code rows} is 0) and refuses a model that does not load
 *       or answers differently from its evaluation;
 *   <li>publishes the model as the next version with {@link ModelPush};
 *   <li>publishes its own output, {@value PushStage#PUSH_FILE} ({@link PushRecord}), through the
 *       output's staging folder.
 * </ol>
 *
 * A refused model fails the run with a {@link DataCheckException} (exit code 1) and nothing is pushed.
 * The output holds the published output folder.
 *
 * <pre>{@code
 * PCollection<String> pushed = modelDir.apply("PushModel",
 *     PushModel.of(PushConfig.to("/srv/models"), "penguins")
 *         .withEvaluation(evaluationDir + "/blessing.json", evaluationDir)
 *         .to(output)
 *         .after(List.of(blessingReady, evaluationReady)));
 * }</pre>
 */
public final class PushModel extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  private final PushConfig config;
  private final String modelName;
  private final String blessingUri;
  private final String evaluationUri;
  private final StageOutput output;
  private final transient List<PCollection<?>> signals;

  private PushModel(PushConfig config, String modelName, String blessingUri, String evaluationUri, StageOutput output,
      List<PCollection<?>> signals) {
    this.config = config;
    this.modelName = modelName;
    this.blessingUri = blessingUri;
    this.evaluationUri = evaluationUri;
    this.output = output;
    this.signals = signals;
  }

  /** Pushes as {@code modelName} (see {@link ModelPush#checkName}) as {@code config} says. */
  public static PushModel of(PushConfig config, String modelName) {
    checkNotNull(config, "config");
    ModelPush.checkName(modelName);
    return new PushModel(config, modelName, null, null, null, List.of());
  }

  /** The blessing file and the evaluation folder that judged the model. */
  public PushModel withEvaluation(String blessingUri, String evaluationUri) {
    checkArgument(blessingUri != null && evaluationUri != null, "blessingUri and evaluationUri must be set, got %s and %s", blessingUri, evaluationUri);
    return new PushModel(config, modelName, blessingUri, evaluationUri, output, signals);
  }

  /** Publishes {@value PushStage#PUSH_FILE} into {@code output}. */
  public PushModel to(StageOutput output) {
    return new PushModel(config, modelName, blessingUri, evaluationUri, checkNotNull(output, "output"), signals);
  }

  /** Pushes only once every collection of {@code signals} is complete (the blessing's and evaluation's readiness). */
  public PushModel after(List<? extends PCollection<?>> signals) {
    return new PushModel(config, modelName, blessingUri, evaluationUri, output, List.copyOf(checkNotNull(signals, "signals")));
  }

  @Override
  public PCollection<String> expand(PCollection<String> modelDir) {
    checkState(blessingUri != null, "PushModel needs the evaluation: call withEvaluation(blessingUri, evaluationUri)");
    checkState(output != null, "PushModel needs an output: call to(output)");
    PCollection<String> ready = signals.isEmpty()
        ? modelDir
        : modelDir.apply("AwaitInputs", Wait.on(signals)).setCoder(StringUtf8Coder.of());
    return ready
        .apply("Push", ParDo.of(new PushFn(config, modelName, blessingUri, evaluationUri, output)))
        .setCoder(StringUtf8Coder.of());
  }

  /** Checks, validates and pushes the model of its one element, then publishes what it did. */
  static final class PushFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PushFn.class);

    private final PushConfig config;
    private final String modelName;
    private final String blessingUri;
    private final String evaluationUri;
    private final StageOutput output;

    PushFn(PushConfig config, String modelName, String blessingUri, String evaluationUri, StageOutput output) {
      this.config = config;
      this.modelName = modelName;
      this.blessingUri = blessingUri;
      this.evaluationUri = evaluationUri;
      this.output = output;
    }

    @ProcessElement
    public void process(@Element String modelDir, OutputReceiver<String> out) {
      // A retried bundle that published before has pushed already: pushing again would add a version.
      if (output.isPublished()) {
        out.output(output.dir());
        return;
      }
      LOG.info("push: model {} as '{}' under {}", modelDir, modelName, config.servingBase());
      BlessingFile blessing = BlessingFile.read(blessingUri);
      if (!blessing.blessed()) {
        throw new DataCheckException(blessing.refusal());
      }
      PrivacyGuarantee privacy = PrivacyGuarantee.ofModel(modelDir);
      if (config.maxEpsilon() != null) {
        Optional<String> refusal = PrivacyBudget.of(config.maxEpsilon()).refusal(privacy);
        if (refusal.isPresent()) {
          throw new DataCheckException(refusal.get());
        }
      }
      InfraValidation.Report infra = config.infraValidationRows() == 0
          ? InfraValidation.Report.off()
          : InfraValidation.run(modelDir, evaluationUri, config.infraValidationRows(), config.tolerance());
      if (!infra.passed()) {
        throw new DataCheckException("infra validation failed, nothing pushed: " + infra.problem());
      }
      // Everything the record needs is read before the push: a failure to read it pushes nothing.
      String fingerprint = ModelPush.modelFingerprint(modelDir);
      ModelProvenance provenance = ModelProvenance.read(modelDir);
      ObjectNode metrics = PushRecord.overallMetrics(evaluationUri);

      ModelPush.Pushed pushed = ModelPush.into(config.servingBase(), modelName).push(modelDir);
      PushRecord record = new PushRecord(modelName, pushed.version(), pushed.path(), Instant.now().toString(), modelDir, fingerprint,
          provenance.datasetFingerprint(), provenance.hyperparameters(), provenance.trainedBy(), evaluationUri, blessing.summary(),
          metrics, infra.toJson(), null, privacy.epsilon());
      ObjectNode json = record.toJson();
      if (config.label() != null) {
        json.set("label", PushLabel.assign(config, modelName, pushed.version()));
      }
      output.publish(Map.of(PushStage.PUSH_FILE, json.toPrettyString() + "\n"));
      if (infra.rows() == 0) {
        LOG.info("push: {} (infra validation off)", record.summary());
      } else {
        LOG.info("push: {} ({} row(s) infra-validated, largest difference {})", record.summary(), infra.rows(), infra.maxDifference());
      }
      out.output(output.dir());
    }
  }
}
