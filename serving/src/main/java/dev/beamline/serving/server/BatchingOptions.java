package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;

/**
 * How concurrent requests to one version are batched into one TensorFlow call, after TF Serving's
 * batching parameters: at most {@code maxBatchSize} rows a call; a worker that found fewer waits up to
 * {@code batchTimeout} for more (zero: it runs what is queued at once, so batches form only while
 * every worker is busy); {@code threads} workers per version and signature; at most {@code
 * maxQueuedRows} rows waiting, beyond which requests are refused with UNAVAILABLE (503).
 */
public record BatchingOptions(int maxBatchSize, Duration batchTimeout, int threads, int maxQueuedRows) {
  public BatchingOptions {
    checkArgument(maxBatchSize >= 1, "max batch size %s: at least 1", maxBatchSize);
    checkArgument(!batchTimeout.isNegative(), "batch timeout %s is negative", batchTimeout);
    checkArgument(threads >= 1, "batch threads %s: at least 1", threads);
    checkArgument(maxQueuedRows >= maxBatchSize, "max queued rows %s below the max batch size %s", maxQueuedRows, maxBatchSize);
  }

  /** 64 rows, no wait, one worker per core, 100,000 queued rows. */
  public static BatchingOptions defaults() {
    return new BatchingOptions(64, Duration.ZERO, Runtime.getRuntime().availableProcessors(), 100_000);
  }
}
