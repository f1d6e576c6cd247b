package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.evaluation.Evaluate;
import dev.beamline.evaluation.EvaluateConfig;
import dev.beamline.evaluation.EvaluateStage;
import dev.beamline.evaluation.EvaluateStageFactory;
import dev.beamline.evaluation.EvaluationDocument;
import dev.beamline.evaluation.EvaluationResult;
import dev.beamline.evaluation.PredictionColumns;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.evaluation.UnscoredRows;
import dev.beamline.evaluation.WriteEvaluation;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.training.ServingModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollectionView;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code beamline evaluate}: the evaluate stage's evaluation ({@link Evaluate}, {@link WriteEvaluation})
 * of a model on any data, as a Beam job outside a pipeline run: e.g. on a dataset larger than the
 * validation set.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluates a model on --data as the pipeline's evaluate stage evaluates it on",
      "the eval split, in a Beam job: every row scored as serving scores it, metrics",
      "overall and per slice (with bootstrap confidence intervals when asked). Writes",
      "into --out what the evaluate stage writes, published with one rename:",
      "  metrics.json                every slice's metrics, curves and intervals;",
      "                              data: the rows scored, unscored (those the reader",
      "                              rejected included) and without a known label",
      "  blessing.json, report.html  the blessing (no thresholds are given here:",
      "                              blessed) and the report",
      "  predictions/part-*.parquet  the input's columns, label_id, the model's",
      "                              answer, a column per slice",
      "  unscored/unscored-*.jsonl   every row without a prediction, a JSON object a",
      "                              line with its reason: a row the reader rejected",
      "                              (too many fields, text in a column the model",
      "                              takes as a number) with file, line, field and",
      "                              content; a row the model could not score with its",
      "                              values (row)",
      "  provenance.json             versions, runner and options, the command's",
      "                              parameters",
      "A row whose label is missing or not one of the model's classes is scored but",
      "left out of the metrics. Prints the counts, the overall metrics and where the",
      "report is. Any other --name=value option is passed to Beam (e.g.",
      "--flinkMaster=host:8081, --targetParallelism=4), as for beamline run.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the evaluation is published; rows without a prediction are counted and written, they do not fail the command",
      "1:the data failed a check (an empty input file)",
      "2:bad usage or configuration: a --model that is no exported model nor a pushed name:version, --data that matches nothing or lacks one of the model's input columns, the label column or a slice column, a bad --slices, an --out that exists and is not empty",
      "3:unexpected error"
    })
final class EvaluateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long BOOTSTRAP_SEED = 42;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ScoringOptions scoring;

  @Option(names = "--label", paramLabel = "<column>",
      description = "The column holding the true label (default: the model's label input, as its model.json names it).")
  String label;

  @Option(names = "--slices", paramLabel = "<spec>",
      description = "Metrics per slice besides overall; repeatable. A column (--slices island), a cross of columns (--slices"
          + " sex,island), or a numeric column in buckets by boundaries (--slices body_mass_g:3500,4500 gives (-inf, 3500),"
          + " [3500, 4500) and [4500, +inf)), which crosses too (--slices sex,body_mass_g:3500,4500). Default: overall only.")
  List<String> slices = new ArrayList<>();

  @Option(names = "--min-slice-size", defaultValue = "" + EvaluateConfig.DEFAULT_MIN_SLICE_SIZE, paramLabel = "N",
      description = "Slices with fewer rows are reported as too small, without metrics (default: ${DEFAULT-VALUE}).")
  int minSliceSize;

  @Option(names = "--bootstrap", defaultValue = "0", paramLabel = "N",
      description = "Poisson bootstrap samples, at most 10000, for 95%% confidence intervals of every metric (seed " + BOOTSTRAP_SEED
          + "). Default: ${DEFAULT-VALUE}, no intervals.")
  int bootstrap;

  @CommandLine.Unmatched List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    ScoringOptions.checkBeamOptions(spec.commandLine(), beamOptions);
    scoring.openEncryption();
    EvaluateConfig config = config();
    String modelDir = scoring.modelDir();
    ServingModel.Description model = ScoringOptions.describe(modelDir);
    String labelColumn = label != null ? label : model.labelInput();
    String out = scoring.outputDir();
    scoring.checkOutput();
    ReadExamples.KeepingRejected read = scoring.read(model);
    Schema predictionSchema = predictionSchema(read.schema(), model, labelColumn, config);
    String runId = "evaluate-" + RunLayout.newRunId();
    PipelineOptions options = scoring.pipelineOptions(beamOptions, "beamline-" + runId);
    ObjectNode parameters = JSON.createObjectNode();
    parameters.put("model", modelDir);
    parameters.put("data", scoring.dataPattern());
    parameters.put("label", labelColumn);
    parameters.setAll(EvaluateStageFactory.parameters(config));
    String provenance = scoring.provenance("evaluate", runId, options, beamOptions,
        Map.of("bootstrap", Long.toString(config.seed())), parameters);

    Pipeline pipeline = Pipeline.create(options);
    ReadExamples.Result rows = pipeline.apply("ReadData", read);
    PCollectionView<String> modelView = pipeline.apply("ModelDir", Create.of(modelDir).withCoder(StringUtf8Coder.of()))
        .apply("ModelView", View.asSingleton());
    EvaluationResult result = rows.examples()
        .apply("Evaluate", Evaluate.of(config, model.classification(), labelColumn, predictionSchema).withModel(modelView))
        .withRejected(rows.rejected());
    EvaluationDocument.Header header = new EvaluationDocument.Header(null, null, null, null, model.task(), labelColumn,
        scoring.dataPattern(), config.split(), 0, 0, 0);
    WriteEvaluation.to(new StageOutput(out, runId, provenance), config, header).apply(result, modelView);

    PrintWriter w = spec.commandLine().getOut();
    w.printf("beamline: evaluating %s (%s, label %s) on %s, on %s%n", modelDir, model.task(), labelColumn, scoring.dataPattern(),
        options.getRunner().getSimpleName());
    w.flush();
    long start = System.nanoTime();
    scoring.run(pipeline, runId);
    summary(w, out, (System.nanoTime() - start) / 1e9);
    return BeamlineCli.OK;
  }

  /** The evaluation's configuration from the options: the data as one split, no thresholds. */
  private EvaluateConfig config() {
    List<SliceSpec> specs = new ArrayList<>();
    for (String s : slices) {
      try {
        specs.add(SliceSpec.parse(s));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--slices: " + e.getMessage());
      }
    }
    try {
      return EvaluateConfig.defaults().withSplit("data").withSlices(specs).withMinSliceSize(minSliceSize).withBootstrap(bootstrap, BOOTSTRAP_SEED);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage()
          .replace("min_slice_size", "--min-slice-size").replace("bootstrap.samples", "--bootstrap"));
    }
  }

  /**
   * The predictions' schema, once the label's and the slices' columns are known to be in the data.
   *
   * @throws ConfigException naming every column missing
   */
  private static Schema predictionSchema(ExampleSchema data, ServingModel.Description model, String labelColumn, EvaluateConfig config) {
    List<String> problems = new ArrayList<>();
    if (data.feature(labelColumn).isEmpty()) {
      problems.add("the label column '" + labelColumn + "' is not a column of the data" + (labelColumn.equals(model.labelInput())
          ? " (the model's label input; give the column with --label)" : ""));
    }
    Set<String> sliceColumns = new LinkedHashSet<>();
    config.allSlices().forEach(s -> sliceColumns.addAll(s.featureNames()));
    for (String c : sliceColumns) {
      if (data.feature(c).isEmpty()) {
        problems.add("--slices: '" + c + "' is not a column of the data");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("evaluate: " + String.join("; ", problems) + " (columns: " + String.join(", ", data.names()) + ")");
    }
    try {
      return PredictionColumns.schema(data.toAvro(), model.classification(), config.allSlices());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("evaluate: " + e.getMessage(), e);
    }
  }

  /** The counts, the overall metrics and the slices of the published evaluation in {@code out}. */
  private static void summary(PrintWriter w, String out, double seconds) throws IOException {
    JsonNode metrics = JSON.readTree(Storage.readString(Storage.resolve(out, WriteEvaluation.METRICS_FILE)));
    JsonNode data = metrics.path("data");
    UnscoredRows.Counts unscored = UnscoredRows.count(Storage.resolve(out, WriteEvaluation.UNSCORED_DIR));
    long scored = data.path("scored").asLong();
    w.printf("%d rows: %d scored (%d without a known label, left out of the metrics), %d unscored by the model, %d rejected by the reader"
        + " (%.1f s)%n", scored + unscored.total(), scored, data.path("unlabelled").asLong(), unscored.unscored(), unscored.rejected(), seconds);
    JsonNode overall = EvaluateStage.overall(metrics);
    List<String> headline = new ArrayList<>();
    for (String m : List.of("accuracy", "f1_macro", "roc_auc", "log_loss", "rmse", "mae", "r2")) {
      if (overall.path(m).isNumber()) {
        headline.add(String.format(Locale.ROOT, "%s %.4f", m, overall.path(m).asDouble()));
      }
    }
    w.printf("overall: %s%n", headline.isEmpty() ? "no metrics (no scored row has a known label)" : String.join(", ", headline));
    ArrayNode slices = (ArrayNode) metrics.path("slices");
    int tooSmall = 0;
    for (JsonNode s : slices) {
      tooSmall += s.path("too_small").asBoolean() ? 1 : 0;
    }
    w.printf("slices: %d besides overall (%d too small for metrics)%n", Math.max(0, slices.size() - 1), tooSmall);
    w.printf("report: %s%n", Storage.resolve(out, WriteEvaluation.REPORT_FILE));
    w.flush();
  }
}
