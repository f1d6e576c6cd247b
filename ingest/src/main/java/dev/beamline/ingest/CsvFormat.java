package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.Serializable;
import java.util.List;

/**
 * How CSV files are laid out: delimiter, quote character, header line, and the tokens that stand for a
 * missing value.
 *
 * <p>Quoting follows RFC 4180: a field in quotes may hold the delimiter, line breaks and doubled quotes
 * ({@code ""} stands for one quote). Null tokens are matched against unquoted fields only, so {@code ""}
 * in quotes is an empty string while an empty unquoted field is missing by default.
 *
 * <pre>{@code
 * CsvFormat tsv = CsvFormat.defaults().withDelimiter('\t').withNullValues(List.of("", "NA"));
 * }</pre>
 */
public record CsvFormat(
    char delimiter, char quote, boolean header, ImmutableSet<String> nullValues, ImmutableList<String> columnNames)
    implements Serializable {

  public CsvFormat {
    checkNotNull(nullValues, "nullValues");
    checkNotNull(columnNames, "columnNames");
    checkArgument(delimiter != quote, "delimiter and quote must differ, both are '%s'", delimiter);
    checkArgument(delimiter != '\n' && delimiter != '\r', "delimiter must not be a line break");
  }

  /** Comma-delimited, double-quoted, with a header line; an empty unquoted field is missing. */
  public static CsvFormat defaults() {
    return new CsvFormat(',', '"', true, ImmutableSet.of(""), ImmutableList.of());
  }

  public CsvFormat withDelimiter(char delimiter) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames);
  }

  public CsvFormat withQuote(char quote) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames);
  }

  /** Whether the first line of every file names the columns (default true). */
  public CsvFormat withHeader(boolean header) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames);
  }

  /** The unquoted field values that mean "missing" (default: the empty field). */
  public CsvFormat withNullValues(List<String> nullValues) {
    return new CsvFormat(delimiter, quote, header, ImmutableSet.copyOf(nullValues), columnNames);
  }

  /**
   * The column names, for files without a header line. With a header they must be left empty: names
   * come from the header.
   */
  public CsvFormat withColumnNames(List<String> columnNames) {
    return new CsvFormat(delimiter, quote, header, nullValues, ImmutableList.copyOf(columnNames));
  }

  /** Whether the unquoted field {@code value} stands for a missing value. */
  public boolean isNull(String value) {
    return nullValues.contains(value);
  }
}
