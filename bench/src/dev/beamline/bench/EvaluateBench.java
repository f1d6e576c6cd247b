package dev.beamline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.evaluation.EvaluateConfig;
import dev.beamline.evaluation.Evaluate;
import dev.beamline.evaluation.EvaluationDocument;
import dev.beamline.evaluation.EvaluationResult;
import dev.beamline.evaluation.PredictionColumns;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.evaluation.WriteEvaluation;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.runner.RunnerOptions;
import dev.beamline.training.SavedModelExport;
import dev.beamline.training.ServingModel;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The evaluation benchmark (bench/evaluate.sh): the evaluate stage's transforms ({@link Evaluate} and
 * {@link WriteEvaluation}, DirectRunner) on 600 k flights eval rows with two slice keys (origin, and
 * the hour of the departure), against bare batch prediction of the same rows with the same SavedModel
 * in a plain loop (read the Parquet shards, score batches of 1024, keep nothing). Then writes the
 * predictions the evaluation wrote as CSV for scikit-learn to recompute the overall metrics.
 *
 * <p>Arguments: the ingestion folder and the transform folder of bench/train.sh, its exported model,
 * the work folder, the number of eval shards to take, and the number of runs of each case.
 */
public final class EvaluateBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Path ingest = Paths.get(args[0]);
    Path transform = Paths.get(args[1]);
    Path trainedModel = Paths.get(args[2]);
    Path work = Paths.get(args[3]);
    int shards = Integer.parseInt(args[4]);
    int runs = Integer.parseInt(args[5]);

    // The eval rows: the first shards of the eval split, in a folder of ingestion's layout.
    Path data = work.resolve("eval-data");
    Files.createDirectories(data.resolve("examples/eval"));
    Files.copy(ingest.resolve("schema.avsc"), data.resolve("schema.avsc"));
    List<Path> shardFiles;
    try (Stream<Path> s = Files.list(ingest.resolve("examples/eval"))) {
      shardFiles = s.sorted().limit(shards).toList();
    }
    for (Path f : shardFiles) {
      Files.createLink(data.resolve("examples/eval").resolve(f.getFileName()), f);
    }
    Schema raw = new Schema.Parser().parse(Files.readString(ingest.resolve("schema.avsc")));

    // The model of bench/train.sh with what a current export adds beside it: the label's raw column
    // and its fitted transform (delay > 15 minutes), which map a raw row to its class.
    Path model = work.resolve("model");
    copyTree(trainedModel, model);
    Path extra = model.resolve(SavedModelExport.EXTRA);
    ObjectNode description = (ObjectNode) JSON.readTree(extra.resolve("model.json").toFile());
    description.put("label_input", "delay");
    Files.writeString(extra.resolve("model.json"), description.toPrettyString());
    FittedFeature delayed = FittedTransform.read(transform).features().stream().filter(f -> f.name().equals("delayed")).findFirst().orElseThrow();
    FittedTransform.of(ExampleSchema.of(List.of(FeatureSpec.of("delay", delayed.inputType()))), List.of(delayed))
        .write(extra.resolve(SavedModelExport.LABEL_TRANSFORM));

    long rows = 0;
    List<Double> bare = new ArrayList<>();
    List<Double> evaluation = new ArrayList<>();
    List<Double> scoringOnly = new ArrayList<>();
    EvaluateConfig config = EvaluateConfig.defaults()
        .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("origin")), SliceSpec.of(SliceSpec.Feature.timePart("date", "hour"))));
    Path out = null;
    for (int run = 0; run < runs; run++) {
      // Bare prediction: one thread, the same batches, nothing kept.
      long t0 = System.nanoTime();
      long n = 0;
      double checksum = 0;
      try (ServingModel m = ServingModel.load(model.toString())) {
        for (Path f : shardFiles) {
          try (ExampleRecordReader r = ExampleRecordReader.open(f.toString())) {
            List<GenericRecord> batch = new ArrayList<>(1024);
            for (GenericRecord g = r.read(); ; g = r.read()) {
              if (g != null) {
                batch.add(g);
              }
              if (batch.size() == 1024 || (g == null && !batch.isEmpty())) {
                ServingModel.Scores s = m.score(batch);
                checksum += s.probability(0, 1);
                n += batch.size();
                batch = new ArrayList<>(1024);
              }
              if (g == null) {
                break;
              }
            }
          }
        }
      }
      bare.add((System.nanoTime() - t0) / 1e9);
      rows = n;
      System.err.printf(Locale.ROOT, "run %d: bare prediction of %d rows in %.1f s (checksum %.3f)%n", run + 1, n, bare.get(run), checksum);

      // Where the time goes: the same scoring and tallies, merged, with nothing written.
      long t2 = System.nanoTime();
      Pipeline q = Pipeline.create(RunnerOptions.create("direct", 0, List.of()));
      PCollectionView<String> qModel = q.apply("Model", Create.of(model.toString()).withCoder(StringUtf8Coder.of())).apply(View.asSingleton());
      q.apply("Data", Create.of(data.toString()).withCoder(StringUtf8Coder.of()))
          .apply("ReadEvalRows", ReadPublishedExamples.split("eval", raw))
          .apply("Evaluate", Evaluate.of(config, true, "delay", PredictionColumns.schema(raw, true, config.allSlices())).withModel(qModel))
          .tallies()
          .apply("Count", org.apache.beam.sdk.transforms.Count.globally());
      q.run().waitUntilFinish();
      scoringOnly.add((System.nanoTime() - t2) / 1e9);
      System.err.printf(Locale.ROOT, "run %d: scoring and tallies, nothing written, in %.1f s%n", run + 1, scoringOnly.get(run));

      // The evaluation: the stage's transforms, as the runner wires them.
      out = work.resolve("evaluation-" + run);
      long t1 = System.nanoTime();
      Pipeline p = Pipeline.create(RunnerOptions.create("direct", 0, List.of()));
      PCollectionView<String> modelView = p.apply("Model", Create.of(model.toString()).withCoder(StringUtf8Coder.of())).apply(View.asSingleton());
      Schema predictions = PredictionColumns.schema(raw, true, config.allSlices());
      EvaluationResult result = p.apply("Data", Create.of(data.toString()).withCoder(StringUtf8Coder.of()))
          .apply("ReadEvalRows", ReadPublishedExamples.split("eval", raw))
          .apply("Evaluate", Evaluate.of(config, true, "delay", predictions).withModel(modelView));
      EvaluationDocument.Header header = new EvaluationDocument.Header(null, null, null, null, "classification", "delay",
          data.toString(), "eval", 0, 0, 0);
      WriteEvaluation.to(new StageOutput(out.toString(), "bench", null), config, header).apply(result, modelView);
      p.run().waitUntilFinish();
      evaluation.add((System.nanoTime() - t1) / 1e9);
      System.err.printf(Locale.ROOT, "run %d: evaluation in %.1f s%n", run + 1, evaluation.get(run));
    }

    JsonNode metrics = JSON.readTree(out.resolve(WriteEvaluation.METRICS_FILE).toFile());
    JsonNode overall = null;
    int slices = 0;
    int small = 0;
    for (JsonNode s : metrics.path("slices")) {
      slices++;
      small += s.path("too_small").asBoolean() ? 1 : 0;
      if (s.path("slice").asText().equals("overall")) {
        overall = s.path("metrics");
      }
    }
    // The predictions as CSV: label, P(class 1), origin, for scikit-learn.
    long written = 0;
    try (BufferedWriter w = Files.newBufferedWriter(work.resolve("predictions.csv"))) {
      for (String f : Storage.list(out.resolve(WriteEvaluation.PREDICTIONS_DIR).toString())) {
        try (ExampleRecordReader r = ExampleRecordReader.open(f)) {
          for (GenericRecord g = r.read(); g != null; g = r.read()) {
            Object label = g.get(PredictionColumns.LABEL_ID);
            if (label == null) {
              continue;
            }
            @SuppressWarnings("unchecked")
            List<Double> p = (List<Double>) g.get(PredictionColumns.PROBABILITIES);
            w.write(label + "," + String.format(Locale.ROOT, "%.17g,%.17g", p.get(0), p.get(1)) + "\n");
            written++;
          }
        }
      }
    }
    Files.writeString(work.resolve("overall.json"), overall.toPrettyString());
    double bareMedian = median(bare);
    double evalMedian = median(evaluation);
    System.out.printf(Locale.ROOT, "rows=%d%nshards=%d%nruns=%d%nslices=%d%nslices_too_small=%d%n", rows, shards, runs, slices, small);
    System.out.printf(Locale.ROOT, "bare_seconds=%.2f%nbare_rows_per_second=%.0f%n", bareMedian, rows / bareMedian);
    System.out.printf(Locale.ROOT, "evaluation_seconds=%.2f%nevaluation_rows_per_second=%.0f%n", evalMedian, rows / evalMedian);
    System.out.printf(Locale.ROOT, "ratio=%.2f%n", evalMedian / bareMedian);
    System.out.printf(Locale.ROOT, "scoring_only_seconds=%.2f%n", median(scoringOnly));
    System.out.printf(Locale.ROOT, "bare_all=%s%nevaluation_all=%s%n", bare, evaluation);
    System.out.printf(Locale.ROOT, "labelled_rows=%d%n", written);
    System.out.printf(Locale.ROOT, "scored=%d%nunscored=%d%nunlabelled=%d%n", metrics.path("data").path("scored").asLong(),
        metrics.path("data").path("unscored").asLong(), metrics.path("data").path("unlabelled").asLong());
    for (String m : List.of("accuracy", "roc_auc", "pr_auc", "log_loss", "brier_score", "f1_macro", "precision/1", "recall/1")) {
      System.out.printf(Locale.ROOT, "metric_%s=%.12f%n", m, overall.path(m).asDouble());
    }
  }

  private static double median(List<Double> x) {
    List<Double> s = new ArrayList<>(x);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
