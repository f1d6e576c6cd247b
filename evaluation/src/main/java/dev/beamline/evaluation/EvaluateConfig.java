package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.List;

/**
 * How the evaluate stage evaluates a model: on which split, sliced how, with which minimum slice
 * size, with how many bootstrap samples for confidence intervals, which metric thresholds decide the
 * blessing, and which features are sensitive for the bias checks.
 *
 * <pre>{@code
 * EvaluateConfig c = EvaluateConfig.defaults()
 *     .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island"))))
 *     .withBootstrap(200, 42);
 * }</pre>
 *
 * @param split the split of the examples to evaluate on
 * @param slices the slices besides the overall one
 * @param minSliceSize slices with fewer examples are reported as too small, without metrics
 * @param bootstrapSamples Poisson bootstrap samples for confidence intervals; 0 for none
 * @param seed the bootstrap's seed
 * @param confidence the confidence level of the intervals
 * @param blessing the checks on metric values, changes and bias gaps that decide the blessing
 * @param sensitive the sensitive features: each gets per-group metrics and the gaps between groups
 * @param batchSize rows per call of the model
 */
public record EvaluateConfig(
    String split,
    List<SliceSpec> slices,
    int minSliceSize,
    int bootstrapSamples,
    long seed,
    double confidence,
    BlessingCriteria blessing,
    List<String> sensitive,
    int batchSize) implements Serializable {

  public static final int DEFAULT_MIN_SLICE_SIZE = 10;
  public static final int DEFAULT_BATCH_SIZE = 1024;

  public EvaluateConfig {
    checkNotNull(split, "split");
    slices = List.copyOf(slices);
    checkNotNull(blessing, "blessing");
    sensitive = List.copyOf(sensitive);
    checkArgument(minSliceSize >= 1, "min_slice_size must be at least 1; got %s", minSliceSize);
    checkArgument(bootstrapSamples >= 0 && bootstrapSamples <= 10_000, "bootstrap.samples must be in [0, 10000]; got %s", bootstrapSamples);
    checkArgument(confidence > 0 && confidence < 1, "bootstrap.confidence must be in (0, 1); got %s", confidence);
    checkArgument(batchSize >= 1 && batchSize <= 65_536, "batch_size must be in [1, 65536]; got %s", batchSize);
  }

  /** The eval split, the overall slice only, no bootstrap, no thresholds (every model is blessed). */
  public static EvaluateConfig defaults() {
    return new EvaluateConfig("eval", List.of(), DEFAULT_MIN_SLICE_SIZE, 0, 42, 0.95, BlessingCriteria.none(), List.of(), DEFAULT_BATCH_SIZE);
  }

  public EvaluateConfig withSplit(String split) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  public EvaluateConfig withSlices(List<SliceSpec> slices) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  public EvaluateConfig withMinSliceSize(int minSliceSize) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  public EvaluateConfig withBootstrap(int samples, long seed) {
    return new EvaluateConfig(split, slices, minSliceSize, samples, seed, confidence, blessing, sensitive, batchSize);
  }

  public EvaluateConfig withConfidence(double confidence) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  public EvaluateConfig withBlessing(BlessingCriteria blessing) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  /**
   * The sensitive features; the features of the blessing's bias thresholds are sensitive too. Their
   * groups with fewer than {@code minSliceSize} examples (by weight) are listed but left out of the gaps.
   */
  public EvaluateConfig withSensitive(List<String> sensitive) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  /** The sensitive features and those the blessing's bias thresholds name, in that order, once each. */
  public List<String> sensitiveFeatures() {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(sensitive);
    blessing.bias().forEach(b -> all.add(b.feature()));
    return List.copyOf(all);
  }

  public EvaluateConfig withBatchSize(int batchSize) {
    return new EvaluateConfig(split, slices, minSliceSize, bootstrapSamples, seed, confidence, blessing, sensitive, batchSize);
  }

  /**
   * The slices computed: the configured ones, and one per sensitive feature not sliced by alone (the
   * bias checks compare its groups).
   */
  public List<SliceSpec> allSlices() {
    List<SliceSpec> all = new java.util.ArrayList<>(slices);
    for (String s : sensitiveFeatures()) {
      if (all.stream().noneMatch(x -> x.featureNames().equals(List.of(s)) && x.features().get(0).buckets().isEmpty())) {
        all.add(SliceSpec.of(SliceSpec.Feature.values(s)));
      }
    }
    return all;
  }
}
