package dev.beamline.metadata;

/**
 * The life of an artifact, as in ML Metadata: {@code PENDING} while the execution that writes it runs,
 * {@code LIVE} once published, {@code ABANDONED} when that execution failed (nothing usable was
 * published), {@code DELETED} once its files are removed (or found missing), {@code INVALID} when its
 * files no longer match the manifest recorded when it was published (edited, truncated, a file added or
 * removed). Neither of the last two is ever served from the cache again.
 */
public enum ArtifactState {
  PENDING,
  LIVE,
  ABANDONED,
  DELETED,
  INVALID
}
