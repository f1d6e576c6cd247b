package dev.beamline.training;

import dev.beamline.transform.FittedFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * The training benchmark's ceiling: optimizer steps of the same training graph ({@code session.run}
 * of the train op) on batches that are already in memory, so nothing is read, decoded or shuffled
 * while the clock runs. Training from the Parquet shards can at best match it.
 *
 * <p>It lives in the training package, in the benchmark's sources only, to reach the package's
 * graph and batch classes; Beamline itself does not contain it.
 */
public final class SessionRunCeiling {
  private SessionRunCeiling() {}

  /** Examples per second of this measurement, and the examples it stepped through. */
  public record Result(double examplesPerSecond, long examples, int batches) {}

  /**
   * Reads up to {@code maxExamples} training examples of {@code dataDir} (the transformed examples'
   * folder) into batches as {@link Trainer} makes them (same batch size, shuffled with the seed of the
   * first epoch), builds the model's training graph with its initial weights, warms it up with {@code
   * warmupBatches} steps, then times one step per batch over all of them.
   */
  public static Result measure(TrainConfig config, List<FittedFeature> fitted, String dataDir, long maxExamples, int warmupBatches) {
    ModelSpec spec = ModelSpec.resolve(config, fitted);
    List<ShardReader.Column> columns = TrainingGraph.columns(spec, true);
    int labelColumn = spec.classification() ? columns.size() - 1 : -1;
    List<Batch> batches = new ArrayList<>();
    long examples = 0;
    try (ExampleStream s = ExampleStream.open(Trainer.shards(dataDir, config.trainSplit()), columns, config.batchSize(), config.shuffleBuffer(),
        Trainer.epochSeed(config.seed(), 1), labelColumn)) {
      while (examples < maxExamples && s.hasNext()) {
        Batch b = s.next();
        batches.add(b);
        examples += b.size;
      }
    }
    try (TrainingGraph g = TrainingGraph.build(spec)) {
      g.load(Weights.initial(spec, config.seed()));
      for (int i = 0; i < Math.min(warmupBatches, batches.size()); i++) {
        g.step(batches.get(i));
      }
      long start = System.nanoTime();
      for (Batch b : batches) {
        g.step(b);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(examples / seconds, examples, batches.size());
    }
  }
}
