package dev.beamline.validation;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Timestamps (microseconds since the epoch, as {@link NumericStatistics} holds them) as ISO-8601 text in
 * UTC, for the report: {@code 2001-01-01} when every value shown is at midnight, else down to the
 * minute, second, millisecond or microsecond that the values need ({@code 2001-01-01T06:55Z}), and
 * spreads (a standard deviation) as durations ({@code 1.34 years}).
 *
 * <pre>{@code
 * TimestampText text = TimestampText.fitting(List.of(n.min(), n.max()));
 * String min = text.format(n.min());                    // "2012-01-01"
 * String spread = TimestampText.duration(n.stdDev());   // "421 days"
 * }</pre>
 */
final class TimestampText {
  static final long MICROS_PER_SECOND = 1_000_000L;
  static final long MICROS_PER_MINUTE = 60 * MICROS_PER_SECOND;
  static final long MICROS_PER_HOUR = 60 * MICROS_PER_MINUTE;
  static final long MICROS_PER_DAY = 24 * MICROS_PER_HOUR;
  /** The mean Gregorian year (146,097 days in 400 years). */
  private static final double MICROS_PER_YEAR = 365.2425 * MICROS_PER_DAY;

  /** The finest part of a timestamp that is shown; coarser precisions round to it. */
  enum Precision {
    DAY(MICROS_PER_DAY, ""),
    MINUTE(MICROS_PER_MINUTE, "'T'HH:mm'Z'"),
    SECOND(MICROS_PER_SECOND, "'T'HH:mm:ss'Z'"),
    MILLISECOND(1000, "'T'HH:mm:ss.SSS'Z'"),
    MICROSECOND(1, "'T'HH:mm:ss.SSSSSS'Z'");

    final long micros;
    final DateTimeFormatter time;

    Precision(long micros, String timePattern) {
      this.micros = micros;
      this.time = timePattern.isEmpty() ? null : DateTimeFormatter.ofPattern(timePattern, Locale.ROOT);
    }
  }

  private final Precision precision;

  private TimestampText(Precision precision) {
    this.precision = precision;
  }

  static TimestampText of(Precision precision) {
    return new TimestampText(precision);
  }

  /**
   * The coarsest precision that shows each of {@code micros} exactly (non-finite values ignored; days
   * when none is left). Give it values of the data (minimum, maximum, deciles), not a mean, which
   * seldom falls on a whole unit.
   */
  static TimestampText fitting(Iterable<Double> micros) {
    Precision finest = Precision.DAY;
    for (double v : micros) {
      if (!Double.isFinite(v)) {
        continue;
      }
      long m = Math.round(v);
      Precision p = Precision.DAY;
      while (p != Precision.MICROSECOND && Math.floorMod(m, p.micros) != 0) {
        p = Precision.values()[p.ordinal() + 1];
      }
      if (p.compareTo(finest) > 0) {
        finest = p;
      }
    }
    return new TimestampText(finest);
  }

  Precision precision() {
    return precision;
  }

  /** {@code micros} rounded to the nearest unit of this precision, as ISO-8601 text; "—" when not finite. */
  String format(double micros) {
    if (!Double.isFinite(micros)) {
      return "—";
    }
    long units = (long) Math.floor(micros / precision.micros + 0.5);
    return format(Math.multiplyExact(units, precision.micros), precision);
  }

  /** {@code micros}, truncated to {@code precision}, as ISO-8601 text in UTC. */
  static String format(long micros, Precision precision) {
    LocalDateTime t = dateTime(micros);
    String date = t.toLocalDate().toString();
    return precision.time == null ? date : date + t.format(precision.time);
  }

  /** The UTC date and time of {@code micros} since the epoch. */
  static LocalDateTime dateTime(long micros) {
    Instant i = Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1000);
    return LocalDateTime.ofInstant(i, ZoneOffset.UTC);
  }

  /**
   * A length of time in {@code micros} in the largest unit it reaches (years of 365.2425 days, days,
   * h, min, s, ms, µs), to three significant digits: {@code "1.34 years"}, {@code "71.2 days"}.
   */
  static String duration(double micros) {
    if (!Double.isFinite(micros)) {
      return "—";
    }
    double abs = Math.abs(micros);
    double[] sizes = {MICROS_PER_YEAR, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, 1000, 1};
    String[] names = {"years", "days", "h", "min", "s", "ms", "µs"};
    int u = 0;
    while (u < sizes.length - 1 && abs < sizes[u]) {
      u++;
    }
    double v = micros / sizes[u];
    double a = Math.abs(v);
    // Three significant digits without an exponent: 1.34, 71.2, 421 (and 1,234 for many years).
    String digits = a >= 100 || a == 0 ? String.format(Locale.ROOT, "%,.0f", v)
        : a >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    return digits + " " + names[u];
  }
}
