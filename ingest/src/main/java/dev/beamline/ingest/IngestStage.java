package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * The ingestion stage ({@link IngestExamples}) as the runner sees it: reads raw files from outside the
 * pipeline and produces {@code examples} ({@link ArtifactKind#EXAMPLES}), whose schema and splits it
 * states in its plan ({@link ExamplesInfo}).
 *
 * <pre>{@code
 * IngestStage stage = new IngestStage(IngestExamples.Config.of("data/penguins.csv"));
 * Plan<IngestStage.State> plan = stage.prepare(stage.plan(ctx), ctx);   // lists, fingerprints, infers
 * PCollection<String> published = stage.expand(pipeline, plan, StageInputs.none(), output);
 * }</pre>
 */
public final class IngestStage implements Stage<IngestStage.State> {
  /** The role of the examples this stage produces. */
  public static final String EXAMPLES = "examples";
  /** The role of each raw input file. */
  public static final String RAW_DATA = "raw_data";

  /**
   * What the stage resolves before the graph: the input files listed and fingerprinted by {@link #plan},
   * and, once {@link #prepare}d, the input resolved for reading (format reader and schema).
   *
   * @param input null until {@link #prepare}
   */
  public record State(InputFiles files, ResolvedInput input) implements Serializable {
    public State {
      checkNotNull(files, "files");
    }
  }

  private final IngestExamples.Config config;

  public IngestStage(IngestExamples.Config config) {
    this.config = checkNotNull(config, "config");
  }

  public IngestExamples.Config config() {
    return config;
  }

  @Override
  public String name() {
    return IngestExamples.STAGE;
  }

  @Override
  public List<Port> consumes() {
    return List.of();
  }

  @Override
  public List<Port> produces() {
    return List.of(Port.folder(EXAMPLES, ArtifactKind.EXAMPLES));
  }

  /** The configuration, key for key as in the YAML file, with defaults filled in. */
  @Override
  public ObjectNode parameters() {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("input", config.input());
    p.put("format", config.format() == null ? null : config.format().name().toLowerCase());
    ObjectNode csv = p.putObject("csv");
    csv.put("delimiter", String.valueOf(config.csv().delimiter()));
    csv.put("quote", String.valueOf(config.csv().quote()));
    csv.put("header", config.csv().header());
    config.csv().nullValues().forEach(csv.putArray("null_values")::add);
    config.csv().columnNames().forEach(csv.putArray("columns")::add);
    csv.put("max_record_bytes", config.csv().maxRecordBytes());
    if (config.schema() == null) {
      p.putNull("schema");
    } else {
      ObjectNode schema = p.putObject("schema");
      config.schema().features().forEach(f -> schema.put(f.name(), f.type().configName()));
    }
    p.put("infer_rows", config.inferRows());
    if (config.spans().isLatest()) {
      p.put("span", "latest");
    } else {
      var span = p.putObject("span").put("from", config.spans().from());
      if (config.spans().to() == null) {
        span.put("to", "latest");
      } else {
        span.put("to", config.spans().to());
      }
    }
    ObjectNode splits = p.putObject("splits");
    config.splits().asMap().forEach(splits::put);
    p.put("partition_feature", config.splits().partitionFeature());
    p.put("max_rejected_fraction", config.maxRejectedFraction());
    p.put("shards", config.shards());
    return p;
  }

  /**
   * Lists the input files, each an external input fingerprinted as TFX does by its path, size and
   * modification time, which is cheap however large the data (the content SHA-256 is taken while
   * ingesting and lands in {@code fingerprint.json}). The schema is stated once prepared: a declared
   * one may give the types of some columns only, and only the files tell which others there are.
   *
   * @throws dev.beamline.core.ConfigException when nothing matches the input pattern
   */
  @Override
  public Plan<State> plan(PlanContext ctx) {
    InputFiles files = InputFiles.resolve(config.input(), config.spans());
    List<ExternalInput> inputs = new ArrayList<>();
    for (InputFiles.InputFile f : files.files()) {
      inputs.add(rawData(f));
    }
    return new Plan<>(inputs, Map.of(), new State(files, null));
  }

  /** The raw file {@code f} as an external input: fingerprint of its path, size and modification time. */
  static ExternalInput rawData(InputFiles.InputFile f) {
    long modified = 0;
    try {
      modified = Files.getLastModifiedTime(Paths.get(f.path())).toMillis();
    } catch (IOException | RuntimeException e) {
      // Not a local file: size and path alone.
    }
    return ExternalInput.listed(RAW_DATA, f.path(), f.bytes(), modified);
  }

  /**
   * Checks the planned files and reads their schema (inferred, declared, or declared in part and
   * inferred for the other columns; see {@link ResolvedInput}).
   *
   * @throws dev.beamline.core.DataCheckException for an empty or unreadable file, files that disagree on
   *     their columns, or a declared column missing from a file
   */
  @Override
  public Plan<State> prepare(Plan<State> plan, PlanContext ctx) {
    InputFiles files = plan.state().files();
    ResolvedInput input = ResolvedInput.of(config, files);
    return new Plan<>(
        plan.externalInputs(),
        Map.of(EXAMPLES, new ExamplesInfo(input.schema(), config.splits().names())),
        new State(files, input));
  }

  /** The schema ({@code schema.avsc}) and split names ({@code fingerprint.json}) of the published examples. */
  @Override
  public ArtifactInfo readInfo(Port port, String uri) {
    checkArgument(port.role().equals(EXAMPLES), "the ingest stage produces '%s' only, not '%s'", EXAMPLES, port.role());
    IngestOutput out = IngestOutput.open(uri);
    return new ExamplesInfo(out.schema(), out.splitNames());
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<State> plan, StageInputs inputs, StageOutput output) {
    ResolvedInput input = plan.state() == null ? null : plan.state().input();
    checkState(input != null, "the ingest stage's plan holds no resolved input: call prepare() before expand()");
    return pipeline.apply("IngestExamples", IngestExamples.of(input).to(output)).published();
  }

  @Override
  public Published describe(Plan<State> plan, String outputDir) {
    JsonNode f = IngestOutput.open(outputDir).fingerprint();
    return new Published(f.get("fingerprint").asText(), Map.of(EXAMPLES, properties(f)), summary(f));
  }

  /** The facts recorded with the examples: counts, splits, spans, format and every input file. */
  private static ObjectNode properties(JsonNode f) {
    ObjectNode p = JsonNodeFactory.instance.objectNode();
    p.put("rows", f.get("rows").asLong());
    p.put("rejected", f.get("rejected").asLong());
    p.set("splits", f.get("splits"));
    p.set("spans", f.get("spans"));
    p.put("format", f.get("format").asText());
    p.put("input_pattern", f.get("input_pattern").asText());
    ArrayNode files = p.putArray(Published.INPUT_FILES);
    for (JsonNode file : f.get("files")) {
      files.addObject().put("path", file.get("path").asText()).put("sha256", file.get("sha256").asText()).put("rows", file.get("rows").asLong());
    }
    return p;
  }

  private static List<String> summary(JsonNode f) {
    StringBuilder splits = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = f.get("splits").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      splits.append(splits.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().asLong());
    }
    return List.of(
        String.format(
            "%d rows (%d rejected) from %d file(s), dataset fingerprint %s",
            f.get("rows").asLong(), f.get("rejected").asLong(), f.get("files").size(), f.get("fingerprint").asText().substring(0, 16)),
        "splits: " + splits);
  }
}
