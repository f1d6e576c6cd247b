package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import java.time.Instant;
import java.util.Locale;

/**
 * Reads raw feature values as {@link FeatureTransform} defines its three families: numeric (a double,
 * NaN when missing), timestamp (microseconds) and string (null when missing).
 */
final class RawValue {
  private RawValue() {}

  /** A numeric raw value as a double: {@code true} = 1, {@code false} = 0; NaN when missing (null or NaN). */
  static double number(Object value) {
    if (value == null) {
      return Double.NaN;
    }
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return ((Number) value).doubleValue();
  }

  /** A timestamp raw value in microseconds since the epoch; call only on a non-null value. */
  static long micros(Object value) {
    if (value instanceof Instant t) {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }
    return ((Number) value).longValue();
  }

  /** A string raw value, or null when missing (null or empty). */
  static String string(Object value) {
    if (value == null) {
      return null;
    }
    String s = value.toString();
    return s.isEmpty() ? null : s;
  }

  /**
   * The imputation constant of a numeric feature, as written in the configuration: a number, or for a
   * boolean feature also {@code true} / {@code false}.
   *
   * @throws NumberFormatException when {@code text} is none of these
   */
  static double numericConstant(String text, FeatureType type) {
    String t = text.trim();
    if (type == FeatureType.BOOLEAN) {
      String lower = t.toLowerCase(Locale.ROOT);
      if (lower.equals("true")) {
        return 1;
      }
      if (lower.equals("false")) {
        return 0;
      }
    }
    return Double.parseDouble(t);
  }
}
