package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.ingest.parquet.ParquetFiles;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Reads Parquet files whose schema is a flat record of scalar columns, one row group at a time, with
 * {@link ExampleRecordReader}.
 *
 * <p>A row group that cannot be read (a page whose checksum does not match, that does not decompress or
 * decode) does not fail the file: its rows not read yet become one rejected row that names the file, the
 * row group and the records lost, and counts as that many rows against {@code max_rejected_fraction};
 * reading goes on with the next row group. Page checksums, which parquet-mr writes by default, are
 * verified, so that a corrupt page is found before any of its values is used.
 */
final class ParquetFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    String first = files.get(0).path();
    ExampleSchema schema = AvroFormatReader.fileSchema(first, ParquetFiles.avroSchema(first));
    for (InputFiles.InputFile f : files.subList(1, files.size())) {
      AvroFormatReader.checkFields(f.path(), ParquetFiles.avroSchema(f.path()), schema);
    }
    return schema;
  }

  @Override
  public List<String> checkFile(InputFiles.InputFile file, ExampleSchema declared) throws IOException {
    return checkDeclared(file.path(), AvroFormatReader.fieldNames(ParquetFiles.avroSchema(file.path())), declared);
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    AvroFormatReader.Converter converter =
        new AvroFormatReader.Converter(path, ParquetFiles.avroSchema(path), schema, avroSchema, sink);
    try (ExampleRecordReader file = ExampleRecordReader.open(path)) {
      int groups = file.rowGroups();
      long first = 1;
      for (int g = 0; g < groups; g++) {
        long rows = file.rows(g);
        long done = 0;
        Exception failure = null;
        ExampleRecordReader.RowGroup records = null;
        try {
          records = file.readRowGroup(g);
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
                      g, groups, first, first + rows - 1, first + done, DataCheckException.oneLine(failure),
                      lost, lost == 1 ? "" : "s", lost, lost == 1 ? "" : "s"),
                  null,
                  lost,
                  null));
        }
        first += rows;
      }
    }
  }
}
