package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the pipeline file writes them: a whole number and a unit, {@code 90s}, {@code 30m},
 * {@code 12h}, {@code 7d}, {@code 2w}, or ISO-8601 ({@code PT36H}); and back, in the largest unit that
 * divides them ({@code 86400} seconds is {@code 1d}), so that the canonical parameters are the same
 * whatever spelling was used.
 *
 * <pre>{@code
 * Duration d = DurationText.parse("7d");   // PT168H
 * String s = DurationText.format(d);       // "7d"
 * }</pre>
 */
public final class DurationText {
  private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*([smhdw])");

  private DurationText() {}

  /**
   * The duration {@code text} names; positive.
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Duration parse(String text) {
    checkArgument(text != null && !text.isBlank(), "a duration is a number and a unit such as 7d, 12h, 30m, 90s; got '%s'", text);
    String t = text.trim().toLowerCase(Locale.ROOT);
    Duration d;
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("duration '" + text + "' is too long", e);
      }
      d = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofDays(Math.multiplyExact(n, 7));
      };
    } else {
      try {
        d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "'" + text + "' is not a duration: write a whole number and a unit (s, m, h, d, w), such as 7d or 12h, or ISO-8601 such as PT36H");
      }
    }
    checkArgument(!d.isNegative() && !d.isZero(), "a duration must be positive; got '%s'", text);
    checkArgument(d.getNano() == 0, "a duration is whole seconds; got '%s'", text);
    return d;
  }

  /** {@code d} in the largest of d, h, m, s that divides it: {@code 7d}, {@code 36h}, {@code 90s} (weeks as days). */
  public static String format(Duration d) {
    long s = d.getSeconds();
    long[] sizes = {86_400L, 3_600L, 60L};
    String[] units = {"d", "h", "m"};
    for (int i = 0; i < sizes.length; i++) {
      if (s % sizes[i] == 0) {
        return s / sizes[i] + units[i];
      }
    }
    return s + "s";
  }
}
