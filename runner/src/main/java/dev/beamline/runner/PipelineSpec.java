package dev.beamline.runner;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.ingest.IngestExamples;
import dev.beamline.training.TrainConfig;
import dev.beamline.validation.ValidationConfig;
import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A whole Beamline pipeline, as a value: its name, the root folder of its runs, and the configuration of
 * each stage. A YAML file ({@link PipelineYaml}) and this Java API build the same value, and so the same
 * Beam graph ({@link PipelineGraph}).
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineSpec.named("penguins")
 *     .withRoot(Paths.get("beamline-runs"))
 *     .withIngest(IngestExamples.Config.of("examples/penguins/data/penguins.csv"));
 * }</pre>
 */
public record PipelineSpec(
    String name,
    Path root,
    String metadataUrl,
    IngestExamples.Config ingest,
    ValidationConfig validation,
    TransformConfig transform,
    TrainConfig train)
    implements Serializable {
  /** Where runs go when neither the file nor the command line says: {@code beamline-runs} in the working folder. */
  public static final Path DEFAULT_ROOT = Paths.get("beamline-runs");

  public PipelineSpec {
    checkArgument(
        name != null && name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"),
        "pipeline name '%s' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        name);
    checkNotNull(root, "root");
  }

  /** A pipeline called {@code name}, with runs under {@link #DEFAULT_ROOT} and no stage yet. */
  public static PipelineSpec named(String name) {
    return new PipelineSpec(name, DEFAULT_ROOT, null, null, null, null, null);
  }

  public PipelineSpec withRoot(Path root) {
    return new PipelineSpec(name, checkNotNull(root, "root"), metadataUrl, ingest, validation, transform, train);
  }

  /**
   * Records runs in the metadata store at {@code jdbcUrl} ({@code jdbc:sqlite:...} or {@code
   * jdbc:postgresql://...}); null (the default) means the SQLite file {@code <root>/metadata.sqlite}.
   */
  public PipelineSpec withMetadataUrl(String jdbcUrl) {
    return new PipelineSpec(name, root, jdbcUrl, ingest, validation, transform, train);
  }

  public PipelineSpec withIngest(IngestExamples.Config ingest) {
    return new PipelineSpec(name, root, metadataUrl, checkNotNull(ingest, "ingest"), validation, transform, train);
  }

  /** Validates the ingested data: statistics, schema (inferred or imported) and anomalies. */
  public PipelineSpec withValidation(ValidationConfig validation) {
    return new PipelineSpec(name, root, metadataUrl, ingest, checkNotNull(validation, "validation"), transform, train);
  }

  /** Transforms the ingested (and validated) data: analyzers on one split, features for every split. */
  public PipelineSpec withTransform(TransformConfig transform) {
    return new PipelineSpec(name, root, metadataUrl, ingest, validation, checkNotNull(transform, "transform"), train);
  }

  /** Trains a model on the transformed features and exports it as a SavedModel. */
  public PipelineSpec withTrain(TrainConfig train) {
    return new PipelineSpec(name, root, metadataUrl, ingest, validation, transform, checkNotNull(train, "train"));
  }

  /** The JDBC URL of the metadata store this pipeline records into. */
  public String metadataJdbcUrl() {
    return metadataUrl != null ? metadataUrl : defaultMetadataUrl(root);
  }

  /** The default store of runs under {@code root}: the SQLite file {@code <root>/metadata.sqlite}. */
  public static String defaultMetadataUrl(Path root) {
    return "jdbc:sqlite:" + root.toAbsolutePath().normalize().resolve("metadata.sqlite");
  }
}
