package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.FeatureType;
import java.io.Serializable;
import java.util.List;

/**
 * What the schema expects of one feature: its type, how often it must be present, its categorical
 * domain (the allowed values of a string feature) or numeric range, whether NaN is allowed, bounds on
 * its number of distinct values, and its own drift and skew thresholds (null: the defaults of {@link
 * DriftThresholds}).
 *
 * <pre>{@code
 * SchemaFeature species = SchemaFeature.of("species", FeatureType.STRING)
 *     .withDomain(List.of("Adelie", "Chinstrap", "Gentoo"));
 * }</pre>
 */
public record SchemaFeature(
    String name,
    FeatureType type,
    double minPresence,
    ImmutableList<String> domain,
    Double min,
    Double max,
    boolean nanAllowed,
    Long minDistinct,
    Long maxDistinct,
    Double driftThreshold,
    Double skewThreshold)
    implements Serializable {

  public SchemaFeature {
    checkNotNull(name, "name");
    checkNotNull(type, "type");
    checkArgument(minPresence >= 0 && minPresence <= 1, "presence of '%s' must be between 0 and 1, got %s", name, minPresence);
    checkArgument(min == null || max == null || min <= max, "range of '%s' is empty: min %s > max %s", name, min, max);
    checkArgument(
        minDistinct == null || maxDistinct == null || minDistinct <= maxDistinct,
        "distinct bounds of '%s' are empty: min %s > max %s", name, minDistinct, maxDistinct);
    checkArgument(driftThreshold == null || driftThreshold >= 0, "drift_threshold of '%s' must be >= 0", name);
    checkArgument(skewThreshold == null || skewThreshold >= 0, "skew_threshold of '%s' must be >= 0", name);
  }

  /** A feature of {@code type} that must always be present, with no other constraint. */
  public static SchemaFeature of(String name, FeatureType type) {
    return new SchemaFeature(name, type, 1.0, null, null, null, false, null, null, null, null);
  }

  /** Whether {@code type} is compared with numeric statistics (int, float, timestamp). */
  public boolean isNumeric() {
    return type == FeatureType.INT || type == FeatureType.FLOAT || type == FeatureType.TIMESTAMP;
  }

  public boolean required() {
    return minPresence >= 1.0;
  }

  public SchemaFeature withMinPresence(double minPresence) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, driftThreshold, skewThreshold);
  }

  public SchemaFeature withDomain(List<String> domain) {
    return new SchemaFeature(
        name, type, minPresence, domain == null ? null : ImmutableList.copyOf(domain), min, max, nanAllowed, minDistinct, maxDistinct,
        driftThreshold, skewThreshold);
  }

  public SchemaFeature withRange(Double min, Double max) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, driftThreshold, skewThreshold);
  }

  public SchemaFeature withNanAllowed(boolean nanAllowed) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, driftThreshold, skewThreshold);
  }

  public SchemaFeature withDistinct(Long minDistinct, Long maxDistinct) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, driftThreshold, skewThreshold);
  }

  public SchemaFeature withDriftThreshold(Double threshold) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, threshold, skewThreshold);
  }

  public SchemaFeature withSkewThreshold(Double threshold) {
    return new SchemaFeature(name, type, minPresence, domain, min, max, nanAllowed, minDistinct, maxDistinct, driftThreshold, threshold);
  }
}
