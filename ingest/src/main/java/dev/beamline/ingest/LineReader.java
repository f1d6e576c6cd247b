package dev.beamline.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads the lines of a byte stream ({@code \n}, {@code \r\n} or {@code \r} end a line), holding at most
 * {@code maxLineBytes} of a line: a longer line comes back {@link Line#truncated()}, holding its first
 * {@link CsvReader#PREVIEW_BYTES} bytes or {@code maxLineBytes} if fewer (a few bytes fewer, not to cut a
 * character), and reading goes on after its line break.
 *
 * <pre>{@code
 * try (LineReader lines = new LineReader(in, 1 << 20)) {
 *   for (LineReader.Line l = lines.next(); l != null; l = lines.next()) { ... }
 * }
 * }</pre>
 */
final class LineReader implements AutoCloseable {
  /**
   * One line, without its line break.
   *
   * @param number its 1-based number
   * @param bytes its bytes; for a truncated line, its first {@link CsvReader#PREVIEW_BYTES}
   * @param truncated whether it was longer than the limit
   */
  record Line(long number, byte[] bytes, boolean truncated) {}

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int len;
  private boolean eof;
  private long number;
  private byte[] line = new byte[256];
  private int lineLen;

  LineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** The next line, or null at the end of the input. */
  Line next() throws IOException {
    if (pos == len && !fill()) {
      return null;
    }
    number++;
    lineLen = 0;
    boolean truncated = false;
    while (true) {
      if (pos == len && !fill()) {
        break; // The last line, without a line break.
      }
      int start = pos;
      int end = start;
      while (end < len && buf[end] != '\n' && buf[end] != '\r') {
        end++;
      }
      if (!truncated) {
        int n = end - start;
        if ((long) lineLen + n > maxLineBytes) {
          truncated = true;
          // Keep a few bytes past the preview, so that it can end on a character's boundary, never
          // more than the limit.
          int keep = Math.min(maxLineBytes, CsvReader.PREVIEW_BYTES + 4);
          append(start, Math.max(0, Math.min(n, keep - lineLen)));
        } else {
          append(start, n);
        }
      }
      pos = end;
      if (end < len) {
        pos++;
        if (buf[end] == '\r' && (pos < len || fill()) && buf[pos] == '\n') {
          pos++;
        }
        break;
      }
    }
    byte[] bytes = Arrays.copyOf(line, truncated ? CsvReader.previewLength(line, lineLen) : lineLen);
    return new Line(number, bytes, truncated);
  }

  private void append(int from, int n) {
    if (lineLen + n > line.length) {
      line = Arrays.copyOf(line, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(lineLen + n, 2L * line.length)));
    }
    System.arraycopy(buf, from, line, lineLen, n);
    lineLen += n;
  }

  /** Refills the buffer, all of whose bytes were consumed; false at the end of the input. */
  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    pos = 0;
    if (n < 0) {
      eof = true;
      len = 0;
      return false;
    }
    len = n;
    return true;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
