package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How CSV files are laid out: delimiter, quote character, header line, the tokens that stand for a
 * missing value, and the largest record the reader holds.
 *
 * <p>Quoting follows RFC 4180: a field in quotes may hold the delimiter, line breaks and doubled quotes
 * ({@code ""} stands for one quote). Null tokens are matched against unquoted fields only, so {@code ""}
 * in quotes is an empty string while an empty unquoted field is missing by default.
 *
 * <p>{@link #maxRecordBytes()} bounds the memory a record may take, whatever the file holds: a record
 * longer than that (a quote never closed, a line of a gigabyte) is rejected, and reading resumes after
 * the next line break (see {@link CsvReader}). JSON lines are bounded by the same limit.
 *
 * <pre>{@code
 * CsvFormat tsv = CsvFormat.defaults().withDelimiter('\t').withNullValues(List.of("", "NA"));
 * }</pre>
 */
public record CsvFormat(
    char delimiter,
    char quote,
    boolean header,
    ImmutableSet<String> nullValues,
    ImmutableList<String> columnNames,
    int maxRecordBytes)
    implements Serializable {
  /** The default of {@link #maxRecordBytes()}: 1 MiB. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
  /** The largest {@link #maxRecordBytes()} allowed: 1 GiB, so that a record's bytes fit one Java array. */
  public static final int MAX_RECORD_BYTES_LIMIT = 1 << 30;

  public CsvFormat {
    checkNotNull(nullValues, "nullValues");
    checkNotNull(columnNames, "columnNames");
    checkArgument(delimiter != quote, "delimiter and quote must differ, both are '%s'", delimiter);
    checkArgument(delimiter != '\n' && delimiter != '\r', "delimiter must not be a line break");
    checkArgument(quote != '\n' && quote != '\r', "quote must not be a line break");
    checkArgument(
        maxRecordBytes >= 1 && maxRecordBytes <= MAX_RECORD_BYTES_LIMIT,
        "max_record_bytes must be between 1 and %s (1 GiB), got %s",
        MAX_RECORD_BYTES_LIMIT,
        maxRecordBytes);
  }

  /** Comma-delimited, double-quoted, with a header line; an empty unquoted field is missing; records up to 1 MiB. */
  public static CsvFormat defaults() {
    return new CsvFormat(',', '"', true, ImmutableSet.of(""), ImmutableList.of(), DEFAULT_MAX_RECORD_BYTES);
  }

  public CsvFormat withDelimiter(char delimiter) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames, maxRecordBytes);
  }

  public CsvFormat withQuote(char quote) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames, maxRecordBytes);
  }

  /** Whether the first line of every file names the columns (default true). */
  public CsvFormat withHeader(boolean header) {
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames, maxRecordBytes);
  }

  /** The unquoted field values that mean "missing" (default: the empty field). */
  public CsvFormat withNullValues(List<String> nullValues) {
    return new CsvFormat(delimiter, quote, header, ImmutableSet.copyOf(nullValues), columnNames, maxRecordBytes);
  }

  /**
   * The column names, for files without a header line. With a header they must be left empty: names
   * come from the header. No two may give the same feature name ({@link AsciiNames#featureName}).
   */
  public CsvFormat withColumnNames(List<String> columnNames) {
    Map<String, String> seen = new HashMap<>();
    for (String column : columnNames) {
      checkNotNull(column, "column names must not be null");
      String name = AsciiNames.featureName(column);
      String before = seen.putIfAbsent(name, column);
      checkArgument(
          before == null,
          "columns '%s' and '%s' would both be feature '%s'; give them different names",
          before,
          column,
          name);
    }
    return new CsvFormat(delimiter, quote, header, nullValues, ImmutableList.copyOf(columnNames), maxRecordBytes);
  }

  /**
   * The largest record, in bytes as read (UTF-8), that the reader holds in memory (default 1 MiB, at
   * most 1 GiB). A longer record is rejected with the physical lines it spans up to the next line break
   * after the limit, each counted as a rejected row.
   */
  public CsvFormat withMaxRecordBytes(long bytes) {
    checkArgument(
        bytes >= 1 && bytes <= MAX_RECORD_BYTES_LIMIT,
        "max_record_bytes must be between 1 and %s (1 GiB), got %s",
        MAX_RECORD_BYTES_LIMIT,
        bytes);
    return new CsvFormat(delimiter, quote, header, nullValues, columnNames, (int) bytes);
  }

  /** Whether the unquoted field {@code value} stands for a missing value. */
  public boolean isNull(String value) {
    return nullValues.contains(value);
  }
}
