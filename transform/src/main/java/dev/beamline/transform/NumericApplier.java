package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.Scale;

/** Impute, clip, log, then z-score, min-max, bucketize or binarize; see {@link FeatureTransform}. */
final class NumericApplier implements FeatureApplier {
  private enum Final {
    NONE,
    Z_SCORE,
    MIN_MAX,
    BUCKETIZE,
    BINARIZE
  }

  private final double impute;
  private final ClipAndLog steps;
  private final Final last;
  private final double mean;
  private final double std;
  private final double min;
  private final double max;
  private final double[] boundaries;
  private final double threshold;
  private final boolean oneHot;
  private final int cardinality;

  NumericApplier(FittedFeature f) {
    FeatureTransform spec = f.spec();
    this.impute = f.imputeNumber();
    this.steps = ClipAndLog.of(spec);
    if (spec.bucketize() != null) {
      last = Final.BUCKETIZE;
    } else if (spec.binarize() != null) {
      last = Final.BINARIZE;
    } else if (spec.scale() == Scale.Z_SCORE) {
      last = Final.Z_SCORE;
    } else if (spec.scale() == Scale.MIN_MAX) {
      last = Final.MIN_MAX;
    } else {
      last = Final.NONE;
    }
    this.mean = f.mean() == null ? 0 : f.mean();
    this.std = f.std() == null ? 0 : f.std();
    this.min = f.min() == null ? 0 : f.min();
    this.max = f.max() == null ? 0 : f.max();
    this.boundaries = f.boundaries();
    this.threshold = spec.binarize() == null ? 0 : spec.binarize();
    this.oneHot = f.kind() == OutputKind.VECTOR;
    this.cardinality = f.cardinality();
  }

  @Override
  public Object apply(Object raw) {
    double x = RawValue.number(raw);
    if (Double.isNaN(x)) {
      x = impute;
    }
    x = steps.apply(x);
    switch (last) {
      case NONE:
        return (float) x;
      case Z_SCORE:
        return (float) (std == 0 ? x - mean : (x - mean) / std);
      case MIN_MAX:
        return (float) (max == min ? 0 : (x - min) / (max - min));
      case BUCKETIZE:
        return id(bucket(x));
      case BINARIZE:
        return id(x > threshold ? 1 : 0);
      default:
        throw new AssertionError(last);
    }
  }

  private Object id(long id) {
    return oneHot ? FeatureApplier.oneHot(id, cardinality) : (Object) id;
  }

  /** The number of boundaries {@code <= x} (0 for NaN), by binary search. */
  private long bucket(double x) {
    int lo = 0;
    int hi = boundaries.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (boundaries[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
