package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.MetadataStore;
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
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;

/**
 * The validation stage (TFX's ExampleValidator): compares the statistics with the schema, with the
 * pipeline's previous statistics (drift) and with a given statistics file (skew), and publishes {@code
 * anomalies.json} and the HTML report {@code report.html}. Anomalies of error severity then stop the
 * run, with exit code 1 and a summary: no later stage sees data that failed validation.
 */
final class ValidateStage implements Stage {
  static final String NAME = "validate";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ValidationConfig config;
  private final String pipeline;
  private final Path stageRoot;
  private String previousStatistics;

  ValidateStage(ValidationConfig config, String pipeline, Path pipelineRoot) {
    this.config = config;
    this.pipeline = pipeline;
    this.stageRoot = pipelineRoot.toAbsolutePath().normalize().resolve(pipeline).resolve(StatisticsStage.NAME);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> upstreamStages() {
    return List.of(StatisticsStage.NAME, SchemaStage.NAME);
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("drift", config.drift());
    p.put("skew_statistics", config.skewStatistics());
    p.putObject("thresholds").put("categorical", config.thresholds().categorical()).put("numeric", config.thresholds().numeric());
    return p;
  }

  /**
   * The statistics and schema of this run; for drift, the newest LIVE statistics of this pipeline made
   * before (the previous span or version of the data); for skew, the given statistics file.
   */
  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    List<Input> in = new ArrayList<>();
    Upstream stats = upstream.get(StatisticsStage.NAME);
    in.add(Stage.upstreamInput("statistics", stats, ArtifactKind.STATISTICS.name()));
    in.add(Stage.upstreamInput("schema", upstream.get(SchemaStage.NAME), ArtifactKind.SCHEMA.name()));
    previousStatistics = null;
    if (config.drift() && store != null) {
      for (Artifact a : store.artifacts(ArtifactKind.STATISTICS.name(), 1000)) {
        if (a.id() != stats.artifactId() && a.state() == ArtifactState.LIVE && Paths.get(a.uri()).startsWith(stageRoot)
            && Files.exists(Paths.get(a.uri()).resolve("statistics.json"))) {
          previousStatistics = a.uri();
          in.add(new Input("previous_statistics", a.type(), a.uri(), "artifact:" + a.id(), null, a.id()));
          break;
        }
      }
    }
    if (config.skewStatistics() != null) {
      Path file = Paths.get(config.skewStatistics());
      try {
        String sha = Hashing.sha256().hashBytes(Files.readAllBytes(file)).toString();
        in.add(new Input("skew_statistics", IngestStage.RAW_DATA, file.toAbsolutePath().normalize().toString(), sha, null, null));
      } catch (IOException e) {
        throw new ConfigException("cannot read skew statistics " + file + ": " + e.getMessage(), e);
      }
    }
    return in;
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.ANOMALIES;
  }

  @Override
  public String outputRole() {
    return "anomalies";
  }

  @Override
  public Expanded expand(Pipeline p, StageOutput output, Map<String, Upstream> upstream) {
    Upstream stats = upstream.get(StatisticsStage.NAME);
    Upstream schema = upstream.get(SchemaStage.NAME);
    List<PCollection<?>> signals = new ArrayList<>();
    if (stats.inGraph()) {
      signals.add(stats.published());
    }
    if (schema.inGraph()) {
      signals.add(schema.published());
    }
    PCollection<String> start = p.apply("Validate", Create.of(pipeline).withCoder(StringUtf8Coder.of()));
    if (!signals.isEmpty()) {
      start = start.apply("AwaitInputs", Wait.on(signals));
    }
    PCollection<String> published =
        start
            .apply(
                "CheckAnomalies",
                ParDo.of(new ValidateFn(output, stats.dir().toString(), schema.dir().toString(), previousStatistics, config)))
            .setCoder(StringUtf8Coder.of());
    return new Expanded(published, null);
  }

  /** Computes the anomalies, publishes them with the report, then fails on errors. */
  static final class ValidateFn extends DoFn<String, String> {
    private final StageOutput output;
    private final String statsDir;
    private final String schemaDir;
    private final String previousDir;
    private final ValidationConfig config;

    ValidateFn(StageOutput output, String statsDir, String schemaDir, String previousDir, ValidationConfig config) {
      this.output = output;
      this.statsDir = statsDir;
      this.schemaDir = schemaDir;
      this.previousDir = previousDir;
      this.config = config;
    }

    @ProcessElement
    public void process(@Element String title, OutputReceiver<String> out) {
      StatisticsSet current = ValidationRun.readStatistics(Paths.get(statsDir));
      StatisticsSet previous = previousDir == null ? null : ValidationRun.readStatistics(Paths.get(previousDir));
      StatisticsSet skew = config.skewStatistics() == null ? null : ValidationRun.readStatistics(Paths.get(config.skewStatistics()));
      ValidationRun.Result r =
          ValidationRun.validate(title, current, ValidationRun.readSchema(Paths.get(schemaDir)), previous, skew, config.thresholds());
      // Published even when the data fails: the report is what explains the failure.
      output.publish(r.files());
      if (r.errors() > 0) {
        throw new DataCheckException(
            "data validation found " + r.summary() + System.lineSeparator() + "  report: " + output.path().resolve("report.html"));
      }
      out.output(output.dir());
    }
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    try {
      return Hashing.sha256().hashBytes(Files.readAllBytes(outputDir.resolve("anomalies.json"))).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    try {
      JsonNode a = JSON.readTree(Files.readString(outputDir.resolve("anomalies.json")));
      ObjectNode p = JSON.createObjectNode().put("anomalies", a.get("anomalies_count").asLong()).put("errors", a.get("errors").asLong());
      if (previousStatistics != null) {
        p.put("drift_baseline", previousStatistics);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<String> summary(Path outputDir) {
    ObjectNode p = outputProperties(outputDir);
    return List.of(
        p.get("anomalies").asLong() + " anomalies (" + p.get("errors").asLong() + " errors)"
            + (previousStatistics == null ? "" : ", drift against " + previousStatistics),
        "report: " + outputDir.resolve("report.html"));
  }
}
