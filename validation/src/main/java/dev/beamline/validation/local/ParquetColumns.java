package dev.beamline.validation.local;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.BeamInputFile;
import dev.beamline.validation.ColumnBatch;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads the features of a flat Parquet file column by column into {@link ColumnBatch}es, one row group
 * at a time: no record is assembled and no Avro object is made. Numeric and string columns are decoded
 * in bulk by {@link ParquetColumnDecoder} (the common encodings), anything else by parquet-mr's column
 * readers. A dictionary-encoded string column is counted by dictionary entry and handed over as (value,
 * count) pairs, so its strings are decoded once per row group rather than once per value.
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
  private final Path path;
  private final ParquetFileReader reader;
  private final ExampleSchema schema;
  private final ColumnDescriptor[] columns;
  /** Per feature: 1000 for millisecond timestamps (to microseconds), else 1. */
  private final long[] multipliers;
  private final VersionParser.ParsedVersion writer;

  private ParquetColumns(
      Path path, ParquetFileReader reader, ExampleSchema schema, ColumnDescriptor[] columns, long[] multipliers) {
    this.path = path;
    this.reader = reader;
    this.schema = schema;
    this.columns = columns;
    this.multipliers = multipliers;
    VersionParser.ParsedVersion parsed;
    try {
      parsed = VersionParser.parse(reader.getFooter().getFileMetaData().getCreatedBy());
    } catch (VersionParser.VersionParseException | RuntimeException e) {
      // An unknown writer: parquet-mr then applies no workaround for old writers' bugs.
      parsed = null;
    }
    this.writer = parsed;
  }

  /**
   * The schema of the Parquet file {@code path} as the record reader infers it (parquet-avro's schema
   * conversion, then {@link ExampleSchema#fromAvro}), read from the footer without Hadoop.
   *
   * @throws DataCheckException when the file is not readable Parquet or holds a column Beamline cannot
   *     hold as a feature
   */
  static ExampleSchema schemaOf(Path path) {
    MessageType fileSchema;
    try (ParquetFileReader reader = ParquetFileReader.open(new BeamInputFile(path.toString()), options())) {
      fileSchema = reader.getFooter().getFileMetaData().getSchema();
    } catch (IOException | RuntimeException e) {
      throw new DataCheckException(path + ": not a readable Parquet file: " + e.getMessage());
    }
    Schema avro;
    try {
      // The default conversion, as ParquetFormatReader's (whose Hadoop configuration is empty).
      avro = new AvroSchemaConverter().convert(fileSchema);
    } catch (RuntimeException e) {
      throw new DataCheckException(path + ": not a readable Parquet file: " + e.getMessage());
    }
    try {
      return ExampleSchema.fromAvro(avro);
    } catch (IllegalArgumentException e) {
      throw new DataCheckException(path + ": " + e.getMessage());
    }
  }

  /** Pages decompressed by {@link ParquetCodecs}; page checksums verified, so that a corrupt page is found, not decoded. */
  private static ParquetReadOptions options() {
    return ParquetReadOptions.builder().withCodecFactory(new ParquetCodecs()).usePageChecksumVerification(true).build();
  }

  /**
   * Opens {@code path} for reading the features of {@code schema} column by column, or returns null
   * (having closed it) when a feature's column is missing or is not one this reader maps as the record
   * reader does.
   */
  static ParquetColumns open(Path path, ExampleSchema schema) throws IOException {
    ParquetFileReader reader =
        ParquetFileReader.open(new BeamInputFile(path.toString()), options());
    try {
      MessageType fileSchema = reader.getFooter().getFileMetaData().getSchema();
      ColumnDescriptor[] columns = new ColumnDescriptor[schema.size()];
      long[] multipliers = new long[schema.size()];
      List<Type> requested = new ArrayList<>();
      for (int i = 0; i < schema.size(); i++) {
        FeatureSpec f = schema.feature(i);
        if (!fileSchema.containsField(f.name())) {
          return closeAndGiveUp(reader);
        }
        Type t = fileSchema.getType(f.name());
        if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
          return closeAndGiveUp(reader);
        }
        long multiplier = multiplier(f.type(), t.asPrimitiveType());
        if (multiplier == 0) {
          return closeAndGiveUp(reader);
        }
        multipliers[i] = multiplier;
        columns[i] = fileSchema.getColumnDescription(new String[] {f.name()});
        requested.add(t);
      }
      // Only the features' columns are read.
      reader.setRequestedSchema(new MessageType(fileSchema.getName(), requested));
      return new ParquetColumns(path, reader, schema, columns, multipliers);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private static ParquetColumns closeAndGiveUp(ParquetFileReader reader) throws IOException {
    reader.close();
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
    return reader.getRowGroups().size();
  }

  long rows(int rowGroup) {
    return reader.getRowGroups().get(rowGroup).getRowCount();
  }

  /**
   * Reads row group {@code rowGroup} into {@code batch} (of this reader's schema) in slices of at most
   * {@code sliceRows} rows, handing each full slice to {@code sink} and clearing the batch after it.
   */
  void read(int rowGroup, ColumnBatch batch, int sliceRows, Consumer<ColumnBatch> sink) throws IOException {
    PageReadStore pages = reader.readRowGroup(rowGroup);
    if (pages == null) {
      throw new IOException(path + ": row group " + rowGroup + " of " + rowGroups() + " cannot be read");
    }
    long rows = pages.getRowCount();
    Source[] sources = new Source[columns.length];
    for (int i = 0; i < columns.length; i++) {
      sources[i] = source(i, pages.getPageReader(columns[i]), batch);
    }
    for (long done = 0; done < rows; ) {
      int n = (int) Math.min(sliceRows, rows - done);
      for (Source s : sources) {
        s.read(n);
      }
      done += n;
      sink.accept(batch);
      batch.clear();
    }
  }

  /** The rows of one column chunk, added to the batch's column some at a time. */
  private interface Source {
    void read(int rows) throws IOException;
  }

  /**
   * The chunk {@code pages} of feature {@code feature}'s column: decoded in bulk by {@link
   * ParquetColumnDecoder} while its pages allow, then by parquet-mr's column reader.
   */
  private Source source(int feature, PageReader pages, ColumnBatch batch) throws IOException {
    FeatureType type = schema.feature(feature).type();
    ParquetColumnDecoder decoder =
        type == FeatureType.BOOLEAN
            ? null
            : ParquetColumnDecoder.of(
                columns[feature],
                pages,
                multipliers[feature],
                type == FeatureType.STRING ? null : batch.numbers(feature),
                type == FeatureType.STRING ? batch.strings(feature) : null);
    if (decoder == null) {
      return columnReader(feature, pages, batch);
    }
    return new Source() {
      private Source rest;

      @Override
      public void read(int rows) throws IOException {
        if (rest != null) {
          rest.read(rows);
          return;
        }
        int done = decoder.read(rows);
        if (done < rows) {
          rest = columnReader(feature, decoder.remainingPages(), batch);
          rest.read(rows - done);
        }
      }
    };
  }

  /** parquet-mr's column reader over {@code pages}, one value at a time into a converter. */
  private Source columnReader(int feature, PageReader pages, ColumnBatch batch) {
    Counting converter = converter(feature, batch);
    ColumnReaderImpl reader = new ColumnReaderImpl(columns[feature], pages, converter, writer);
    int defined = columns[feature].getMaxDefinitionLevel();
    return rows -> {
      long nulls = 0;
      for (int k = 0; k < rows; k++) {
        if (reader.getCurrentDefinitionLevel() == defined) {
          reader.writeCurrentValueToConverter();
        } else {
          nulls++;
        }
        reader.consume();
      }
      converter.flush(nulls);
    };
  }

  private Counting converter(int feature, ColumnBatch batch) {
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
    reader.close();
  }

  /** A converter that may hold counts until the end of a slice, when it adds them and the slice's nulls. */
  private abstract static class Counting extends PrimitiveConverter {
    abstract void flush(long nulls);
  }

  /** Numbers straight into the batch's vector (a dictionary's entries are decoded by parquet-mr). */
  private static final class Numbers extends Counting {
    private final ColumnBatch.Numbers out;
    private final long multiplier;

    Numbers(ColumnBatch.Numbers out, long multiplier) {
      this.out = out;
      this.multiplier = multiplier;
    }

    @Override
    public void addInt(int value) {
      out.add(value);
    }

    @Override
    public void addLong(long value) {
      // As the record reader: the long (times 1000 for milliseconds), then the double.
      out.add((double) (value * multiplier));
    }

    @Override
    public void addFloat(float value) {
      out.add(value);
    }

    @Override
    public void addDouble(double value) {
      out.add(value);
    }

    @Override
    void flush(long nulls) {
      out.addNulls(nulls);
    }
  }

  /** Strings: dictionary entries counted by id and decoded once; plain-encoded values decoded one by one. */
  private static final class Strings extends Counting {
    private final ColumnBatch.Strings out;
    private Dictionary dictionary;
    private String[] decoded;
    private long[] counts;
    /** The ids counted in this slice, so that a flush does not scan the whole dictionary. */
    private int[] seen;
    private int seenSize;

    Strings(ColumnBatch.Strings out) {
      this.out = out;
    }

    @Override
    public boolean hasDictionarySupport() {
      return true;
    }

    @Override
    public void setDictionary(Dictionary dictionary) {
      this.dictionary = dictionary;
      int size = dictionary.getMaxId() + 1;
      decoded = new String[size];
      counts = new long[size];
      seen = new int[size];
      seenSize = 0;
    }

    @Override
    public void addValueFromDictionary(int id) {
      if (counts[id]++ == 0) {
        seen[seenSize++] = id;
      }
    }

    @Override
    public void addBinary(Binary value) {
      out.add(utf8(value));
    }

    private static String utf8(Binary value) {
      return value.toStringUsingUTF8();
    }

    @Override
    void flush(long nulls) {
      for (int k = 0; k < seenSize; k++) {
        int id = seen[k];
        if (decoded[id] == null) {
          decoded[id] = utf8(dictionary.decodeToBinary(id));
        }
        out.add(decoded[id], counts[id]);
        counts[id] = 0;
      }
      seenSize = 0;
      out.addNulls(nulls);
    }
  }

  /** Booleans, counted. */
  private static final class Booleans extends Counting {
    private final ColumnBatch.Strings out;
    private long trues;
    private long falses;

    Booleans(ColumnBatch.Strings out) {
      this.out = out;
    }

    @Override
    public void addBoolean(boolean value) {
      if (value) {
        trues++;
      } else {
        falses++;
      }
    }

    @Override
    void flush(long nulls) {
      if (trues > 0) {
        out.add("true", trues);
      }
      if (falses > 0) {
        out.add("false", falses);
      }
      trues = 0;
      falses = 0;
      out.addNulls(nulls);
    }
  }
}
