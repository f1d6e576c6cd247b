package dev.beamline.runner.watch;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as a watch's options write them: a number and a unit, {@code ms}, {@code s}, {@code m},
 * {@code h} or {@code d} ({@code 500ms}, {@code 30s}, {@code 1.5h}, {@code 1d}); a bare number is seconds.
 *
 * <pre>{@code
 * DurationText.parse("1d");                      // PT24H
 * DurationText.format(Duration.ofMinutes(90));   // "90m"
 * }</pre>
 */
public final class DurationText {
  private static final Pattern TEXT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

  private DurationText() {}

  /**
   * The duration {@code text} names.
   *
   * @throws IllegalArgumentException when it is not a number followed by ms, s, m, h or d, or is zero
   */
  public static Duration parse(String text) {
    Matcher m = TEXT.matcher(text == null ? "" : text.trim());
    checkArgument(m.matches(), "duration '%s' is not a number followed by ms, s, m, h or d (e.g. 30s, 1d)", text);
    double value = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    long perUnit =
        switch (unit) {
          case "ms" -> 1;
          case "s" -> 1_000;
          case "m" -> 60_000;
          case "h" -> 3_600_000;
          default -> 86_400_000;
        };
    long millis = Math.round(value * perUnit);
    checkArgument(millis > 0, "duration '%s' must be positive", text);
    return Duration.ofMillis(millis);
  }

  /** {@code d} in the largest unit that writes it as a whole number: {@code 1d}, {@code 90m}, {@code 30s}, {@code 250ms}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
