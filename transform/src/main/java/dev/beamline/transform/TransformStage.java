package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.validation.DatasetStatistics;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;

/**
 * The transform stage as the runner sees it: {@link AnalyzeAndTransform} on the published examples,
 * after data validation passed when the pipeline validates (its analyzers do not start before the
 * anomalies are published). One folder holds the transform graph (constants, vocabularies), the
 * transformed examples as Parquet and their statistics; the store records the folder as a
 * TRANSFORM_GRAPH, with the examples and statistics as further artifacts inside it.
 *
 * <pre>{@code
 * Stage<?> transform = new TransformStage(TransformConfig.of(spec).withAnalyzeSplit("train"));
 * }</pre>
 */
public final class TransformStage implements Stage<TransformStage.State> {
  /** The stage's name: its folder in the run layout. */
  public static final String NAME = AnalyzeAndTransform.STAGE;
  /** The examples it transforms. */
  public static final Port EXAMPLES = Port.required("examples", ArtifactKind.EXAMPLES);
  /** Data validation's findings, waited for when the pipeline validates. */
  public static final Port ANOMALIES = Port.optional("anomalies", ArtifactKind.ANOMALIES);
  /** The fitted transform: the whole output folder. */
  public static final Port TRANSFORM_GRAPH = Port.folder("transform_graph", ArtifactKind.TRANSFORM_GRAPH);
  /** The transformed examples, inside the folder. */
  public static final Port TRANSFORMED_EXAMPLES =
      Port.inside("transformed_examples", ArtifactKind.EXAMPLES, AnalyzeAndTransform.EXAMPLES_DIR);
  /** The statistics of the transformed examples, inside the folder. */
  public static final Port TRANSFORMED_STATISTICS =
      Port.inside("transformed_statistics", ArtifactKind.STATISTICS, AnalyzeAndTransform.STATISTICS_FILE);

  /** The role of a pretrained vectors file ({@code embedding.vectors}) among the stage's external inputs. */
  public static final String VECTORS = "vectors";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What the plan resolved for the graph.
   *
   * @param unfit why the declared transforms do not fit the data's schema, when the run is to fail with
   *     that message once data validation passed; null when they fit
   */
  public record State(String unfit) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final TransformConfig config;

  public TransformStage(TransformConfig config) {
    this.config = checkNotNull(config, "config");
  }

  public TransformConfig config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(EXAMPLES, ANOMALIES);
  }

  @Override
  public List<Port> produces() {
    return List.of(TRANSFORM_GRAPH, TRANSFORMED_EXAMPLES, TRANSFORMED_STATISTICS);
  }

  @Override
  public ObjectNode parameters() {
    return TransformStageFactory.parameters(config);
  }

  /**
   * Checks the declared transforms against the examples' schema and {@code analyze_split} against their
   * splits, and states the provisional features for the stages downstream.
   *
   * <p>The pretrained vectors files ({@code embedding.vectors}) are external inputs, listed by path,
   * size and modification time: the runner keys the cache by their content, and the stage states the
   * SHA-256 of what it read ({@link #describe}).
   *
   * @throws ConfigException when a transform does not fit the schema (unless data validation runs
   *     first: the data, not the configuration, may be at fault, so the run fails with the same message
   *     only once validation passed), when {@code analyze_split} is not a split of the examples, or
   *     when a vectors file cannot be found
   */
  @Override
  public Plan<State> plan(PlanContext ctx) {
    ExamplesInfo examples = ctx.inputs().get(EXAMPLES.role()).info(ExamplesInfo.class);
    boolean validated = ctx.inputs().find(ANOMALIES.role()).isPresent();
    ConfigException unfit = null;
    try {
      config.spec().check(examples.schema());
    } catch (ConfigException e) {
      if (!validated) {
        throw e;
      }
      // A column gone or a type widened is data validation's to name first.
      unfit = e;
    }
    AnalyzeAndTransform.checkAnalyzeSplit(config.analyzeSplit(), examples.splits());
    TransformGraphInfo graph =
        unfit == null ? TransformGraphInfo.provisional(examples.schema(), config.spec()) : TransformGraphInfo.unknown();
    return new Plan<>(vectorsFiles(), Map.of(TRANSFORM_GRAPH.role(), graph), new State(unfit == null ? null : unfit.getMessage()));
  }

  /** Each distinct pretrained vectors file of the spec, as an external input listed by path, size and time. */
  private List<ExternalInput> vectorsFiles() {
    Map<String, ExternalInput> out = new LinkedHashMap<>();
    for (FeatureTransform f : config.spec().features()) {
      String uri = f.vectors();
      if (uri == null || out.containsKey(uri)) {
        continue;
      }
      long bytes;
      try {
        bytes = Storage.size(uri);
      } catch (UncheckedIOException e) {
        throw new ConfigException("transform '" + f.output() + "': embedding.vectors " + uri + " cannot be read: " + e.getCause().getMessage());
      }
      long modified = 0;
      if (Storage.isLocal(uri)) {
        try {
          modified = Files.getLastModifiedTime(AnalyzeAndTransform.localPath(uri)).toMillis();
        } catch (IOException | RuntimeException e) {
          // Size and path alone.
        }
      }
      out.put(uri, ExternalInput.listed(VECTORS, uri, bytes, modified));
    }
    return List.copyOf(out.values());
  }

  /** The fitted features of a published transform graph; nothing for the other outputs. */
  @Override
  public ArtifactInfo readInfo(Port port, String uri) {
    return port.role().equals(TRANSFORM_GRAPH.role()) ? TransformGraphInfo.fitted(FittedTransform.read(uri).features()) : null;
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<State> plan, StageInputs inputs, StageOutput output) {
    Optional<StageInput> anomalies = inputs.find(ANOMALIES.role());
    if (plan.state() != null && plan.state().unfit() != null) {
      // Validation speaks first: if it fails the run, its findings name the cause; if it passes, this does.
      return anomalies.orElseThrow()
          .ready()
          .apply("TransformDoesNotFitTheData", ParDo.of(new Fail(plan.state().unfit())))
          .setCoder(StringUtf8Coder.of());
    }
    StageInput examples = inputs.get(EXAMPLES.role());
    ExamplesInfo info = examples.info(ExamplesInfo.class);
    // The published examples are read (twice: analyzers, then apply): nothing waits in memory while the
    // analyzers run.
    PCollection<String> examplesDir = examples.ready();
    if (anomalies.isPresent()) {
      // Nothing is analyzed before validation passed: a failed validation stops the run here.
      examplesDir = examplesDir.apply("AwaitValidation", Wait.on(anomalies.get().ready())).setCoder(StringUtf8Coder.of());
    }
    TransformResult r =
        examplesDir.apply(
            "AnalyzeAndTransform",
            AnalyzeAndTransform.of(info.schema(), config).to(output).readingPublished(info.schema().toAvro(), info.splits()));
    return r.published();
  }

  /** Fails the run with a configuration error once validation passed. */
  private static final class Fail extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private final String message;

    Fail(String message) {
      this.message = message;
    }

    @ProcessElement
    public void process(@Element String ignored) {
      throw new ConfigException(message);
    }
  }

  @Override
  public Published describe(Plan<State> plan, String outputDir) {
    TransformOutput o = TransformOutput.open(outputDir);
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> !rel.equals(StageOutput.PROVENANCE_FILE));

    ObjectNode graph = JSON.createObjectNode();
    graph.put("analyze_split", config.analyzeSplit());
    ObjectNode features = graph.putObject("features");
    for (FittedFeature f : o.transform().features()) {
      features.put(f.name(), describe(f));
    }
    graph.set("examples", examplesPerSplit(o));
    // The vectors files read, by content, for the cache key (see ExternalInput#listed).
    Map<String, String> read = new LinkedHashMap<>();
    for (FittedFeature f : o.transform().features()) {
      if (f.vectors() != null && f.vectors().sha256() != null) {
        read.putIfAbsent(f.spec().vectors(), f.vectors().sha256());
      }
    }
    if (!read.isEmpty()) {
      ArrayNode files = graph.putArray(Published.INPUT_FILES);
      read.forEach((path, sha256) -> files.addObject().put("path", path).put("sha256", sha256));
    }

    ObjectNode inside = JSON.createObjectNode();
    inside.set("examples", examplesPerSplit(o));
    inside.put("features", o.transform().features().size());
    inside.put("transformed", true);

    List<String> parts = new ArrayList<>();
    for (FittedFeature f : o.transform().features()) {
      parts.add(f.name() + ": " + describe(f));
    }
    List<String> splits = new ArrayList<>();
    for (DatasetStatistics d : o.statistics().splits()) {
      splits.add(d.split() + "=" + d.numExamples());
    }
    List<String> summary = List.of(
        o.transform().features().size() + " features fitted on " + config.analyzeSplit() + ": " + String.join(", ", parts),
        "transformed examples (Parquet): " + String.join(", ", splits));
    return new Published(
        fingerprint,
        Map.of(TRANSFORM_GRAPH.role(), graph, TRANSFORMED_EXAMPLES.role(), inside, TRANSFORMED_STATISTICS.role(), inside.deepCopy()),
        summary);
  }

  private static ObjectNode examplesPerSplit(TransformOutput o) {
    ObjectNode splits = JSON.createObjectNode();
    o.statistics().splits().forEach(d -> splits.put(d.split(), d.numExamples()));
    return splits;
  }

  private static String describe(FittedFeature f) {
    String kind = f.kind().name().toLowerCase(Locale.ROOT);
    if (f.spec().effectiveEncoding() == FeatureTransform.Encoding.CYCLICAL) {
      return kind + " (sin, cos of " + f.spec().timePart().name().toLowerCase(Locale.ROOT) + ")";
    }
    return f.cardinality() > 0 ? kind + " (" + f.cardinality() + ")" : kind;
  }
}
