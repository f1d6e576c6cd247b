package dev.beamline.training;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.DataCheckException;
import dev.beamline.ingest.parquet.ParquetFiles;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the model of a {@link TrainConfig} on transformed Parquet shards ({@code <dir>/<split>/*.parquet})
 * with TensorFlow in graph mode, streaming the training split in seeded shuffled batches each epoch,
 * measuring the eval split's loss after each epoch, and stopping early when it stops improving. The
 * result is a {@link TrainedModel}: the trained graph, its history, and the export to a SavedModel.
 *
 * <p>A regression model is trained on the label's transformed units (its loss, eval loss included, is
 * in those units), while its eval RMSE and predictions are in the label's own units (see {@link
 * LabelUnits}).
 *
 * <p>A classifier may weight its classes' losses and resample its training split ({@link
 * ClassBalance}): the training loss is then the weighted one, the eval loss and metrics never are,
 * and the eval split is never resampled.
 *
 * <p>Runs are deterministic: the same seed, configuration and shards give the same batches, the same
 * weights and the same losses.
 *
 * <pre>{@code
 * try (TrainedModel m = Trainer.of(config).train("/runs/p/transform/7", fitted)) {
 *   m.export(Paths.get("/runs/p/train/7"), provenanceJson);
 * }
 * }</pre>
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final TrainConfig config;
  private final ProgressLine progress;
  private final int threads;
  /** Tests only: the seed of DP-SGD's noise and sampling, which are otherwise secret; null in production. */
  private final Long dpSeedForTests;

  private Trainer(TrainConfig config, ProgressLine progress, int threads, Long dpSeedForTests) {
    this.config = checkNotNull(config, "config");
    this.progress = checkNotNull(progress, "progress");
    this.threads = threads;
    this.dpSeedForTests = dpSeedForTests;
  }

  /** A trainer that shows its progress on standard error. */
  public static Trainer of(TrainConfig config) {
    return new Trainer(config, ProgressLine.toStderr(), 0, null);
  }

  /** The same trainer reporting progress to {@code progress}. */
  public Trainer withProgress(ProgressLine progress) {
    return new Trainer(config, progress, threads, dpSeedForTests);
  }

  /**
   * Tests only: DP-SGD's noise and batches drawn from a generator seeded with {@code seed}, so that a
   * test is reproducible. Whoever knows the seed can subtract the noise: such a model has no privacy.
   */
  Trainer withDpSeedForTests(long seed) {
    return new Trainer(config, progress, threads, seed);
  }

  /**
   * The same trainer with TensorFlow's thread pools bounded to {@code threads} each (0: TensorFlow's
   * default, one per core): for models trained side by side, which would otherwise each take every
   * core. The results do not change.
   */
  public Trainer withThreads(int threads) {
    return new Trainer(config, progress, threads, dpSeedForTests);
  }

  public TrainConfig config() {
    return config;
  }

  /** The shards of one split, sorted by name; empty when the split has none. */
  static List<String> shards(String dataDir, String split) {
    String pattern = dataDir.replaceAll("/+$", "") + "/" + split + "/*.parquet";
    try {
      MatchResult m = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
      List<String> files = new ArrayList<>();
      for (MatchResult.Metadata md : m.metadata()) {
        files.add(md.resourceId().toString());
      }
      files.sort(null);
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + pattern + ": " + e.getMessage(), e);
    }
  }

  /**
   * Trains on the transformed data in {@code dataDir}, whose features {@code fitted} describes.
   *
   * @throws dev.beamline.core.ConfigException when the configuration does not fit the features, or is federated
   * @throws DataCheckException when the training split has no rows (or early stopping has no eval rows)
   */
  public TrainedModel train(String dataDir, List<FittedFeature> fitted) {
    if (config.federated() != null) {
      // This loop pools every client's rows in one place, which federated training exists to avoid.
      throw new dev.beamline.core.ConfigException("train.federated: this trainer pools the training rows in one place; federated"
          + " averaging trains in the train stage's pipeline (TrainFederated), and a tuner's trials cannot train federated models");
    }
    ModelSpec spec = ModelSpec.resolve(config, fitted);
    ClassBalance.check(spec, true);
    DpSgd.check(config);
    List<String> trainFiles = shards(dataDir, config.trainSplit());
    if (trainFiles.isEmpty()) {
      throw new DataCheckException("no training data: " + dataDir + "/" + config.trainSplit() + "/ holds no Parquet shards");
    }
    List<String> evalFiles = config.evalSplit() == null || config.evalSplit().isEmpty() ? List.of() : shards(dataDir, config.evalSplit());
    if (config.earlyStoppingPatience() != null && evalFiles.isEmpty()) {
      throw new DataCheckException("early stopping needs eval data, but " + dataDir + "/" + config.evalSplit() + "/ holds no Parquet shards");
    }
    long trainRows = 0;
    for (String f : trainFiles) {
      trainRows += rowCount(f);
    }
    LOG.info("Training a {} {} model on {} ({} rows in {} shards of '{}', {} eval shards of '{}'), label '{}', {} features",
        config.model(), spec.task(), dataDir, trainRows, trainFiles.size(), config.trainSplit(), evalFiles.size(), config.evalSplit(),
        spec.label().name(), spec.inputs().size());
    ClassBalance balance = ClassBalance.resolve(spec, ClassBalance.needsCounts(config) ? ClassBalance.countLabels(trainFiles, spec) : null);
    if (balance.any()) {
      LOG.info("Training '{}' with {} (label counts {})", spec.label().name(), balance.describe(), balance.labelCounts());
    }
    PoissonSample sample = null;
    DpSgd.Plan dp = null;
    if (config.privacy() != null) {
      List<Column> columns = TrainingGraph.columns(spec, true);
      sample = PoissonSample.load(trainFiles, columns, spec.classification() ? columns.size() - 1 : -1);
      if (sample.rows() == 0) {
        throw new DataCheckException("no training examples in split '" + config.trainSplit() + "'"
            + (sample.skipped() > 0 ? " (" + sample.skipped() + " rows have no label class)" : ""));
      }
      long planned = config.steps() != null ? config.steps() : config.epochs() * stepsPerEpoch(sample.rows());
      dp = dpSeedForTests == null
          ? DpSgd.plan(config.privacy(), sample.rows(), config.batchSize(), planned)
          : DpSgd.plan(config.privacy(), sample.rows(), config.batchSize(), planned, DpSgd.seedsForTests(dpSeedForTests));
      LOG.info("DP-SGD: clip {}, noise multiplier {}{}, Poisson sampling at q = {} ({} rows, expected batch {}), {} steps planned, delta {}",
          dp.l2NormClip(), String.format(Locale.ROOT, "%.4f", dp.noiseMultiplier()),
          config.privacy().targetEpsilon() != null ? " (found for target epsilon " + config.privacy().targetEpsilon() + ")" : "",
          String.format(Locale.ROOT, "%.6g", dp.samplingRate()), sample.rows(), String.format(Locale.ROOT, "%.1f", dp.expectedBatchSize()),
          planned, dp.delta());
    }
    TrainingGraph graph = TrainingGraph.build(spec, balance.graphWeights(), threads, dp);
    try {
      TrainingHistory history = loop(spec, graph, trainFiles, evalFiles, balance.expectedRows(trainRows), balance.rateArray(), sample, dp);
      TrainingHistory.Epoch best = history.best();
      LOG.info("Trained '{}': {} epochs, {} steps, kept epoch {} (loss {}, eval loss {}), {} s",
          spec.label().name(), history.epochs().size(), history.steps(), history.bestEpoch(), best.trainLoss(), best.evalLoss(),
          String.format(Locale.ROOT, "%.1f", history.seconds()));
      PrivacyGuarantee privacy = dp == null ? PrivacyGuarantee.NONE : dp.guarantee(history.steps());
      if (dp != null) {
        LOG.info("Trained '{}' {}", spec.label().name(), privacy.describe());
      }
      return new TrainedModel(spec, graph, history, dataDir, balance, privacy);
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  private static long rowCount(String file) {
    try {
      return ParquetFiles.rowCount(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** DP-SGD's steps per epoch: N / batch rounded up, so that an epoch samples each row once in expectation. */
  private long stepsPerEpoch(long rows) {
    return Math.max(1, (rows + config.batchSize() - 1) / config.batchSize());
  }

  /**
   * The epochs; {@code resample}, the resampling rates by class id (or null), applies to the training
   * split only. With DP-SGD ({@code dp} not null) the batches are Poisson samples of {@code sample}.
   */
  private TrainingHistory loop(ModelSpec spec, TrainingGraph graph, List<String> trainFiles, List<String> evalFiles, long trainRows, double[] resample,
      PoissonSample sample, DpSgd.Plan dp) {
    long start = System.nanoTime();
    graph.load(Weights.initial(spec, config.seed()));
    List<Column> columns = TrainingGraph.columns(spec, true);
    int labelColumn = spec.classification() ? columns.size() - 1 : -1;
    String epochsText = config.steps() == null ? Integer.toString(config.epochs()) : "?";
    List<TrainingHistory.Epoch> epochs = new ArrayList<>();
    long steps = 0;
    long skippedTrain = 0;
    long skippedEval = 0;
    double bestLoss = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    Weights best = null;
    int sinceBest = 0;
    boolean stoppedEarly = false;
    for (int epoch = 1; config.steps() == null ? epoch <= config.epochs() : steps < config.steps(); epoch++) {
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long examples = 0;
      long epochSteps = 0;
      try (BatchSource stream = dp == null
          ? ExampleStream.open(trainFiles, columns, config.batchSize(), config.shuffleBuffer(), epochSeed(config.seed(), epoch), labelColumn, resample)
          : sample.epoch(stepsPerEpoch(sample.rows()), dp.samplingRate(), dp.seeds())) {
        while ((config.steps() == null || steps < config.steps()) && stream.hasNext()) {
          Batch b = stream.next();
          float loss = graph.step(b);
          if (b.size == 0) {
            // A Poisson sample may be empty; the step still adds its noise (the accountant counts it).
            epochSteps++;
            steps++;
            continue;
          }
          if (!Float.isFinite(loss)) {
            throw new DataCheckException("training diverged: the loss of step " + (steps + 1) + " is " + loss
                + " (lower the learning rate " + config.learningRate() + " or check the features' scaling)");
          }
          lossSum += (double) loss * b.size;
          examples += b.size;
          epochSteps++;
          steps++;
          double seconds = (System.nanoTime() - epochStart) / 1e9;
          progress.update(epoch, epochsText, examples, trainRows, lossSum / examples, examples / Math.max(seconds, 1e-9));
        }
        skippedTrain += dp == null ? stream.skipped() : (epoch == 1 ? sample.skipped() : 0);
      }
      if (examples == 0) {
        throw new DataCheckException("no training examples in split '" + config.trainSplit() + "'"
            + (skippedTrain > 0 ? " (" + skippedTrain + " rows have no label class)" : ""));
      }
      double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
      Double evalLoss = null;
      Double accuracy = null;
      Double auc = null;
      Double rmse = null;
      if (!evalFiles.isEmpty()) {
        EvalSums sums = evaluate(spec, graph, evalFiles, labelColumn);
        skippedEval += sums.skipped;
        if (sums.count > 0) {
          evalLoss = sums.loss / sums.count;
          if (spec.classification()) {
            accuracy = (double) sums.correct / sums.count;
            StreamingAuc.Estimate a = sums.auc.estimate();
            auc = Double.isNaN(a.auc()) ? null : a.auc();
            if (!a.exact() && auc != null) {
              progress.note(String.format(Locale.ROOT, "epoch %d: eval AUC %.6f from score histograms (%,d eval rows), within %.2e of the exact AUC",
                  epoch, a.auc(), sums.count, a.errorBound()));
            }
          } else {
            rmse = Math.sqrt(sums.squaredError / sums.count);
          }
        }
      }
      TrainingHistory.Epoch e = new TrainingHistory.Epoch(epoch, epochSteps, examples, lossSum / examples, evalLoss, accuracy, auc, rmse,
          examples / Math.max(trainSeconds, 1e-9), (System.nanoTime() - epochStart) / 1e9);
      epochs.add(e);
      progress.endEpoch(e, epochsText);
      if (config.earlyStoppingPatience() != null) {
        if (evalLoss == null) {
          throw new DataCheckException("early stopping needs eval examples, but split '" + config.evalSplit() + "' has none with a label class");
        }
        if (evalLoss < bestLoss - config.minDelta()) {
          bestLoss = evalLoss;
          bestEpoch = epoch;
          best = graph.read();
          sinceBest = 0;
        } else if (++sinceBest >= config.earlyStoppingPatience()) {
          boolean more = config.steps() == null ? epoch < config.epochs() : steps < config.steps();
          stoppedEarly = more;
          if (more) {
            progress.note(String.format(Locale.ROOT, "early stopping after epoch %d: eval loss has not improved by %s for %d epochs",
                epoch, config.minDelta(), config.earlyStoppingPatience()));
          }
          break;
        }
      }
    }
    if (best != null && bestEpoch != epochs.size()) {
      graph.load(best);
      progress.note(String.format(Locale.ROOT, "restored the weights of epoch %d (eval loss %.4f)", bestEpoch, bestLoss));
    }
    if (best == null) {
      bestEpoch = epochs.size();
    }
    return new TrainingHistory(epochs, bestEpoch, stoppedEarly, steps, skippedTrain, skippedEval, (System.nanoTime() - start) / 1e9);
  }

  /** Sums over the eval split, and the AUC of its class probabilities (in bounded memory). */
  static final class EvalSums {
    double loss;
    /** Regression: the squared error in the label's own units. */
    double squaredError;
    long correct;
    long count;
    long skipped;
    /** Classification: the eval AUC, exact for small eval splits, else binned with a bound; null for regression. */
    StreamingAuc auc;
  }

  /** The sums over the eval {@code files} of the model in {@code graph} ({@code labelColumn}: the label's column to skip -1 in, or -1). */
  EvalSums evaluate(ModelSpec spec, TrainingGraph graph, List<String> files, int labelColumn) {
    EvalSums sums = new EvalSums();
    if (spec.classification()) {
      sums.auc = StreamingAuc.create(spec.classNames().size());
    }
    List<Column> columns = TrainingGraph.columns(spec, true);
    LabelUnits units = spec.labelUnits();
    try (ExampleStream stream = ExampleStream.open(files, columns, Math.max(config.batchSize(), 1024), 1, null, labelColumn)) {
      while (stream.hasNext()) {
        Batch b = stream.next();
        TrainingGraph.Evaluation e = graph.evaluate(b);
        for (float l : e.losses()) {
          sums.loss += l;
        }
        if (spec.classification()) {
          long[] labels = b.longs(columns.size() - 1);
          for (int i = 0; i < b.size; i++) {
            if (e.classIds()[i] == labels[i]) {
              sums.correct++;
            }
          }
          sums.auc.add(e.probabilities(), labels, b.size);
        } else if (units.identity()) {
          // The label is in its own units: the loss is the squared error.
          for (float l : e.losses()) {
            sums.squaredError += l;
          }
        } else {
          // The predictions in the label's units against the stored (transformed) label mapped back:
          // exact for z-score, min-max and log; a clipped label stays clipped.
          float[] labels = b.floats(columns.size() - 1);
          for (int i = 0; i < b.size; i++) {
            double error = e.rawPredictions()[i] - units.toRaw((double) labels[i]);
            sums.squaredError += error * error;
          }
        }
        sums.count += b.size;
      }
      sums.skipped = stream.skipped();
    }
    return sums;
  }

  /** A distinct, well-mixed shuffle seed per epoch (SplitMix64's finalizer over seed and epoch). */
  static long epochSeed(long seed, int epoch) {
    long z = seed + epoch * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
