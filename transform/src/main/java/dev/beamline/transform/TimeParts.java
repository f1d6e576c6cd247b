package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.TimePart;
import java.time.LocalDate;
import java.time.temporal.IsoFields;

/**
 * The parts of a UTC timestamp, as {@link FeatureTransform} defines them: the id of a categorical part
 * (0-based), the year, and the period of a part's cyclical encoding. Dates are {@link LocalDate}'s
 * (proleptic Gregorian, ISO-8601 weeks), an implementation independent of the integer arithmetic of
 * the TensorFlow graph, which tests hold to the same values.
 */
final class TimeParts {
  static final long MICROS_PER_DAY = 86_400_000_000L;
  static final long MICROS_PER_HOUR = 3_600_000_000L;
  static final long MICROS_PER_MINUTE = 60_000_000L;

  private TimeParts() {}

  /**
   * The id of {@code part} of {@code micros}, or the year for {@link TimePart#YEAR}: minute 0–59, hour
   * 0–23, day of week 0–6 with 0 = Monday (1970-01-01 was a Thursday, 3), day of month − 1, day of year
   * − 1, ISO week − 1, month − 1.
   */
  static long part(TimePart part, long micros) {
    switch (part) {
      case MINUTE:
        return Math.floorMod(micros, MICROS_PER_HOUR) / MICROS_PER_MINUTE;
      case HOUR_OF_DAY:
        return Math.floorMod(micros, MICROS_PER_DAY) / MICROS_PER_HOUR;
      case DAY_OF_WEEK:
        return Math.floorMod(Math.floorDiv(micros, MICROS_PER_DAY) + 3, 7);
      case DAY_OF_MONTH:
        return date(micros).getDayOfMonth() - 1;
      case DAY_OF_YEAR:
        return date(micros).getDayOfYear() - 1;
      case WEEK_OF_YEAR:
        return date(micros).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR) - 1;
      case MONTH:
        return date(micros).getMonthValue() - 1;
      case YEAR:
        return date(micros).getYear();
      default:
        throw new AssertionError(part);
    }
  }

  /**
   * The period of the cyclical encoding of {@code part} at {@code micros}: 60, 24, 7, the days of the
   * month (28–31), the days of the year (365 or 366), the weeks of the ISO year (52 or 53), 12.
   */
  static long period(TimePart part, long micros) {
    switch (part) {
      case DAY_OF_MONTH:
        return date(micros).lengthOfMonth();
      case DAY_OF_YEAR:
        return date(micros).lengthOfYear();
      case WEEK_OF_YEAR:
        return date(micros).range(IsoFields.WEEK_OF_WEEK_BASED_YEAR).getMaximum();
      case YEAR:
        throw new IllegalArgumentException("the year is not cyclical");
      default:
        return cardinality(part);
    }
  }

  /** {@code [sin(2π v / p), cos(2π v / p)]} for the id {@code v} and period {@code p} of {@code part} at {@code micros}. */
  static float[] cyclical(TimePart part, long micros) {
    double angle = 2 * Math.PI * part(part, micros) / period(part, micros);
    return new float[] {(float) Math.sin(angle), (float) Math.cos(angle)};
  }

  /** How many ids the part has: 60, 24, 7, 31, 366, 53, 12; 0 for the year, a number. */
  static int cardinality(TimePart part) {
    switch (part) {
      case MINUTE:
        return 60;
      case HOUR_OF_DAY:
        return 24;
      case DAY_OF_WEEK:
        return 7;
      case DAY_OF_MONTH:
        return 31;
      case DAY_OF_YEAR:
        return 366;
      case WEEK_OF_YEAR:
        return 53;
      case MONTH:
        return 12;
      case YEAR:
        return 0;
      default:
        throw new AssertionError(part);
    }
  }

  private static LocalDate date(long micros) {
    return LocalDate.ofEpochDay(Math.floorDiv(micros, MICROS_PER_DAY));
  }
}
