package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * How the push stage publishes a blessed model: under which serving base, as which model name, and how
 * strictly infra validation compares the loaded model's answers with its evaluation's.
 *
 * <pre>{@code
 * PushConfig c = PushConfig.to("/srv/models").withModelName("penguins").withInfraValidation(16, 1e-5)
 *     .withMaxEpsilon(2.0);   // push only models trained with (2.0, delta)-differential privacy or better
 * }</pre>
 *
 * @param servingBase the folder (a path or a URI) holding one folder per model name; null for {@code
 *     serving} under the pipeline root
 * @param modelName the model's folder name; null for the pipeline's name
 * @param infraValidationRows how many of the evaluation's predictions the freshly loaded model must
 *     answer again; 0 turns infra validation off
 * @param tolerance the largest absolute difference allowed between a stored and a recomputed
 *     probability or prediction
 * @param modelConfig the model server's {@code --model-config} file in which the pushed version gets {@code label}; null for none
 * @param label the server label the pushed version gets in {@code modelConfig} (e.g. {@code canary}); null for none
 * @param maxEpsilon the largest differential-privacy ε (per training row, {@link dev.beamline.training.PrivacyGuarantee}) of a
 *     model that may be pushed; a model trained without differential privacy has ε = ∞ and is refused; null for no limit
 */
public record PushConfig(String servingBase, String modelName, int infraValidationRows, double tolerance, String modelConfig, String label,
    Double maxEpsilon) implements Serializable {
  /** The label that a model's first labelled version also gets, so that clients of the stable label are answered from the start. */
  public static final String STABLE = "stable";

  /** The serving folder under the pipeline root when the section names none. */
  public static final String DEFAULT_SERVING_FOLDER = "serving";
  /** Rows compared by infra validation unless configured. */
  public static final int DEFAULT_ROWS = 8;
  /** The tolerance of infra validation unless configured: float32 answers of the same graph agree far closer. */
  public static final double DEFAULT_TOLERANCE = 1e-6;

  public PushConfig {
    checkArgument(servingBase == null || !servingBase.isBlank(), "servingBase must be a path or URI, got '%s'", servingBase);
    if (modelName != null) {
      ModelPush.checkName(modelName);
    }
    checkArgument(infraValidationRows >= 0, "rows must be >= 0 (0 turns infra validation off), got %s", infraValidationRows);
    checkArgument(tolerance >= 0 && Double.isFinite(tolerance), "tolerance must be finite and >= 0, got %s", tolerance);
    checkArgument((modelConfig == null) == (label == null), "label and model_config go together: the label is set in the server's model config file");
    checkArgument(label == null || dev.beamline.serving.server.ModelConfig.validName(label), "label must be a label name, got '%s'", label);
    checkArgument(maxEpsilon == null || (maxEpsilon > 0 && Double.isFinite(maxEpsilon)),
        "maxEpsilon must be a finite number > 0 (leave it out for no limit), got %s", maxEpsilon);
  }

  /**
   * Pushes under {@code servingBase} (null: {@value #DEFAULT_SERVING_FOLDER} under the pipeline root),
   * named after the pipeline, with infra validation on 8 rows within 1e-6.
   */
  public static PushConfig to(String servingBase) {
    return new PushConfig(servingBase, null, DEFAULT_ROWS, DEFAULT_TOLERANCE, null, null, null);
  }

  /** Pushes as {@code modelName} instead of the pipeline's name. */
  public PushConfig withModelName(String modelName) {
    checkArgument(modelName != null, "modelName must not be null");
    return new PushConfig(servingBase, modelName, infraValidationRows, tolerance, modelConfig, label, maxEpsilon);
  }

  /** Compares {@code rows} rows (0: none) within {@code tolerance}. */
  public PushConfig withInfraValidation(int rows, double tolerance) {
    return new PushConfig(servingBase, modelName, rows, tolerance, modelConfig, label, maxEpsilon);
  }

  /**
   * After each push, points {@code label} of the model at the pushed version in the server's config file
   * {@code modelConfig} (the server picks it up without a restart); a model without a {@value #STABLE}
   * label gets that one too.
   */
  public PushConfig withLabel(String modelConfig, String label) {
    return new PushConfig(servingBase, modelName, infraValidationRows, tolerance, modelConfig, label, maxEpsilon);
  }

  /**
   * Refuses to push a model whose differential-privacy ε exceeds {@code maxEpsilon}, and so any model
   * trained without differential privacy (ε = ∞).
   */
  public PushConfig withMaxEpsilon(double maxEpsilon) {
    return new PushConfig(servingBase, modelName, infraValidationRows, tolerance, modelConfig, label, maxEpsilon);
  }

  /** The folder given, or else {@value #DEFAULT_SERVING_FOLDER} under the pipeline root {@code root}. */
  public String servingBaseUnder(String root) {
    if (servingBase != null) {
      return servingBase;
    }
    checkArgument(root != null, "no serving_base given and no pipeline root to put '%s' under", DEFAULT_SERVING_FOLDER);
    return dev.beamline.core.Storage.resolve(root, DEFAULT_SERVING_FOLDER);
  }

  /** This configuration with the serving folder and the model name resolved for {@code pipeline} under {@code root}. */
  public PushConfig resolved(String pipeline, String root) {
    return new PushConfig(servingBaseUnder(root), modelNameFor(pipeline), infraValidationRows, tolerance, modelConfig, label, maxEpsilon);
  }

  /** The model name pushed by a pipeline called {@code pipeline}. */
  public String modelNameFor(String pipeline) {
    return modelName != null ? modelName : pipeline;
  }
}
