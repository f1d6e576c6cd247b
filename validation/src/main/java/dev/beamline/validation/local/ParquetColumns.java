package dev.beamline.validation.local;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.parquet.ColumnChunkDecoder;
import dev.beamline.ingest.parquet.ColumnDictionary;
import dev.beamline.ingest.parquet.ColumnarFile;
import dev.beamline.ingest.parquet.DecodedValues;
import dev.beamline.ingest.parquet.ParquetFiles;
import dev.beamline.validation.ColumnBatch;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads the features of a flat Parquet file column by column into {@link ColumnBatch}es, one row group
 * at a time: no record is assembled and no Avro object is made. The columns are decoded by ingest's
 * {@link ColumnChunkDecoder}; this class maps their values to the statistics' values. A
 * dictionary-encoded column is counted by dictionary entry: a string column's entries are handed over
 * as (value, count) pairs, so that its strings are decoded once per row group rather than once per
 * value, and a small numeric dictionary's entries in increasing order.
 *
 * <p>The values are those the record reader ({@code ParquetFormatReader}: parquet-avro, then Beamline's
 * conversion) gives the statistics: integers and dates as numbers, floats widened to doubles, timestamps
 * as microseconds (milliseconds times 1000), strings decoded as UTF-8 (malformed bytes replaced by
 * U+FFFD), booleans as {@code "true"} / {@code "false"}. A file holding a column that this reader does
 * not map the same way (nested or repeated fields, decimals, times, nanosecond timestamps, JSON, bytes)
 * is not opened: {@link #open} returns null and the caller reads the file record by record.
 *
 * <pre>{@code
 * try (ParquetColumns file = ParquetColumns.open(path, schema)) {
 *   ColumnBatch batch = ColumnBatch.of(schema);
 *   for (int g = 0; g < file.rowGroups(); g++) {
 *     file.read(g, batch, 32_768, b -> fn.addColumns(acc, b));
 *   }
 * }
 * }</pre>
 */
final class ParquetColumns implements Closeable {
  /** Numeric dictionaries up to this size are counted per slice and handed over in increasing order. */
  private static final int SORTED_DICTIONARY_LIMIT = 8192;

  private final ColumnarFile file;
  private final ExampleSchema schema;
  /** Per feature: 1000 for millisecond timestamps (to microseconds), else 1. */
  private final long[] multipliers;

  private ParquetColumns(ColumnarFile file, ExampleSchema schema, long[] multipliers) {
    this.file = file;
    this.schema = schema;
    this.multipliers = multipliers;
  }

  /**
   * The schema of the Parquet file {@code path} as the record reader infers it (parquet-avro's schema
   * conversion, then {@link ExampleSchema#fromAvro}), read from the footer without Hadoop.
   *
   * @throws DataCheckException when the file is not readable Parquet or holds a column Beamline cannot
   *     hold as a feature
   */
  static ExampleSchema schemaOf(Path path) {
    try {
      return ExampleSchema.fromAvro(ParquetFiles.avroSchema(path.toString()));
    } catch (IllegalArgumentException e) {
      throw new DataCheckException(path + ": " + e.getMessage());
    }
  }

  /**
   * Opens {@code path} for reading the features of {@code schema} column by column, or returns null
   * (having closed it) when a feature's column is missing or is not one this reader maps as the record
   * reader does.
   */
  static ParquetColumns open(Path path, ExampleSchema schema) throws IOException {
    ColumnarFile file = ColumnarFile.open(path.toString());
    try {
      ColumnDescriptor[] columns = new ColumnDescriptor[schema.size()];
      long[] multipliers = new long[schema.size()];
      for (int i = 0; i < schema.size(); i++) {
        FeatureSpec f = schema.feature(i);
        List<ColumnDescriptor> leaves = file.columnsOf(f.name());
        if (leaves.size() != 1) {
          return closeAndGiveUp(file);
        }
        Type t = file.schema().getType(f.name());
        if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
          return closeAndGiveUp(file);
        }
        long multiplier = multiplier(f.type(), t.asPrimitiveType());
        if (multiplier == 0) {
          return closeAndGiveUp(file);
        }
        multipliers[i] = multiplier;
        columns[i] = leaves.get(0);
      }
      // Only the features' columns are read.
      file.select(List.of(columns));
      return new ParquetColumns(file, schema, multipliers);
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  private static ParquetColumns closeAndGiveUp(ColumnarFile file) throws IOException {
    file.close();
    return null;
  }

  /**
   * What a value of {@code column} is multiplied by to become the feature's value (1, or 1000 for
   * millisecond timestamps), or 0 when this reader does not map the column as the record reader does.
   */
  static long multiplier(FeatureType feature, PrimitiveType column) {
    LogicalTypeAnnotation a = column.getLogicalTypeAnnotation();
    switch (column.getPrimitiveTypeName()) {
      case INT32:
        return feature == FeatureType.INT && (a == null || signedInt(a) || a instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation)
            ? 1 : 0;
      case INT64:
        if (feature == FeatureType.INT) {
          return a == null || signedInt(a) ? 1 : 0;
        }
        if (feature == FeatureType.TIMESTAMP && a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
          switch (ts.getUnit()) {
            case MICROS:
              return 1;
            case MILLIS:
              return 1000;
            default:
              return 0;
          }
        }
        return 0;
      case FLOAT:
      case DOUBLE:
        return feature == FeatureType.FLOAT && a == null ? 1 : 0;
      case BOOLEAN:
        return feature == FeatureType.BOOLEAN ? 1 : 0;
      case BINARY:
        return feature == FeatureType.STRING
                && (a instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    || a instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation)
            ? 1 : 0;
      default:
        return 0;
    }
  }

  private static boolean signedInt(LogicalTypeAnnotation a) {
    return a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && i.isSigned();
  }

  int rowGroups() {
    return file.rowGroups();
  }

  /**
   * Reads row group {@code rowGroup} into {@code batch} (of this reader's schema) in slices of at most
   * {@code sliceRows} rows, handing each full slice to {@code sink} and clearing the batch after it.
   *
   * @throws DataCheckException naming the file and the row group when it cannot be read
   */
  void read(int rowGroup, ColumnBatch batch, int sliceRows, Consumer<ColumnBatch> sink) {
    ColumnChunkDecoder[] chunks = file.readRowGroup(rowGroup);
    long rows = file.rows(rowGroup);
    Source[] sources = new Source[chunks.length];
    for (int i = 0; i < chunks.length; i++) {
      sources[i] = source(i, batch);
    }
    for (long done = 0; done < rows; ) {
      int n = (int) Math.min(sliceRows, rows - done);
      for (int i = 0; i < chunks.length; i++) {
        DecodedValues v = sources[i].values;
        if (chunks[i].readRows(n, v) != n) {
          throw new DataCheckException(String.format(
              "%s: row group %d (0-based): column '%s' has fewer rows than the row group's %d", file.path(), rowGroup, schema.feature(i).name(), rows));
        }
        sources[i].add(v);
      }
      done += n;
      sink.accept(batch);
      batch.clear();
    }
  }

  private Source source(int feature, ColumnBatch batch) {
    switch (schema.feature(feature).type()) {
      case STRING:
        return new Strings(batch.strings(feature));
      case BOOLEAN:
        return new Booleans(batch.strings(feature));
      default:
        return new Numbers(batch.numbers(feature), multipliers[feature]);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  /** One column chunk's decoded slices, added to the batch's column. */
  private abstract static class Source {
    final DecodedValues values = new DecodedValues();

    /** Adds one slice of the column (not repeated: its nulls are the entries without a value). */
    abstract void add(DecodedValues v);
  }

  /** Numbers as the record reader gives them: the long (times 1000 for milliseconds), then the double. */
  private static final class Numbers extends Source {
    private final ColumnBatch.Numbers out;
    private final long multiplier;
    /** The chunk's dictionary, its entries as numbers, and for a small one its ids by value and their counts. */
    private ColumnDictionary dictionary;
    private double[] entries;
    private int[] byValue;
    private long[] counts;

    Numbers(ColumnBatch.Numbers out, long multiplier) {
      this.out = out;
      this.multiplier = multiplier;
    }

    @Override
    void add(DecodedValues v) {
      int n = v.valueCount();
      if (v.isDictionaryEncoded()) {
        addIds(v.dictionary(), v.dictionaryIds(), n);
      } else {
        switch (v.type()) {
          case INT32:
          case INT64:
            long[] longs = v.longs();
            for (int i = 0; i < n; i++) {
              out.add((double) (longs[i] * multiplier));
            }
            break;
          case FLOAT:
            float[] floats = v.floats();
            for (int i = 0; i < n; i++) {
              out.add(floats[i]);
            }
            break;
          default:
            double[] doubles = v.doubles();
            for (int i = 0; i < n; i++) {
              out.add(doubles[i]);
            }
            break;
        }
      }
      out.addNulls(v.size() - n);
    }

    private void addIds(ColumnDictionary d, int[] ids, int n) {
      if (d != dictionary) {
        useDictionary(d);
      }
      if (byValue == null) {
        double[] e = entries;
        for (int i = 0; i < n; i++) {
          out.add(e[ids[i]]);
        }
        return;
      }
      long[] c = counts;
      for (int i = 0; i < n; i++) {
        c[ids[i]]++;
      }
      // In increasing order: the KLL sketch sorts what it buffers, which costs least on sorted input.
      for (int id : byValue) {
        long k = c[id];
        if (k > 0) {
          double value = entries[id];
          for (long j = 0; j < k; j++) {
            out.add(value);
          }
          c[id] = 0;
        }
      }
    }

    private void useDictionary(ColumnDictionary d) {
      dictionary = d;
      int size = d.size();
      entries = new double[size];
      for (int id = 0; id < size; id++) {
        switch (d.type()) {
          case INT32:
          case INT64:
            entries[id] = (double) (d.longs()[id] * multiplier);
            break;
          case FLOAT:
            entries[id] = d.floats()[id];
            break;
          default:
            entries[id] = d.doubles()[id];
            break;
        }
      }
      byValue = null;
      counts = null;
      if (size <= SORTED_DICTIONARY_LIMIT) {
        Integer[] order = new Integer[size];
        for (int id = 0; id < size; id++) {
          order[id] = id;
        }
        double[] e = entries;
        Arrays.sort(order, (x, y) -> Double.compare(e[x], e[y]));
        byValue = new int[size];
        for (int k = 0; k < size; k++) {
          byValue[k] = order[k];
        }
        counts = new long[size];
      }
    }
  }

  /** Strings: dictionary entries counted by id and decoded once; other values decoded one by one. */
  private static final class Strings extends Source {
    private final ColumnBatch.Strings out;
    private ColumnDictionary dictionary;
    private long[] counts;
    /** The ids counted in this slice, so that handing them over does not scan the whole dictionary. */
    private int[] seen;

    Strings(ColumnBatch.Strings out) {
      this.out = out;
    }

    @Override
    void add(DecodedValues v) {
      int n = v.valueCount();
      if (v.isDictionaryEncoded()) {
        ColumnDictionary d = v.dictionary();
        if (d != dictionary) {
          dictionary = d;
          counts = new long[d.size()];
          seen = new int[d.size()];
        }
        long[] c = counts;
        int[] ids = v.dictionaryIds();
        int seenSize = 0;
        for (int i = 0; i < n; i++) {
          int id = ids[i];
          if (c[id]++ == 0) {
            seen[seenSize++] = id;
          }
        }
        for (int k = 0; k < seenSize; k++) {
          int id = seen[k];
          out.add(d.string(id), c[id]);
          c[id] = 0;
        }
      } else {
        for (int i = 0; i < n; i++) {
          out.add(v.string(i));
        }
      }
      out.addNulls(v.size() - n);
    }
  }

  /** Booleans, counted. */
  private static final class Booleans extends Source {
    private final ColumnBatch.Strings out;

    Booleans(ColumnBatch.Strings out) {
      this.out = out;
    }

    @Override
    void add(DecodedValues v) {
      int n = v.valueCount();
      boolean[] b = v.booleans();
      long trues = 0;
      for (int i = 0; i < n; i++) {
        if (b[i]) {
          trues++;
        }
      }
      long falses = n - trues;
      if (trues > 0) {
        out.add("true", trues);
      }
      if (falses > 0) {
        out.add("false", falses);
      }
      out.addNulls(v.size() - n);
    }
  }
}
