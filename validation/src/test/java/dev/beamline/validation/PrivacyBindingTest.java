package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.validation.privacy.PrivacyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validation.privacy:} bound into the statistics stage: defaults, canonical parameters, messages naming the key or column. */
class PrivacyBindingTest {
  @TempDir Path tmp;

  private ConfigSection section(String yaml) throws IOException {
    JsonNode root = YamlFiles.YAML.readTree(yaml);
    return new ConfigSection("validation", root.get("validation"), "pipeline.yaml", YamlFiles.lineIndex(yaml), tmp);
  }

  private Stage<?> statistics(String yaml) throws IOException {
    return new ValidationStageFactory().create(section(yaml)).get(0);
  }

  @Test
  void withoutPrivacyTheParametersAreUnchanged() throws IOException {
    assertThat(statistics("validation: {drift: false}\n").parameters().toString())
        .isEqualTo("{\"sketches\":\"datasketches KLL k=200, HLL lgK=12, frequent items 4096\"}");
    assertThat(ValidationStageFactory.privacy(section("validation: {drift: false}\n"), ValidationConfig.defaults())).isNull();
  }

  @Test
  void anEpsilonAloneGetsEveryDefault() throws IOException {
    assertThat(statistics("validation:\n  privacy: {epsilon: 0.5}\n").parameters().get("privacy").toString()).isEqualTo(
        "{\"epsilon\":0.5,\"delta\":0.0,\"mechanism\":\"laplace\",\"user_column\":null,\"max_rows_per_user\":1,\"bounds\":{},\"domains\":{},\"buckets\":10}");
  }

  @Test
  void everyKeyIsBoundAndTheSchemaFileDeclaresTheRest() throws IOException {
    Files.writeString(tmp.resolve("schema.yaml"),
        "features:\n  s: {type: string, domain: [a, b]}\n  y: {type: float, range: {min: -1, max: 1}}\n  x: {type: float, range: {min: 5, max: 6}}\n");
    PrivacyConfig p = ValidationStageFactory.privacy(section(
        "validation:\n  schema_file: schema.yaml\n  privacy:\n    epsilon: 2\n    mechanism: gaussian\n    delta: 1e-5\n"
            + "    user_column: u\n    max_rows_per_user: 4\n    bounds: {x: [0, 10]}\n    domains: {t: [p, q]}\n    buckets: 20\n"),
        ValidationConfig.defaults().withSchemaFile(tmp.resolve("schema.yaml").toString()));
    assertThat(p.toParameters().toString()).isEqualTo(
        "{\"epsilon\":2.0,\"delta\":1.0E-5,\"mechanism\":\"gaussian\",\"user_column\":\"u\",\"max_rows_per_user\":4,"
            + "\"bounds\":{\"x\":[0.0,10.0],\"y\":[-1.0,1.0]},\"domains\":{\"s\":[\"a\",\"b\"],\"t\":[\"p\",\"q\"]},\"buckets\":20}");
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {epsilom: 1}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'validation.privacy.epsilom'").hasMessageContaining("did you mean 'epsilon'");
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {epsilon: -1}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'validation.privacy.epsilon'").hasMessageContaining("got -1.0");
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {delta: 1e-6}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'validation.privacy.delta' applies to mechanism: gaussian");
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {mechanism: gaussian, delta: 2}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("delta must be in (0, 1), got 2.0");
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {mechanism: exponential}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'validation.privacy.mechanism'").hasMessageContaining("laplace or gaussian");
    assertThatThrownBy(() -> statistics("validation:\n  privacy:\n    bounds: {x: [5, 1]}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'validation.privacy.bounds.x'").hasMessageContaining("[5.0, 1.0]");
    assertThatThrownBy(() -> statistics("validation:\n  privacy:\n    bounds: {x: [5]}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'validation.privacy.bounds.x' must be [lower, upper]");
    assertThatThrownBy(() -> statistics("validation:\n  privacy: {max_rows_per_user: 3}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("needs a user_column");
  }

  @Test
  void aDeclaredColumnTheExamplesLackFailsWhenTheStageIsPlanned() throws IOException {
    Stage<?> stage = statistics("validation:\n  privacy:\n    bounds: {weight: [0, 10]}\n");
    ExampleSchema schema = ExampleSchema.of(List.of(FeatureSpec.of("x", FeatureType.FLOAT)));
    StageInput examples = new StageInput(Port.required("examples", ArtifactKind.EXAMPLES), 1, "/nowhere",
        new ExamplesInfo(schema, List.of("train")), () -> null);
    assertThatThrownBy(() -> stage.plan(PlanContext.of("p", new StageInputs(List.of(examples)))))
        .isInstanceOf(ConfigException.class).hasMessage("validation.privacy: privacy bounds name column 'weight', which the data lacks (its columns: x)");
  }
}
