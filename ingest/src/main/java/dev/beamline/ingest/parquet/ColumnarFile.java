package dev.beamline.ingest.parquet;

import dev.beamline.core.DataCheckException;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * A Parquet file of examples read column by column, one row group at a time, without assembling
 * records: the chosen columns of a row group come as one {@link ColumnChunkDecoder} each. Only the
 * chosen columns are read from the file, and only one row group's pages are held at a time.
 *
 * <p>Opened as {@link ParquetFiles} opens every Parquet file (any file system Beam supports, page
 * checksums verified). Not thread-safe: a thread reads with its own instance.
 *
 * <pre>{@code
 * try (ColumnarFile file = ColumnarFile.open("runs/p/transform/1/examples/train/part-00000.parquet")) {
 *   file.select(List.of(file.columnsOf("distance").get(0)));
 *   for (int g = 0; g < file.rowGroups(); g++) {
 *     ColumnChunkDecoder distance = file.readRowGroup(g)[0];
 *     ...
 *   }
 * }
 * }</pre>
 */
public final class ColumnarFile implements Closeable {
  private final String path;
  private final ParquetFileReader reader;
  private final MessageType schema;
  private final VersionParser.ParsedVersion writer;
  private List<ColumnDescriptor> selected;

  private ColumnarFile(String path, ParquetFileReader reader) {
    this.path = path;
    this.reader = reader;
    this.schema = reader.getFooter().getFileMetaData().getSchema();
    this.selected = schema.getColumns();
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
   * Opens the Parquet file {@code path} (a Beam resource id) and reads its footer; every column is
   * selected until {@link #select} chooses some.
   */
  public static ColumnarFile open(String path) throws IOException {
    return ParquetFiles.open(path, reader -> new ColumnarFile(path, reader));
  }

  /** The file, as opened. */
  public String path() {
    return path;
  }

  /** The file's schema, from its footer. */
  public MessageType schema() {
    return schema;
  }

  /** The names of the file's top-level fields, in schema order. */
  public List<String> fieldNames() {
    return schema.getFields().stream().map(Type::getName).toList();
  }

  /**
   * The leaf columns of the top-level field {@code field}, in schema order: one for a scalar or a list
   * of scalars; none when the file has no such field.
   */
  public List<ColumnDescriptor> columnsOf(String field) {
    if (!schema.containsField(field)) {
      return List.of();
    }
    List<ColumnDescriptor> out = new ArrayList<>();
    for (ColumnDescriptor c : schema.getColumns()) {
      if (c.getPath()[0].equals(field)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * Reads only {@code columns} (leaf columns of this file's schema) from now on: {@link #readRowGroup}
   * returns their decoders in this order. The whole top-level field of each is read from the file.
   */
  public void select(List<ColumnDescriptor> columns) {
    Map<String, Type> fields = new LinkedHashMap<>();
    for (ColumnDescriptor c : columns) {
      String name = c.getPath()[0];
      if (!schema.containsField(name)) {
        throw new IllegalArgumentException(path + " has no column " + String.join(".", c.getPath()));
      }
      fields.putIfAbsent(name, schema.getType(name));
    }
    reader.setRequestedSchema(new MessageType(schema.getName(), new ArrayList<>(fields.values())));
    this.selected = List.copyOf(columns);
  }

  /** The number of row groups. */
  public int rowGroups() {
    return reader.getRowGroups().size();
  }

  /** The number of rows of row group {@code group}. */
  public long rows(int group) {
    return reader.getRowGroups().get(group).getRowCount();
  }

  /**
   * Reads row group {@code group} (0-based): its pages of the selected columns are read from the file
   * (and their checksums verified); each column's values are decoded as its decoder is read.
   *
   * @throws DataCheckException naming the file and the row group when it cannot be read
   */
  public ColumnChunkDecoder[] readRowGroup(int group) {
    String where = ParquetFiles.rowGroupName(path, group, rowGroups(), rows(group));
    PageReadStore pages;
    try {
      pages = ParquetFiles.readRowGroup(reader, group);
    } catch (IOException | RuntimeException e) {
      throw new DataCheckException(where + " cannot be read: " + DataCheckException.oneLine(e));
    }
    ColumnChunkDecoder[] decoders = new ColumnChunkDecoder[selected.size()];
    for (int i = 0; i < decoders.length; i++) {
      ColumnDescriptor c = selected.get(i);
      decoders[i] = new ColumnChunkDecoder(where, c, pages.getPageReader(c), writer);
    }
    return decoders;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
