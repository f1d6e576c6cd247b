package dev.beamline.evaluation;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.training.ServingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The types to read data with for a model: the model's raw input columns decide them, the others keep
 * the types inferred from the data. A column the model takes as a number is read as a number (its
 * inferred {@code int}, {@code float} or {@code boolean}, else {@code float}), one it takes as a
 * timestamp as a timestamp (microseconds: {@code int} or {@code timestamp}), one it takes as text as
 * inferred (serving turns any value into its text). So a value the model cannot take (text in a numeric
 * column) is rejected by the reader, which names the file, the line and the column, instead of
 * reaching the model.
 *
 * <pre>{@code
 * ExampleSchema read = ModelInputs.readTypes(inferred, ServingModel.describe(modelDir));
 * }</pre>
 */
public final class ModelInputs {
  private ModelInputs() {}

  /** {@code inferred} with the types of the model's input columns as the model needs them. */
  public static ExampleSchema readTypes(ExampleSchema inferred, ServingModel.Description model) {
    List<FeatureSpec> features = new ArrayList<>();
    for (FeatureSpec f : inferred.features()) {
      RawFamily family = model.inputs().get(f.name());
      features.add(family == null ? f : FeatureSpec.of(f.name(), typeFor(f.type(), family)));
    }
    return ExampleSchema.of(features);
  }

  /** The model's input columns that {@code data} lacks, in the model's order. */
  public static List<String> missing(ExampleSchema data, ServingModel.Description model) {
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, RawFamily> e : model.inputs().entrySet()) {
      if (data.feature(e.getKey()).isEmpty()) {
        missing.add(e.getKey());
      }
    }
    return missing;
  }

  static FeatureType typeFor(FeatureType inferred, RawFamily family) {
    return switch (family) {
      case NUMERIC -> inferred == FeatureType.INT || inferred == FeatureType.FLOAT || inferred == FeatureType.BOOLEAN ? inferred : FeatureType.FLOAT;
      case TIMESTAMP -> inferred == FeatureType.INT || inferred == FeatureType.TIMESTAMP ? inferred : FeatureType.TIMESTAMP;
      case STRING -> inferred;
    };
  }
}
