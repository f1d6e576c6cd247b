package dev.beamline.transform;

/**
 * Computes one transformed value from one raw value with the constants of a {@link FittedFeature},
 * exactly as {@link FeatureTransform} defines it. Built once per fitted transform; thread-safe.
 */
interface FeatureApplier {
  /**
   * The output value: a {@code Float} (FLOAT), a {@code Long} (ID), a {@code List<Long>} (IDS) or a
   * {@code List<Float>} (VECTOR). A cross takes the {@code Object[]} of its crossed features' raw
   * values.
   */
  Object apply(Object raw);

  static FeatureApplier of(FittedFeature f) {
    if (f.spec().isCross()) {
      return new CrossApplier(f);
    }
    switch (f.inputType()) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        return new NumericApplier(f);
      case TIMESTAMP:
        return new TimePartApplier(f);
      case STRING:
        return new StringApplier(f);
      default:
        throw new AssertionError(f.inputType());
    }
  }

  /** A one-hot vector of {@code width} with 1 at {@code id}; all 0 for id -1. */
  static FloatVector oneHot(long id, int width) {
    float[] v = new float[width];
    if (id >= 0) {
      v[(int) id] = 1f;
    }
    return new FloatVector(v);
  }
}
