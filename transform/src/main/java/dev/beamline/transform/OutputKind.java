package dev.beamline.transform;

/**
 * The shape of one transformed feature, as stored in the transformed Parquet shards and as fed to a
 * model.
 *
 * <pre>{@code
 * OutputKind.ID    // a long in [0, cardinality), or -1 for "no id" (unknown token without OOV buckets)
 * }</pre>
 */
public enum OutputKind {
  /** A 32-bit float scalar (Parquet {@code float}). */
  FLOAT,
  /** A categorical id: a long in {@code [0, cardinality)}, or -1 when the value maps to no id. */
  ID,
  /**
   * A fixed-length list of {@code maxTokens} categorical ids (Parquet list of {@code long}), in token
   * order, padded at the end with -1.
   */
  IDS,
  /** A fixed-width float vector (Parquet list of {@code float}): one-hot, multi-hot or tf-idf. */
  VECTOR
}
