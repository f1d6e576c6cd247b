package dev.beamline.core;

/**
 * The kinds of artifact that Beamline stages read and write, in the spirit of TFX's standard artifact
 * types. Later stages and the metadata store name artifacts by these kinds.
 */
public enum ArtifactKind {
  /** Examples split into named splits, as Parquet shards with their Avro schema. */
  EXAMPLES,
  /** Rows rejected during ingestion or transformation, with file, line, field and reason. */
  DEAD_LETTERS,
  /** Content hashes and row counts of the input files of a dataset. */
  DATA_FINGERPRINT,
  /** Per-split, per-feature statistics. */
  STATISTICS,
  /** The expected schema of the data. */
  SCHEMA,
  /** Anomalies found by data validation. */
  ANOMALIES,
  /** The constants and vocabularies computed by the transform analyzers. */
  TRANSFORM_GRAPH,
  /** A trained model exported as a TensorFlow SavedModel. */
  MODEL,
  /** Sliced metrics of a model. */
  MODEL_EVALUATION,
  /** The decision whether a model is good enough to deploy. */
  MODEL_BLESSING,
  /** A model version pushed to a serving directory. */
  PUSHED_MODEL
}
