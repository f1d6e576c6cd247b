package dev.beamline.ingest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a file's bytes, taken while a format reader reads it in sequence, so that its content
 * fingerprint costs no second read. {@link FormatReader#open} hashes what it hands out while one is
 * {@linkplain #during active} on the thread; the hash counts only if the file was opened once and every
 * one of its bytes went through it ({@link #of}). Parquet, read by seeking, is hashed by a second read.
 *
 * <pre>{@code
 * ContentHash h = new ContentHash();
 * ContentHash.during(h, () -> reader.read(path, ...));
 * String sha = h.of(path, size).orElseGet(() -> secondRead(path));
 * }</pre>
 */
final class ContentHash {
  private static final ThreadLocal<ContentHash> ACTIVE = new ThreadLocal<>();

  private final MessageDigest digest;
  private long bytes;
  private int opened;

  ContentHash() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Something that reads a file. */
  interface Reading {
    void run() throws IOException;
  }

  /** Runs {@code reading} with {@code hash} taking the bytes that {@link FormatReader#open} hands out. */
  static void during(ContentHash hash, Reading reading) throws IOException {
    ACTIVE.set(hash);
    try {
      reading.run();
    } finally {
      ACTIVE.remove();
    }
  }

  /** {@code in}, hashed into the active hash if there is one. */
  static InputStream hashing(InputStream in) {
    ContentHash h = ACTIVE.get();
    if (h == null) {
      return in;
    }
    h.opened++;
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          h.digest.update((byte) b);
          h.bytes++;
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          h.digest.update(buf, off, n);
          h.bytes += n;
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        // Skipped bytes must be hashed too: read them.
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
          int r = read(buf, 0, (int) Math.min(buf.length, left));
          if (r < 0) {
            break;
          }
          left -= r;
        }
        return n - left;
      }

      @Override
      public boolean markSupported() {
        return false;
      }
    };
  }

  /**
   * The hex SHA-256 of a file of {@code size} bytes, if it was opened once and all of it was read
   * through this hash.
   */
  java.util.Optional<String> of(long size) {
    if (opened != 1 || bytes != size) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(com.google.common.io.BaseEncoding.base16().lowerCase().encode(digest.digest()));
  }
}
