package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.stage.ArtifactInfo;
import java.util.List;

/**
 * What a stage consuming a MODEL needs to know of it before it exists: its task, the transformed
 * label, the raw column the label is computed from, and the raw columns the serving signature takes.
 * The train stage states it in its plan (from the transform's features) and reads it back from a
 * cached model's {@code assets.extra/model.json}. The classes of a classifier come from the label's
 * vocabulary, which is fitted only when the transform runs: read them from the model itself ({@link
 * ServingModel#description()}).
 *
 * <pre>{@code
 * ModelInfo model = inputs.get("model").info(ModelInfo.class);
 * boolean classifier = model.classification();
 * }</pre>
 *
 * @param task {@code classification} or {@code regression}
 */
public record ModelInfo(String task, String label, String labelInput, List<String> rawInputs) implements ArtifactInfo {
  public ModelInfo {
    checkArgument("classification".equals(task) || "regression".equals(task), "task must be classification or regression; got %s", task);
    checkNotNull(label, "label");
    checkNotNull(labelInput, "labelInput");
    rawInputs = List.copyOf(rawInputs);
  }

  /** The model that {@code spec} describes. */
  public static ModelInfo of(ModelSpec spec) {
    return new ModelInfo(spec.classification() ? "classification" : "regression", spec.label().name(),
        spec.label().spec().input(), spec.rawInputs().stream().map(ModelSpec.RawInput::name).toList());
  }

  /** What the exported model in {@code dir} says of itself. */
  public static ModelInfo read(String dir) {
    ServingModel.Description d = ServingModel.describe(dir);
    return new ModelInfo(d.task(), d.label(), d.labelInput(), List.copyOf(d.inputs().keySet()));
  }

  public boolean classification() {
    return task.equals("classification");
  }
}
