package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.TimePart;

/** The parts of a UTC timestamp that become categorical ids, as {@link FeatureTransform} defines them. */
final class TimeParts {
  static final long MICROS_PER_DAY = 86_400_000_000L;
  static final long MICROS_PER_HOUR = 3_600_000_000L;

  private TimeParts() {}

  /** The part of {@code micros}: hour 0–23, or day of week 0–6 with 0 = Monday (1970-01-01 was a Thursday, 3). */
  static int part(TimePart part, long micros) {
    switch (part) {
      case HOUR_OF_DAY:
        return (int) (Math.floorMod(micros, MICROS_PER_DAY) / MICROS_PER_HOUR);
      case DAY_OF_WEEK:
        return (int) Math.floorMod(Math.floorDiv(micros, MICROS_PER_DAY) + 3, 7);
      default:
        throw new AssertionError(part);
    }
  }

  /** How many values the part has: 24 or 7. */
  static int cardinality(TimePart part) {
    return part == TimePart.HOUR_OF_DAY ? 24 : 7;
  }
}
