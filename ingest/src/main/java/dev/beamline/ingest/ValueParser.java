package dev.beamline.ingest;

import dev.beamline.core.FeatureType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses text into feature values, strictly: {@code "1.5"} is not an integer, {@code "1f"} is not a float,
 * {@code "yes"} is not a boolean.
 *
 * <pre>{@code
 * Object v = ValueParser.parse("3750", FeatureType.INT);   // 3750L
 * }</pre>
 */
public final class ValueParser {
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  private ValueParser() {}

  /** Thrown when a text is not a value of the requested type; the message says why, for a person. */
  public static final class BadValueException extends Exception {
    private static final long serialVersionUID = 1L;

    BadValueException(String message) {
      super(message);
    }
  }

  /**
   * The value of {@code text} as {@code type}: a {@code Long}, {@code Double}, {@code String}, {@code
   * Boolean}, or for timestamps the {@code Long} microseconds since the epoch. Surrounding spaces are
   * ignored except for strings.
   */
  public static Object parse(String text, FeatureType type) throws BadValueException {
    switch (type) {
      case STRING:
        return text;
      case INT:
        return parseInt(text.trim());
      case FLOAT:
        return parseFloat(text.trim());
      case BOOLEAN:
        return parseBoolean(text.trim());
      case TIMESTAMP:
        return parseTimestampMicros(text.trim());
      default:
        throw new AssertionError(type);
    }
  }

  static long parseInt(String t) throws BadValueException {
    if (INTEGER.matcher(t).matches()) {
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new BadValueException("'" + t + "' is out of the range of a 64-bit integer");
      }
    }
    throw new BadValueException("'" + t + "' is not an integer");
  }

  static double parseFloat(String t) throws BadValueException {
    if (isFloat(t)) {
      switch (t.toLowerCase(Locale.ROOT)) {
        case "nan":
          return Double.NaN;
        case "inf":
        case "+inf":
        case "infinity":
        case "+infinity":
          return Double.POSITIVE_INFINITY;
        case "-inf":
        case "-infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          return Double.parseDouble(t);
      }
    }
    throw new BadValueException("'" + t + "' is not a number");
  }

  static boolean parseBoolean(String t) throws BadValueException {
    switch (t.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
        return true;
      case "false":
      case "0":
        return false;
      default:
        throw new BadValueException("'" + t + "' is not a boolean (true, false, 1 or 0)");
    }
  }

  /**
   * {@link #parseTimestampMicros} for callers outside ingestion (the model server's timestamp inputs), so
   * that a timestamp is read from the same text in serving as in training.
   *
   * @throws IllegalArgumentException for text that is not an ISO-8601 timestamp or date
   */
  public static long timestampMicros(String t) {
    try {
      return parseTimestampMicros(t.trim());
    } catch (BadValueException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Microseconds since the epoch of an ISO-8601 instant ({@code 2024-05-01T12:00:00Z}, with any offset),
   * a date-time without offset (taken as UTC; 'T' or a space between date and time), or a date.
   */
  static long parseTimestampMicros(String t) throws BadValueException {
    Instant instant;
    try {
      if (t.length() == 10) {
        instant = LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
      } else {
        String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + 'T' + t.substring(11) : t;
        char last = iso.charAt(iso.length() - 1);
        boolean hasOffset =
            last == 'Z' || last == 'z' || iso.lastIndexOf('+') > 10 || iso.lastIndexOf('-') > 10;
        instant =
            hasOffset
                ? OffsetDateTime.parse(iso.replace('z', 'Z')).toInstant()
                : LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new BadValueException("'" + t + "' is not an ISO-8601 timestamp or date");
    }
    // Not ChronoUnit.MICROS.between: on Java 17 it counts nanoseconds first, which overflow beyond
    // 1677..2262 and would fail on common sentinels such as 9999-12-31.
    try {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    } catch (ArithmeticException e) {
      throw new BadValueException(
          "'" + t + "' is out of the range of timestamps (microseconds since 1970 must fit in 64 bits)");
    }
  }

  static boolean isInt(String t) {
    if (!INTEGER.matcher(t).matches()) {
      return false;
    }
    if (t.length() < 18) {
      return true;
    }
    try {
      Long.parseLong(t);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static boolean isFloat(String t) {
    if (DECIMAL.matcher(t).matches()) {
      return true;
    }
    switch (t.toLowerCase(Locale.ROOT)) {
      case "nan":
      case "inf":
      case "+inf":
      case "-inf":
      case "infinity":
      case "+infinity":
      case "-infinity":
        return true;
      default:
        return false;
    }
  }

  static boolean isBoolean(String t) {
    return t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false");
  }
}
