package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureNames;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/** Reads delimited text files laid out as {@link CsvFormat} says. */
final class CsvFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;

  private final CsvFormat format;

  CsvFormatReader(CsvFormat format) {
    this.format = format;
  }

  /** The feature names of the columns of {@code path}, from its header or from the configured names. */
  private List<String> columns(String path, CsvReader csv) throws IOException {
    List<String> names = new ArrayList<>();
    if (format.header()) {
      CsvReader.Record header = csv.next();
      if (header == null) {
        throw new DataCheckException(path + ": the file is empty (no header line)");
      }
      for (String column : header.fields()) {
        names.add(FeatureNames.sanitize(column));
      }
    } else {
      for (String column : format.columnNames()) {
        names.add(FeatureNames.sanitize(column));
      }
    }
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (!seen.add(n)) {
        throw new DataCheckException(path + ": two columns are both named '" + n + "' (after sanitizing)");
      }
    }
    return names;
  }

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    if (!format.header() && format.columnNames().isEmpty()) {
      throw new DataCheckException(
          "CSV without a header needs column names (csv.columns) or a declared schema");
    }
    List<String> names = null;
    List<TypeGuess> guesses = new ArrayList<>();
    long rows = 0;
    for (InputFiles.InputFile file : files) {
      try (CsvReader csv = new CsvReader(utf8Reader(open(file.path())), format)) {
        List<String> cols = columns(file.path(), csv);
        if (names == null) {
          names = cols;
          for (int i = 0; i < cols.size(); i++) {
            guesses.add(new TypeGuess());
          }
        } else if (!new HashSet<>(names).equals(new HashSet<>(cols))) {
          throw new DataCheckException(
              file.path() + ": columns " + cols + " differ from those of " + files.get(0).path() + ": " + names);
        }
        int[] index = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
          index[i] = names.indexOf(cols.get(i));
        }
        for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) {
          if (maxRows > 0 && rows >= maxRows) {
            break;
          }
          rows++;
          if (r.error() != null || r.size() != cols.size()) {
            continue; // Rejected when read; it must not sway the types.
          }
          for (int i = 0; i < r.size(); i++) {
            TypeGuess g = guesses.get(index[i]);
            String v = r.field(i);
            if (!g.settled() && !(format.isNull(v) && !r.quoted()[i])) {
              g.accept(v);
            }
          }
        }
      }
      if (maxRows > 0 && rows >= maxRows) {
        break;
      }
    }
    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      features.add(FeatureSpec.of(names.get(i), guesses.get(i).result()));
    }
    return ExampleSchema.of(features);
  }

  @Override
  public void checkFile(InputFiles.InputFile file, ExampleSchema schema) throws IOException {
    try (CsvReader csv = new CsvReader(utf8Reader(open(file.path())), format)) {
      List<String> cols = columns(file.path(), csv);
      if (!new HashSet<>(cols).equals(new HashSet<>(schema.names()))) {
        throw columnMismatch(file.path(), cols, schema);
      }
    }
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    try (CsvReader csv = new CsvReader(utf8Reader(open(path)), format)) {
      List<String> cols = format.header() || !format.columnNames().isEmpty() ? columns(path, csv) : schema.names();
      if (!new HashSet<>(cols).equals(new HashSet<>(schema.names()))) {
        throw columnMismatch(path, cols, schema);
      }
      int n = cols.size();
      int[] featureOf = new int[n];
      FeatureType[] types = new FeatureType[n];
      for (int i = 0; i < n; i++) {
        featureOf[i] = schema.indexOf(cols.get(i));
        types[i] = schema.feature(featureOf[i]).type();
      }
      for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) {
        if (r.error() != null) {
          sink.reject(reject(path, r, null, r.error()));
          continue;
        }
        if (r.size() != n) {
          sink.reject(reject(path, r, null, "expected " + n + " fields, found " + r.size()));
          continue;
        }
        GenericData.Record example = new GenericData.Record(avroSchema);
        RejectedRow rejected = null;
        for (int i = 0; i < n; i++) {
          String v = r.field(i);
          if (hasInvalidUtf8(v)) {
            rejected = reject(path, r, cols.get(i), "invalid UTF-8 byte sequence");
            break;
          }
          if (!r.quoted()[i] && format.isNull(v)) {
            continue;
          }
          try {
            example.put(featureOf[i], ValueParser.parse(v, types[i]));
          } catch (ValueParser.BadValueException e) {
            rejected = reject(path, r, cols.get(i), e.getMessage() + " (expected " + types[i].configName() + ")");
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

  private RejectedRow reject(String path, CsvReader.Record r, String field, String reason) {
    return new RejectedRow(path, r.line(), field, reason, r.toCsv(format.delimiter(), format.quote()));
  }
}
