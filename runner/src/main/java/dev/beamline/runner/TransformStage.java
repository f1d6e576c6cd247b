package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.IngestResult;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.TransformOutput;
import dev.beamline.transform.TransformResult;
import dev.beamline.validation.DatasetStatistics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;

/**
 * The transform stage: {@link AnalyzeAndTransform} on the ingested examples, after data validation
 * passed (its analyzers do not start before the validate stage published). One folder holds the
 * transform graph (constants, vocabularies), the transformed examples as Parquet and their statistics;
 * the store records the folder as a TRANSFORM_GRAPH, with the examples and statistics as further
 * artifacts inside it.
 */
final class TransformStage implements Stage {
  static final String NAME = AnalyzeAndTransform.STAGE;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TransformConfig config;
  private final boolean validated;

  /** @param validated whether the pipeline has a validate stage that the transform waits for */
  TransformStage(TransformConfig config, boolean validated) {
    this.config = config;
    this.validated = validated;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> upstreamStages() {
    return validated ? List.of(IngestExamples.STAGE, ValidateStage.NAME) : List.of(IngestExamples.STAGE);
  }

  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("analyze_split", config.analyzeSplit());
    p.set("features", JSON.valueToTree(config.spec().features()));
    return p;
  }

  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    List<Input> inputs = new ArrayList<>();
    inputs.add(Stage.upstreamInput("examples", upstream.get(IngestExamples.STAGE), ArtifactKind.EXAMPLES.name()));
    if (validated) {
      inputs.add(Stage.upstreamInput("anomalies", upstream.get(ValidateStage.NAME), ArtifactKind.ANOMALIES.name()));
    }
    return inputs;
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.TRANSFORM_GRAPH;
  }

  @Override
  public String outputRole() {
    return "transform_graph";
  }

  @Override
  public List<ExtraOutput> extraOutputs() {
    return List.of(
        new ExtraOutput("transformed_examples", ArtifactKind.EXAMPLES, AnalyzeAndTransform.EXAMPLES_DIR),
        new ExtraOutput("transformed_statistics", ArtifactKind.STATISTICS, AnalyzeAndTransform.STATISTICS_FILE));
  }

  @Override
  public Expanded expand(Pipeline p, StageOutput output, Map<String, Upstream> upstream) {
    Upstream in = upstream.get(IngestExamples.STAGE);
    // The stage reads the published examples (twice: analyzers, then apply), whether the ingest runs
    // in this graph or ran before: nothing waits in memory while the analyzers run.
    ExampleSchema schema;
    Schema avroSchema;
    List<String> splitNames;
    PCollection<String> examplesDir;
    if (in.result() instanceof IngestResult r) {
      schema = r.schema();
      avroSchema = r.avroSchema();
      splitNames = r.splitNames();
      examplesDir = r.published();
    } else {
      IngestOutput o = IngestOutput.open(in.dir());
      schema = o.schema();
      avroSchema = o.avroSchema();
      splitNames = o.splitNames();
      examplesDir = p.apply("ExamplesDir", Create.of(in.dir().toString()).withCoder(StringUtf8Coder.of()));
    }
    Upstream validate = upstream.get(ValidateStage.NAME);
    // Checked now, before anything runs: a transform of a missing feature or of the wrong type.
    try {
      config.spec().check(schema);
    } catch (ConfigException e) {
      if (validate == null || !validate.inGraph()) {
        throw e;
      }
      // The data, not the configuration, may be at fault (a column gone, a type widened): let data
      // validation name that first, and fail with this message only if validation passes.
      PCollection<String> failed =
          validate.published().apply("TransformDoesNotFitTheData", ParDo.of(new Fail(e.getMessage()))).setCoder(StringUtf8Coder.of());
      return new Expanded(failed, null);
    }
    if (!splitNames.contains(config.analyzeSplit())) {
      throw new ConfigException(
          "transform: analyze_split '" + config.analyzeSplit() + "' is not a split of the data (splits: " + String.join(", ", splitNames) + ")");
    }
    if (validate != null && validate.inGraph()) {
      // Nothing is analyzed before validation passed: a failed validation stops the run here.
      examplesDir = examplesDir.apply("AwaitValidation", Wait.on(validate.published())).setCoder(StringUtf8Coder.of());
    }
    TransformResult r =
        examplesDir.apply("AnalyzeAndTransform",
            AnalyzeAndTransform.of(schema, config.spec()).withAnalysisSplit(config.analyzeSplit()).to(output).readingPublished(avroSchema, splitNames));
    return new Expanded(r.published(), new InGraph(schema, config, r));
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

  /** The in-graph result of this stage: the raw schema, the configuration and the transform's result. */
  record InGraph(ExampleSchema rawSchema, TransformConfig config, TransformResult result) {
    /**
     * Stand-ins for the fitted features, with every kind and name right but vocabulary sizes unknown
     * (taken as 2 plus the OOV buckets), so that a training configuration is checked before the run.
     */
    List<FittedFeature> provisionalFeatures() {
      List<FittedFeature> out = new ArrayList<>();
      for (dev.beamline.transform.FeatureTransform f : config.spec().features()) {
        dev.beamline.core.FeatureType type = rawSchema.feature(f.input()).orElseThrow().type();
        dev.beamline.transform.OutputKind kind = dev.beamline.transform.OutputKind.of(f, type);
        int cardinality = 0;
        if (f.bucketize() != null) {
          cardinality = f.bucketize();
        } else if (f.binarize() != null) {
          cardinality = 2;
        } else if (f.timePart() != null) {
          cardinality = f.timePart() == dev.beamline.transform.FeatureTransform.TimePart.HOUR_OF_DAY ? 24 : 7;
        } else if (f.hashBuckets() != null) {
          cardinality = f.hashBuckets();
        } else if (f.vocabulary() != null) {
          cardinality = 2 + f.vocabulary().oovBuckets();
        }
        out.add(new FittedFeature(f, type.configName(), kind, cardinality, null, null, null, null, null, null, null, null, null, null, 0));
      }
      return out;
    }
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    Hasher h = Hashing.sha256().newHasher();
    try (Stream<Path> files = Files.walk(outputDir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = outputDir.relativize(f).toString();
        if (!rel.equals("provenance.json")) {
          h.putUnencodedChars(rel).putBytes(Files.readAllBytes(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return h.hash().toString();
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    TransformOutput o = TransformOutput.open(outputDir);
    ObjectNode p = JSON.createObjectNode();
    p.put("analyze_split", config.analyzeSplit());
    ObjectNode features = p.putObject("features");
    for (FittedFeature f : o.transform().features()) {
      features.put(f.name(), describe(f));
    }
    ObjectNode splits = p.putObject("examples");
    o.statistics().splits().forEach(d -> splits.put(d.split(), d.numExamples()));
    return p;
  }

  @Override
  public ObjectNode extraOutputProperties(ExtraOutput extra, Path outputDir) {
    TransformOutput o = TransformOutput.open(outputDir);
    ObjectNode p = JSON.createObjectNode();
    ObjectNode splits = p.putObject("examples");
    o.statistics().splits().forEach(d -> splits.put(d.split(), d.numExamples()));
    p.put("features", o.transform().features().size());
    p.put("transformed", true);
    return p;
  }

  private static String describe(FittedFeature f) {
    String kind = f.kind().name().toLowerCase(Locale.ROOT);
    return f.cardinality() > 0 ? kind + " (" + f.cardinality() + ")" : kind;
  }

  @Override
  public List<String> summary(Path outputDir) {
    TransformOutput o = TransformOutput.open(outputDir);
    List<String> parts = new ArrayList<>();
    for (FittedFeature f : o.transform().features()) {
      parts.add(f.name() + ": " + describe(f));
    }
    List<String> splits = new ArrayList<>();
    for (DatasetStatistics d : o.statistics().splits()) {
      splits.add(d.split() + "=" + d.numExamples());
    }
    return List.of(
        o.transform().features().size() + " features fitted on " + config.analyzeSplit() + ": " + String.join(", ", parts),
        "transformed examples (Parquet): " + String.join(", ", splits));
  }
}
