package dev.beamline.training;

/**
 * A batch of transformed examples as primitive arrays, one per column, row-major: a {@code float[]}
 * for FLOAT and VECTOR columns, a {@code long[]} for ID and IDS columns.
 *
 * <pre>{@code
 * float[] x = batch.floats(0);   // size * width values
 * }</pre>
 */
final class Batch {
  final int size;
  final Object[] columns;

  Batch(int size, Object[] columns) {
    this.size = size;
    this.columns = columns;
  }

  float[] floats(int column) {
    return (float[]) columns[column];
  }

  long[] longs(int column) {
    return (long[]) columns[column];
  }
}
