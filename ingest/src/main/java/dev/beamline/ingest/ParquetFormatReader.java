package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;

/**
 * Reads Parquet files whose schema is a flat record of scalar columns, one row group at a time.
 *
 * <p>A row group that cannot be read (a page whose checksum does not match, that does not decompress or
 * decode) does not fail the file: its rows not read yet become one rejected row that names the file, the
 * row group and the records lost, and counts as that many rows against {@code max_rejected_fraction};
 * reading goes on with the next row group. Page checksums, which parquet-mr writes by default, are
 * verified, so that a corrupt page is found before any of its values is used.
 */
final class ParquetFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;

  static Schema fileSchema(String path) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(new BeamInputFile(path))) {
      return new AvroSchemaConverter(new Configuration(false))
          .convert(reader.getFooter().getFileMetaData().getSchema());
    } catch (RuntimeException | IOException e) {
      throw new DataCheckException(path + ": not a readable Parquet file: " + e.getMessage());
    }
  }

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    String first = files.get(0).path();
    ExampleSchema schema = AvroFormatReader.fileSchema(first, fileSchema(first));
    for (InputFiles.InputFile f : files.subList(1, files.size())) {
      AvroFormatReader.checkFields(f.path(), fileSchema(f.path()), schema);
    }
    return schema;
  }

  @Override
  public void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException {
    checkDeclared(file.path(), AvroFormatReader.fieldNames(fileSchema(file.path())), schema);
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    AvroFormatReader.Converter converter = new AvroFormatReader.Converter(path, fileSchema(path), schema, avroSchema, sink);
    Configuration conf = new Configuration(false);
    ParquetReadOptions options = ParquetReadOptions.builder().usePageChecksumVerification(true).build();
    try (ParquetFileReader file = ParquetFileReader.open(new BeamInputFile(path), options)) {
      FileMetaData meta = file.getFooter().getFileMetaData();
      MessageType fileSchema = meta.getSchema();
      Map<String, String> keyValues = meta.getKeyValueMetaData();
      // What AvroParquetReader does for each file, made explicit so that each row group is read on its own.
      AvroReadSupport<GenericRecord> support = new AvroReadSupport<>(GenericData.get());
      ReadSupport.ReadContext context = support.init(conf, keyValues, fileSchema);
      RecordMaterializer<GenericRecord> materializer = support.prepareForRead(conf, keyValues, fileSchema, context);
      MessageType requested = context.getRequestedSchema();
      file.setRequestedSchema(requested);
      MessageColumnIO io = new ColumnIOFactory(meta.getCreatedBy()).getColumnIO(requested, fileSchema, true);
      List<BlockMetaData> groups = file.getRowGroups();
      long first = 1;
      for (int g = 0; g < groups.size(); g++) {
        long rows = groups.get(g).getRowCount();
        long done = 0;
        Exception failure = null;
        RecordReader<GenericRecord> records = null;
        try {
          PageReadStore pages = file.readRowGroup(g);
          if (pages == null) {
            throw new IOException("the row group is missing from the file");
          }
          records = io.getRecordReader(pages, materializer, FilterCompat.NOOP);
        } catch (IOException | RuntimeException e) {
          failure = e;
        }
        while (failure == null && done < rows) {
          GenericRecord r;
          try {
            r = records.read();
          } catch (RuntimeException e) {
            failure = e;
            break;
          }
          // Outside the try: what the sink throws is the sink's, not the file's.
          converter.convert(first + done, r);
          done++;
        }
        if (failure != null) {
          long lost = rows - done;
          sink.reject(
              new RejectedRow(
                  path,
                  first + done,
                  null,
                  String.format(
                      "row group %d (0-based, of %d; records %d to %d) cannot be read from record %d on: %s;"
                          + " %d row%s lost (counted as %d rejected row%s)",
                      g, groups.size(), first, first + rows - 1, first + done, DataCheckException.oneLine(failure),
                      lost, lost == 1 ? "" : "s", lost, lost == 1 ? "" : "s"),
                  null,
                  lost,
                  null));
        }
        first += rows;
      }
    }
  }


  /** A reader of the records of the Parquet file {@code path}, as generic Avro records. */
  static ParquetReader<GenericRecord> openReader(String path) throws IOException {
    return AvroParquetReader.<GenericRecord>builder(new BeamInputFile(path))
        .withDataModel(GenericData.get())
        .withConf(new Configuration(false))
        .build();
  }
}
