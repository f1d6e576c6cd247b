package dev.beamline.training;

import dev.beamline.core.DataCheckException;
import dev.beamline.ingest.parquet.ColumnChunkDecoder;
import dev.beamline.ingest.parquet.ColumnarFile;
import dev.beamline.ingest.parquet.DecodedValues;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Reads chosen columns of one transformed Parquet shard straight into primitive arrays, column by
 * column, without building a record per row: the fast input path of training. The columns are decoded
 * by ingest's {@link ColumnChunkDecoder} (only the requested columns are read from disk, and only one
 * row group's pages are held at a time); this class checks them against the transformed layout and lays
 * them out as arrays.
 *
 * <p>A FLOAT column yields one float per row, VECTOR {@code width} floats, ID one long, IDS {@code
 * width} longs; every value must be present (the transformed layout has no nulls).
 *
 * <pre>{@code
 * try (ShardReader r = new ShardReader(path, columns)) {
 *   int n = r.read(arrays, 0, 1024);   // arrays[c] is a float[] or long[] of 1024 * width(c)
 * }
 * }</pre>
 */
final class ShardReader implements AutoCloseable {
  /** One column to read: the transformed feature's name, kind and width (1 for scalars). */
  record Column(String name, OutputKind kind, int width) {
    boolean floats() {
      return kind == OutputKind.FLOAT || kind == OutputKind.VECTOR;
    }

    Object newArray(int rows) {
      return floats() ? new float[rows * width] : new long[rows * width];
    }
  }

  private final String path;
  private final List<Column> columns;
  private final ColumnarFile file;
  private final ColumnDescriptor[] descriptors;
  private final DecodedValues[] values;
  private ColumnChunkDecoder[] chunks;
  private int nextGroup;
  private long rowsLeftInGroup;

  ShardReader(String path, List<Column> columns) throws IOException {
    this.path = path;
    this.columns = List.copyOf(columns);
    this.file = ColumnarFile.open(path);
    try {
      this.descriptors = new ColumnDescriptor[columns.size()];
      this.values = new DecodedValues[columns.size()];
      for (int i = 0; i < columns.size(); i++) {
        Column c = columns.get(i);
        List<ColumnDescriptor> leaves = file.columnsOf(c.name());
        if (leaves.isEmpty()) {
          throw new DataCheckException(path + ": no column '" + c.name() + "' (columns: " + file.fieldNames() + ")");
        }
        if (leaves.size() > 1) {
          throw new DataCheckException(path + ": column '" + c.name() + "' is not a scalar or a list of scalars");
        }
        descriptors[i] = leaves.get(0);
        checkType(c, descriptors[i]);
        values[i] = new DecodedValues();
      }
      file.select(List.of(descriptors));
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  private void checkType(Column c, ColumnDescriptor d) {
    PrimitiveTypeName t = d.getPrimitiveType().getPrimitiveTypeName();
    boolean ok = c.floats()
        ? t == PrimitiveTypeName.FLOAT || t == PrimitiveTypeName.DOUBLE
        : t == PrimitiveTypeName.INT64 || t == PrimitiveTypeName.INT32;
    boolean list = c.kind() == OutputKind.VECTOR || c.kind() == OutputKind.IDS;
    if (!ok || (d.getMaxRepetitionLevel() > 0) != list) {
      throw new DataCheckException(path + ": column '" + c.name() + "' holds " + (d.getMaxRepetitionLevel() > 0 ? "lists of " : "") + t
          + ", but transformed feature kind " + c.kind() + " needs " + (list ? "lists of " : "") + (c.floats() ? "float" : "long"));
    }
  }

  /**
   * Reads up to {@code max} rows into {@code arrays} (one per column, as {@link Column#newArray})
   * starting at row {@code offset}; returns the number read, 0 at the end of the shard.
   */
  int read(Object[] arrays, int offset, int max) {
    if (rowsLeftInGroup == 0 && !nextRowGroup()) {
      return 0;
    }
    int n = (int) Math.min(max, rowsLeftInGroup);
    for (int c = 0; c < columns.size(); c++) {
      Column col = columns.get(c);
      DecodedValues v = values[c];
      int got = chunks[c].readRows(n, v);
      if (got != n) {
        throw new DataCheckException(path + ": '" + col.name() + "' ends " + (n - got) + " rows before its row group does");
      }
      if (descriptors[c].getMaxRepetitionLevel() == 0) {
        readScalars(col, v, arrays[c], offset, n);
      } else {
        readLists(col, v, descriptors[c].getMaxDefinitionLevel(), arrays[c], offset);
      }
    }
    rowsLeftInGroup -= n;
    return n;
  }

  private boolean nextRowGroup() {
    while (nextGroup < file.rowGroups() && file.rows(nextGroup) == 0) {
      nextGroup++;
    }
    if (nextGroup == file.rowGroups()) {
      return false;
    }
    rowsLeftInGroup = file.rows(nextGroup);
    chunks = file.readRowGroup(nextGroup++);
    return true;
  }

  private void readScalars(Column col, DecodedValues v, Object array, int offset, int n) {
    if (v.valueCount() != n) {
      throw new DataCheckException(path + ": '" + col.name() + "' has a missing value; transformed features are never null");
    }
    if (col.floats()) {
      v.copyTo((float[]) array, offset);
    } else {
      v.copyTo((long[]) array, offset);
    }
  }

  /** The rows of a list column, each of exactly its width in values. */
  private void readLists(Column col, DecodedValues v, int maxDef, Object array, int offset) {
    int w = col.width();
    boolean floats = col.floats();
    int[] rep = v.repetitionLevels();
    int[] def = v.definitionLevels();
    int row = offset - 1;
    int count = w;
    int value = 0;
    for (int e = 0; e < v.size(); e++) {
      // A row's list starts at repetition level 0; its further elements have a level above 0.
      if (rep[e] == 0) {
        checkWidth(col, count);
        row++;
        count = 0;
      }
      if (def[e] == maxDef) {
        if (count >= w) {
          throw new DataCheckException(path + ": '" + col.name() + "' has a row with more than " + w + " values");
        }
        if (floats) {
          ((float[]) array)[row * w + count] = (float) v.doubleValue(value);
        } else {
          ((long[]) array)[row * w + count] = v.longValue(value);
        }
        value++;
        count++;
      }
    }
    checkWidth(col, count);
  }

  private void checkWidth(Column col, int count) {
    if (count != col.width()) {
      throw new DataCheckException(path + ": '" + col.name() + "' has a row with " + count + " values; its transformed width is " + col.width());
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
