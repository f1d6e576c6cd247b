package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.TimePart;

/** The hour of day or day of week of a timestamp, the fitted part when missing; see {@link FeatureTransform}. */
final class TimePartApplier implements FeatureApplier {
  private final TimePart part;
  private final long impute;
  private final boolean oneHot;
  private final int cardinality;

  TimePartApplier(FittedFeature f) {
    this.part = f.spec().timePart();
    this.impute = (long) (double) f.imputeNumber();
    this.oneHot = f.kind() == OutputKind.VECTOR;
    this.cardinality = f.cardinality();
  }

  @Override
  public Object apply(Object raw) {
    long id = raw == null ? impute : TimeParts.part(part, RawValue.micros(raw));
    return oneHot ? FeatureApplier.oneHot(id, cardinality) : (Object) id;
  }
}
