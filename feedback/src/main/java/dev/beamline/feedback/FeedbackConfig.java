package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.evaluation.SliceSpec;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * The feedback loop's configuration, the {@code feedback:} section of a pipeline file: the server's
 * request-log folder and the model whose requests to read, where the labels land ({@link
 * LabelSource}), the window a label must arrive in, and how the live metrics are cut: per time window
 * of the requests, per declared slice, and where the served models lie (their classes and label
 * mapping). Immutable; every {@code withX} checks its argument.
 *
 * <pre>{@code
 * FeedbackConfig c = FeedbackConfig.of("serving-logs", LabelSource.of(IngestExamples.Config.of("labels/*.csv"), "species"))
 *     .withMaxDelay(Duration.ofDays(7))
 *     .withMetricsWindow(Duration.ofDays(1))
 *     .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island"))));
 * }</pre>
 *
 * @param requestLog the server's {@code --request-log} folder, holding {@code <model>/<version>/requests-*.parquet}
 * @param model the model whose requests are read; null for the push stage's model name, else the pipeline's name
 * @param models the serving folder holding {@code <model>/<version>/} as pushed; null for the push stage's, else
 *     {@code serving} under the pipeline root
 * @param labels the label files
 * @param maxDelay the longest a label may come after its request and still join; null for no limit
 * @param metricsWindow the length of the live metrics' time windows, aligned to the epoch (UTC)
 * @param slices the slices measured besides each window's overall metrics
 * @param minSliceSize slices (not the overall) with fewer scored rows than this are reported without metrics
 */
public record FeedbackConfig(
    String requestLog, String model, String models, LabelSource labels, Duration maxDelay, Duration metricsWindow, List<SliceSpec> slices,
    int minSliceSize) implements Serializable {
  /** The live metrics' window unless configured. */
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(1);
  /** The evaluation's default: slices smaller than this are reported as too small. */
  public static final int DEFAULT_MIN_SLICE_SIZE = 10;

  public FeedbackConfig {
    checkArgument(requestLog != null && !requestLog.isBlank(), "request_log must name the server's request-log folder, got '%s'", requestLog);
    checkArgument(model == null || model.matches("[A-Za-z0-9][A-Za-z0-9._-]*"), "model must be a model name (letters, digits, '.', '_', '-'), got '%s'",
        model);
    checkArgument(models == null || !models.isBlank(), "models must be a folder or null, got '%s'", models);
    checkNotNull(labels, "labels");
    checkArgument(maxDelay == null || (!maxDelay.isNegative() && !maxDelay.isZero()), "max_delay must be positive, got %s", maxDelay);
    checkArgument(metricsWindow != null && !metricsWindow.isNegative() && !metricsWindow.isZero() && metricsWindow.getNano() == 0,
        "the metrics window must be whole seconds and positive, got %s", metricsWindow);
    checkNotNull(slices, "slices");
    slices = List.copyOf(slices);
    checkArgument(minSliceSize >= 1, "min_slice_size must be at least 1, got %s", minSliceSize);
  }

  /** Joins the requests logged under {@code requestLog} with {@code labels}: no delay limit, daily windows, no slices. */
  public static FeedbackConfig of(String requestLog, LabelSource labels) {
    return new FeedbackConfig(requestLog, null, null, labels, null, DEFAULT_WINDOW, List.of(), DEFAULT_MIN_SLICE_SIZE);
  }

  public FeedbackConfig withModel(String model) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  public FeedbackConfig withModels(String models) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  public FeedbackConfig withLabels(LabelSource labels) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  /** A label later than {@code maxDelay} after its request does not join it (null: no limit). */
  public FeedbackConfig withMaxDelay(Duration maxDelay) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  public FeedbackConfig withMetricsWindow(Duration window) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, window, slices, minSliceSize);
  }

  public FeedbackConfig withSlices(List<SliceSpec> slices) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  public FeedbackConfig withMinSliceSize(int minSliceSize) {
    return new FeedbackConfig(requestLog, model, models, labels, maxDelay, metricsWindow, slices, minSliceSize);
  }

  /** The model whose requests are read, for a pipeline called {@code pipeline}. */
  public String modelFor(String pipeline) {
    return model != null ? model : pipeline;
  }

  /** The serving folder, {@code serving} under {@code root} when none is configured. */
  public String modelsUnder(String root) {
    if (models != null) {
      return models;
    }
    checkArgument(root != null, "no 'models' folder given and no pipeline root to find 'serving' under");
    return dev.beamline.core.Storage.resolve(root, "serving");
  }
}
