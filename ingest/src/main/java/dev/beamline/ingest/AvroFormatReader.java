package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileConstants;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.beam.sdk.io.FileSystems;

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
      checkFields(f.path(), writerSchema(f.path()), schema);
    }
    return schema;
  }

  @Override
  public List<String> checkFile(InputFiles.InputFile file, ExampleSchema declared) throws IOException {
    return checkDeclared(file.path(), fieldNames(writerSchema(file.path())), declared);
  }

  static List<String> fieldNames(Schema writer) {
    return writer.getFields().stream().map(Schema.Field::name).toList();
  }

  static void checkFields(String path, Schema writer, ExampleSchema schema) {
    List<String> found = fieldNames(writer);
    if (found.size() != schema.size() || !found.containsAll(schema.names())) {
      throw columnMismatch(path, found, schema);
    }
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    long[] read = new long[1];
    try (InputStream in = open(path);
        DataFileStream<GenericRecord> stream = new DataFileStream<>(in, new GenericDatumReader<>())) {
      convertAll(path, counted(stream, read), stream.getSchema(), schema, avroSchema, sink);
    } catch (AvroRuntimeException | IOException e) {
      // A file cut short or corrupt: a data error naming the file and where, not an internal one.
      throw new DataCheckException(
          path + ": not a readable Avro file after record " + read[0] + ": " + e.getMessage());
    }
    // Avro's reader takes a file cut inside a block for one that ends before it: the records of that
    // block would be lost without a word.
    if (!endsWithItsSyncMarker(path)) {
      throw new DataCheckException(
          path + ": the Avro file is cut short (it does not end with its sync marker, as every block does);"
              + " " + read[0] + " records could be read");
    }
  }

  /** Whether the Avro container file {@code path} ends with the sync marker its header declares. */
  static boolean endsWithItsSyncMarker(String path) throws IOException {
    byte[] sync = new byte[DataFileConstants.SYNC_SIZE];
    try (InputStream in = open(path)) {
      BinaryDecoder header = DecoderFactory.get().binaryDecoder(in, null);
      header.readFixed(new byte[DataFileConstants.MAGIC.length]);
      for (long n = header.readMapStart(); n != 0; n = header.mapNext()) {
        for (long i = 0; i < n; i++) {
          header.skipString();
          header.skipBytes();
        }
      }
      header.readFixed(sync);
    }
    try (ReadableByteChannel channel = FileSystems.open(FileSystems.matchNewResource(path, false))) {
      if (!(channel instanceof SeekableByteChannel ch)) {
        return true; // A file system that cannot seek: not checked.
      }
      long size = ch.size();
      if (size < sync.length) {
        return false;
      }
      ByteBuffer tail = ByteBuffer.allocate(sync.length);
      ch.position(size - sync.length);
      while (tail.hasRemaining() && ch.read(tail) >= 0) {
        // Until the 16 bytes are read.
      }
      return !tail.hasRemaining() && java.util.Arrays.equals(tail.array(), sync);
    }
  }

  /** {@code records}, counting in {@code read[0]} how many were read. */
  private static Iterable<GenericRecord> counted(Iterable<GenericRecord> records, long[] read) {
    return () -> {
      java.util.Iterator<GenericRecord> it = records.iterator();
      return new java.util.Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public GenericRecord next() {
          GenericRecord r = it.next();
          read[0]++;
          return r;
        }
      };
    };
  }

  /** Converts records read by Avro or Parquet, field by field by name, rejecting those that do not fit. */
  static void convertAll(
      String path, Iterable<GenericRecord> records, Schema writer, ExampleSchema schema, Schema avroSchema, Sink sink) {
    Converter converter = new Converter(path, writer, schema, avroSchema, sink);
    long recordNumber = 0;
    for (GenericRecord r : records) {
      converter.convert(++recordNumber, r);
    }
  }

  /** Converts records of one file, read by Avro or Parquet, field by field by name, into a sink. */
  static final class Converter {
    private final String path;
    private final ExampleSchema schema;
    private final Schema avroSchema;
    private final Sink sink;
    private final int[] fileIndex;
    private final Schema[] fileTypes;
    private final FeatureType[] types;

    /** @throws DataCheckException when the file's fields are not the schema's features */
    Converter(String path, Schema writer, ExampleSchema schema, Schema avroSchema, Sink sink) {
      checkFields(path, writer, schema);
      this.path = path;
      this.schema = schema;
      this.avroSchema = avroSchema;
      this.sink = sink;
      int n = schema.size();
      fileIndex = new int[n];
      fileTypes = new Schema[n];
      types = new FeatureType[n];
      for (int i = 0; i < n; i++) {
        Schema.Field field = writer.getField(schema.feature(i).name());
        fileIndex[i] = field.pos();
        fileTypes[i] = ExampleSchema.nonNullType(field.schema());
        types[i] = schema.feature(i).type();
      }
    }

    /** Converts record {@code recordNumber} (1-based) of the file: an example, or a rejected row. */
    void convert(long recordNumber, GenericRecord r) {
      GenericData.Record example = new GenericData.Record(avroSchema);
      for (int i = 0; i < types.length; i++) {
        Object v = r.get(fileIndex[i]);
        try {
          example.put(i, convertObject(v, fileTypes[i], types[i]));
        } catch (ValueParser.BadValueException e) {
          sink.reject(
              new RejectedRow(
                  path, recordNumber, schema.feature(i).name(),
                  e.getMessage() + " (expected " + types[i].configName() + ")", String.valueOf(r)));
          return;
        }
      }
      sink.accept(example, recordNumber);
    }
  }
}
