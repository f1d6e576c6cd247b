package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code validation:} section bound into the three stages: canonical parameters, defaults, messages
 * that name the line, and the plans' inputs from outside (user schema, drift baseline, skew statistics).
 */
class ValidationStageFactoryTest {
  private static final String SCHEMA = "features:\n  a:\n    type: float\n";

  @TempDir Path tmp;

  /** The section {@code validation:} of {@code yaml}, as the runner hands it over, relative to {@link #tmp}. */
  private ConfigSection section(String yaml) throws IOException {
    JsonNode root = YamlFiles.YAML.readTree(yaml);
    return new ConfigSection("validation", root.get("validation"), "pipeline.yaml", YamlFiles.lineIndex(yaml), tmp);
  }

  private static String json(Stage<?> stage) {
    return stage.parameters().toString();
  }

  @Test
  void isFoundByTheServiceLoader() {
    assertThat(ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::type))
        .contains(ValidationStageFactory.class);
  }

  @Test
  void everyKeyGivesTheCanonicalParameters() throws IOException {
    Files.writeString(tmp.resolve("schema.yaml"), SCHEMA);
    List<Stage<?>> stages = new ValidationStageFactory().create(section(
        "pipeline: {name: p}\n"
            + "validation:\n"
            + "  schema_file: schema.yaml\n"
            + "  infer_from: train\n"
            + "  max_domain_size: 20\n"
            + "  drift: false\n"
            + "  skew_statistics: serving/statistics.json\n"
            + "  thresholds:\n"
            + "    categorical: 0.2\n"));
    assertThat(stages).extracting(Stage::name).containsExactly("statistics", "schema", "validate");
    assertThat(json(stages.get(0))).isEqualTo("{\"sketches\":\"datasketches KLL k=200, HLL lgK=12, frequent items 4096\"}");
    assertThat(json(stages.get(1))).isEqualTo(
        "{\"schema_file\":\"" + tmp.resolve("schema.yaml") + "\",\"infer_from\":\"train\",\"max_domain_size\":20}");
    assertThat(json(stages.get(2))).isEqualTo(
        "{\"drift\":false,\"skew_statistics\":\"" + tmp.resolve("serving/statistics.json")
            + "\",\"thresholds\":{\"categorical\":0.2,\"numeric\":0.1}}");
  }

  @Test
  void driftSeverityWarningIsInTheParametersOnlyWhenSet() throws IOException {
    List<Stage<?>> stages = new ValidationStageFactory().create(section("validation:\n  drift: true\n  drift_severity: warning\n"));
    assertThat(json(stages.get(2))).isEqualTo("{\"drift\":true,\"skew_statistics\":null,\"thresholds\":{\"categorical\":0.1,\"numeric\":0.1},"
        + "\"drift_severity\":\"warning\"}");
    assertThat(((ValidateStage) stages.get(2)).config().thresholds().driftSeverity()).isEqualTo(Anomaly.Severity.WARNING);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ValidationStageFactory().create(section("validation:\n  drift_severity: warn\n")))
        .hasMessageContaining("drift_severity").hasMessageContaining("warning");
  }

  @Test
  void anEmptyishSectionGivesTheDefaults() throws IOException {
    List<Stage<?>> stages = new ValidationStageFactory().create(section("validation:\n  drift: true\n"));
    assertThat(json(stages.get(1))).isEqualTo("{\"schema_file\":null,\"infer_from\":null,\"max_domain_size\":100}");
    assertThat(json(stages.get(2))).isEqualTo(
        "{\"drift\":true,\"skew_statistics\":null,\"thresholds\":{\"categorical\":0.1,\"numeric\":0.1}}");
  }

  @Test
  void portsAreDeclaredByKind() throws IOException {
    List<Stage<?>> stages = new ValidationStageFactory().create(section("validation:\n  drift: true\n"));
    assertThat(stages.get(0).consumes()).containsExactly(Port.required("examples", ArtifactKind.EXAMPLES));
    assertThat(stages.get(0).produces()).containsExactly(Port.folder("statistics", ArtifactKind.STATISTICS));
    assertThat(stages.get(1).consumes()).containsExactly(Port.required("statistics", ArtifactKind.STATISTICS));
    assertThat(stages.get(1).produces()).containsExactly(Port.folder("schema", ArtifactKind.SCHEMA));
    assertThat(stages.get(2).consumes())
        .containsExactly(Port.required("statistics", ArtifactKind.STATISTICS), Port.required("schema", ArtifactKind.SCHEMA));
    assertThat(stages.get(2).produces()).containsExactly(Port.folder("anomalies", ArtifactKind.ANOMALIES));
  }

  @Test
  void badValuesNameTheLineAndKey() throws IOException {
    Files.writeString(tmp.resolve("broken.yaml"), "features: {}\n");
    ValidationStageFactory f = new ValidationStageFactory();
    assertThatThrownBy(() -> f.create(section("validation:\n  drift: true\n  schema_file: broken.yaml\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline.yaml line 3: 'validation.schema_file': " + tmp.resolve("broken.yaml")
            + " line 1: a schema needs 'features' with at least one feature");
    assertThatThrownBy(() -> f.create(section("validation:\n  schema_file: missing.yaml\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline.yaml line 2: 'validation.schema_file': schema file not found: " + tmp.resolve("missing.yaml"));
    assertThatThrownBy(() -> f.create(section("validation:\n  schema: old.yaml\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline.yaml line 2: 'validation.schema' is now 'validation.schema_file': the file of a schema to import"
            + " ('ingest.schema' declares the columns' types)");
    assertThatThrownBy(() -> f.create(section("validation:\n  max_domain_size: -1\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline.yaml line 2: bad value for 'validation.max_domain_size': max_domain_size must be >= 0, got -1");
    assertThatThrownBy(() -> f.create(section("validation:\n  thresholds: {numeric: 2}\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline.yaml line 2: bad value for 'validation.thresholds': numeric threshold must be in [0, 1], got 2.0");
    assertThatThrownBy(() -> f.create(section("validation:\n  drfit: true\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("pipeline.yaml line 2: unknown key 'validation.drfit'; did you mean 'drift'?");
  }

  @Test
  void theSchemaPlanFingerprintsTheUserSchemaByContent() throws IOException {
    Files.writeString(tmp.resolve("schema.yaml"), SCHEMA);
    SchemaStage stage = new SchemaStage(ValidationConfig.defaults().withSchemaFile(tmp.resolve("schema.yaml").toString()));
    Plan<Serializable> plan = stage.plan(context(List.of()));
    String sha = Hashing.sha256().hashString(SCHEMA, StandardCharsets.UTF_8).toString();
    assertThat(plan.externalInputs())
        .containsExactly(ExternalInput.file("user_schema", tmp.resolve("schema.yaml").toString(), sha, null));
    assertThat(new SchemaStage(ValidationConfig.defaults()).plan(context(List.of())).externalInputs()).isEmpty();
  }

  @Test
  void theDriftBaselineIsTheNewestOtherStatisticsThatStillExist() throws IOException {
    Path gone = tmp.resolve("statistics/9");
    Path current = Files.createDirectories(tmp.resolve("statistics/8"));
    Path previous = Files.createDirectories(tmp.resolve("statistics/7"));
    Path older = Files.createDirectories(tmp.resolve("statistics/6"));
    for (Path d : List.of(current, previous, older)) {
      Files.writeString(d.resolve("statistics.json"), "{\"splits\":[]}");
    }
    Path skew = Files.writeString(tmp.resolve("serving.json"), "{\"splits\":[]}");
    List<StoredArtifact> live = List.of(
        new StoredArtifact(9, ArtifactKind.STATISTICS, gone.toString(), null),
        new StoredArtifact(8, ArtifactKind.STATISTICS, current.toString(), null),
        new StoredArtifact(7, ArtifactKind.STATISTICS, previous.toString(), null),
        new StoredArtifact(6, ArtifactKind.STATISTICS, older.toString(), null));
    ValidateStage stage = new ValidateStage(ValidationConfig.defaults().withSkewStatistics(skew.toString()));
    Plan<ValidateStage.Resolved> plan = stage.plan(context(live));
    assertThat(plan.state()).isEqualTo(new ValidateStage.Resolved("p", previous.toString()));
    assertThat(plan.externalInputs()).containsExactly(
        ExternalInput.stored("previous_statistics", live.get(2)),
        ExternalInput.file("skew_statistics", skew.toString(),
            Hashing.sha256().hashString("{\"splits\":[]}", StandardCharsets.UTF_8).toString(), null));

    Plan<ValidateStage.Resolved> noDrift = new ValidateStage(ValidationConfig.defaults().withDrift(false)).plan(context(live));
    assertThat(noDrift.state()).isEqualTo(new ValidateStage.Resolved("p", null));
    assertThat(noDrift.externalInputs()).isEmpty();
  }

  @Test
  void aMissingSkewFileIsAConfigurationError() {
    ValidateStage stage = new ValidateStage(ValidationConfig.defaults().withSkewStatistics(tmp.resolve("none.json").toString()));
    assertThatThrownBy(() -> stage.plan(context(List.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessage("cannot read skew statistics " + tmp.resolve("none.json") + ": " + tmp.resolve("none.json") + " does not exist");
  }

  /** Pipeline {@code p}, whose statistics input is artifact 8, with {@code live} earlier statistics. */
  private static PlanContext context(List<StoredArtifact> live) {
    StageInput statistics = new StageInput(Port.required("statistics", ArtifactKind.STATISTICS), 8, "/runs/p/statistics/8", null,
        () -> {
          throw new AssertionError("a plan builds no graph");
        });
    StageInputs inputs = new StageInputs(List.of(statistics));
    return new PlanContext() {
      @Override
      public String pipeline() {
        return "p";
      }

      @Override
      public StageInputs inputs() {
        return inputs;
      }

      @Override
      public List<StoredArtifact> live(String stage, ArtifactKind kind) {
        assertThat(stage).isEqualTo(StatisticsStage.NAME);
        assertThat(kind).isEqualTo(ArtifactKind.STATISTICS);
        return live;
      }
    };
  }
}
