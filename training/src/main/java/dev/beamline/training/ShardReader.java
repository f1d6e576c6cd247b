package dev.beamline.training;

import dev.beamline.core.DataCheckException;
import dev.beamline.ingest.BeamInputFile;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Reads chosen columns of one transformed Parquet shard straight into primitive arrays, column by
 * column, without building a record per row: the fast input path of training. Only the requested
 * columns are read from disk, and only one row group's pages are held at a time.
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
  private final ParquetFileReader reader;
  private final MessageType schema;
  private final String createdBy;
  private final ColumnDescriptor[] descriptors;
  private ColumnReader[] readers;
  /** Per column, the values (including list elements and empty-list markers) left in the row group. */
  private long[] valuesLeft;
  private long rowsLeftInGroup;

  ShardReader(String path, List<Column> columns) throws IOException {
    this.path = path;
    this.columns = List.copyOf(columns);
    this.reader = ParquetFileReader.open(new BeamInputFile(path));
    try {
      MessageType file = reader.getFooter().getFileMetaData().getSchema();
      List<Type> fields = new ArrayList<>();
      for (Column c : columns) {
        if (!file.containsField(c.name())) {
          throw new DataCheckException(path + ": no column '" + c.name() + "' (columns: " + file.getFields().stream().map(Type::getName).toList() + ")");
        }
        fields.add(file.getType(c.name()));
      }
      this.schema = new MessageType(file.getName(), fields);
      this.createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
      reader.setRequestedSchema(schema);
      this.descriptors = new ColumnDescriptor[columns.size()];
      for (ColumnDescriptor d : schema.getColumns()) {
        int i = indexOf(d.getPath()[0]);
        if (descriptors[i] != null) {
          throw new DataCheckException(path + ": column '" + d.getPath()[0] + "' is not a scalar or a list of scalars");
        }
        descriptors[i] = d;
        checkType(columns.get(i), d);
      }
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private int indexOf(String name) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new AssertionError(name);
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

  /** The number of rows of the Parquet file {@code path}, from its footer. */
  static long rowCount(String path) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(new BeamInputFile(path))) {
      return r.getRecordCount();
    }
  }

  /**
   * Reads up to {@code max} rows into {@code arrays} (one per column, as {@link Column#newArray})
   * starting at row {@code offset}; returns the number read, 0 at the end of the shard.
   */
  int read(Object[] arrays, int offset, int max) throws IOException {
    if (rowsLeftInGroup == 0 && !nextRowGroup()) {
      return 0;
    }
    int n = (int) Math.min(max, rowsLeftInGroup);
    for (int c = 0; c < columns.size(); c++) {
      Column col = columns.get(c);
      ColumnReader r = readers[c];
      ColumnDescriptor d = descriptors[c];
      if (d.getMaxRepetitionLevel() == 0) {
        readScalars(col, r, d, arrays[c], offset, n);
      } else {
        readLists(c, col, r, d, arrays[c], offset, n);
      }
    }
    rowsLeftInGroup -= n;
    return n;
  }

  private boolean nextRowGroup() throws IOException {
    PageReadStore pages = reader.readNextRowGroup();
    while (pages != null && pages.getRowCount() == 0) {
      pages = reader.readNextRowGroup();
    }
    if (pages == null) {
      return false;
    }
    ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new IgnoringConverter(schema), schema, createdBy);
    readers = new ColumnReader[columns.size()];
    valuesLeft = new long[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      readers[c] = store.getColumnReader(descriptors[c]);
      valuesLeft[c] = readers[c].getTotalValueCount();
    }
    rowsLeftInGroup = pages.getRowCount();
    return true;
  }

  private void readScalars(Column col, ColumnReader r, ColumnDescriptor d, Object array, int offset, int n) {
    int maxDef = d.getMaxDefinitionLevel();
    PrimitiveTypeName t = d.getPrimitiveType().getPrimitiveTypeName();
    if (col.floats()) {
      float[] out = (float[]) array;
      for (int i = 0; i < n; i++) {
        checkPresent(col, r, maxDef);
        out[offset + i] = t == PrimitiveTypeName.FLOAT ? r.getFloat() : (float) r.getDouble();
        r.consume();
      }
    } else {
      long[] out = (long[]) array;
      for (int i = 0; i < n; i++) {
        checkPresent(col, r, maxDef);
        out[offset + i] = t == PrimitiveTypeName.INT64 ? r.getLong() : r.getInteger();
        r.consume();
      }
    }
  }

  private void readLists(int c, Column col, ColumnReader r, ColumnDescriptor d, Object array, int offset, int n) {
    int maxDef = d.getMaxDefinitionLevel();
    int w = col.width();
    boolean floats = col.floats();
    PrimitiveTypeName t = d.getPrimitiveType().getPrimitiveTypeName();
    for (int i = 0; i < n; i++) {
      int base = (offset + i) * w;
      int count = 0;
      boolean first = true;
      // A row's list starts at repetition level 0; its further elements have a level above 0.
      while (valuesLeft[c] > 0 && (first || r.getCurrentRepetitionLevel() > 0)) {
        first = false;
        if (r.getCurrentDefinitionLevel() == maxDef) {
          if (count >= w) {
            throw new DataCheckException(path + ": '" + col.name() + "' has a row with more than " + w + " values");
          }
          if (floats) {
            ((float[]) array)[base + count] = t == PrimitiveTypeName.FLOAT ? r.getFloat() : (float) r.getDouble();
          } else {
            ((long[]) array)[base + count] = t == PrimitiveTypeName.INT64 ? r.getLong() : r.getInteger();
          }
          count++;
        }
        r.consume();
        valuesLeft[c]--;
      }
      if (count != w) {
        throw new DataCheckException(path + ": '" + col.name() + "' has a row with " + count + " values; its transformed width is " + w);
      }
    }
  }

  private void checkPresent(Column col, ColumnReader r, int maxDef) {
    if (r.getCurrentDefinitionLevel() != maxDef) {
      throw new DataCheckException(path + ": '" + col.name() + "' has a missing value; transformed features are never null");
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  /** The converter tree that the column store insists on; values are read from the column readers directly. */
  private static final class IgnoringConverter extends GroupConverter {
    private final Converter[] children;

    IgnoringConverter(GroupType type) {
      children = new Converter[type.getFieldCount()];
      for (int i = 0; i < children.length; i++) {
        Type t = type.getType(i);
        children[i] = t.isPrimitive() ? new PrimitiveConverter() {} : new IgnoringConverter(t.asGroupType());
      }
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return children[fieldIndex];
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  }
}
