package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;

/** Reads Parquet files whose schema is a flat record of scalar columns. */
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
      checkFile(f, schema);
    }
    return schema;
  }

  @Override
  public void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException {
    AvroFormatReader.checkFields(file.path(), fileSchema(file.path()), schema);
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    Schema writer = fileSchema(path);
    try (ParquetReader<GenericRecord> reader = openReader(path)) {
      AvroFormatReader.convertAll(path, () -> iterate(reader), writer, schema, avroSchema, sink);
    }
  }

  /** A reader of the records of the Parquet file {@code path}, as generic Avro records. */
  static ParquetReader<GenericRecord> openReader(String path) throws IOException {
    return AvroParquetReader.<GenericRecord>builder(new BeamInputFile(path))
        .withDataModel(GenericData.get())
        .withConf(new Configuration(false))
        .build();
  }

  private static Iterator<GenericRecord> iterate(ParquetReader<GenericRecord> reader) {
    return new Iterator<>() {
      private GenericRecord next = advance();

      private GenericRecord advance() {
        try {
          return reader.read();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public GenericRecord next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        GenericRecord r = next;
        next = advance();
        return r;
      }
    };
  }
}
