package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 *
 * <pre>{@code
 * Stage<?> validate = new ValidateStage(ValidationConfig.defaults().withSkewStatistics("serving/statistics.json"));
 * }</pre>
 */
public final class ValidateStage implements Stage<ValidateStage.Resolved> {
  /** The stage's name, and its folder in the run layout. */
  public static final String NAME = "validate";
  private static final String STATISTICS = "statistics";
  private static final String SCHEMA = "schema";
  private static final String ANOMALIES = "anomalies";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ValidationConfig config;

  public ValidateStage(ValidationConfig config) {
    this.config = checkNotNull(config, "config");
  }
  public ValidationConfig config() {
    return config;
  }


  /**
   * What the plan resolved: the pipeline's name (the report's title) and the statistics that drift is
   * measured against (null for none).
   */
  public record Resolved(String pipeline, String driftBaseline) implements Serializable {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(Port.required(STATISTICS, ArtifactKind.STATISTICS), Port.required(SCHEMA, ArtifactKind.SCHEMA));
  }

  @Override
  public List<Port> produces() {
    return List.of(Port.folder(ANOMALIES, ArtifactKind.ANOMALIES));
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("drift", config.drift());
    p.put("skew_statistics", config.skewStatistics());
    p.putObject("thresholds").put("categorical", config.thresholds().categorical()).put("numeric", config.thresholds().numeric());
    if (config.thresholds().driftSeverity() != Anomaly.Severity.ERROR) {
      // Only when set, so that the cache keys of existing pipelines stay as they were.
      p.put("drift_severity", config.thresholds().driftSeverity().name().toLowerCase(java.util.Locale.ROOT));
    }
    return p;
  }

  /**
   * For drift, the newest LIVE statistics of this pipeline other than this run's (the previous span or
   * version of the data) whose file is still there; for skew, the given statistics file.
   */
  @Override
  public Plan<Resolved> plan(PlanContext ctx) {
    List<ExternalInput> external = new ArrayList<>();
    String baseline = null;
    if (config.drift()) {
      // The baseline is the newest statistics of other data: a previous span or version. Statistics of
      // the same data (a twin run, or this data's earlier run) are skipped, so that rerunning unchanged
      // data keeps its baseline, and its cache. The data is known by the files the ingestion read
      // (their fingerprints), recorded before anything runs, so in-graph and cached runs agree.
      long current = ctx.inputs().get(STATISTICS).artifactId();
      List<String> data = dataOf(ctx, current);
      for (StoredArtifact a : ctx.live(StatisticsStage.NAME, ArtifactKind.STATISTICS)) {
        boolean sameData = !data.isEmpty() && data.equals(dataOf(ctx, a.id()));
        if (a.id() != current && !sameData && Storage.exists(Storage.resolve(a.uri(), ValidationRun.STATISTICS_FILE))) {
          baseline = a.uri();
          external.add(ExternalInput.stored("previous_statistics", a));
          break;
        }
      }
    }
    if (config.skewStatistics() != null) {
      external.add(StageFiles.external("skew_statistics", config.skewStatistics(), "skew statistics"));
    }
    return new Plan<>(external, Map.of(), new Resolved(ctx.pipeline(), baseline));
  }

  /** The sorted fingerprints of the input files behind the statistics {@code statisticsId}: the data they describe. */
  private static List<String> dataOf(PlanContext ctx, long statisticsId) {
    List<String> files = new ArrayList<>();
    for (StoredArtifact examples : ctx.inputs(statisticsId, StatisticsStage.EXAMPLES)) {
      ctx.inputs(examples.id(), dev.beamline.ingest.IngestStage.RAW_DATA).forEach(f -> files.add(f.fingerprint()));
    }
    files.sort(null);
    return files;
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Resolved> plan, StageInputs inputs, StageOutput output) {
    Resolved r = plan.state();
    checkState(r != null, "the validate stage's plan resolves its baseline; got a plan without state");
    return pipeline
        .apply("Validate", Create.of(r.pipeline()).withCoder(StringUtf8Coder.of()))
        .apply("AwaitInputs", Wait.on(inputs.readySignals()))
        .apply(
            "CheckAnomalies",
            ParDo.of(new ValidateFn(output, inputs.get(STATISTICS).uri(), inputs.get(SCHEMA).uri(), r.driftBaseline(), config)))
        .setCoder(StringUtf8Coder.of());
  }

  /** Computes the anomalies, publishes them with the report, then fails on errors. */
  static final class ValidateFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;

    private final StageOutput output;
    private final String statistics;
    private final String schema;
    private final String previous;
    private final ValidationConfig config;

    ValidateFn(StageOutput output, String statistics, String schema, String previous, ValidationConfig config) {
      this.output = output;
      this.statistics = statistics;
      this.schema = schema;
      this.previous = previous;
      this.config = config;
    }

    @ProcessElement
    public void process(@Element String title, OutputReceiver<String> out) {
      StatisticsSet current = ValidationRun.readStatistics(statistics);
      StatisticsSet baseline = previous == null ? null : ValidationRun.readStatistics(previous);
      StatisticsSet skew = config.skewStatistics() == null ? null : ValidationRun.readStatistics(config.skewStatistics());
      ValidationRun.Result r =
          ValidationRun.validate(title, current, ValidationRun.readSchema(schema), baseline, skew, config.thresholds());
      // Published even when the data fails: the report is what explains the failure.
      output.publish(r.files());
      if (r.errors() > 0) {
        throw new DataCheckException(
            "data validation found " + r.summary() + System.lineSeparator() + "  report: "
                + Storage.resolve(output.dir(), ValidationRun.REPORT_FILE));
      }
      out.output(output.dir());
    }
  }

  /** The fingerprint of {@code anomalies.json}, the counts and the drift baseline; the summary and the report's path. */
  @Override
  public Published describe(Plan<Resolved> plan, String outputDir) {
    byte[] content = Storage.read(Storage.resolve(outputDir, ValidationRun.ANOMALIES_FILE));
    JsonNode a;
    try {
      a = JSON.readTree(new String(content, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + Storage.resolve(outputDir, ValidationRun.ANOMALIES_FILE) + ": " + e.getMessage(), e);
    }
    String baseline = plan.state() == null ? null : plan.state().driftBaseline();
    ObjectNode p = JSON.createObjectNode().put("anomalies", a.get("anomalies_count").asLong()).put("errors", a.get("errors").asLong());
    if (baseline != null) {
      p.put("drift_baseline", baseline);
    }
    List<String> summary = List.of(
        p.get("anomalies").asLong() + " anomalies (" + p.get("errors").asLong() + " errors)"
            + (baseline == null ? "" : ", drift against " + baseline),
        "report: " + Storage.resolve(outputDir, ValidationRun.REPORT_FILE));
    return new Published(StageFiles.sha256(content), Map.of(ANOMALIES, p), summary);
  }
}
