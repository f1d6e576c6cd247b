package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.InferSchema;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationConfig;
import dev.beamline.validation.ValidationRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * The schema stage: infers the schema from the statistics of one split (TFX's SchemaGen), or imports
 * the user's schema file instead (ImportSchemaGen), and publishes it as an editable {@code schema.yaml}.
 */
final class SchemaStage implements Stage {
  static final String NAME = "schema";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ValidationConfig config;

  SchemaStage(ValidationConfig config) {
    this.config = config;
    if (config.schemaFile() != null) {
      DataSchema.load(Paths.get(config.schemaFile())); // A broken schema file fails before the pipeline starts.
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> upstreamStages() {
    return List.of(StatisticsStage.NAME);
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("schema_file", config.schemaFile());
    p.put("infer_from", config.inferFrom());
    p.put("max_domain_size", config.maxDomainSize());
    return p;
  }

  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    List<Input> in = new ArrayList<>();
    in.add(Stage.upstreamInput("statistics", upstream.get(StatisticsStage.NAME), ArtifactKind.STATISTICS.name()));
    if (config.schemaFile() != null) {
      Path file = Paths.get(config.schemaFile());
      try {
        String sha = Hashing.sha256().hashBytes(Files.readAllBytes(file)).toString();
        in.add(new Input("user_schema", IngestStage.RAW_DATA, file.toAbsolutePath().normalize().toString(), sha, null, null));
      } catch (IOException e) {
        throw new ConfigException("cannot read schema file " + file + ": " + e.getMessage(), e);
      }
    }
    return in;
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.SCHEMA;
  }

  @Override
  public String outputRole() {
    return "schema";
  }

  @Override
  public Expanded expand(Pipeline p, StageOutput output, Map<String, Upstream> upstream) {
    Upstream stats = upstream.get(StatisticsStage.NAME);
    PCollection<String> statsDir =
        stats.inGraph() ? stats.published() : p.apply("StatisticsDir", Create.of(stats.dir().toString()).withCoder(StringUtf8Coder.of()));
    ValidationConfig c = config;
    PCollection<String> published =
        statsDir
            .apply("PublishSchema", ParDo.of(new PublishArtifact<String>(output, dir -> Map.of("schema.yaml", schemaOf(c, Paths.get(dir)).toYaml()))))
            .setCoder(StringUtf8Coder.of());
    return new Expanded(published, null);
  }

  /** The imported schema, or the one inferred from the statistics in {@code statsDir}. */
  static DataSchema schemaOf(ValidationConfig c, Path statsDir) {
    if (c.schemaFile() != null) {
      return DataSchema.load(Paths.get(c.schemaFile()));
    }
    StatisticsSet s = ValidationRun.readStatistics(statsDir);
    DatasetStatistics from =
        c.inferFrom() == null
            ? s.splits().get(0)
            : s.split(c.inferFrom()).orElseThrow(() -> new ConfigException("validation.infer_from: no split '" + c.inferFrom() + "'"));
    return InferSchema.from(from, c.maxDomainSize());
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    try {
      return Hashing.sha256().hashBytes(Files.readAllBytes(outputDir.resolve("schema.yaml"))).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    DataSchema s = ValidationRun.readSchema(outputDir);
    return JSON.createObjectNode().put("features", s.features().size()).put("imported", config.schemaFile() != null);
  }

  @Override
  public List<String> summary(Path outputDir) {
    DataSchema s = ValidationRun.readSchema(outputDir);
    return List.of(s.features().size() + " features, " + (config.schemaFile() != null ? "imported from " + config.schemaFile() : "inferred")
        + "; " + outputDir.resolve("schema.yaml"));
  }
}
