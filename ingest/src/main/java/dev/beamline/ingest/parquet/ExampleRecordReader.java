package dev.beamline.ingest.parquet;

import dev.beamline.core.DataCheckException;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

/**
 * Reads the records of a Parquet file of examples as generic Avro records, as parquet-avro's reader
 * makes them (with the Avro schema the file holds, else the one converted from its Parquet schema),
 * one row group at a time: the one record reader of ingestion, of published examples and of
 * transformed ones. Opened as {@link ParquetFiles} opens every Parquet file (any file system Beam
 * supports, page checksums verified).
 *
 * <p>Either record after record with {@link #read()}, or row group by row group with {@link
 * #readRowGroup}, for a caller that goes on after a row group it cannot read.
 *
 * <pre>{@code
 * try (ExampleRecordReader reader = ExampleRecordReader.open(shard)) {
 *   for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
 *     ...
 *   }
 * }
 * List<GenericRecord> all = ExampleRecordReader.readAll(shard);   // small files and tests
 * }</pre>
 */
public final class ExampleRecordReader implements Closeable {
  private final String path;
  private final ParquetFileReader file;
  private final MessageColumnIO io;
  private final RecordMaterializer<GenericRecord> materializer;
  /** The row group {@link #read()} reads, and the next one. */
  private RowGroup current;
  private int nextGroup;

  private ExampleRecordReader(String path, ParquetFileReader file) {
    this.path = path;
    this.file = file;
    // What AvroParquetReader does for each file, made explicit so that each row group can be read on its own.
    Configuration conf = new Configuration(false);
    FileMetaData meta = file.getFooter().getFileMetaData();
    MessageType fileSchema = meta.getSchema();
    Map<String, String> keyValues = meta.getKeyValueMetaData();
    AvroReadSupport<GenericRecord> support = new AvroReadSupport<>(GenericData.get());
    ReadSupport.ReadContext context = support.init(conf, keyValues, fileSchema);
    this.materializer = support.prepareForRead(conf, keyValues, fileSchema, context);
    MessageType requested = context.getRequestedSchema();
    file.setRequestedSchema(requested);
    this.io = new ColumnIOFactory(meta.getCreatedBy()).getColumnIO(requested, fileSchema, true);
  }

  /** Opens the Parquet file {@code path} (a Beam resource id) and reads its footer. */
  public static ExampleRecordReader open(String path) throws IOException {
    return ParquetFiles.open(path, file -> new ExampleRecordReader(path, file));
  }

  /**
   * Every record of the Parquet file {@code path}, read into memory; for small files and tests.
   *
   * @throws DataCheckException naming the file and the row group when a row group cannot be read
   */
  public static List<GenericRecord> readAll(String path) throws IOException {
    List<GenericRecord> out = new ArrayList<>();
    try (ExampleRecordReader reader = open(path)) {
      for (GenericRecord r = reader.read(); r != null; r = reader.read()) {
        out.add(r);
      }
    }
    return out;
  }

  /** The number of row groups. */
  public int rowGroups() {
    return file.getRowGroups().size();
  }

  /** The number of rows of row group {@code group}. */
  public long rows(int group) {
    return file.getRowGroups().get(group).getRowCount();
  }

  /**
   * The records of row group {@code group} (0-based), whose pages are read from the file now.
   *
   * @throws IOException or a RuntimeException when the row group cannot be read (a page whose checksum
   *     does not match, say); its records' {@link RowGroup#read()} throws when one cannot be decoded
   */
  public RowGroup readRowGroup(int group) throws IOException {
    PageReadStore pages = ParquetFiles.readRowGroup(file, group);
    return new RowGroup(io.getRecordReader(pages, materializer, FilterCompat.NOOP), pages.getRowCount());
  }

  /**
   * The next record of the file, or null after the last.
   *
   * @throws DataCheckException naming the file and the row group when a row group cannot be read
   */
  public GenericRecord read() {
    while (current == null || current.left == 0) {
      if (nextGroup == rowGroups()) {
        return null;
      }
      int g = nextGroup++;
      current = null;
      try {
        current = readRowGroup(g);
      } catch (IOException | RuntimeException e) {
        throw unreadable(g, e);
      }
    }
    try {
      return current.read();
    } catch (RuntimeException e) {
      throw unreadable(nextGroup - 1, e);
    }
  }

  private DataCheckException unreadable(int group, Exception e) {
    return new DataCheckException(
        ParquetFiles.rowGroupName(path, group, rowGroups(), rows(group)) + " cannot be read: " + DataCheckException.oneLine(e));
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  /**
   * The records of one row group, read one at a time.
   *
   * <pre>{@code
   * ExampleRecordReader.RowGroup records = reader.readRowGroup(2);
   * for (GenericRecord r = records.read(); r != null; r = records.read()) { ... }
   * }</pre>
   */
  public static final class RowGroup {
    private final RecordReader<GenericRecord> records;
    private long left;

    private RowGroup(RecordReader<GenericRecord> records, long rows) {
      this.records = records;
      this.left = rows;
    }

    /**
     * The next record, or null after the last.
     *
     * @throws RuntimeException (parquet-mr's) when the record cannot be decoded
     */
    public GenericRecord read() {
      if (left == 0) {
        return null;
      }
      GenericRecord r = records.read();
      left--;
      return r;
    }
  }
}
