package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.beamline.core.FeatureType;
import java.io.Serializable;

/**
 * The statistics of one feature in one split.
 *
 * <p>{@code count} is the number of examples where the feature has a value (NaN and ±∞ included),
 * {@code missing} the number where it is null, and {@code presence} = count / (count + missing), 0 for
 * an empty split. {@code numeric} is set for {@code int}, {@code float} and {@code timestamp} features
 * and {@code strings} for {@code string} and {@code boolean} ones; the other is null (and left out of
 * the JSON).
 *
 * <pre>{@code
 * FeatureStatistics mass = stats.feature("body_mass_g").orElseThrow();
 * if (mass.presence() < 0.9) { ... }
 * }</pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FeatureStatistics(
    @JsonProperty("name") String name,
    @JsonProperty("type") String type,
    @JsonProperty("count") long count,
    @JsonProperty("missing") long missing,
    @JsonProperty("presence") double presence,
    @JsonProperty("numeric") NumericStatistics numeric,
    @JsonProperty("strings") StringStatistics strings) implements Serializable {

  public FeatureStatistics {
    checkNotNull(name, "name");
    checkNotNull(type, "type");
  }

  /** The feature type, parsed from {@link #type()}. */
  public FeatureType featureType() {
    return FeatureType.parse(type);
  }
}
