package dev.beamline.validation;

import dev.beamline.core.ConfigException;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.validation.privacy.PrivacyConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *   privacy:                     # also publish dp_statistics.json, a differentially private release
 *     epsilon: 1.0
 *     mechanism: laplace         # or gaussian, with delta (default 1e-6)
 *     user_column: customer_id   # the unit of privacy is a user (default: a row)
 *     max_rows_per_user: 5
 *     bounds: {body_mass_g: [2000, 7000]}          # numeric columns released (or ranges of schema_file)
 *     domains: {species: [Adelie, Chinstrap, Gentoo]}   # categorical ones (or domains of schema_file)
 *     buckets: 10
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
    public PrivacyDoc privacy;
  }

  /** {@code validation.privacy:} */
  public static final class PrivacyDoc {
    public Double epsilon;
    public Double delta;
    public String mechanism;
    public String user_column;
    public Integer max_rows_per_user;
    public LinkedHashMap<String, List<Double>> bounds;
    public LinkedHashMap<String, List<String>> domains;
    public Integer buckets;
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
    ValidationConfig config = config(section);
    return stages(config, privacy(section, config));
  }

  /** The three stages of data validation with {@code config}: statistics, schema and validate. */
  public static List<Stage<?>> stages(ValidationConfig config) {
    return stages(config, null);
  }

  /** The three stages, the statistics stage also releasing private statistics with {@code privacy} (null: none). */
  public static List<Stage<?>> stages(ValidationConfig config, PrivacyConfig privacy) {
    return List.of(new StatisticsStage(privacy), new SchemaStage(config), new ValidateStage(config));
  }

  /**
   * The section's {@code privacy:} part as a {@link PrivacyConfig}, defaults filled in, or null when
   * there is none. The ranges and domains of an imported schema ({@code config.schemaFile()}) count as
   * declared for the columns the part does not declare; an inferred schema's never do.
   *
   * @throws ConfigException naming the key of a bad value
   */
  public static PrivacyConfig privacy(ConfigSection section, ValidationConfig config) {
    PrivacyDoc d = section.bind(ValidationDoc.class).privacy;
    if (d == null) {
      return null;
    }
    PrivacyConfig p = PrivacyConfig.defaults();
    if (d.mechanism != null) {
      PrivacyConfig before = p;
      p = section.check("privacy.mechanism", () -> before.withMechanism(PrivacyConfig.Mechanism.parse(d.mechanism)));
    }
    if (d.epsilon != null) {
      PrivacyConfig before = p;
      p = section.check("privacy.epsilon", () -> before.withEpsilon(d.epsilon));
    }
    if (d.delta != null) {
      if (p.mechanism() == PrivacyConfig.Mechanism.LAPLACE) {
        throw section.error("privacy.delta", "'" + section.key("privacy.delta") + "' applies to mechanism: gaussian; laplace is pure epsilon-DP (delta 0)");
      }
      PrivacyConfig before = p;
      p = section.check("privacy.delta", () -> before.withDelta(d.delta));
    }
    if (d.max_rows_per_user != null && d.user_column == null) {
      throw section.error("privacy.max_rows_per_user", "'" + section.key("privacy.max_rows_per_user") + "' needs a user_column");
    }
    if (d.user_column != null) {
      PrivacyConfig before = p;
      int rows = d.max_rows_per_user == null ? 1 : d.max_rows_per_user;
      p = section.check("privacy.user_column", () -> before.withUserColumn(d.user_column, rows));
    }
    if (d.buckets != null) {
      PrivacyConfig before = p;
      p = section.check("privacy.buckets", () -> before.withBuckets(d.buckets));
    }
    if (d.bounds != null) {
      for (Map.Entry<String, List<Double>> e : d.bounds.entrySet()) {
        String key = "privacy.bounds." + e.getKey();
        List<Double> b = e.getValue();
        if (b == null || b.size() != 2 || b.get(0) == null || b.get(1) == null) {
          throw section.error(key, "'" + section.key(key) + "' must be [lower, upper], got " + b);
        }
        PrivacyConfig before = p;
        p = section.check(key, () -> before.withBounds(e.getKey(), b.get(0), b.get(1)));
      }
    }
    if (d.domains != null) {
      for (Map.Entry<String, List<String>> e : d.domains.entrySet()) {
        PrivacyConfig before = p;
        p = section.check("privacy.domains." + e.getKey(), () -> before.withDomain(e.getKey(), e.getValue()));
      }
    }
    if (config.schemaFile() != null) {
      p = p.withDeclarationsOf(DataSchema.load(config.schemaFile()));
    }
    return p;
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
