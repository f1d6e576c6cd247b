package dev.beamline.runner;

import dev.beamline.core.Secrets;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The log of one run: {@code <pipeline-root>/<pipeline>/logs/<run-id>.log} holds everything the run
 * printed and logged (the terminal still shows it all). Closing it puts {@code System.out} and {@code
 * System.err} back. Credentials in what is printed (a metadata URL's password, an option named like
 * a secret) are masked in the file.
 */
final class RunLog implements AutoCloseable {
  private final Path file;
  private final OutputStream out;
  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;

  RunLog(Path file) throws IOException {
    this.file = file;
    Files.createDirectories(file.getParent());
    // Whatever is printed, the file keeps no credential (Secrets): a line is masked before it is written.
    this.out = new Redacting(new FileOutputStream(file.toFile(), true));
    System.setOut(new PrintStream(new Tee(originalOut, out), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new Tee(originalErr, out), true, StandardCharsets.UTF_8));
  }

  Path file() {
    return file;
  }

  /** Writes {@code line} to the log file only (the terminal shows it some other way). */
  void note(String line) {
    try {
      synchronized (out) {
        out.write((line + System.lineSeparator()).getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // The log is a copy; the terminal still gets the message.
    }
  }

  /** Writes {@code failure}'s stack trace to the log file only. */
  void trace(Throwable failure) {
    java.io.StringWriter w = new java.io.StringWriter();
    failure.printStackTrace(new PrintWriter(w));
    note(w.toString().stripTrailing());
  }

  /** {@code console}, also written to the log. */
  PrintWriter tee(PrintWriter console) {
    OutputStream log = out;
    return new PrintWriter(
        new Writer() {
          @Override
          public void write(char[] buf, int off, int len) throws IOException {
            console.write(buf, off, len);
            synchronized (log) {
              log.write(new String(buf, off, len).getBytes(StandardCharsets.UTF_8));
            }
          }

          @Override
          public void flush() throws IOException {
            console.flush();
            log.flush();
          }

          @Override
          public void close() throws IOException {
            flush();
          }
        },
        true);
  }

  @Override
  public void close() throws IOException {
    System.out.flush();
    System.err.flush();
    System.setOut(originalOut);
    System.setErr(originalErr);
    out.close();
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }

  /** Writes whole lines to {@code file}, each with its secrets masked ({@link Secrets#redact}). */
  private static final class Redacting extends OutputStream {
    private final OutputStream file;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    Redacting(OutputStream file) {
      this.file = file;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      line.write(b);
      if (b == '\n') {
        emit();
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      for (int i = off; i < off + len; i++) {
        write(b[i]);
      }
    }

    private void emit() throws IOException {
      file.write(Secrets.redact(line.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
      line.reset();
    }

    @Override
    public synchronized void flush() throws IOException {
      file.flush();
    }

    @Override
    public synchronized void close() throws IOException {
      if (line.size() > 0) {
        emit();
      }
      file.close();
    }
  }
}
