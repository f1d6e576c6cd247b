package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;

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
   * order, padded at the end with -1 ({@code encode: ids} or {@code embedding}).
   */
  IDS,
  /** A fixed-width float vector (Parquet list of {@code float}): one-hot, multi-hot, tf-idf or cyclical. */
  VECTOR;

  /**
   * The kind of output of {@code f} on a raw feature of type {@code input}: it depends on the declaration
   * only, never on the data. Call after {@link TransformSpec#check}.
   */
  public static OutputKind of(FeatureTransform f, FeatureType input) {
    Encoding enc = f.effectiveEncoding();
    if (f.isCross()) {
      // A cross reads other transformed features, not a raw one: {@code input} is ignored (may be null).
      return enc == Encoding.ONE_HOT ? VECTOR : ID;
    }
    switch (input) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        if (f.bucketize() == null && f.binarize() == null) {
          return FLOAT;
        }
        return enc == Encoding.ONE_HOT ? VECTOR : ID;
      case TIMESTAMP:
        if (f.timePart() == FeatureTransform.TimePart.YEAR) {
          return FLOAT;
        }
        return enc == Encoding.ONE_HOT || enc == Encoding.CYCLICAL ? VECTOR : ID;
      case STRING:
        switch (enc) {
          case ID:
            return ID;
          case IDS:
          case EMBEDDING:
            return IDS;
          default:
            return VECTOR;
        }
      default:
        throw new AssertionError(input);
    }
  }
}
