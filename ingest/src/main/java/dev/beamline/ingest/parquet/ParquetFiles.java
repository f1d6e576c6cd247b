package dev.beamline.ingest.parquet;

import dev.beamline.core.DataCheckException;
import java.io.IOException;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.MessageType;

/**
 * What Beamline reads from a Parquet file's footer (its schema, its number of rows), and the one way it
 * opens a Parquet file for reading: through {@link BeamInputFile} (any file system Beam supports), with
 * pages decompressed by {@link ParquetCodecs} and page checksums verified, so that a corrupt page is
 * found before any of its values is used.
 *
 * <pre>{@code
 * Schema schema = ParquetFiles.avroSchema("data/flights.parquet");
 * long rows = ParquetFiles.rowCount("data/flights.parquet");
 * }</pre>
 */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** The options of every reader: Beamline's decompressors, page checksums verified. */
  static ParquetReadOptions readOptions() {
    return ParquetReadOptions.builder().withCodecFactory(new ParquetCodecs()).usePageChecksumVerification(true).build();
  }

  /** Opens {@code path} (a Beam resource id) and reads its footer. */
  static ParquetFileReader open(String path) throws IOException {
    return ParquetFileReader.open(new BeamInputFile(path), readOptions());
  }

  /** A reader made by {@code reader} over {@code path} opened; the file is closed again when that fails. */
  static <T> T open(String path, Function<ParquetFileReader, T> reader) throws IOException {
    ParquetFileReader file = open(path);
    try {
      return reader.apply(file);
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /** The pages of row group {@code group} of {@code file}, read from it (and their checksums verified). */
  static PageReadStore readRowGroup(ParquetFileReader file, int group) throws IOException {
    PageReadStore pages = file.readRowGroup(group);
    if (pages == null) {
      throw new IOException("the row group is missing from the file");
    }
    return pages;
  }

  /**
   * The schema of the Parquet file {@code path} as Avro: parquet-avro's default conversion of the
   * footer's schema (the conversion its record reader makes when the file holds no Avro schema).
   *
   * @throws DataCheckException when the file cannot be opened as Parquet or its schema converted
   */
  public static Schema avroSchema(String path) {
    MessageType schema;
    try (ParquetFileReader reader = open(path)) {
      schema = reader.getFooter().getFileMetaData().getSchema();
    } catch (RuntimeException | IOException e) {
      throw notReadable(path, e);
    }
    try {
      return new AvroSchemaConverter().convert(schema);
    } catch (RuntimeException e) {
      throw notReadable(path, e);
    }
  }

  private static DataCheckException notReadable(String path, Exception e) {
    return new DataCheckException(path + ": not a readable Parquet file: " + e.getMessage());
  }

  /** The number of rows of the Parquet file {@code path}, from its footer. */
  public static long rowCount(String path) throws IOException {
    try (ParquetFileReader reader = open(path)) {
      return reader.getRecordCount();
    }
  }

  /** How messages name row group {@code group} of {@code path}: {@code "<path>: row group 1 (0-based, of 3; 100 rows)"}. */
  static String rowGroupName(String path, int group, int groups, long rows) {
    return String.format("%s: row group %d (0-based, of %d; %d rows)", path, group, groups, rows);
  }
}
