package dev.beamline.metadata;

/**
 * The life of an artifact, as in ML Metadata: {@code PENDING} while the execution that writes it runs,
 * {@code LIVE} once published, {@code ABANDONED} when that execution failed (nothing usable was
 * published), {@code DELETED} once its files are removed.
 */
public enum ArtifactState {
  PENDING,
  LIVE,
  ABANDONED,
  DELETED
}
