package dev.beamline.validation;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the ticks of a chart axis go and what they read: round numbers (steps of 1, 2 or 5 times a
 * power of ten, labelled compactly: {@code 500k}, {@code 1.5M}) or, for timestamps, round instants in
 * UTC labelled in ISO-8601 ({@code 2012}, {@code 2012-03}, {@code 2012-03-05}, or {@code 14:00} over the
 * date where it changes). The domain is extended to whole steps, so that the first and last tick sit at
 * the ends of the axis (as d3's {@code scale.nice()}).
 *
 * <pre>{@code
 * AxisTicks.Axis x = AxisTicks.numbers(-1.6, 35.6, 8);   // -5 to 40, a tick every 5
 * AxisTicks.Axis t = AxisTicks.instants(min, max, 5);   // e.g. a tick at the start of every year
 * }</pre>
 */
final class AxisTicks {
  /** A tick: its value and its label, one or two lines. */
  record Tick(double value, List<String> lines) {
    Tick {
      lines = List.copyOf(lines);
    }
  }

  /** The ticks of an axis, and the domain they span (the requested one, extended to whole steps). */
  record Axis(double low, double high, List<Tick> ticks) {
    Axis {
      ticks = List.copyOf(ticks);
    }
  }

  private static final String MINUS = "−";
  private static final double[] SCALES = {1e12, 1e9, 1e6, 1e3};
  private static final String[] SUFFIXES = {"T", "B", "M", "k"};

  private AxisTicks() {}

  /**
   * About {@code intervals} (at most, before the extension to whole steps) round-number steps over
   * {@code [low, high]}; every label ends with {@code suffix} (e.g. "%").
   */
  static Axis numbers(double low, double high, int intervals, String suffix) {
    if (!(high > low)) {
      return new Axis(low, high, List.of(new Tick(low, List.of(number(low, 1) + suffix))));
    }
    double step = niceStep((high - low) / Math.max(1, intervals));
    long first = (long) Math.floor(low / step + 1e-9);
    long last = (long) Math.ceil(high / step - 1e-9);
    List<Tick> ticks = new ArrayList<>();
    for (long i = first; i <= last; i++) {
      ticks.add(new Tick(i * step, List.of(number(i * step, step) + suffix)));
    }
    return new Axis(first * step, last * step, ticks);
  }

  static Axis numbers(double low, double high, int intervals) {
    return numbers(low, high, intervals, "");
  }

  /** The smallest of 1, 2, 5 and 10 times a power of ten that is at least {@code raw}. */
  static double niceStep(double raw) {
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / power;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nice * power;
  }

  /**
   * {@code v} as an axis label for ticks {@code step} apart: thousands, millions, billions and trillions
   * as k, M, B and T, with as many decimals as the step needs, trailing zeros dropped: {@code 0},
   * {@code 2.5}, {@code 500k}, {@code 1.5M}, {@code −20}.
   */
  static String number(double v, double step) {
    if (v == 0 || Math.abs(v) < step * 1e-9) {
      return "0";
    }
    double abs = Math.abs(v);
    if (abs >= 1e15) {
      return String.format(Locale.ROOT, "%.3g", v).replace("-", MINUS);
    }
    double scale = 1;
    String suffix = "";
    for (int i = 0; i < SCALES.length; i++) {
      if (abs >= SCALES[i]) {
        scale = SCALES[i];
        suffix = SUFFIXES[i];
        break;
      }
    }
    int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9));
    String digits = String.format(Locale.ROOT, "%." + decimals + "f", v / scale);
    if (digits.contains(".")) {
      digits = digits.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return digits.replace("-", MINUS) + suffix;
  }

  /** Calendar steps for time axes, smallest first. */
  private enum Unit {
    MICROSECONDS(1), MILLISECONDS(1000), SECONDS(TimestampText.MICROS_PER_SECOND), MINUTES(TimestampText.MICROS_PER_MINUTE),
    HOURS(TimestampText.MICROS_PER_HOUR), DAYS(TimestampText.MICROS_PER_DAY), WEEKS(7 * TimestampText.MICROS_PER_DAY),
    MONTHS(30.436875 * TimestampText.MICROS_PER_DAY), YEARS(365.2425 * TimestampText.MICROS_PER_DAY);

    final double micros;

    Unit(double micros) {
      this.micros = micros;
    }
  }

  private record Interval(Unit unit, long amount) {
    double micros() {
      return unit.micros * amount;
    }
  }

  private static final List<Interval> INTERVALS = intervals();
  private static final LocalDateTime EPOCH = LocalDateTime.of(1970, 1, 1, 0, 0);

  private static List<Interval> intervals() {
    List<Interval> all = new ArrayList<>();
    for (long n : new long[] {1, 2, 5, 10, 20, 50, 100, 200, 500}) {
      all.add(new Interval(Unit.MICROSECONDS, n));
    }
    for (long n : new long[] {1, 2, 5, 10, 20, 50, 100, 200, 500}) {
      all.add(new Interval(Unit.MILLISECONDS, n));
    }
    for (long n : new long[] {1, 2, 5, 10, 15, 30}) {
      all.add(new Interval(Unit.SECONDS, n));
    }
    for (long n : new long[] {1, 2, 5, 10, 15, 30}) {
      all.add(new Interval(Unit.MINUTES, n));
    }
    for (long n : new long[] {1, 2, 3, 6, 12}) {
      all.add(new Interval(Unit.HOURS, n));
    }
    all.add(new Interval(Unit.DAYS, 1));
    all.add(new Interval(Unit.DAYS, 2));
    all.add(new Interval(Unit.WEEKS, 1));
    for (long n : new long[] {1, 2, 3, 6}) {
      all.add(new Interval(Unit.MONTHS, n));
    }
    return all;
  }

  /**
   * Ticks at round instants over {@code [low, high]} (microseconds since the epoch), at most about
   * {@code intervals} steps apart: the smallest calendar step (1 µs to 500 ms, 1 to 30 s or min, 1 to
   * 12 h, 1 or 2 days, a week starting on Monday, 1 to 6 months, or 1, 2 or 5 times a power of ten
   * years) that gives no more steps than that.
   */
  static Axis instants(double low, double high, int intervals) {
    long lo = (long) Math.floor(low);
    long hi = (long) Math.ceil(high);
    if (hi <= lo) {
      return new Axis(lo, lo, List.of(new Tick(lo, List.of(TimestampText.format(lo, TimestampText.Precision.MICROSECOND)))));
    }
    double raw = (double) (hi - lo) / Math.max(1, intervals);
    Interval interval = null;
    for (Interval i : INTERVALS) {
      if (i.micros() >= raw) {
        interval = i;
        break;
      }
    }
    if (interval == null) {
      interval = new Interval(Unit.YEARS, Math.max(1, (long) niceStep(raw / Unit.YEARS.micros)));
    }
    List<Long> values = new ArrayList<>();
    long t = floor(lo, interval);
    values.add(t);
    while (t < hi) {
      t = next(t, interval);
      values.add(t);
    }
    List<Tick> ticks = new ArrayList<>();
    LocalDate previousDate = null;
    for (long v : values) {
      LocalDateTime d = TimestampText.dateTime(v);
      List<String> lines = switch (interval.unit()) {
        case YEARS -> List.of(String.valueOf(d.getYear()));
        case MONTHS -> List.of(YearMonth.from(d).toString());
        case DAYS, WEEKS -> List.of(d.toLocalDate().toString());
        default -> {
          String time = d.format(TIME_FORMATS.get(interval.unit().ordinal()));
          // The date only where it changes, under the time: the axis reads like a calendar.
          yield d.toLocalDate().equals(previousDate) ? List.of(time) : List.of(time, d.toLocalDate().toString());
        }
      };
      previousDate = d.toLocalDate();
      ticks.add(new Tick(v, lines));
    }
    return new Axis(values.get(0), values.get(values.size() - 1), ticks);
  }

  /** Time of day formats, by {@link Unit} ordinal, for the units shorter than a day. */
  private static final List<DateTimeFormatter> TIME_FORMATS = List.of(
      DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT), DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT),
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT), DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT),
      DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT));

  /** The last instant at or before {@code micros} that is a whole number of {@code interval}s. */
  private static long floor(long micros, Interval interval) {
    LocalDateTime d = TimestampText.dateTime(micros);
    switch (interval.unit()) {
      case MONTHS: {
        long month = Math.floorDiv(d.getYear() * 12L + d.getMonthValue() - 1, interval.amount()) * interval.amount();
        return micros(LocalDate.of((int) Math.floorDiv(month, 12), (int) Math.floorMod(month, 12) + 1, 1).atStartOfDay());
      }
      case YEARS: {
        long year = Math.floorDiv(d.getYear(), interval.amount()) * interval.amount();
        return micros(LocalDate.of((int) year, 1, 1).atStartOfDay());
      }
      default: {
        long size = (long) interval.micros();
        // Weeks start on Monday; the epoch, 1970-01-01, was a Thursday.
        long offset = interval.unit() == Unit.WEEKS ? 4 * TimestampText.MICROS_PER_DAY : 0;
        return Math.floorDiv(micros - offset, size) * size + offset;
      }
    }
  }

  private static long next(long micros, Interval interval) {
    return switch (interval.unit()) {
      case MONTHS -> micros(TimestampText.dateTime(micros).plusMonths(interval.amount()));
      case YEARS -> micros(TimestampText.dateTime(micros).plusYears(interval.amount()));
      default -> micros + (long) interval.micros();
    };
  }

  private static long micros(LocalDateTime t) {
    return ChronoUnit.MICROS.between(EPOCH, t);
  }
}
