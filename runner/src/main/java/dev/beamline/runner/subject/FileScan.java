package dev.beamline.runner.subject;

import dev.beamline.core.Storage;
import dev.beamline.core.ExampleSchema;
import dev.beamline.ingest.AsciiNames;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.FileSystems;

/**
 * Reads the rows of one {@link ScanTarget} and finds the subject's: a CSV or JSON lines file with
 * ingestion's own reader of its format (its CSV settings, the ingested schema), so a row is read as the
 * pipeline read it; an Avro or Parquet file record by record, with its own schema. A row's position is
 * its first line (CSV, JSON lines) or its 1-based record number (Avro, Parquet).
 *
 * <pre>{@code
 * FileMatches m = FileScan.count(0, target, SubjectKey.parse("penguin_id=7"));
 * }</pre>
 */
public final class FileScan {
  private FileScan() {}

  /** What a scan is told of each row. */
  public interface RowVisitor {
    /** A row read, at {@code position}. */
    void row(GenericRecord row, long position);

    /** A row the reader rejected (it does not parse), at {@code position}: never the subject's as far as anyone can tell. */
    default void rejected(long position) {}
  }

  /**
   * Counts the rows of {@code target} (the {@code index}-th file scanned) and those of the subject. A
   * file that cannot be read is counted as nothing, with the reason.
   */
  public static FileMatches count(int index, ScanTarget target, SubjectKey key) {
    long[] rows = new long[2];
    String[] column = new String[1];
    try {
      List<String> columns = read(target, new RowVisitor() {
        @Override
        public void row(GenericRecord row, long position) {
          rows[0]++;
          if (column[0] != null && key.matches(row.get(column[0]))) {
            rows[1]++;
          }
        }
      }, names -> column[0] = fieldOf(names, key.column()));
      return new FileMatches(index, column[0] != null, rows[0], rows[1], columns, null);
    } catch (IOException | RuntimeException e) {
      return new FileMatches(index, false, 0, 0, List.of(), target.file() + ": cannot be read: " + e.getMessage());
    }
  }

  /**
   * The field of a record whose columns are {@code names} that holds feature {@code column}: the one of
   * that name, else the one whose name ingestion turns into it ({@code Penguin ID} for {@code
   * penguin_id}); null when none does.
   */
  public static String fieldOf(List<String> names, String column) {
    if (names.contains(column)) {
      return column;
    }
    for (String n : names) {
      try {
        if (AsciiNames.featureName(n).equals(column)) {
          return n;
        }
      } catch (RuntimeException e) {
        // A name with no feature spelling is not the column.
      }
    }
    return null;
  }

  /** Receives a file's column names before its first row. */
  public interface ColumnsVisitor {
    void columns(List<String> names);
  }

  /**
   * Reads every row of {@code target} into {@code visitor}, after telling {@code columns} the file's
   * column names, which it returns.
   */
  public static List<String> read(ScanTarget target, RowVisitor visitor, ColumnsVisitor columns) throws IOException {
    switch (target.format()) {
      case "csv":
      case "jsonl": {
        Schema avro = new Schema.Parser().parse(target.avroSchema());
        List<String> names = names(avro);
        columns.columns(names);
        FormatReader reader = FormatReader.of(InputFormat.parse(target.format()), target.csv() == null
            ? dev.beamline.ingest.CsvFormat.defaults() : target.csv());
        reader.read(target.file(), ExampleSchema.fromAvro(avro), avro, new FormatReader.Sink() {
          @Override
          public void accept(GenericRecord example) {
            throw new IllegalStateException("the reader of " + target.format() + " gives every row's line");
          }

          @Override
          public void accept(GenericRecord example, long line) {
            visitor.row(example, line);
          }

          @Override
          public void reject(RejectedRow row) {
            visitor.rejected(row.line());
          }
        });
        return names;
      }
      case "avro": {
        try (InputStream in = Storage.open(target.file());
            DataFileStream<GenericRecord> records = new DataFileStream<>(in, new GenericDatumReader<>())) {
          List<String> names = names(records.getSchema());
          columns.columns(names);
          long n = 0;
          while (records.hasNext()) {
            visitor.row(records.next(), ++n);
          }
          return names;
        }
      }
      case "parquet": {
        try (ExampleRecordReader records = ExampleRecordReader.open(target.file())) {
          List<String> names = null;
          long n = 0;
          for (GenericRecord r = records.read(); r != null; r = records.read()) {
            if (names == null) {
              names = names(r.getSchema());
              columns.columns(names);
            }
            visitor.row(r, ++n);
          }
          if (names == null) {
            names = names(dev.beamline.ingest.parquet.ParquetFiles.avroSchema(target.file()));
            columns.columns(names);
          }
          return names;
        }
      }
      default:
        throw new AssertionError(target.format());
    }
  }

  private static List<String> names(Schema record) {
    List<String> names = new ArrayList<>();
    record.getFields().forEach(f -> names.add(f.name()));
    return names;
  }
}
