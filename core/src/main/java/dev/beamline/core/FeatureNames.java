package dev.beamline.core;

import java.util.Locale;

/**
 * Turns column names found in input files into valid feature names.
 *
 * <p>Feature names become Avro and Parquet field names, which must match {@code [A-Za-z_][A-Za-z0-9_]*}.
 * A column name such as {@code "Body Mass (g)"} becomes {@code "body_mass_g"}.
 */
public final class FeatureNames {
  private FeatureNames() {}

  /** True when {@code name} is a valid feature (Avro field) name: {@code [A-Za-z_][A-Za-z0-9_]*}. */
  public static boolean isValid(String name) {
    return name != null && FeatureSpec.VALID_NAME.matcher(name).matches();
  }

  /**
   * Lower-cases {@code column}, replaces every run of characters other than letters and digits by one
   * {@code '_'}, trims {@code '_'} at both ends, and prefixes {@code '_'} when the result starts with a
   * digit or is empty.
   */
  public static String sanitize(String column) {
    StringBuilder out = new StringBuilder(column.length());
    boolean pendingUnderscore = false;
    for (int i = 0; i < column.length(); i++) {
      char c = column.charAt(i);
      boolean keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (keep && c != '_') {
        if (pendingUnderscore && out.length() > 0) {
          out.append('_');
        }
        pendingUnderscore = false;
        out.append(Character.toLowerCase(c));
      } else {
        pendingUnderscore = true;
      }
    }
    String name = out.toString().toLowerCase(Locale.ROOT);
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      name = "_" + name;
    }
    return name;
  }
}
