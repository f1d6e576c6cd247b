package dev.beamline.serving.push;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.util.List;

/**
 * The {@code push:} section of a pipeline file: binds it to a {@link PushConfig} (whose defaults fill in
 * what the file leaves out) and makes the {@link PushStage}. The same documents give the stage's
 * canonical parameters ({@link #parameters}), so that what is recorded binds back to an equal
 * configuration.
 *
 * <pre>{@code
 * push:
 *   serving_base: /srv/models        # default: serving/ under the pipeline root; relative paths are relative to the pipeline file's folder
 *   model_name: penguins             # default: the pipeline's name
 *   infra_validation: {rows: 8, tolerance: 1e-6}   # rows: 0 turns it off
 *   model_config: serving/models.yaml  # the server's --model-config file, in which the pushed version gets...
 *   label: canary                      # ...this label (the model's first labelled version gets stable too)
 *   max_epsilon: 2.0                   # refuse a model whose differential-privacy epsilon exceeds this (no DP: inf); default: no limit
 * }</pre>
 */
public final class PushStageFactory implements StageFactory {
  /** The section's key. */
  public static final String SECTION = "push";

  /** Writes every key, null ones too: the canonical form has the same keys whatever is set. */
  private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS);

  // The section's shape. Field names are the YAML keys.

  /** {@code push:} */
  public static final class PushDoc {
    public String serving_base;
    public String model_name;
    public InfraValidationDoc infra_validation;
    public String model_config;
    public String label;
    public Double max_epsilon;
  }

  /** {@code push.infra_validation:} */
  public static final class InfraValidationDoc {
    public Integer rows;
    public Double tolerance;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return List.of(new PushStage(bind(section)));
  }

  /**
   * The configuration that {@code section} describes: {@link PushConfig#to} with what the section sets.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a missing or bad value
   */
  public static PushConfig bind(ConfigSection section) {
    PushDoc d = section.bind(PushDoc.class);
    if (d.serving_base != null && d.serving_base.isBlank()) {
      throw section.error("serving_base", "'" + section.key("serving_base") + "' is empty: name the folder that holds one folder per model"
          + " (TensorFlow Serving's model_base_path is <serving_base>/<model_name>), or leave it out for 'serving' under the pipeline root");
    }
    PushConfig c = PushConfig.to(d.serving_base == null ? null : section.path(d.serving_base));
    if (d.model_name != null) {
      PushConfig base = c;
      c = section.check("model_name", () -> base.withModelName(d.model_name));
    }
    if (d.infra_validation != null) {
      int rows = d.infra_validation.rows != null ? d.infra_validation.rows : PushConfig.DEFAULT_ROWS;
      double tolerance = d.infra_validation.tolerance != null ? d.infra_validation.tolerance : PushConfig.DEFAULT_TOLERANCE;
      PushConfig base = c;
      c = section.check("infra_validation", () -> base.withInfraValidation(rows, tolerance));
    }
    if (d.model_config != null || d.label != null) {
      if (d.model_config == null || d.label == null) {
        throw section.error(d.label == null ? "model_config" : "label", "'" + section.key("model_config") + "' and '" + section.key("label")
            + "' go together: the pushed version gets the label in the server's model config file");
      }
      PushConfig base = c;
      c = section.check("label", () -> base.withLabel(section.path(d.model_config), d.label));
    }
    if (d.max_epsilon != null) {
      PushConfig base = c;
      c = section.check("max_epsilon", () -> base.withMaxEpsilon(d.max_epsilon));
    }
    return c;
  }

  /**
   * The canonical form of {@code config}: every key of the section with its value, defaults filled in
   * ({@code model_name} null for the pipeline's name, {@code serving_base} resolved); binding it gives
   * back an equal configuration. The stage's cache key and its recorded parameters.
   */
  public static ObjectNode parameters(PushConfig config) {
    ObjectNode p = JSON.valueToTree(document(config));
    // Keys added later are left out while unset: the cache key of a push that sets no label or no
    // max_epsilon stays what it was.
    for (String k : new String[] {"model_config", "label", "max_epsilon"}) {
      if (p.path(k).isNull()) {
        p.remove(k);
      }
    }
    return p;
  }

  /** The document that binds to {@code config}. */
  static PushDoc document(PushConfig c) {
    PushDoc d = new PushDoc();
    d.serving_base = c.servingBase();
    d.model_name = c.modelName();
    d.infra_validation = new InfraValidationDoc();
    d.infra_validation.rows = c.infraValidationRows();
    d.infra_validation.tolerance = c.tolerance();
    d.model_config = c.modelConfig();
    d.label = c.label();
    d.max_epsilon = c.maxEpsilon();
    return d;
  }
}
