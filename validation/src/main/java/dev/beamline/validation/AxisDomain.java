package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Optional;

/**
 * The range of values an x-axis spans. Histograms that the report shows side by side (the splits of a
 * feature, its baseline, a skew dataset) share one: the union of their ranges, so that the same value
 * sits at the same place in every chart and their bars line up.
 *
 * <pre>{@code
 * AxisDomain x = AxisDomain.union(List.of(train.equalWidth(), eval.equalWidth())).orElseThrow();
 * }</pre>
 */
record AxisDomain(double low, double high) {
  AxisDomain {
    checkArgument(Double.isFinite(low) && Double.isFinite(high) && low <= high, "axis domain must be finite with low <= high, got [%s, %s]", low, high);
  }

  /**
   * From the lowest bucket boundary of {@code histograms} to the highest; empty when none has a bucket.
   * Non-finite boundaries (which statistics never hold) are ignored.
   */
  static Optional<AxisDomain> union(Iterable<Histogram> histograms) {
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (Histogram h : histograms) {
      for (Bucket b : h.buckets()) {
        for (double v : new double[] {b.low(), b.high()}) {
          if (Double.isFinite(v)) {
            low = Math.min(low, v);
            high = Math.max(high, v);
          }
        }
      }
    }
    return low <= high ? Optional.of(new AxisDomain(low, high)) : Optional.empty();
  }

  double width() {
    return high - low;
  }

  /**
   * This domain, or around its one value when it has no width (every value equal): a day either side
   * for timestamps, else 1 either side of 0 or 10% of the value's size either side of another value.
   */
  AxisDomain widened(boolean timestamps) {
    if (high > low) {
      return this;
    }
    double pad = timestamps ? TimestampText.MICROS_PER_DAY : low == 0 ? 1 : Math.abs(low) / 10;
    return new AxisDomain(low - pad, high + pad);
  }
}
