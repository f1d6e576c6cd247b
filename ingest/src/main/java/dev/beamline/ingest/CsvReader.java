package dev.beamline.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A streaming RFC 4180 CSV parser over UTF-8 bytes that reports the line where each record starts, in
 * memory bounded by {@link CsvFormat#maxRecordBytes()} whatever the input holds.
 *
 * <p>Line breaks may be {@code \n}, {@code \r\n} or {@code \r}; quoted fields may span lines. Each record
 * is returned with, per field, whether it was quoted (null tokens only apply to unquoted fields). Bytes
 * that are not valid UTF-8 are read as U+FFFD, as Java's decoder replaces them (one per maximal invalid
 * subsequence, an encoded surrogate as one; the one difference: a lead byte F5 to F7 followed by
 * continuation bytes up to the end of the input gives one U+FFFD per byte here, one in all there); the
 * record then says which field held them and keeps its bytes as read ({@link Record#bytes()}).
 *
 * <p>Two kinds of record come back with {@link Record#error()} set and count as many rejected rows as
 * the physical lines they span ({@link Record#rows()}), since those lines are lost to the data:
 *
 * <ul>
 *   <li>a quote that is never closed, which takes the rest of the input (when that is shorter than the
 *       limit);
 *   <li>a record longer than the limit, in bytes as read: a quote that is not closed within it, or a
 *       very long line. The reader stops holding it when the limit is reached, skips to the next line
 *       break, and goes on from the line after as if a new record started there. Such a record is
 *       {@link Record#truncated()}: its one field holds the text of its first {@value #PREVIEW_BYTES} bytes.
 * </ul>
 *
 * <pre>{@code
 * try (CsvReader csv = new CsvReader(inputStream, CsvFormat.defaults())) {
 *   for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) { ... }
 * }
 * }</pre>
 */
public final class CsvReader implements AutoCloseable {
  /** How many bytes of a record cut at the limit are kept, as its preview. */
  public static final int PREVIEW_BYTES = 1024;

  /**
   * One record.
   *
   * @param fields the fields' values; for a {@link #truncated} record, one field: its preview
   * @param quoted per field, whether it was quoted
   * @param line the line the record starts on (1-based)
   * @param error why the record cannot be used, or null
   * @param rows how many rows the record counts as when rejected: 1, or for a record never closed or
   *     cut at the limit, the physical lines it spans up to where reading resumed (all lost to the data)
   * @param invalidField the first field that held bytes that are not valid UTF-8, or -1
   * @param bytes the record's bytes as read (for a truncated record, those of its preview) when they
   *     are not valid UTF-8, so that the original survives; else null
   * @param truncated whether the record was longer than the limit and was cut
   */
  public record Record(
      List<String> fields,
      boolean[] quoted,
      long line,
      String error,
      long rows,
      int invalidField,
      byte[] bytes,
      boolean truncated) {
    /** A record of one line, valid UTF-8, not truncated. */
    public Record(List<String> fields, boolean[] quoted, long line, String error) {
      this(fields, quoted, line, error, 1, -1, null, false);
    }

    public int size() {
      return fields.size();
    }

    public String field(int i) {
      return fields.get(i);
    }

    /**
     * The record as a dead-letter file shows it: written back as CSV, or for a truncated record the
     * text of its first bytes.
     */
    public String content(char delimiter, char quote) {
      return truncated ? fields.get(0) : toCsv(delimiter, quote);
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

  /** Where the parser is within a record. */
  private enum State {
    /** At the start of a field. */
    FIELD_START,
    /** In an unquoted field. */
    UNQUOTED,
    /** Inside quotes. */
    QUOTED,
    /** Just after a quote inside quotes: a doubled quote if another follows, else the closing one. */
    QUOTE_IN_QUOTED,
    /** After a closing quote: only a delimiter or a line break may follow. */
    AFTER_CLOSE
  }

  private static final int REPLACEMENT = 0xFFFD;
  /** What {@link #decode} returns when the record reached the limit. */
  private static final int OVER_LIMIT = -2;

  private final InputStream in;
  private final int delimiter;
  private final int quote;
  private final int maxRecordBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int len;
  private boolean eof;
  private long line = 1;

  /** The bytes of the record being read, at most {@link #maxRecordBytes}. */
  private byte[] raw = new byte[1024];
  private int rawLen;
  /** Whether the character {@link #decode} returned last stood for bytes that are not valid UTF-8. */
  private boolean malformed;

  /** Reads {@code in} (UTF-8) as {@code format} says; {@code in} need not be buffered. */
  public CsvReader(InputStream in, CsvFormat format) {
    this.in = in;
    this.delimiter = format.delimiter();
    this.quote = format.quote();
    this.maxRecordBytes = format.maxRecordBytes();
  }

  private int readByte() throws IOException {
    if (pos == len && !fill()) {
      return -1;
    }
    return buf[pos++] & 0xFF;
  }

  private int peekByte() throws IOException {
    if (pos == len && !fill()) {
      return -1;
    }
    return buf[pos] & 0xFF;
  }

  /** Refills the buffer, all of whose bytes were consumed; false at the end of the input. */
  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buf, 0, buf.length);
    while (n == 0) {
      n = in.read(buf, 0, buf.length);
    }
    if (n < 0) {
      eof = true;
      pos = 0;
      len = 0;
      return false;
    }
    pos = 0;
    len = n;
    return true;
  }

  /** Keeps byte {@code b} as part of the record; false when the record would exceed the limit. */
  private boolean keep(int b) {
    if (rawLen == maxRecordBytes) {
      return false;
    }
    if (rawLen == raw.length) {
      raw = Arrays.copyOf(raw, (int) Math.min(maxRecordBytes, 2L * raw.length));
    }
    raw[rawLen++] = (byte) b;
    return true;
  }

  /**
   * The character (code point) whose first byte {@code b} was just read, its bytes kept: U+FFFD (and
   * {@link #malformed} set) for a maximal subsequence that is not valid UTF-8, as Java's decoder
   * replaces them; {@link #OVER_LIMIT} when the record reached the limit. Only the bytes that belong to
   * the character are consumed.
   */
  private int decode(int b) throws IOException {
    malformed = false;
    if (!keep(b)) {
      return OVER_LIMIT;
    }
    if (b < 0x80) {
      return b;
    }
    int need;
    int cp;
    int lo = 0x80;
    int hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      cp = b & 0x0F;
      if (b == 0xE0) {
        lo = 0xA0; // Else an overlong form.
      }
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      cp = b & 0x07;
      if (b == 0xF0) {
        lo = 0x90;
      } else if (b == 0xF4) {
        hi = 0x8F; // Else past U+10FFFF.
      }
    } else {
      malformed = true;
      return REPLACEMENT;
    }
    for (int k = 0; k < need; k++) {
      int next = peekByte();
      if (next < lo || next > hi) {
        malformed = true;
        return REPLACEMENT;
      }
      pos++;
      if (!keep(next)) {
        return OVER_LIMIT;
      }
      cp = (cp << 6) | (next & 0x3F);
      lo = 0x80;
      hi = 0xBF;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      // A surrogate (lead byte ED): Java's decoder replaces its three bytes by one character.
      malformed = true;
      return REPLACEMENT;
    }
    return cp;
  }

  /** The next record, or null at the end of input. Blank lines are skipped. */
  public Record next() throws IOException {
    int b = readByte();
    while (b == '\n' || b == '\r') {
      if (b == '\r' && peekByte() == '\n') {
        pos++;
      }
      line++;
      b = readByte();
    }
    if (b < 0) {
      return null;
    }
    long startLine = line;
    rawLen = 0;
    List<String> fields = new ArrayList<>();
    List<Boolean> quotedFlags = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    State state = State.FIELD_START;
    String error = null;
    int invalidField = -1;
    while (true) {
      if (b < 0) {
        break;
      }
      boolean inQuotes = state == State.QUOTED;
      if (!inQuotes && (b == '\n' || b == '\r')) {
        // The record's end, whatever state the field is in: a line break is not kept.
        if (b == '\r' && peekByte() == '\n') {
          pos++;
        }
        line++;
        break;
      }
      int c = decode(b);
      if (c == OVER_LIMIT) {
        return overLimit(startLine, inQuotes, b == '\n' || b == '\r');
      }
      if (malformed && invalidField < 0) {
        invalidField = fields.size();
      }
      if (state == State.QUOTE_IN_QUOTED) {
        if (c == quote) {
          field.append((char) quote);
          state = State.QUOTED;
          b = readByte();
          continue;
        }
        state = State.AFTER_CLOSE;
      }
      switch (state) {
        case QUOTED:
          if (c == quote) {
            state = State.QUOTE_IN_QUOTED;
          } else {
            if (c == '\n' || (c == '\r' && peekByte() != '\n')) {
              line++;
            }
            field.appendCodePoint(c);
          }
          break;
        case FIELD_START:
          if (c == quote) {
            state = State.QUOTED;
            break;
          }
          state = State.UNQUOTED;
          // The field's first character, as any other.
        case UNQUOTED:
        case AFTER_CLOSE:
          if (c == delimiter) {
            fields.add(field.toString());
            quotedFlags.add(state == State.AFTER_CLOSE);
            field.setLength(0);
            state = State.FIELD_START;
          } else {
            if (state == State.AFTER_CLOSE && error == null) {
              error = "unexpected character '" + new String(Character.toChars(c)) + "' after a closing quote";
            }
            field.appendCodePoint(c);
          }
          break;
        default:
          throw new AssertionError(state);
      }
      b = readByte();
    }
    fields.add(field.toString());
    quotedFlags.add(state == State.QUOTED || state == State.QUOTE_IN_QUOTED || state == State.AFTER_CLOSE);
    boolean[] q = new boolean[quotedFlags.size()];
    for (int i = 0; i < q.length; i++) {
      q[i] = quotedFlags.get(i);
    }
    // The record ends on the line before the one reading resumes on, or at the end of the input on
    // the current line, unless its last byte (kept inside quotes) was a line break.
    long endLine = b >= 0 ? line - 1 : (rawLen > 0 && isLineBreak(raw[rawLen - 1]) ? line - 1 : line);
    long lines = endLine - startLine + 1;
    long rows = 1;
    if (state == State.QUOTED) {
      rows = lines;
      error =
          String.format(
              "quoted field starting on line %d is never closed: the record takes the rest of the input,"
                  + " %d line%s (counted as %d rejected row%s)",
              startLine, lines, lines == 1 ? "" : "s", lines, lines == 1 ? "" : "s");
    }
    byte[] bytes = invalidField >= 0 ? Arrays.copyOf(raw, rawLen) : null;
    return new Record(fields, q, startLine, error, rows, invalidField, bytes, false);
  }

  private static boolean isLineBreak(byte b) {
    return b == '\n' || b == '\r';
  }

  /**
   * The record that started on {@code startLine} reached the limit: skips to the next line break (the
   * byte just read when {@code atBreak}), consumes it, and returns the record cut to its preview.
   */
  private Record overLimit(long startLine, boolean inQuotes, boolean atBreak) throws IOException {
    boolean brokeLine = atBreak;
    if (atBreak) {
      if (buf[pos - 1] == '\r' && peekByte() == '\n') {
        pos++;
      }
    } else {
      brokeLine = skipLine();
    }
    if (brokeLine) {
      line++;
    }
    long endLine = brokeLine ? line - 1 : line;
    long lines = endLine - startLine + 1;
    int cut = previewLength(raw, rawLen);
    String preview = new String(raw, 0, cut, StandardCharsets.UTF_8);
    byte[] bytes = isValidUtf8(raw, cut) ? null : Arrays.copyOf(raw, cut);
    String what =
        inQuotes
            ? "quoted field starting on line " + startLine + " is not closed within"
            : "record starting on line " + startLine + " is longer than";
    String error =
        String.format(
            "%s ingest.csv.max_record_bytes (%d bytes): skipped to the end of line %d, %d line%s lost"
                + " (counted as %d rejected row%s); content holds its first %d bytes",
            what, maxRecordBytes, endLine, lines, lines == 1 ? "" : "s", lines, lines == 1 ? "" : "s", cut);
    return new Record(List.of(preview), new boolean[] {false}, startLine, error, lines, bytes == null ? -1 : 0, bytes, true);
  }

  /**
   * How many of the first {@code n} bytes of {@code bytes} a preview keeps: at most {@link
   * #PREVIEW_BYTES}, not cutting a character in two.
   */
  static int previewLength(byte[] bytes, int n) {
    int cut = Math.min(n, PREVIEW_BYTES);
    // Back off to the start of the last character when it does not fit whole.
    for (int k = 1; k <= 3 && cut - k >= 0; k++) {
      int b = bytes[cut - k] & 0xFF;
      if ((b & 0xC0) == 0x80) {
        continue;
      }
      int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      if (length > k) {
        cut -= k;
      }
      break;
    }
    return cut;
  }

  /** Skips to the next line break and past it; false when the input ended first. */
  private boolean skipLine() throws IOException {
    while (true) {
      if (pos == len && !fill()) {
        return false;
      }
      for (int i = pos; i < len; i++) {
        byte b = buf[i];
        if (b == '\n' || b == '\r') {
          pos = i + 1;
          if (b == '\r' && peekByte() == '\n') {
            pos++;
          }
          return true;
        }
      }
      pos = len;
    }
  }

  /** Whether the first {@code n} bytes of {@code bytes} are valid UTF-8. */
  static boolean isValidUtf8(byte[] bytes, int n) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .decode(java.nio.ByteBuffer.wrap(bytes, 0, n));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
