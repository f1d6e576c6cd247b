package dev.beamline.runner.subject;

import dev.beamline.core.Storage;
import dev.beamline.core.ConfigException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Writes a copy of a scanned file without the data subject's rows, in the file's own format: a CSV or
 * JSON lines file line for line, every byte of the other rows (and the header) kept as it was, the
 * lines of each of the subject's records left out whole (a quoted field may span lines); an Avro file
 * with its schema and codec; a Parquet file with its schema, Snappy-compressed.
 *
 * <pre>{@code
 * RowEraser.Erased e = RowEraser.rewrite(target, key, Path.of("v2/data.csv"));
 * }</pre>
 */
public final class RowEraser {
  private RowEraser() {}

  /** What a rewrite kept: the rows read (the rows the reader rejected included for line-based files) and those left out. */
  public record Erased(long rows, long removed) {
    public long kept() {
      return rows - removed;
    }
  }

  /**
   * Writes {@code target}'s file without {@code key}'s rows to {@code out} (a new file).
   *
   * @throws ConfigException when the file has no column {@code key.column()}
   */
  public static Erased rewrite(ScanTarget target, SubjectKey key, Path out) throws IOException {
    if (target.lineBased()) {
      NavigableSet<Long> starts = new TreeSet<>();
      Set<Long> drop = new HashSet<>();
      String[] column = new String[1];
      FileScan.read(target, new FileScan.RowVisitor() {
        @Override
        public void row(GenericRecord row, long line) {
          starts.add(line);
          if (key.matches(row.get(column[0]))) {
            drop.add(line);
          }
        }

        @Override
        public void rejected(long line) {
          starts.add(line);
        }
      }, names -> column[0] = column(target, names, key));
      try (InputStream in = open(target.file());
          OutputStream o = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW))) {
        copyLines(in, o, starts, drop);
      }
      return new Erased(starts.size(), drop.size());
    }
    if (target.format().equals("avro")) {
      try (InputStream in = open(target.file());
          DataFileStream<GenericRecord> records = new DataFileStream<>(in, new GenericDatumReader<>())) {
        Schema schema = records.getSchema();
        String field = column(target, names(schema), key);
        String codec = records.getMetaString("avro.codec");
        long rows = 0;
        long removed = 0;
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
          w.setCodec(codec == null ? CodecFactory.nullCodec() : CodecFactory.fromString(codec));
          w.create(schema, Files.newOutputStream(out, StandardOpenOption.CREATE_NEW));
          while (records.hasNext()) {
            GenericRecord r = records.next();
            rows++;
            if (key.matches(r.get(field))) {
              removed++;
            } else {
              w.append(r);
            }
          }
        }
        return new Erased(rows, removed);
      }
    }
    // Parquet: the rows kept, in order, with the schema the records were read with.
    List<GenericRecord> kept = new ArrayList<>();
    Schema[] schema = new Schema[1];
    String[] column = new String[1];
    long[] rows = new long[1];
    FileScan.read(target, (row, n) -> {
      schema[0] = row.getSchema();
      rows[0]++;
      if (!key.matches(row.get(column[0]))) {
        kept.add(row);
      }
    }, names -> column[0] = column(target, names, key));
    if (schema[0] == null) {
      schema[0] = dev.beamline.ingest.parquet.ParquetFiles.avroSchema(target.file());
    }
    ParquetIO.Sink sink = ParquetIO.sink(schema[0]).withCompressionCodec(CompressionCodecName.SNAPPY);
    try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(channel);
      for (GenericRecord r : kept) {
        sink.write(r);
      }
      sink.flush();
    }
    return new Erased(rows[0], rows[0] - kept.size());
  }

  private static String column(ScanTarget target, List<String> names, SubjectKey key) {
    String field = FileScan.fieldOf(names, key.column());
    if (field == null) {
      throw new ConfigException(target.file() + " has no column '" + key.column() + "'; its columns: " + String.join(", ", names));
    }
    return field;
  }

  private static List<String> names(Schema schema) {
    return schema.getFields().stream().map(Schema.Field::name).toList();
  }

  private static InputStream open(String file) throws IOException {
    return new BufferedInputStream(Storage.open(file));
  }

  /**
   * Copies {@code in} to {@code out} line by line (a line ends after its {@code \n}), leaving out every
   * line of the records that start at a line of {@code drop}: a record is its first line, among {@code
   * starts}, and the lines up to the next record's first line. Lines before the first record (a
   * header) are kept.
   */
  public static void copyLines(InputStream in, OutputStream out, NavigableSet<Long> starts, Set<Long> drop) throws IOException {
    long line = 1;
    boolean dropping = false;
    boolean atLineStart = true;
    byte[] buf = new byte[64 * 1024];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      // Bytes [from, i) belong to the current line, kept unless its record is dropped.
      int from = 0;
      for (int i = 0; i < n; i++) {
        if (atLineStart) {
          if (!dropping) {
            out.write(buf, from, i - from);
          }
          from = i;
          if (starts.contains(line)) {
            dropping = drop.contains(line);
          }
          atLineStart = false;
        }
        if (buf[i] == '\n') {
          line++;
          atLineStart = true;
        }
      }
      if (!dropping) {
        out.write(buf, from, n - from);
      }
    }
  }
}
