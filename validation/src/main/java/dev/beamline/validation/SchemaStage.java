package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * The schema stage: infers the schema from the statistics of one split (TFX's SchemaGen), or imports
 * the user's schema file instead (ImportSchemaGen), and publishes it as an editable {@code schema.yaml}.
 *
 * <pre>{@code
 * Stage<?> schema = new SchemaStage(ValidationConfig.defaults().withInferFrom("train"));
 * }</pre>
 */
public final class SchemaStage implements Stage<Serializable> {
  /** The stage's name, and its folder in the run layout. */
  public static final String NAME = "schema";
  private static final String STATISTICS = "statistics";
  private static final String SCHEMA = "schema";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ValidationConfig config;

  public SchemaStage(ValidationConfig config) {
    this.config = checkNotNull(config, "config");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(Port.required(STATISTICS, ArtifactKind.STATISTICS));
  }

  @Override
  public List<Port> produces() {
    return List.of(Port.folder(SCHEMA, ArtifactKind.SCHEMA));
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("schema_file", config.schemaFile());
    p.put("infer_from", config.inferFrom());
    p.put("max_domain_size", config.maxDomainSize());
    return p;
  }

  /** The user's schema file, when there is one, fingerprinted by its content. */
  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    if (config.schemaFile() == null) {
      return Plan.empty();
    }
    return new Plan<>(List.of(StageFiles.external("user_schema", config.schemaFile(), "schema file")), Map.of(), null);
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    ValidationConfig c = config;
    return inputs.get(STATISTICS).ready()
        .apply("PublishSchema", ParDo.of(new PublishArtifact<String>(output, dir -> Map.of(ValidationRun.SCHEMA_FILE, schemaOf(c, dir).toYaml()))))
        .setCoder(StringUtf8Coder.of());
  }

  /** The imported schema, or the one inferred from the statistics in {@code statisticsDir}. */
  static DataSchema schemaOf(ValidationConfig c, String statisticsDir) {
    if (c.schemaFile() != null) {
      return DataSchema.load(c.schemaFile());
    }
    StatisticsSet s = ValidationRun.readStatistics(statisticsDir);
    DatasetStatistics from =
        c.inferFrom() == null
            ? s.splits().get(0)
            : s.split(c.inferFrom()).orElseThrow(() -> new ConfigException("validation.infer_from: no split '" + c.inferFrom() + "'"));
    return InferSchema.from(from, c.maxDomainSize());
  }

  /** The fingerprint of {@code schema.yaml}, its features and whether it was imported; one summary line. */
  @Override
  public Published describe(Plan<Serializable> plan, String outputDir) {
    String file = Storage.resolve(outputDir, ValidationRun.SCHEMA_FILE);
    byte[] content = Storage.read(file);
    DataSchema s = DataSchema.parse(new String(content, StandardCharsets.UTF_8), file);
    boolean imported = config.schemaFile() != null;
    ObjectNode p = JSON.createObjectNode().put("features", s.features().size()).put("imported", imported);
    String summary = s.features().size() + " features, " + (imported ? "imported from " + config.schemaFile() : "inferred") + "; " + file;
    return new Published(StageFiles.sha256(content), Map.of(SCHEMA, p), List.of(summary));
  }
}
