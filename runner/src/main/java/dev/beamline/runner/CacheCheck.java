package dev.beamline.runner;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How much the runner reads to check what the cache serves and what a raw input holds. Sizes are always
 * checked; content (SHA-256) is read when the files together hold at most {@code hashLimitBytes}
 * ("cheap"), and always with {@code --verify-cache} ({@link #full()}).
 *
 * <pre>{@code
 * PipelineRun run = PipelineRun.of(store, spec, runId, options).withCacheCheck(CacheCheck.full());
 * }</pre>
 *
 * @param hashLimitBytes files holding at most this many bytes together are hashed
 */
public record CacheCheck(long hashLimitBytes) {
  /** 64 MiB: hashed in well under a second on one core. */
  public static final long DEFAULT_HASH_LIMIT = 64L << 20;

  public CacheCheck {
    checkArgument(hashLimitBytes >= 0, "hashLimitBytes is %s; expected 0 or more", hashLimitBytes);
  }

  /** Sizes always, content up to {@link #DEFAULT_HASH_LIMIT}. */
  public static CacheCheck defaults() {
    return new CacheCheck(DEFAULT_HASH_LIMIT);
  }

  /** Sizes and content of everything, however large ({@code --verify-cache}). */
  public static CacheCheck full() {
    return new CacheCheck(Long.MAX_VALUE);
  }

  /** Whether files holding {@code bytes} together are hashed. */
  boolean hashes(long bytes) {
    return bytes <= hashLimitBytes;
  }
}
