package dev.beamline.ingest.parquet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * The rows of one column read through {@link ColumnChunkDecoder}, as Java values to compare with what a
 * test wrote: a value or null for a column that is not repeated; for a list, null, or a list of values
 * (null for a null element). Values are Long ({@code INT32}, {@code INT64}), Float, Double, Boolean or
 * String.
 */
final class ColumnRows {
  /** The rows, and in which forms the values came: dictionary ids, values, or both across reads. */
  record Result(List<Object> rows, boolean sawIds, boolean sawValues) {}

  private ColumnRows() {}

  /** Every row of top-level field {@code field} of {@code file}, read {@code slice} rows at a time. */
  static Result read(String file, String field, int slice) throws IOException {
    List<Object> rows = new ArrayList<>();
    boolean ids = false;
    boolean values = false;
    try (ColumnarFile f = ColumnarFile.open(file)) {
      List<ColumnDescriptor> columns = f.columnsOf(field);
      f.select(columns);
      int listLevel = listLevel(f.schema(), columns.get(0));
      for (int g = 0; g < f.rowGroups(); g++) {
        Result r = readChunk(f.readRowGroup(g)[0], listLevel, slice);
        if (r.rows().size() != f.rows(g)) {
          throw new AssertionError("row group " + g + ": " + r.rows().size() + " rows read, " + f.rows(g) + " in the footer");
        }
        rows.addAll(r.rows());
        ids |= r.sawIds();
        values |= r.sawValues();
      }
    }
    return new Result(rows, ids, values);
  }

  /** The definition level of the repeated node above {@code column}, or -1 when it is not repeated. */
  static int listLevel(MessageType schema, ColumnDescriptor column) {
    String[] path = column.getPath();
    for (int i = 1; i <= path.length; i++) {
      String[] prefix = Arrays.copyOf(path, i);
      if (schema.getType(prefix).isRepetition(Type.Repetition.REPEATED)) {
        return schema.getMaxDefinitionLevel(prefix);
      }
    }
    return -1;
  }

  /** Every row of one chunk, read {@code slice} rows at a time. */
  static Result readChunk(ColumnChunkDecoder d, int listLevel, int slice) {
    List<Object> rows = new ArrayList<>();
    DecodedValues v = new DecodedValues();
    int maxDef = d.column().getMaxDefinitionLevel();
    boolean ids = false;
    boolean values = false;
    for (int n = d.readRows(slice, v); n > 0; n = d.readRows(slice, v)) {
      if (n > slice) {
        throw new AssertionError(n + " rows read, " + slice + " asked for");
      }
      if (v.valueCount() > 0) {
        ids |= v.isDictionaryEncoded();
        values |= !v.isDictionaryEncoded();
      }
      int before = rows.size();
      int k = 0;
      List<Object> list = null;
      for (int e = 0; e < v.size(); e++) {
        int def = maxDef == 0 ? 0 : v.definitionLevels()[e];
        Object value = def == maxDef ? value(v, k++) : null;
        if (listLevel < 0) {
          rows.add(value);
          continue;
        }
        if (v.repetitionLevels()[e] == 0) {
          list = def >= listLevel - 1 ? new ArrayList<>() : null;
          rows.add(list);
        }
        if (def >= listLevel) {
          list.add(value);
        }
      }
      if (k != v.valueCount() || rows.size() - before != n) {
        throw new AssertionError("a read of " + n + " rows held " + (rows.size() - before) + " rows and " + k + " of its " + v.valueCount() + " values");
      }
    }
    return new Result(rows, ids, values);
  }

  static Object value(DecodedValues v, int k) {
    switch (v.type()) {
      case INT32:
      case INT64:
        return v.longValue(k);
      case FLOAT:
        return v.isDictionaryEncoded() ? v.dictionary().floats()[v.dictionaryIds()[k]] : v.floats()[k];
      case DOUBLE:
        return v.doubleValue(k);
      case BOOLEAN:
        return v.booleans()[k];
      default:
        return v.string(k);
    }
  }
}
