package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/** Reads Avro object container files whose writer schema is a record of scalar fields. */
final class AvroFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;

  static Schema writerSchema(String path) throws IOException {
    try (InputStream in = open(path);
        DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
      return stream.getSchema();
    } catch (IOException e) {
      throw new DataCheckException(path + ": not a readable Avro file: " + e.getMessage());
    }
  }

  static ExampleSchema fileSchema(String path, Schema writer) {
    try {
      return ExampleSchema.fromAvro(writer);
    } catch (IllegalArgumentException e) {
      throw new DataCheckException(path + ": " + e.getMessage());
    }
  }

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    String first = files.get(0).path();
    ExampleSchema schema = fileSchema(first, writerSchema(first));
    for (InputFiles.InputFile f : files.subList(1, files.size())) {
      checkFile(f, schema);
    }
    return schema;
  }

  @Override
  public void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException {
    checkFields(file.path(), writerSchema(file.path()), schema);
  }

  static void checkFields(String path, Schema writer, ExampleSchema schema) {
    List<String> found = writer.getFields().stream().map(Schema.Field::name).toList();
    if (found.size() != schema.size() || !found.containsAll(schema.names())) {
      throw columnMismatch(path, found, schema);
    }
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    try (InputStream in = open(path);
        DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
      convertAll(path, stream, stream.getSchema(), schema, avroSchema, sink);
    }
  }

  /** Converts records read by Avro or Parquet, field by field by name, rejecting those that do not fit. */
  static void convertAll(
      String path, Iterable<GenericRecord> records, Schema writer, ExampleSchema schema, Schema avroSchema, Sink sink) {
    checkFields(path, writer, schema);
    int n = schema.size();
    int[] fileIndex = new int[n];
    Schema[] fileTypes = new Schema[n];
    FeatureType[] types = new FeatureType[n];
    for (int i = 0; i < n; i++) {
      Schema.Field field = writer.getField(schema.feature(i).name());
      fileIndex[i] = field.pos();
      fileTypes[i] = ExampleSchema.nonNullType(field.schema());
      types[i] = schema.feature(i).type();
    }
    long recordNumber = 0;
    for (GenericRecord r : records) {
      recordNumber++;
      GenericData.Record example = new GenericData.Record(avroSchema);
      RejectedRow rejected = null;
      for (int i = 0; i < n; i++) {
        Object v = r.get(fileIndex[i]);
        try {
          example.put(i, convertObject(v, fileTypes[i], types[i]));
        } catch (ValueParser.BadValueException e) {
          rejected =
              new RejectedRow(
                  path, recordNumber, schema.feature(i).name(),
                  e.getMessage() + " (expected " + types[i].configName() + ")", String.valueOf(r));
          break;
        }
      }
      if (rejected != null) {
        sink.reject(rejected);
      } else {
        sink.accept(example);
      }
    }
  }
}
