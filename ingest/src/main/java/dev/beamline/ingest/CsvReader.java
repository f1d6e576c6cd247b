package dev.beamline.ingest;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming RFC 4180 CSV parser that reports the line where each record starts.
 *
 * <p>Line breaks may be {@code \n}, {@code \r\n} or {@code \r}; quoted fields may span lines. Each record
 * is returned with, per field, whether it was quoted (null tokens only apply to unquoted fields). A quote
 * that is never closed yields a record with {@link Record#error()} set, holding the rest of the file.
 *
 * <pre>{@code
 * try (CsvReader csv = new CsvReader(reader, CsvFormat.defaults())) {
 *   for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) { ... }
 * }
 * }</pre>
 */
public final class CsvReader implements AutoCloseable {
  /** One record: its fields, which of them were quoted, the line it starts on, and a parse error if any. */
  public record Record(List<String> fields, boolean[] quoted, long line, String error) {
    public int size() {
      return fields.size();
    }

    public String field(int i) {
      return fields.get(i);
    }

    /** The record written back as one CSV line, quoting fields where needed; for dead-letter files. */
    public String toCsv(char delimiter, char quote) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) {
          s.append(delimiter);
        }
        String f = fields.get(i);
        boolean needsQuotes =
            quoted[i]
                || f.indexOf(delimiter) >= 0
                || f.indexOf(quote) >= 0
                || f.indexOf('\n') >= 0
                || f.indexOf('\r') >= 0;
        if (needsQuotes) {
          String q = String.valueOf(quote);
          s.append(quote).append(f.replace(q, q + q)).append(quote);
        } else {
          s.append(f);
        }
      }
      return s.toString();
    }
  }

  private final Reader in;
  private final char delimiter;
  private final char quote;
  private final char[] buf = new char[1 << 16];
  private int pos;
  private int len;
  private long line = 1;
  private boolean eof;

  public CsvReader(Reader in, CsvFormat format) {
    this.in = in;
    this.delimiter = format.delimiter();
    this.quote = format.quote();
  }

  private int read() throws IOException {
    if (pos == len) {
      if (eof) {
        return -1;
      }
      len = in.read(buf, 0, buf.length);
      pos = 0;
      if (len <= 0) {
        eof = true;
        len = 0;
        return -1;
      }
    }
    return buf[pos++];
  }

  private int peek() throws IOException {
    int c = read();
    if (c >= 0) {
      pos--;
    }
    return c;
  }

  /** The next record, or null at the end of input. Blank lines are skipped. */
  public Record next() throws IOException {
    int c = read();
    // Skip blank lines between records.
    while (c == '\n' || c == '\r') {
      if (c == '\r' && peek() == '\n') {
        read();
      }
      line++;
      c = read();
    }
    if (c < 0) {
      return null;
    }
    long startLine = line;
    List<String> fields = new ArrayList<>();
    List<Boolean> quotedFlags = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean inQuotes = false;
    String error = null;
    while (true) {
      if (c < 0) {
        if (inQuotes) {
          error = "quoted field starting on line " + startLine + " is never closed";
        }
        break;
      }
      char ch = (char) c;
      if (inQuotes) {
        if (ch == quote) {
          if (peek() == quote) {
            read();
            field.append(quote);
          } else {
            inQuotes = false;
          }
        } else {
          if (ch == '\n' || (ch == '\r' && peek() != '\n')) {
            line++;
          }
          field.append(ch);
        }
      } else if (ch == delimiter) {
        fields.add(field.toString());
        quotedFlags.add(quoted);
        field.setLength(0);
        quoted = false;
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && peek() == '\n') {
          read();
        }
        line++;
        break;
      } else if (ch == quote && field.length() == 0 && !quoted) {
        inQuotes = true;
        quoted = true;
      } else {
        if (quoted && error == null) {
          error = "unexpected character '" + ch + "' after a closing quote";
        }
        field.append(ch);
      }
      c = read();
    }
    fields.add(field.toString());
    quotedFlags.add(quoted);
    boolean[] q = new boolean[quotedFlags.size()];
    for (int i = 0; i < q.length; i++) {
      q[i] = quotedFlags.get(i);
    }
    return new Record(fields, q, startLine, error);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
