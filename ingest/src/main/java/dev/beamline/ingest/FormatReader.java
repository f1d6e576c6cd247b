package dev.beamline.ingest;

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

    /**
     * Takes an example that starts at {@code line} of its file (for Avro and Parquet, its 1-based record
     * number), for a reader of the rows that must say where each came from (a label that joins no
     * request is reported with its file and line). By default, {@link #accept(GenericRecord)}.
     */
    default void accept(GenericRecord example, long line) {
      accept(example);
    }

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
   * Checks on the driver that every feature of the {@code declared} schema is a column of {@code file}
   * (its header, configured column names or writer schema), so that a wrong file fails before the
   * pipeline starts, and returns the file's columns in file order. The file may have more columns: a
   * declaration may give the types of some columns only, and the others are inferred.
   *
   * @return the file's feature names; null when the format names no columns before its rows (JSON
   *     lines), so that only reading all rows would tell
   * @throws DataCheckException naming the file (and the header's line) and the declared features it lacks
   */
  public abstract List<String> checkFile(InputFiles.InputFile file, ExampleSchema declared) throws IOException;

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
   * Checks that the columns {@code found} in a file hold every feature of the schema declared in the
   * configuration ({@code ingest.schema}); columns it does not declare are allowed (their types are
   * inferred).
   *
   * @param where the file and, where it helps, the line: {@code "data.csv line 1"}
   * @return {@code found}
   * @throws DataCheckException naming the file, the line and each declared feature missing from it
   */
  static List<String> checkDeclared(String where, List<String> found, ExampleSchema declared) {
    List<String> missing = declared.names().stream().filter(n -> !found.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new DataCheckException(
          where
              + ": columns do not match the schema; missing "
              + missing
              + " (declared in ingest.schema; the file's columns: "
              + String.join(", ", found)
              + ")");
    }
    return found;
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
