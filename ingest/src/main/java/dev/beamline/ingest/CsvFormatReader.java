package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/** Reads delimited text files laid out as {@link CsvFormat} says. */
final class CsvFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;

  private final CsvFormat format;

  CsvFormatReader(CsvFormat format) {
    this.format = format;
  }

  /** The columns of a file: their feature names, and where they were named ({@code "data.csv line 1"}). */
  private record Columns(List<String> names, String where) {}

  /**
   * The feature names of the columns of {@code path}, from its header or from the configured names.
   *
   * @throws DataCheckException for a file without a header line, a header that cannot be read, or two
   *     columns with the same feature name
   */
  private Columns columns(String path, CsvReader csv) throws IOException {
    List<String> names = new ArrayList<>();
    List<String> columns;
    String where;
    if (format.header()) {
      CsvReader.Record header = csv.next();
      if (header == null) {
        throw new DataCheckException(path + ": the file is empty (no header line)");
      }
      where = path + " line " + header.line();
      if (header.error() != null) {
        throw new DataCheckException(where + ": cannot read the header: " + header.error());
      }
      columns = header.fields();
    } else {
      columns = format.columnNames();
      where = path + " (csv.columns)";
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      String name = AsciiNames.featureName(columns.get(i));
      Integer before = seen.putIfAbsent(name, i);
      if (before != null) {
        throw new DataCheckException(
            String.format(
                "%s: columns %d ('%s') and %d ('%s') are both named '%s' once made valid feature names;"
                    + " every column needs a name of its own",
                where, before + 1, columns.get(before), i + 1, columns.get(i), name));
      }
      names.add(name);
    }
    return new Columns(names, where);
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
      try (CsvReader csv = new CsvReader(open(file.path()), format)) {
        List<String> cols = columns(file.path(), csv).names();
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
          if (r.error() != null || r.size() != cols.size() || r.invalidField() >= 0) {
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
  public List<String> checkFile(InputFiles.InputFile file, ExampleSchema declared) throws IOException {
    if (!format.header() && format.columnNames().isEmpty()) {
      return declared.names(); // The columns are the declared schema's, in its order.
    }
    try (CsvReader csv = new CsvReader(open(file.path()), format)) {
      Columns cols = columns(file.path(), csv);
      return checkDeclared(cols.where(), cols.names(), declared);
    }
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    try (CsvReader csv = new CsvReader(open(path), format)) {
      List<String> cols;
      if (format.header() || !format.columnNames().isEmpty()) {
        Columns columns = columns(path, csv);
        cols = columns.names();
        if (!new HashSet<>(cols).equals(new HashSet<>(schema.names()))) {
          throw columnMismatch(columns.where(), cols, schema);
        }
      } else {
        cols = schema.names();
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
        if (r.invalidField() >= 0) {
          sink.reject(reject(path, r, cols.get(r.invalidField()), "invalid UTF-8 byte sequence"));
          continue;
        }
        GenericData.Record example = new GenericData.Record(avroSchema);
        RejectedRow rejected = null;
        for (int i = 0; i < n; i++) {
          String v = r.field(i);
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
          sink.accept(example, r.line());
        }
      }
    }
  }

  /** {@code r} as a rejected row: one row, or for a record never closed or cut at the limit, every line it spans. */
  private RejectedRow reject(String path, CsvReader.Record r, String field, String reason) {
    return new RejectedRow(
        path, r.line(), field, reason, r.content(format.delimiter(), format.quote()), r.rows(), r.bytes());
  }
}
