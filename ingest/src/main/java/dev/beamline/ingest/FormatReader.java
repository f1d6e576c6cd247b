package dev.beamline.ingest;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Reads one input format: on the driver, the schema of the files (inferred or checked); on the workers,
 * every row of one file, as an example or as a rejected row.
 *
 * <p>Instances are serializable and hold configuration only, so they travel to any runner's workers.
 */
public abstract class FormatReader implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Where a reader puts what it read. */
  public interface Sink {
    void accept(GenericRecord example);

    void reject(RejectedRow row);
  }

  /**
   * The reader for {@code format}; {@code csv} is used by CSV, and its {@link CsvFormat#maxRecordBytes()}
   * by JSON lines too.
   */
  public static FormatReader of(InputFormat format, CsvFormat csv) {
    switch (format) {
      case CSV:
        return new CsvFormatReader(csv);
      case JSONL:
        return new JsonLinesFormatReader(csv.maxRecordBytes());
      case AVRO:
        return new AvroFormatReader();
      case PARQUET:
        return new ParquetFormatReader();
      default:
        throw new AssertionError(format);
    }
  }

  /**
   * Infers the schema of {@code files} from their content, looking at no more than {@code maxRows} rows
   * in all ({@code 0}: every row). Feature names are the sanitized column names.
   *
   * @throws DataCheckException when the files disagree on their columns or hold no column at all
   */
  public abstract ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException;

  /**
   * Checks on the driver that {@code file} can be read with the declared {@code schema} (its header or
   * writer schema has the schema's features, no more, no fewer), so that a wrong file fails before the
   * pipeline starts.
   *
   * @throws DataCheckException naming the file and the features that differ
   * @throws ConfigException when the schema declares only some of the file's columns ({@link #checkDeclared})
   */
  public abstract void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException;

  /** Reads every row of {@code path} into {@code sink}; rows that do not fit {@code schema} are rejected. */
  public abstract void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException;

  /** The file's bytes in sequence; hashed on the way when ingestion takes its fingerprint ({@link ContentHash}). */
  static InputStream open(String path) throws IOException {
    return ContentHash.hashing(Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(path, false))));
  }

  /**
   * Why {@code file}, whose columns are {@code found}, cannot be read with the schema it was checked
   * against: a {@link DataCheckException} naming the columns missing from the file and those not in
   * the schema.
   *
   * @param where the file and, where it helps, the line: {@code "data.csv line 1"}
   */
  static DataCheckException columnMismatch(String where, List<String> found, ExampleSchema schema) {
    List<String> missing = schema.names().stream().filter(n -> !found.contains(n)).toList();
    List<String> extra = found.stream().filter(n -> schema.indexOf(n) < 0).toList();
    return new DataCheckException(
        where
            + ": columns do not match the schema"
            + (missing.isEmpty() ? "" : "; missing " + missing)
            + (extra.isEmpty() ? "" : "; not in the schema " + extra));
  }

  /**
   * Checks the columns {@code found} in a file against the schema declared in the configuration. A
   * declared schema that names only some of the file's columns is a configuration error: every
   * column's type is declared, or none (then all are inferred), so that the declared schema is the
   * whole schema, known before any file is read.
   *
   * @param where the file and, where it helps, the line: {@code "data.csv line 1"}
   * @throws ConfigException when every declared feature is in the file and the file has more columns
   * @throws DataCheckException when a declared feature is missing from the file
   */
  static void checkDeclared(String where, List<String> found, ExampleSchema declared) {
    List<String> missing = declared.names().stream().filter(n -> !found.contains(n)).toList();
    List<String> undeclared = found.stream().filter(n -> declared.indexOf(n) < 0).toList();
    if (missing.isEmpty() && !undeclared.isEmpty()) {
      throw new ConfigException(
          where
              + ": ingest.schema declares the types of "
              + declared.size()
              + " of the file's "
              + found.size()
              + " columns; not declared: "
              + undeclared
              + ". Declare the type of every column, or leave ingest.schema out to infer them all");
    }
    if (!missing.isEmpty() || !undeclared.isEmpty()) {
      throw columnMismatch(where, found, declared);
    }
  }

  /**
   * Converts a value read by Avro or Parquet to the Java value of {@code type}.
   *
   * @param fileType the value's non-null type in the file, for timestamp units
   */
  static Object convertObject(Object value, Schema fileType, FeatureType type) throws ValueParser.BadValueException {
    if (value == null) {
      return null;
    }
    switch (type) {
      case STRING:
        return value.toString();
      case INT:
        if (value instanceof Integer || value instanceof Long) {
          return ((Number) value).longValue();
        }
        return ValueParser.parse(value.toString(), type);
      case FLOAT:
        if (value instanceof Number) {
          return ((Number) value).doubleValue();
        }
        return ValueParser.parse(value.toString(), type);
      case BOOLEAN:
        if (value instanceof Boolean) {
          return value;
        }
        return ValueParser.parse(value.toString(), type);
      case TIMESTAMP:
        if (value instanceof Long || value instanceof Integer) {
          long v = ((Number) value).longValue();
          return fileType != null && fileType.getLogicalType() instanceof LogicalTypes.TimestampMillis ? v * 1000 : v;
        }
        return ValueParser.parse(value.toString(), type);
      default:
        throw new AssertionError(type);
    }
  }
}
