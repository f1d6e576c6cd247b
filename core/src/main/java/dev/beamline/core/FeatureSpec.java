package dev.beamline.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * One feature of an example: its name and value type.
 *
 * <pre>{@code
 * FeatureSpec mass = FeatureSpec.of("body_mass_g", FeatureType.FLOAT);
 * }</pre>
 */
public record FeatureSpec(String name, FeatureType type) implements Serializable {
  static final Pattern VALID_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public FeatureSpec {
    checkNotNull(name, "name");
    checkNotNull(type, "type");
    checkArgument(
        VALID_NAME.matcher(name).matches(),
        "feature name '%s' is not valid: it must start with a letter or '_' and hold only letters,"
            + " digits and '_' (see FeatureNames.sanitize)",
        name);
  }

  public static FeatureSpec of(String name, FeatureType type) {
    return new FeatureSpec(name, type);
  }
}
