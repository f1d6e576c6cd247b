package dev.beamline.core;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * A kind of artifact that stages read and write, in the spirit of TFX's standard artifact types: the
 * runner wires stages by the kinds they declare (see {@link dev.beamline.core.stage.Stage}), and the
 * metadata store records every artifact under its kind's name.
 *
 * <p>An open set: the kinds below are those the stages of this repository produce; a module that
 * adds a stage with a new kind declares its own constant ({@code ArtifactKind.of("MODEL_EVALUATION")}).
 *
 * <pre>{@code
 * public static final ArtifactKind MODEL_EVALUATION = ArtifactKind.of("MODEL_EVALUATION");
 * }</pre>
 *
 * @param name upper-case letters, digits and '_', as recorded in the metadata store
 */
public record ArtifactKind(String name) implements Serializable {
  /** Input files read by ingestion (or given to a stage, such as a schema file), recorded on first sight. */
  public static final ArtifactKind RAW_DATA = of("RAW_DATA");
  /** Examples split into named splits, as Parquet shards with their Avro schema. */
  public static final ArtifactKind EXAMPLES = of("EXAMPLES");
  /** Per-split, per-feature statistics. */
  public static final ArtifactKind STATISTICS = of("STATISTICS");
  /** The expected schema of the data. */
  public static final ArtifactKind SCHEMA = of("SCHEMA");
  /** Anomalies found by data validation. */
  public static final ArtifactKind ANOMALIES = of("ANOMALIES");
  /** The constants and vocabularies computed by the transform analyzers. */
  public static final ArtifactKind TRANSFORM_GRAPH = of("TRANSFORM_GRAPH");
  /** A trained model exported as a TensorFlow SavedModel. */
  public static final ArtifactKind MODEL = of("MODEL");

  public ArtifactKind {
    checkArgument(
        name != null && name.matches("[A-Z][A-Z0-9_]*"),
        "artifact kind '%s' is not valid: use upper-case letters, digits and '_', starting with a letter",
        name);
  }

  /** The kind called {@code name}. */
  public static ArtifactKind of(String name) {
    return new ArtifactKind(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
