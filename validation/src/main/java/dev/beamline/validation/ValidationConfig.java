package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;

/**
 * How a pipeline validates its data: the schema to import instead of inferring one (like TFX's
 * ImportSchemaGen; null: infer), the split to infer it from (null: the first), the largest domain to
 * infer, whether to compare with the previous statistics of the pipeline (drift), a statistics file to
 * compare with (skew; null: none), and the default thresholds.
 *
 * <pre>{@code
 * ValidationConfig v = ValidationConfig.defaults().withSchemaFile("schema.yaml");
 * }</pre>
 */
public record ValidationConfig(
    String schemaFile, String inferFrom, int maxDomainSize, boolean drift, String skewStatistics, DriftThresholds thresholds)
    implements Serializable {

  public ValidationConfig {
    checkArgument(maxDomainSize >= 0, "max_domain_size must be >= 0, got %s", maxDomainSize);
    checkNotNull(thresholds, "thresholds");
  }

  /** Infer from the first split, domains up to 100 values, drift against the previous statistics, no skew. */
  public static ValidationConfig defaults() {
    return new ValidationConfig(null, null, InferSchema.DEFAULT_MAX_DOMAIN, true, null, DriftThresholds.defaults());
  }

  public ValidationConfig withSchemaFile(String file) {
    return new ValidationConfig(file, inferFrom, maxDomainSize, drift, skewStatistics, thresholds);
  }

  public ValidationConfig withInferFrom(String split) {
    return new ValidationConfig(schemaFile, split, maxDomainSize, drift, skewStatistics, thresholds);
  }

  public ValidationConfig withMaxDomainSize(int size) {
    return new ValidationConfig(schemaFile, inferFrom, size, drift, skewStatistics, thresholds);
  }

  public ValidationConfig withDrift(boolean drift) {
    return new ValidationConfig(schemaFile, inferFrom, maxDomainSize, drift, skewStatistics, thresholds);
  }

  public ValidationConfig withSkewStatistics(String file) {
    return new ValidationConfig(schemaFile, inferFrom, maxDomainSize, drift, file, thresholds);
  }

  public ValidationConfig withThresholds(DriftThresholds thresholds) {
    return new ValidationConfig(schemaFile, inferFrom, maxDomainSize, drift, skewStatistics, thresholds);
  }
}
