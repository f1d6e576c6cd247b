package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.Encoding;
import java.util.List;

/**
 * A hashed cross of the ids of other transformed features; see {@link FeatureTransform}. Its raw value
 * is an {@code Object[]}: the raw value of each crossed feature's input, in the order of {@code
 * cross}.
 */
final class CrossApplier implements FeatureApplier {
  /** What joins the crossed ids into one key, as in TensorFlow's crossed-column names ({@code a_X_b}). */
  static final String SEPARATOR = "_X_";

  private final FeatureApplier[] ids;
  private final long buckets;
  private final boolean oneHot;
  private final int cardinality;

  CrossApplier(FittedFeature f) {
    List<FittedFeature> crossed = f.crossed();
    this.ids = new FeatureApplier[crossed.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = FeatureApplier.of(crossed.get(i).asId());
    }
    this.buckets = f.spec().hashBuckets();
    this.oneHot = f.spec().effectiveEncoding() == Encoding.ONE_HOT;
    this.cardinality = f.cardinality();
  }

  @Override
  public Object apply(Object raw) {
    Object[] values = (Object[]) raw;
    return oneHot ? FeatureApplier.oneHot(id(values), cardinality) : (Object) id(values);
  }

  private long id(Object[] values) {
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      long v = (Long) ids[i].apply(values[i]);
      if (v < 0) {
        // A feature without an id leaves the cross without one.
        return -1;
      }
      key.append(i == 0 ? "" : SEPARATOR).append(v);
    }
    return Fingerprint.bucket(key.toString(), buckets);
  }
}
