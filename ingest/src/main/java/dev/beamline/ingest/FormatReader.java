package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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

  /** The reader for {@code format}; {@code csv} is used by CSV only. */
  public static FormatReader of(InputFormat format, CsvFormat csv) {
    switch (format) {
      case CSV:
        return new CsvFormatReader(csv);
      case JSONL:
        return new JsonLinesFormatReader();
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
   * Checks on the driver that {@code file} can be read with {@code schema} (its header or writer schema
   * has the schema's features), so that a wrong file fails before the pipeline starts.
   *
   * @throws DataCheckException naming the file and the features that differ
   */
  public abstract void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException;

  /** Reads every row of {@code path} into {@code sink}; rows that do not fit {@code schema} are rejected. */
  public abstract void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException;

  static InputStream open(String path) throws IOException {
    return Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(path, false)));
  }

  /**
   * A UTF-8 reader that replaces invalid byte sequences by U+FFFD, so that the row holding them can be
   * rejected with its line number instead of failing the whole file.
   */
  static Reader utf8Reader(InputStream in) {
    return new java.io.BufferedReader(
        new java.io.InputStreamReader(
            in,
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)),
        1 << 16);
  }

  static boolean hasInvalidUtf8(String s) {
    return s.indexOf('\uFFFD') >= 0;
  }

  static DataCheckException columnMismatch(String file, List<String> found, ExampleSchema schema) {
    List<String> missing = schema.names().stream().filter(n -> !found.contains(n)).toList();
    List<String> extra = found.stream().filter(n -> schema.indexOf(n) < 0).toList();
    return new DataCheckException(
        file
            + ": columns do not match the schema"
            + (missing.isEmpty() ? "" : "; missing " + missing)
            + (extra.isEmpty() ? "" : "; not in the schema " + extra));
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
