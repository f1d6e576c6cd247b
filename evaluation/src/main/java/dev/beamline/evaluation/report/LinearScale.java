package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkArgument;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * A linear map from data values (the domain) to pixels (the range), with "nice" ticks: steps of 1, 2 or 5 times
 * a power of ten, as in Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990), taking the round step at
 * or above {@code span / count} (his {@code nicenum} without rounding) so an axis never gets more ticks than asked
 * for plus one. A range may run backwards, as a y axis does in SVG (down the page is up the scale).
 *
 * <pre>{@code
 * LinearScale y = new LinearScale(0, 1, 276, 16);
 * y.map(0.5);    // 146.0
 * y.ticks(5);    // [0, 0.2, 0.4, 0.6, 0.8, 1]
 *
 * BigDecimal step = LinearScale.step(898.5, 5);                       // 200
 * LinearScale r = new LinearScale(-492.8, 405.7, 0, 1).nice(step);   // domain [-600, 600]
 * r.ticks(step);                                                      // [-600, -400, ..., 600]
 * }</pre>
 *
 * @param domainLow the data value drawn at {@code rangeLow}
 * @param domainHigh the data value drawn at {@code rangeHigh}
 * @param rangeLow the pixel of {@code domainLow}
 * @param rangeHigh the pixel of {@code domainHigh}
 */
record LinearScale(double domainLow, double domainHigh, double rangeLow, double rangeHigh) {

  LinearScale {
    checkArgument(Double.isFinite(domainLow) && Double.isFinite(domainHigh) && domainLow <= domainHigh,
        "domain must be finite with low <= high, got [%s, %s]", domainLow, domainHigh);
  }

  /** The pixel of {@code v}; the middle of the range when the domain is a single value. */
  double map(double v) {
    if (domainHigh == domainLow) {
      return (rangeLow + rangeHigh) / 2;
    }
    return rangeLow + (v - domainLow) / (domainHigh - domainLow) * (rangeHigh - rangeLow);
  }

  /**
   * About {@code count} evenly spaced round values inside the domain, ends included when they are round. Computed
   * in decimal so that they print as {@code 0.3} rather than {@code 0.30000000000000004}.
   */
  List<Double> ticks(int count) {
    checkArgument(count >= 1, "count must be at least 1, got %s", count);
    if (domainHigh == domainLow) {
      return List.of(domainLow);
    }
    return ticks(step(domainHigh - domainLow, count));
  }

  /** The multiples of {@code step} inside the domain, in order. */
  List<Double> ticks(BigDecimal step) {
    checkArgument(step.signum() > 0, "step must be positive, got %s", step);
    List<Double> ticks = new ArrayList<>();
    BigDecimal low = BigDecimal.valueOf(domainLow);
    BigDecimal high = BigDecimal.valueOf(domainHigh);
    BigDecimal t = low.divide(step, 0, RoundingMode.CEILING).multiply(step);
    for (; t.compareTo(high) <= 0; t = t.add(step)) {
      ticks.add(t.doubleValue());
    }
    return ticks;
  }

  /**
   * This scale with its domain widened outward to multiples of {@code step}, so that the axis starts and ends on a
   * tick. Draw its ticks with the same {@code step}: asking the widened domain for a count of ticks again may pick a
   * coarser step that misses its ends.
   */
  LinearScale nice(BigDecimal step) {
    checkArgument(step.signum() > 0, "step must be positive, got %s", step);
    double low = BigDecimal.valueOf(domainLow).divide(step, 0, RoundingMode.FLOOR).multiply(step).doubleValue();
    double high = BigDecimal.valueOf(domainHigh).divide(step, 0, RoundingMode.CEILING).multiply(step).doubleValue();
    return new LinearScale(low, high, rangeLow, rangeHigh);
  }

  /** The round step nearest above {@code span / count}: 1, 2 or 5 times a power of ten. */
  static BigDecimal step(double span, int count) {
    checkArgument(span > 0 && Double.isFinite(span), "span must be positive and finite, got %s", span);
    checkArgument(count >= 1, "count must be at least 1, got %s", count);
    double raw = span / count;
    int exponent = (int) Math.floor(Math.log10(raw));
    double fraction = raw / Math.pow(10, exponent);
    // The tolerance keeps 0.2 / 0.1 = 2.0000000000000004, were it to happen, a 2 rather than a 5.
    double f = fraction * (1 - 1e-9);
    int nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return BigDecimal.valueOf(nice).scaleByPowerOfTen(exponent);
  }
}
