package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.evaluation.Predict;
import dev.beamline.evaluation.PredictionResult;
import dev.beamline.evaluation.WritePredictions;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.training.ServingModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code beamline predict}: batch inference as a Beam job ({@link Predict}, {@link WritePredictions}):
 * the model's answer for every row of the data, and every row without one in a dead-letter file.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Batch inference: scores every row of --data with the model, as serving scores",
      "it, in a Beam job, and writes into --out, published with one rename:",
      "  predictions/part-*.parquet  the input's columns (or only --keys), then the",
      "                              model's answer: predicted_id, predicted_class and",
      "                              probabilities (one per class, in the order of the",
      "                              model's classes) for a classifier; prediction for",
      "                              a regression model",
      "  unscored/unscored-*.jsonl   every row without a prediction, a JSON object a",
      "                              line with its reason: a row the reader rejected",
      "                              (too many fields, text in a column the model",
      "                              takes as a number) with file, line, field and",
      "                              content; a row the model could not score with its",
      "                              values (row)",
      "  summary.json                rows, scored, unscored (by the model), rejected",
      "                              (by the reader)",
      "  provenance.json             versions, runner and options, the command's",
      "                              parameters",
      "Prints the counts. Any other --name=value option is passed to Beam (e.g.",
      "--flinkMaster=host:8081, --targetParallelism=4), as for beamline run.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the predictions are published; rows without a prediction do not fail the command unless more than --max-unscored-fraction of the rows are such",
      "1:more than --max-unscored-fraction of the rows got no prediction: only unscored/ is published in --out, the message gives the counts",
      "2:bad usage or configuration: a --model that is no exported model nor a pushed name:version, --data that matches nothing or lacks one of the model's input columns, an --out that exists and is not empty, a --keys column that is not in the data",
      "3:unexpected error"
    })
final class PredictCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ScoringOptions scoring;

  @Option(names = "--keys", split = ",", paramLabel = "<column>",
      description = "Only these input columns beside the answer, e.g. --keys id,island (default: every column).")
  List<String> keys = new ArrayList<>();

  @Option(names = "--max-unscored-fraction", defaultValue = "1.0", paramLabel = "F",
      description = "Fail (exit 1) when more than this fraction of the rows, in [0, 1], get no prediction (rejected by the reader"
          + " or unscored by the model). Default: ${DEFAULT-VALUE}, never fail for them.")
  double maxUnscoredFraction;

  @CommandLine.Unmatched List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    ScoringOptions.checkBeamOptions(spec.commandLine(), beamOptions);
    scoring.openEncryption();
    if (!(maxUnscoredFraction >= 0 && maxUnscoredFraction <= 1)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-unscored-fraction must be in [0, 1], got " + maxUnscoredFraction);
    }
    String modelDir = scoring.modelDir();
    ServingModel.Description model = ScoringOptions.describe(modelDir);
    String out = scoring.outputDir();
    scoring.checkOutput();
    ReadExamples.KeepingRejected read = scoring.read(model);
    String runId = "predict-" + RunLayout.newRunId();
    PipelineOptions options = scoring.pipelineOptions(beamOptions, "beamline-" + runId);
    ObjectNode parameters = JSON.createObjectNode();
    parameters.put("model", modelDir);
    parameters.put("data", scoring.dataPattern());
    keys.forEach(parameters.putArray("keys")::add);
    parameters.put("max_unscored_fraction", maxUnscoredFraction);
    String provenance = scoring.provenance("predict", runId, options, beamOptions, Map.of(), parameters);

    Pipeline pipeline = Pipeline.create(options);
    ReadExamples.Result rows = pipeline.apply("ReadData", read);
    PredictionResult result;
    try {
      result = rows.examples().apply("Predict", Predict.of(modelDir, model, read.schema().toAvro()).withKeys(keys)).withRejected(rows.rejected());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("predict: " + e.getMessage(), e);
    }
    WritePredictions.to(new StageOutput(out, runId, provenance)).withMaxUnscoredFraction(maxUnscoredFraction).apply(result);

    PrintWriter w = spec.commandLine().getOut();
    w.printf("beamline: predicting with %s (%s) on %s, on %s%n", modelDir, model.task(), scoring.dataPattern(),
        options.getRunner().getSimpleName());
    w.flush();
    long start = System.nanoTime();
    scoring.run(pipeline, runId);
    JsonNode summary = JSON.readTree(Storage.readString(Storage.resolve(out, WritePredictions.SUMMARY_FILE)));
    w.printf("%d rows: %d scored, %d unscored by the model, %d rejected by the reader (%.1f s)%n", summary.path("rows").asLong(),
        summary.path("scored").asLong(), summary.path("unscored").asLong(), summary.path("rejected").asLong(),
        (System.nanoTime() - start) / 1e9);
    w.printf("predictions: %s%n", Storage.resolve(out, WritePredictions.PREDICTIONS_DIR));
    w.printf("unscored: %s%n", Storage.resolve(out, WritePredictions.UNSCORED_DIR));
    w.flush();
    return BeamlineCli.OK;
  }
}
