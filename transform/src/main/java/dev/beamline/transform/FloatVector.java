package dev.beamline.transform;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A fixed-size list of floats over a primitive array: the value of a {@link OutputKind#VECTOR} field.
 * Avro and Parquet write any {@code Collection}; this one stores no boxed element.
 *
 * <pre>{@code
 * List<Float> oneHot = new FloatVector(new float[] {0f, 1f, 0f});
 * }</pre>
 */
final class FloatVector extends AbstractList<Float> implements RandomAccess {
  private final float[] values;

  FloatVector(float[] values) {
    this.values = values;
  }

  @Override
  public Float get(int index) {
    return values[index];
  }

  @Override
  public int size() {
    return values.length;
  }
}
