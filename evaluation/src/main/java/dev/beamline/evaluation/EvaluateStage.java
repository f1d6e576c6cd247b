package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.training.ModelInfo;
import dev.beamline.training.PrivacyGuarantee;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The evaluate stage as the runner sees it: {@link Evaluate} of the trained model on the raw rows of
 * the examples' eval split, written and published by {@link WriteEvaluation}, with a blessing decided
 * against the thresholds and, for change thresholds, against the newest blessed model of the pipeline
 * (found in the metadata store, scored on the same rows). Its folder holds {@code metrics.json}, {@code
 * blessing.json} (the BLESSING artifact), {@code report.html}, the predictions as Parquet and the rows
 * that could not be scored.
 *
 * <pre>{@code
 * Stage<?> evaluate = new EvaluateStage(EvaluateConfig.defaults().withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island")))));
 * }</pre>
 */
public final class EvaluateStage implements Stage<EvaluateStage.State> {
  /** The stage's name: its folder in the run layout. */
  public static final String NAME = "evaluate";
  /** Metrics, predictions and the report of one model on one dataset. */
  public static final ArtifactKind MODEL_EVALUATION = ArtifactKind.of("MODEL_EVALUATION");
  /** Whether a model passed its checks, with every check. */
  public static final ArtifactKind BLESSING = ArtifactKind.of("BLESSING");

  public static final Port EXAMPLES = Port.required("examples", ArtifactKind.EXAMPLES);
  public static final Port MODEL = Port.required("model", ArtifactKind.MODEL);
  public static final Port EVALUATION = Port.folder("evaluation", MODEL_EVALUATION);
  public static final Port BLESSING_FILE = Port.inside("blessing", BLESSING, WriteEvaluation.BLESSING_FILE);
  /** The role under which the baseline model is recorded as the execution's input. */
  public static final String BASELINE_ROLE = "baseline_model";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final EvaluateConfig config;

  /** What the plan resolved: the task, the label column, the predictions' schema and the baseline. */
  public record State(String task, String labelColumn, String examplesSchema, String predictionSchema, String baselineUri,
      Long baselineArtifactId) implements Serializable {}

  public EvaluateStage(EvaluateConfig config) {
    this.config = checkNotNull(config, "config");
  }

  public EvaluateConfig config() {
    return config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(EXAMPLES, MODEL);
  }

  @Override
  public List<Port> produces() {
    return List.of(EVALUATION, BLESSING_FILE);
  }

  @Override
  public ObjectNode parameters() {
    return EvaluateStageFactory.parameters(config);
  }

  /**
   * Checks the configuration against the examples' schema (the split, the slice and sensitive
   * features, the label's column) and finds the baseline: the newest blessed model of the pipeline
   * other than the candidate.
   *
   * @throws ConfigException naming every problem found
   */
  @Override
  public Plan<State> plan(PlanContext ctx) {
    ExamplesInfo examples = ctx.inputs().get(EXAMPLES.role()).info(ExamplesInfo.class);
    StageInput modelInput = ctx.inputs().get(MODEL.role());
    ModelInfo model;
    try {
      model = modelInput.info(ModelInfo.class);
    } catch (IllegalStateException e) {
      // The transform does not fit the data: that run fails before a model exists.
      return new Plan<>(List.of(), Map.of(), null);
    }
    ExampleSchema schema = examples.schema();
    List<String> problems = new ArrayList<>();
    if (!examples.splits().contains(config.split())) {
      problems.add("evaluate.split '" + config.split() + "' is not a split of the examples (splits: " + String.join(", ", examples.splits()) + ")");
    }
    Set<String> sliceFeatures = new LinkedHashSet<>();
    config.allSlices().forEach(s -> sliceFeatures.addAll(s.featureNames()));
    for (String f : sliceFeatures) {
      if (schema.feature(f).isEmpty()) {
        problems.add("evaluate: slice or sensitive feature '" + f + "' is not a column of the examples (columns: " + String.join(", ", schema.names()) + ")");
      }
    }
    for (SliceSpec spec : config.allSlices()) {
      for (SliceSpec.Feature f : spec.features()) {
        if (f.part() != null && schema.feature(f.name()).isPresent() && schema.feature(f.name()).get().type() != dev.beamline.core.FeatureType.TIMESTAMP) {
          problems.add("evaluate: slice feature '" + f.label() + "' takes a part of '" + f.name() + "', which is a " + schema.feature(f.name()).get().type().name().toLowerCase(Locale.ROOT) + ", not a timestamp");
        }
      }
    }
    if (schema.feature(model.labelInput()).isEmpty()) {
      problems.add("evaluate: the model's label column '" + model.labelInput() + "' is not a column of the examples");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), problems));
    }
    Schema predictions;
    try {
      predictions = PredictionColumns.schema(schema.toAvro(), model.classification(), config.allSlices());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("evaluate: " + e.getMessage());
    }
    List<ExternalInput> external = new ArrayList<>();
    StoredArtifact baseline = baseline(ctx, modelInput);
    if (baseline != null) {
      external.add(ExternalInput.stored(BASELINE_ROLE, baseline));
    }
    State state = new State(model.task(), model.labelInput(), schema.toAvro().toString(), predictions.toString(),
        baseline == null ? null : baseline.uri(), baseline == null ? null : baseline.id());
    return new Plan<>(external, Map.of(), state);
  }

  /** The model of the newest LIVE blessing that says blessed, other than the candidate; null for none. */
  private static StoredArtifact baseline(PlanContext ctx, StageInput candidate) {
    for (StoredArtifact blessing : ctx.live(NAME, BLESSING)) {
      if (!Storage.exists(blessing.uri()) || !blessed(blessing.uri())) {
        continue;
      }
      for (StoredArtifact model : ctx.inputs(blessing.id(), MODEL.role())) {
        boolean same = model.id() == candidate.artifactId() || model.uri().equals(candidate.uri());
        if (!same && Storage.exists(Storage.resolve(model.uri(), "saved_model.pb"))) {
          return model;
        }
      }
    }
    return null;
  }

  private static boolean blessed(String blessingFile) {
    try {
      return JSON.readTree(Storage.readString(blessingFile)).path("blessed").asBoolean(false);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<State> plan, StageInputs inputs, StageOutput output) {
    State s = plan.state();
    if (s == null) {
      // Planned without a model description: only when the transform cannot fit the data, whose run
      // fails before a model exists. Wired so that it fails loudly should a model appear all the same.
      return inputs.get(MODEL.role()).ready().apply("EvaluateUnplannedModel", ParDo.of(new Unplanned())).setCoder(StringUtf8Coder.of());
    }
    StageInput examples = inputs.get(EXAMPLES.role());
    PCollectionView<String> modelDir = inputs.get(MODEL.role()).ready().apply("EvaluateModelDir", View.asSingleton());
    Schema predictionSchema = new Schema.Parser().parse(s.predictionSchema());
    EvaluationResult result = examples.ready()
        .apply("ReadEvalRows", ReadPublishedExamples.split(config.split(), new Schema.Parser().parse(s.examplesSchema())))
        .apply("Evaluate", Evaluate.of(config, "classification".equals(s.task()), s.labelColumn(), predictionSchema)
            .withModel(modelDir).withBaseline(s.baselineUri()));
    EvaluationDocument.Header header = new EvaluationDocument.Header(null, null, s.baselineUri(), s.baselineArtifactId(), s.task(),
        s.labelColumn(), examples.uri(), config.split(), 0, 0, 0);
    return WriteEvaluation.to(output, config, header).apply(result, modelDir);
  }

  /** The step of a stage planned without its model's description; see {@link #expand}. */
  private static final class Unplanned extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element String model) {
      throw new IllegalStateException("the model " + model + " was planned without a description of itself; evaluate it in a new run");
    }
  }

  @Override
  public Published describe(Plan<State> plan, String outputDir) {
    String fingerprint = FolderFingerprint.sha256(outputDir, rel -> !rel.equals(WriteEvaluation.REPORT_FILE));
    try {
      JsonNode metrics = JSON.readTree(Storage.readString(Storage.resolve(outputDir, WriteEvaluation.METRICS_FILE)));
      JsonNode blessing = JSON.readTree(Storage.readString(Storage.resolve(outputDir, WriteEvaluation.BLESSING_FILE)));
      ObjectNode evaluation = JSON.createObjectNode();
      JsonNode data = metrics.path("data");
      evaluation.put("model", metrics.path("model").path("uri").asText());
      evaluation.put("scored", data.path("scored").asLong());
      evaluation.put("unscored", data.path("unscored").asLong());
      evaluation.put("slices", metrics.path("slices").size());
      JsonNode modelPrivacy = metrics.path("model").path("privacy");
      JsonNode baselinePrivacy = metrics.path("baseline").path("privacy");
      // An evaluation written before privacy was recorded states none: its facts say nothing of it.
      if (modelPrivacy.isObject()) {
        evaluation.set("epsilon", epsilonNode(modelPrivacy));
      }
      if (baselinePrivacy.isObject()) {
        evaluation.set("baseline_epsilon", epsilonNode(baselinePrivacy));
      }
      JsonNode overall = overall(metrics);
      List<String> headline = new ArrayList<>();
      for (String m : List.of("accuracy", "f1_macro", "roc_auc", "log_loss", "rmse", "mae", "r2")) {
        JsonNode v = overall.path(m);
        if (v.isNumber()) {
          evaluation.put(m, v.asDouble());
          headline.add(String.format(Locale.ROOT, "%s %.4f", m, v.asDouble()));
        }
      }
      boolean blessed = blessing.path("blessed").asBoolean(false);
      ObjectNode b = JSON.createObjectNode();
      b.put("blessed", blessed);
      b.put("model", metrics.path("model").path("uri").asText());
      b.put("baseline", metrics.path("baseline").path("uri").asText(null));
      int failed = 0;
      List<String> failures = new ArrayList<>();
      for (JsonNode c : blessing.path("checks")) {
        if ("failed".equals(c.path("status").asText())) {
          failed++;
          failures.add(c.path("message").asText());
        }
      }
      for (JsonNode c : blessing.path("bias")) {
        if ("failed".equals(c.path("status").asText())) {
          failed++;
          failures.add(c.path("message").asText());
        }
      }
      b.put("failed_checks", failed);
      List<String> lines = new ArrayList<>();
      lines.add(String.format(Locale.ROOT, "%d rows scored (%d unscored), %d slice(s): %s", data.path("scored").asLong(),
          data.path("unscored").asLong(), metrics.path("slices").size(), String.join(", ", headline)));
      if (modelPrivacy.isObject()) {
        lines.add("privacy: " + PrivacyGuarantee.fromJson(modelPrivacy).describe());
      }
      String baseline = metrics.path("baseline").path("uri").asText(null);
      lines.add(baseline == null ? "no blessed baseline model: change thresholds skipped" : "baseline: " + baseline
          + (baselinePrivacy.isObject() ? " (epsilon " + PrivacyGuarantee.epsilonText(PrivacyGuarantee.fromJson(baselinePrivacy).epsilon()) + ")" : ""));
      if (blessed) {
        lines.add("BLESSED (" + blessing.path("checks").size() + " check(s) passed)");
      } else {
        lines.add("NOT BLESSED: " + String.join("; ", failures));
      }
      lines.add("report: " + Storage.resolve(outputDir, WriteEvaluation.REPORT_FILE));
      return new Published(fingerprint, Map.of(EVALUATION.role(), evaluation, BLESSING_FILE.role(), b), lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the evaluation in " + outputDir + ": " + e.getMessage(), e);
    }
  }

  /** ε of a guarantee's JSON ({@link PrivacyGuarantee#toJson}) as the facts state it: a number, or {@code "inf"}. */
  private static JsonNode epsilonNode(JsonNode privacy) {
    double epsilon = PrivacyGuarantee.fromJson(privacy).epsilon();
    return Double.isInfinite(epsilon) ? JSON.getNodeFactory().textNode(PrivacyGuarantee.epsilonText(epsilon))
        : JSON.getNodeFactory().numberNode(epsilon);
  }

  /** The overall slice's metrics in a {@code metrics.json}. */
  public static JsonNode overall(JsonNode metrics) {
    for (Iterator<JsonNode> it = metrics.path("slices").elements(); it.hasNext(); ) {
      JsonNode s = it.next();
      if (SliceSpec.OVERALL.equals(s.path("slice").asText())) {
        return s.path("metrics");
      }
    }
    return JSON.createObjectNode();
  }
}
