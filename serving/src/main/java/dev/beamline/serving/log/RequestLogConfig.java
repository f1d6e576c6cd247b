package dev.beamline.serving.log;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the request log keeps and where: the folder it writes under (a local path: segments are
 * published with an atomic rename, which object stores do not have), the fraction of requests it
 * samples, when a segment is closed and published (by size or by age), and how many requests may wait
 * for the writer before new ones are dropped.
 *
 * <p>The sample is decided by the request id, so that a replayed id is sampled as it was the first
 * time, and the same way by every server: a request is taken when {@code u < sample_rate}, where
 * {@code u} is the top 53 bits of the first 8 bytes (little-endian) of MurmurHash3 x64 128 (seed 0) of
 * the id's UTF-8 bytes, divided by 2^53 (Guava's {@code Hashing.murmur3_128().hashString(id,
 * UTF_8).asLong() >>> 11}). A rate of 0 takes none, 1 takes all.
 *
 * <pre>{@code
 * RequestLogConfig config = RequestLogConfig.of(Path.of("/var/log/beamline/requests"))
 *     .withSampleRate(0.1)
 *     .withMaxSegmentAge(Duration.ofMinutes(1));
 * try (ParquetRequestLog log = ParquetRequestLog.open(config, registry)) { ... }
 * }</pre>
 *
 * @param directory the folder segments are written under, {@code <directory>/<model>/<version>/}
 * @param sampleRate the fraction of requests logged, in [0, 1]
 * @param maxSegmentBytes a segment is published once its Parquet data reaches this size
 * @param maxSegmentAge a segment is published once it has been open this long, requests or not
 * @param queueCapacity requests waiting for the writer; more are dropped (and counted)
 */
public record RequestLogConfig(
    Path directory, double sampleRate, long maxSegmentBytes, Duration maxSegmentAge, int queueCapacity) {
  /** 64 MiB. */
  public static final long DEFAULT_MAX_SEGMENT_BYTES = 64L << 20;
  /** Five minutes. */
  public static final Duration DEFAULT_MAX_SEGMENT_AGE = Duration.ofMinutes(5);
  /** 10,000 requests. */
  public static final int DEFAULT_QUEUE_CAPACITY = 10_000;

  public RequestLogConfig {
    checkNotNull(directory, "directory");
    checkNotNull(maxSegmentAge, "max_segment_age");
    checkArgument(
        sampleRate >= 0 && sampleRate <= 1, "sample_rate must be in [0, 1] (a fraction of requests), got %s", sampleRate);
    checkArgument(maxSegmentBytes > 0, "max_segment_bytes must be positive, got %s", maxSegmentBytes);
    checkArgument(
        !maxSegmentAge.isNegative() && !maxSegmentAge.isZero() && maxSegmentAge.compareTo(Duration.ofDays(1)) <= 0,
        "max_segment_age must be positive and at most one day, got %s",
        maxSegmentAge);
    checkArgument(queueCapacity > 0, "queue_capacity must be positive, got %s", queueCapacity);
  }

  /**
   * Logs every request under {@code directory}, in segments of up to {@link #DEFAULT_MAX_SEGMENT_BYTES}
   * or {@link #DEFAULT_MAX_SEGMENT_AGE}, with a queue of {@link #DEFAULT_QUEUE_CAPACITY} requests.
   */
  public static RequestLogConfig of(Path directory) {
    return new RequestLogConfig(directory, 1.0, DEFAULT_MAX_SEGMENT_BYTES, DEFAULT_MAX_SEGMENT_AGE, DEFAULT_QUEUE_CAPACITY);
  }

  public RequestLogConfig withDirectory(Path directory) {
    return new RequestLogConfig(directory, sampleRate, maxSegmentBytes, maxSegmentAge, queueCapacity);
  }

  public RequestLogConfig withSampleRate(double sampleRate) {
    return new RequestLogConfig(directory, sampleRate, maxSegmentBytes, maxSegmentAge, queueCapacity);
  }

  public RequestLogConfig withMaxSegmentBytes(long maxSegmentBytes) {
    return new RequestLogConfig(directory, sampleRate, maxSegmentBytes, maxSegmentAge, queueCapacity);
  }

  public RequestLogConfig withMaxSegmentAge(Duration maxSegmentAge) {
    return new RequestLogConfig(directory, sampleRate, maxSegmentBytes, maxSegmentAge, queueCapacity);
  }

  public RequestLogConfig withQueueCapacity(int queueCapacity) {
    return new RequestLogConfig(directory, sampleRate, maxSegmentBytes, maxSegmentAge, queueCapacity);
  }

  /**
   * Whether the sample takes the request {@code requestId}: the same answer for the same id every time
   * (see above). A request without an id is sampled at random, at the same rate.
   */
  public boolean samples(String requestId) {
    if (sampleRate >= 1) {
      return true;
    }
    if (sampleRate <= 0) {
      return false;
    }
    long bits =
        requestId == null
            ? ThreadLocalRandom.current().nextLong()
            : Hashing.murmur3_128().hashString(requestId, StandardCharsets.UTF_8).asLong();
    return (bits >>> 11) * 0x1.0p-53 < sampleRate;
  }
}
