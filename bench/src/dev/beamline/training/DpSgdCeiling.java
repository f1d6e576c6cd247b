package dev.beamline.training;

import dev.beamline.transform.FittedFeature;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the time of a DP-SGD epoch goes, measured apart: Poisson sampling of batches from the training
 * split in memory ({@link PoissonSample}, as {@link Trainer} draws them), then optimizer steps ({@code
 * session.run} of the train op) on those same batches, once with the graph without differential
 * privacy and once with the DP-SGD graph (per-example gradient norms, clipping, a second backward pass
 * and noise). Nothing is read, decoded or sampled while the steps are timed.
 *
 * <p>It lives in the training package, in the benchmark's sources only, to reach the package's graph,
 * sampling and plan classes; Beamline itself does not contain it.
 */
public final class DpSgdCeiling {
  private DpSgdCeiling() {}

  /**
   * The measurement: examples drawn and batches, seconds to load the split and to sample the batches,
   * examples per second of sampling, of non-private steps and of DP-SGD steps on the same batches
   * (medians of {@code rounds} interleaved rounds, each round one pass of each graph over all the
   * batches, so that a change of the machine's load falls on both), and the per-example gradient norms
   * the DP-SGD graph computed on the first batches at the initial weights (their median, 90th
   * percentile, and the share above the clip, which clipping scales down).
   */
  public record Result(long examples, int batches, double loadSeconds, double sampleSeconds, double sampleExamplesPerSecond,
      double plainExamplesPerSecond, double dpExamplesPerSecond, List<Double> plainRounds, List<Double> dpRounds, int normExamples,
      double normMedian, double normP90, double clippedShare) {}

  /**
   * Reads the training split of {@code dataDir} into memory as the trainer does under DP-SGD, draws
   * {@code batches} Poisson batches at its sampling rate (timed), builds both training graphs with the
   * initial weights, warms each up with {@code warmupBatches} steps, then times {@code rounds} rounds of
   * one step per batch with each graph, alternating. {@code config} must have {@link TrainConfig#privacy()} set.
   */
  public static Result measure(TrainConfig config, List<FittedFeature> fitted, String dataDir, int batches, int warmupBatches, int rounds) {
    if (config.privacy() == null) {
      throw new IllegalArgumentException("DpSgdCeiling needs a configuration with privacy");
    }
    ModelSpec spec = ModelSpec.resolve(config, fitted);
    List<ShardReader.Column> columns = TrainingGraph.columns(spec, true);
    long t0 = System.nanoTime();
    PoissonSample sample = PoissonSample.load(Trainer.shards(dataDir, config.trainSplit()), columns,
        spec.classification() ? columns.size() - 1 : -1);
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    long steps = Math.max(1, (sample.rows() + config.batchSize() - 1) / config.batchSize());
    DpSgd.Plan plan = DpSgd.plan(config.privacy(), sample.rows(), config.batchSize(), steps);
    // Warm-up draws, then the timed ones (the JIT compiles the sampling loop first).
    for (int i = 0; i < Math.min(warmupBatches, batches); i++) {
      sample.draw(plan.samplingRate(), plan.seeds());
    }
    List<Batch> drawn = new ArrayList<>(batches);
    long examples = 0;
    t0 = System.nanoTime();
    for (int i = 0; i < batches; i++) {
      Batch b = sample.draw(plan.samplingRate(), plan.seeds());
      drawn.add(b);
      examples += b.size;
    }
    double sampleSeconds = (System.nanoTime() - t0) / 1e9;
    List<Double> plainRounds = new ArrayList<>();
    List<Double> dpRounds = new ArrayList<>();
    List<Float> norms = new ArrayList<>();
    try (TrainingGraph plain = TrainingGraph.build(spec, null, 0, null); TrainingGraph dp = TrainingGraph.build(spec, null, 0, plan)) {
      plain.load(Weights.initial(spec, config.seed()));
      dp.load(Weights.initial(spec, config.seed()));
      for (int i = 0; i < Math.min(20, drawn.size()); i++) {
        for (float f : dp.gradientNorms(drawn.get(i))) {
          norms.add(f);
        }
      }
      for (int i = 0; i < Math.min(warmupBatches, drawn.size()); i++) {
        plain.step(drawn.get(i));
        dp.step(drawn.get(i));
      }
      for (int r = 0; r < rounds; r++) {
        plainRounds.add(examples / seconds(plain, drawn));
        dpRounds.add(examples / seconds(dp, drawn));
      }
    }
    norms.sort(null);
    double clip = plan.l2NormClip();
    long clipped = norms.stream().filter(f -> f > clip).count();
    return new Result(examples, batches, loadSeconds, sampleSeconds, examples / sampleSeconds, median(plainRounds), median(dpRounds),
        plainRounds, dpRounds, norms.size(), norms.isEmpty() ? Double.NaN : norms.get(norms.size() / 2),
        norms.isEmpty() ? Double.NaN : norms.get((int) (norms.size() * 0.9)), norms.isEmpty() ? Double.NaN : (double) clipped / norms.size());
  }

  private static double seconds(TrainingGraph g, List<Batch> batches) {
    long start = System.nanoTime();
    for (Batch b : batches) {
      g.step(b);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }
}
