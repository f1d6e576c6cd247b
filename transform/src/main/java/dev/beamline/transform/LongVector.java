package dev.beamline.transform;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A fixed-size list of longs over a primitive array: the value of an {@link OutputKind#IDS} field.
 *
 * <pre>{@code
 * List<Long> ids = new LongVector(new long[] {4, 0, -1});
 * }</pre>
 */
final class LongVector extends AbstractList<Long> implements RandomAccess {
  private final long[] values;

  LongVector(long[] values) {
    this.values = values;
  }

  @Override
  public Long get(int index) {
    return values[index];
  }

  @Override
  public int size() {
    return values.length;
  }
}
