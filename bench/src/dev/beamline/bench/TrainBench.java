package dev.beamline.bench;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.parquet.BeamInputFile;
import dev.beamline.runner.RunnerOptions;
import dev.beamline.training.Auc;
import dev.beamline.training.ProgressLine;
import dev.beamline.training.SessionRunCeiling;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainedModel;
import dev.beamline.training.Trainer;
import dev.beamline.training.TrainingHistory;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.AnalyzeFn;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformOutput;
import dev.beamline.transform.TransformSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * The transform and training benchmark on flights-3m, in one process, on the examples a {@code
 * beamline run} ingested (train:eval = 2:1):
 *
 * <ol>
 *   <li><b>transform, Beam</b>: {@link AnalyzeAndTransform} (the transform stage) in a Beam pipeline on
 *       the DirectRunner with Beamline's options, reading the ingested Parquet (the train split for
 *       the analyzers, then every split again for the apply step), fitting the analyzers on the train
 *       split and writing every split's features as Parquet with their statistics;
 *   <li><b>transform, plain loop</b> (the reference): one thread does the same work with the same
 *       analyzers and transform, without Beam: parquet-avro records in, {@link AnalyzeFn#fitInMemory},
 *       {@link FittedTransform#apply(GenericRecord)}, parquet-avro Snappy files out (no statistics);
 *   <li><b>training</b>: {@link Trainer} trains a DNN on the Beam transform's Parquet features,
 *       streaming them; examples/s per epoch from its history;
 *   <li><b>ceiling</b>: {@link SessionRunCeiling}, the same graph stepping through batches already in
 *       memory;
 *   <li><b>served AUC</b>: the exported SavedModel, loaded fresh, fed the raw eval rows (no Java
 *       preprocessing); its AUC must equal the trainer's eval AUC.
 * </ol>
 *
 * <p>Prints progress on standard error and, on standard output, {@code key=value} lines that {@code
 * bench/train.sh} turns into the table of {@code bench/RESULTS.md}.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.TrainBench <ingest dir> <work dir>
 * }</pre>
 */
public final class TrainBench {
  private TrainBench() {}

  /** The features: label "delay > 15 minutes", distance, origin, destination, hour and weekday. */
  static TransformSpec flightsSpec() {
    return TransformSpec.of(List.of(
        FeatureTransform.numeric("delay").withOutput("delayed").withBinarize(15.0),
        FeatureTransform.numeric("distance").withLog(1.0).withScale(FeatureTransform.Scale.Z_SCORE),
        FeatureTransform.string("origin").withVocabulary(FeatureTransform.Vocabulary.defaults()),
        FeatureTransform.string("destination").withVocabulary(FeatureTransform.Vocabulary.defaults()),
        FeatureTransform.numeric("date").withOutput("hour").withTimePart(FeatureTransform.TimePart.HOUR_OF_DAY),
        FeatureTransform.numeric("date").withOutput("weekday").withTimePart(FeatureTransform.TimePart.DAY_OF_WEEK)));
  }

  static TrainConfig trainConfig(int epochs, int batchSize) {
    return TrainConfig.defaults("delayed")
        .withModel(TrainConfig.ModelType.DNN)
        .withHiddenUnits(List.of(64, 32))
        .withEmbeddingDim(8)
        .withBatchSize(batchSize)
        .withEpochs(epochs)
        .withOptimizer(TrainConfig.Optimizer.ADAM, 0.001)
        .withShuffleBuffer(10_000)
        .withSeed(42)
        .withSplits("train", "eval");
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: TrainBench <ingest dir> <work dir> [repeat] [epochs] [batch size]");
      System.exit(2);
    }
    Path ingestDir = Paths.get(args[0]);
    Path work = Paths.get(args[1]);
    int repeat = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int batchSize = args.length > 4 ? Integer.parseInt(args[4]) : 256;
    IngestOutput ingest = IngestOutput.open(ingestDir);
    TransformSpec spec = flightsSpec();
    spec.check(ingest.schema());

    // The transform cases, interleaved; the Beam run of the last round feeds the training.
    List<Double> beamSeconds = new ArrayList<>();
    List<Double> loopSeconds = new ArrayList<>();
    long beamRows = 0;
    long loopRows = 0;
    Path transformDir = null;
    for (int run = 1; run <= repeat; run++) {
      transformDir = work.resolve("transform-" + run);
      deleteRecursively(transformDir);
      step("transform, Beam (run " + run + " of " + repeat + ")");
      long t0 = System.nanoTime();
      beamTransform(ingest, spec, transformDir);
      beamSeconds.add((System.nanoTime() - t0) / 1e9);
      TransformOutput out = TransformOutput.open(transformDir);
      FittedTransform beamFitted = out.transform();
      beamRows = 0;
      for (String split : out.splitNames()) {
        beamRows += out.statistics().split(split).orElseThrow().numExamples();
      }
      System.err.printf(Locale.ROOT, "%d rows in %.2f s%n", beamRows, beamSeconds.get(run - 1));
      if (run < repeat) {
        deleteRecursively(transformDir);
      }

      step("transform, plain loop (run " + run + " of " + repeat + ")");
      Path loopDir = work.resolve("loop");
      deleteRecursively(loopDir);
      t0 = System.nanoTime();
      LoopResult loop = loopTransform(ingest, spec, loopDir);
      loopSeconds.add((System.nanoTime() - t0) / 1e9);
      loopRows = loop.rows;
      System.err.printf(Locale.ROOT, "%d rows in %.2f s%n", loopRows, loopSeconds.get(run - 1));
      deleteRecursively(loopDir);
      sameConstants(beamFitted, loop.fitted);
    }
    if (beamRows != loopRows) {
      throw new IllegalStateException("the Beam transform wrote " + beamRows + " rows, the plain loop " + loopRows);
    }
    double beamMedian = median(beamSeconds);
    double loopMedian = median(loopSeconds);
    out("transform_rows", beamRows);
    out("transform_beam_seconds", beamMedian);
    out("transform_beam_runs", join(beamSeconds));
    out("transform_beam_rows_per_second", beamRows / beamMedian);
    out("transform_loop_seconds", loopMedian);
    out("transform_loop_runs", join(loopSeconds));
    out("transform_loop_rows_per_second", loopRows / loopMedian);
    out("transform_ratio", loopMedian / beamMedian);

    if (epochs == 0) {
      return; // the transform cases only
    }

    // Training on the Beam transform's features.
    TransformOutput transform = TransformOutput.open(transformDir);
    List<FittedFeature> fitted = transform.transform().features();
    TrainConfig config = trainConfig(epochs, batchSize);
    String dataDir = transformDir.resolve(AnalyzeAndTransform.EXAMPLES_DIR).toString();
    step("training: DNN " + config.hiddenUnits() + ", batch " + batchSize + ", " + epochs + " epochs");
    Path model = work.resolve("model");
    deleteRecursively(model);
    TrainingHistory history;
    try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.toStderr()).train(dataDir, fitted)) {
      history = m.history();
      m.export(model, null);
    }
    List<Double> warm = new ArrayList<>();
    for (TrainingHistory.Epoch e : history.epochs()) {
      out("train_epoch_" + e.epoch(), String.format(Locale.ROOT, "examples=%d examples_per_second=%.0f train_loss=%.5f eval_loss=%.5f eval_auc=%.5f",
          e.examples(), e.examplesPerSecond(), e.trainLoss(), e.evalLoss(), e.evalAuc()));
      if (e.epoch() > 1) {
        warm.add(e.examplesPerSecond());
      }
    }
    double trainRate = warm.isEmpty() ? history.epochs().get(0).examplesPerSecond() : median(warm);
    TrainingHistory.Epoch best = history.best();
    out("train_examples_per_epoch", history.epochs().get(0).examples());
    out("train_epochs", history.epochs().size());
    out("train_examples_per_second", trainRate);
    out("train_first_epoch_examples_per_second", history.epochs().get(0).examplesPerSecond());
    out("train_seconds", history.seconds());
    out("eval_auc", best.evalAuc());
    out("eval_accuracy", best.evalAccuracy());
    out("eval_loss", best.evalLoss());
    out("best_epoch", history.bestEpoch());

    step("ceiling: session.run on batches in memory");
    SessionRunCeiling.Result ceiling = SessionRunCeiling.measure(config, fitted, dataDir, 1_000_000, 200);
    out("ceiling_examples", ceiling.examples());
    out("ceiling_examples_per_second", ceiling.examplesPerSecond());
    out("train_ratio", trainRate / ceiling.examplesPerSecond());

    step("served AUC: the SavedModel on the raw eval rows");
    Served served = servedAuc(model, ingest);
    out("served_rows", served.rows);
    out("served_auc", served.auc);
    out("served_rows_per_second", served.rows / served.seconds);
    out("positive_share", (double) served.positives / served.rows);
    if (Math.abs(served.auc - best.evalAuc()) > 1e-4) {
      throw new IllegalStateException("the SavedModel's AUC on raw eval rows, " + served.auc + ", differs from the trainer's eval AUC " + best.evalAuc());
    }
  }

  private static void beamTransform(IngestOutput ingest, TransformSpec spec, Path target) {
    // As the transform stage of `beamline run` does: the published examples are read for the
    // analyzers, then read again for the apply step once the transform is fitted.
    Pipeline p = Pipeline.create(RunnerOptions.create("direct", 0, List.of()));
    p.apply("ExamplesDir", Create.of(ingest.dir().toString()).withCoder(StringUtf8Coder.of()))
        .apply("AnalyzeAndTransform", AnalyzeAndTransform.of(ingest.schema(), spec).withAnalyzeSplit("train")
            .to(new StageOutput(target.toString(), "bench", null)).readingPublished(ingest.avroSchema(), ingest.splitNames()));
    p.run().waitUntilFinish();
  }

  private record LoopResult(long rows, FittedTransform fitted) {}

  /**
   * Checks that both cases fitted the same constants: equal vocabularies and counts, and means and
   * standard deviations equal to 1e-9 (sums merged in another order may differ in the last bits).
   */
  private static void sameConstants(FittedTransform beam, FittedTransform loop) {
    for (FittedFeature b : beam.features()) {
      FittedFeature l = loop.feature(b.name());
      boolean same = b.kind() == l.kind() && b.cardinality() == l.cardinality() && java.util.Objects.equals(b.vocabulary(), l.vocabulary())
          && java.util.Arrays.equals(b.counts(), l.counts()) && close(b.mean(), l.mean()) && close(b.std(), l.std()) && b.rows() == l.rows();
      if (!same) {
        throw new IllegalStateException("the plain loop fitted '" + b.name() + "' differently from the Beam transform:\n" + b + "\n" + l);
      }
    }
  }

  private static boolean close(Double a, Double b) {
    return a == null ? b == null : b != null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  }

  private static LoopResult loopTransform(IngestOutput ingest, TransformSpec spec, Path target) throws IOException {
    ExampleSchema raw = ingest.schema();
    FittedTransform fitted = AnalyzeFn.fitInMemory(raw, spec, () -> records(ingest.shards("train").stream().map(Path::of).toList()));
    Configuration conf = new Configuration(false);
    long rows = 0;
    for (String split : ingest.splitNames()) {
      int shard = 0;
      for (Path in : ingest.shards(split).stream().map(Path::of).toList()) {
        Path out = target.resolve(split).resolve(String.format(Locale.ROOT, "part-%05d.parquet", shard++));
        Files.createDirectories(out.getParent());
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new org.apache.hadoop.fs.Path(out.toUri()))
            .withSchema(fitted.outputSchema())
            .withDataModel(GenericData.get())
            .withConf(conf)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
          for (Iterator<GenericRecord> it = records(List.of(in)); it.hasNext(); ) {
            writer.write(fitted.apply(it.next()));
            rows++;
          }
        }
      }
    }
    return new LoopResult(rows, fitted);
  }

  /** The records of Parquet files, read one after the other with parquet-avro. */
  private static Iterator<GenericRecord> records(List<Path> files) {
    return new Iterator<>() {
      private final Iterator<Path> remaining = files.iterator();
      private ParquetReader<GenericRecord> reader;
      private GenericRecord next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null) {
            if (reader != null) {
              next = reader.read();
              if (next != null) {
                break;
              }
              reader.close();
              reader = null;
            }
            if (!remaining.hasNext()) {
              return false;
            }
            reader = AvroParquetReader.<GenericRecord>builder(new BeamInputFile(remaining.next().toString()))
                .withDataModel(GenericData.get())
                .withConf(new Configuration(false))
                .build();
          }
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public GenericRecord next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        GenericRecord r = next;
        next = null;
        return r;
      }
    };
  }

  private record Served(long rows, long positives, double auc, double seconds) {}

  /** The SavedModel's AUC on the raw eval rows: class 1's probability against delay > 15. */
  private static Served servedAuc(Path model, IngestOutput ingest) {
    int chunk = 16_384;
    List<float[]> scores = new ArrayList<>();
    List<boolean[]> labels = new ArrayList<>();
    long rows = 0;
    long positives = 0;
    double seconds = 0;
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      Iterator<GenericRecord> it = records(ingest.shards("eval").stream().map(Path::of).toList());
      while (it.hasNext()) {
        List<GenericRecord> batch = new ArrayList<>(chunk);
        while (batch.size() < chunk && it.hasNext()) {
          batch.add(it.next());
        }
        int n = batch.size();
        double[] distance = new double[n];
        long[] date = new long[n];
        String[] origin = new String[n];
        String[] destination = new String[n];
        boolean[] positive = new boolean[n];
        for (int i = 0; i < n; i++) {
          GenericRecord r = batch.get(i);
          distance[i] = r.get("distance") == null ? Double.NaN : ((Number) r.get("distance")).doubleValue();
          date[i] = micros(r.get("date"));
          origin[i] = r.get("origin") == null ? "" : r.get("origin").toString();
          destination[i] = r.get("destination") == null ? "" : r.get("destination").toString();
          positive[i] = ((Number) r.get("delay")).doubleValue() > 15;
          if (positive[i]) {
            positives++;
          }
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try {
          inputs.put("distance", TFloat64.vectorOf(distance));
          inputs.put("date", TInt64.vectorOf(date));
          inputs.put("origin", TString.vectorOf(origin));
          inputs.put("destination", TString.vectorOf(destination));
          try (Result out = bundle.function("serving_default").call(inputs)) {
            TFloat32 p = (TFloat32) out.get("probabilities").orElseThrow();
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
              s[i] = p.getFloat(i, 1);
            }
            scores.add(s);
          }
        } finally {
          inputs.values().forEach(Tensor::close);
        }
        seconds += (System.nanoTime() - t0) / 1e9;
        labels.add(positive);
        rows += n;
      }
    }
    float[] all = new float[(int) rows];
    boolean[] pos = new boolean[(int) rows];
    int at = 0;
    for (int c = 0; c < scores.size(); c++) {
      System.arraycopy(scores.get(c), 0, all, at, scores.get(c).length);
      System.arraycopy(labels.get(c), 0, pos, at, labels.get(c).length);
      at += scores.get(c).length;
    }
    return new Served(rows, positives, Auc.binary(all, pos, (int) rows), seconds);
  }

  private static long micros(Object v) {
    if (v == null) {
      return Long.MIN_VALUE;
    }
    if (v instanceof Instant i) {
      return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
    }
    return ((Number) v).longValue();
  }

  private static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  private static String join(List<Double> values) {
    List<String> s = new ArrayList<>();
    for (double d : values) {
      s.add(String.format(Locale.ROOT, "%.2f", d));
    }
    return String.join(" ", s);
  }

  private static void out(String key, Object value) {
    String text = value instanceof Double d ? String.format(Locale.ROOT, d >= 100 ? "%.0f" : "%.4f", d) : String.valueOf(value);
    System.out.println(key + "=" + text);
    System.out.flush();
  }

  private static void step(String what) {
    System.err.printf("%n== %s%n", what);
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (Files.exists(p)) {
      dev.beamline.core.Storage.deleteRecursively(p.toString());
    }
  }
}
