package dev.beamline.validation;

import dev.beamline.core.ConfigException;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.util.List;

/**
 * Makes the stages of a pipeline file's {@code validation:} section: statistics, schema and validate,
 * in that order. Registered in {@code META-INF/services/dev.beamline.core.stage.StageFactory}.
 *
 * <pre>{@code
 * validation:
 *   schema_file: schema.yaml     # import instead of inferring (relative to the pipeline file)
 *   infer_from: train            # else: the first split
 *   max_domain_size: 100
 *   drift: true                  # against the pipeline's previous statistics
 *   drift_severity: warning      # drift reported without failing the run (default error)
 *   skew_statistics: serving/statistics.json
 *   thresholds: {categorical: 0.1, numeric: 0.1}
 * }</pre>
 */
public final class ValidationStageFactory implements StageFactory {
  /** The section's key in the pipeline file. */
  public static final String SECTION = "validation";

  /** {@code validation:}; field names are the YAML keys. */
  public static final class ValidationDoc {
    public String schema_file;
    /** Replaced by {@code schema_file}: refused with a message that says so. */
    public String schema;
    public String infer_from;
    public Integer max_domain_size;
    public Boolean drift;
    public String drift_severity;
    public String skew_statistics;
    public ThresholdsDoc thresholds;
  }

  /** {@code validation.thresholds:} */
  public static final class ThresholdsDoc {
    public Double categorical;
    public Double numeric;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return stages(config(section));
  }

  /** The three stages of data validation with {@code config}: statistics, schema and validate. */
  public static List<Stage<?>> stages(ValidationConfig config) {
    return List.of(new StatisticsStage(), new SchemaStage(config), new ValidateStage(config));
  }

  /**
   * The section as a {@link ValidationConfig}, defaults filled in, paths resolved against the pipeline
   * file's folder; a schema file is read now, so that a broken one fails before anything runs.
   *
   * @throws ConfigException naming the file, line and key of a bad value
   */
  public static ValidationConfig config(ConfigSection section) {
    ValidationDoc d = section.bind(ValidationDoc.class);
    ValidationConfig v = ValidationConfig.defaults();
    if (d.schema != null) {
      // One name, one concept: 'ingest.schema' declares column types; this is a schema file.
      throw section.error("schema", "'validation.schema' is now 'validation.schema_file': the file of a schema to import"
          + " ('ingest.schema' declares the columns' types)");
    }
    if (d.schema_file != null) {
      String file = section.path(d.schema_file);
      try {
        DataSchema.load(file);
      } catch (ConfigException e) {
        throw new ConfigException(section.at("schema_file") + "'" + section.key("schema_file") + "': " + e.getMessage(), e);
      }
      v = v.withSchemaFile(file);
    }
    if (d.infer_from != null) {
      v = v.withInferFrom(d.infer_from);
    }
    if (d.max_domain_size != null) {
      ValidationConfig before = v;
      v = section.check("max_domain_size", () -> before.withMaxDomainSize(d.max_domain_size));
    }
    if (d.drift != null) {
      v = v.withDrift(d.drift);
    }
    if (d.skew_statistics != null) {
      v = v.withSkewStatistics(section.path(d.skew_statistics));
    }
    if (d.thresholds != null) {
      DriftThresholds t = v.thresholds();
      double categorical = d.thresholds.categorical != null ? d.thresholds.categorical : t.categorical();
      double numeric = d.thresholds.numeric != null ? d.thresholds.numeric : t.numeric();
      ValidationConfig before = v;
      v = section.check("thresholds", () -> before.withThresholds(new DriftThresholds(categorical, numeric, before.thresholds().driftSeverity())));
    }
    if (d.drift_severity != null) {
      Anomaly.Severity severity = section.choice("drift_severity", d.drift_severity, Anomaly.Severity.class);
      v = v.withThresholds(v.thresholds().withDriftSeverity(severity));
    }
    return v;
  }
}
