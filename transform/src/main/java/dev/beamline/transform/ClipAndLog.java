package dev.beamline.transform;

import java.io.Serializable;

/** Steps 2 and 3 of a numeric transform: clip to {@code [clipMin, clipMax]}, then {@code ln(x + logOffset)}. */
final class ClipAndLog implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double low;
  private final double high;
  private final boolean log;
  private final double offset;

  private ClipAndLog(double low, double high, boolean log, double offset) {
    this.low = low;
    this.high = high;
    this.log = log;
    this.offset = offset;
  }

  static ClipAndLog of(FeatureTransform f) {
    return new ClipAndLog(
        f.clipMin() == null ? Double.NEGATIVE_INFINITY : f.clipMin(),
        f.clipMax() == null ? Double.POSITIVE_INFINITY : f.clipMax(),
        f.logOffset() != null,
        f.logOffset() == null ? 0 : f.logOffset());
  }

  double apply(double x) {
    // Comparisons keep NaN as it is, as TensorFlow's clip_by_value does.
    if (x < low) {
      x = low;
    }
    if (x > high) {
      x = high;
    }
    return log ? Math.log(x + offset) : x;
  }
}
