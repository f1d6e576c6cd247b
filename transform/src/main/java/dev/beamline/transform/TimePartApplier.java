package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;

/**
 * A part of a timestamp: an id (or its one-hot vector), its point on the circle (cyclical), or the
 * year as a number, optionally scaled; see {@link FeatureTransform}.
 */
final class TimePartApplier implements FeatureApplier {
  private static final FloatVector CENTRE = new FloatVector(new float[] {0f, 0f});

  private final TimePart part;
  private final Encoding encoding;
  private final int cardinality;
  /** The id (or year) of a missing timestamp; unused when cyclical. */
  private final double impute;
  private final Scale scale;
  private final double mean;
  private final double std;
  private final double min;
  private final double max;

  TimePartApplier(FittedFeature f) {
    this.part = f.spec().timePart();
    this.encoding = f.spec().effectiveEncoding();
    this.cardinality = f.cardinality();
    this.impute = f.imputeNumber() == null ? -1 : f.imputeNumber();
    this.scale = f.spec().scale();
    this.mean = f.mean() == null ? 0 : f.mean();
    this.std = f.std() == null ? 0 : f.std();
    this.min = f.min() == null ? 0 : f.min();
    this.max = f.max() == null ? 0 : f.max();
  }

  @Override
  public Object apply(Object raw) {
    if (part == TimePart.YEAR) {
      double year = raw == null ? impute : TimeParts.part(part, RawValue.micros(raw));
      return (float) scale(year);
    }
    if (encoding == Encoding.CYCLICAL) {
      return raw == null ? CENTRE : new FloatVector(TimeParts.cyclical(part, RawValue.micros(raw)));
    }
    long id = raw == null ? (long) impute : TimeParts.part(part, RawValue.micros(raw));
    return encoding == Encoding.ONE_HOT ? FeatureApplier.oneHot(id, cardinality) : (Object) id;
  }

  /** The year after the scaling that {@link NumericApplier} applies to a number. */
  private double scale(double x) {
    if (scale == Scale.Z_SCORE) {
      return std == 0 ? x - mean : (x - mean) / std;
    }
    if (scale == Scale.MIN_MAX) {
      return max == min ? 0 : (x - min) / (max - min);
    }
    return x;
  }
}
