package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.training.ServingModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ModelInputs}: the model's inputs decide the types their columns are read with. */
class ModelInputsTest {
  private static final ServingModel.Description MODEL = new ServingModel.Description("classification", "species", "species",
      List.of("a", "b"), inputs());

  private static Map<String, RawFamily> inputs() {
    Map<String, RawFamily> m = new LinkedHashMap<>();
    m.put("mass", RawFamily.NUMERIC);
    m.put("bill", RawFamily.NUMERIC);
    m.put("flag", RawFamily.NUMERIC);
    m.put("seen", RawFamily.TIMESTAMP);
    m.put("when", RawFamily.TIMESTAMP);
    m.put("island", RawFamily.STRING);
    m.put("wing", RawFamily.NUMERIC);
    return m;
  }

  @Test
  void numbersAndTimestampsAreReadAsTheModelTakesThemOtherColumnsAsInferred() {
    ExampleSchema inferred = ExampleSchema.of(List.of(
        FeatureSpec.of("species", FeatureType.STRING),
        FeatureSpec.of("mass", FeatureType.INT),
        FeatureSpec.of("bill", FeatureType.STRING), // text among the numbers
        FeatureSpec.of("flag", FeatureType.BOOLEAN),
        FeatureSpec.of("seen", FeatureType.STRING), // ISO-8601 text
        FeatureSpec.of("when", FeatureType.INT), // microseconds
        FeatureSpec.of("island", FeatureType.INT), // a category written as a number
        FeatureSpec.of("note", FeatureType.FLOAT)));
    assertThat(ModelInputs.readTypes(inferred, MODEL)).isEqualTo(ExampleSchema.of(List.of(
        FeatureSpec.of("species", FeatureType.STRING),
        FeatureSpec.of("mass", FeatureType.INT),
        FeatureSpec.of("bill", FeatureType.FLOAT),
        FeatureSpec.of("flag", FeatureType.BOOLEAN),
        FeatureSpec.of("seen", FeatureType.TIMESTAMP),
        FeatureSpec.of("when", FeatureType.INT),
        FeatureSpec.of("island", FeatureType.INT),
        FeatureSpec.of("note", FeatureType.FLOAT))));
    assertThat(ModelInputs.missing(inferred, MODEL)).containsExactly("wing");
  }
}
