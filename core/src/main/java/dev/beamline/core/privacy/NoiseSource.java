package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Where the randomness of the privacy noise samplers comes from: 64 uniform random bits at a time.
 *
 * <p>Use {@link #secure()} for every release of data. The samplers in this package consume only
 * uniform integers from a source (never floating-point numbers), so their output distribution is
 * exactly the intended one; a predictable source would still void every guarantee, which is why
 * {@link #deterministicForTests(long)} exists for tests only.
 *
 * <pre>{@code
 * NoiseSource source = NoiseSource.secure();
 * long noisy = SnappedNoise.laplaceCount(count, 1, 0.5, source);
 * }</pre>
 */
public interface NoiseSource {

  /** Returns 64 uniform random bits. */
  long nextLong();

  /** Returns one uniform random bit. */
  default boolean nextBoolean() {
    return nextLong() < 0;
  }

  /**
   * Returns a uniform integer in {@code [0, boundExclusive)}, unbiased: draws of 63 bits that fall in the
   * incomplete last block of {@code boundExclusive} values are rejected and redrawn (the same rejection
   * as {@code java.util.SplittableRandom#nextLong(long)}).
   */
  default long nextLong(long boundExclusive) {
    checkArgument(boundExclusive > 0, "boundExclusive must be > 0, got %s", boundExclusive);
    long m = boundExclusive - 1;
    long r = nextLong() >>> 1;
    if ((boundExclusive & m) == 0L) {
      // A power of two: the low bits are uniform, nothing to reject.
      return r & m;
    }
    // u - r + m overflows (goes negative) exactly when u lies in the incomplete last block.
    for (long u = r; u - (r = u % boundExclusive) + m < 0L; u = nextLong() >>> 1) {
      // redraw
    }
    return r;
  }

  /**
   * A new source backed by its own {@link SecureRandom}: the platform's strong instance
   * ({@link SecureRandom#getInstanceStrong()}) where one exists, else the default one. Bits are read
   * 512 bytes at a time so that single draws are cheap. Safe to share between threads.
   */
  static NoiseSource secure() {
    SecureRandom random;
    try {
      random = SecureRandom.getInstanceStrong();
    } catch (NoSuchAlgorithmException e) {
      random = new SecureRandom();
    }
    SecureRandom chosen = random;
    return new NoiseSource() {
      private final byte[] bytes = new byte[512];
      private final ByteBuffer buffer = ByteBuffer.wrap(bytes).position(bytes.length);

      @Override
      public synchronized long nextLong() {
        if (buffer.remaining() < Long.BYTES) {
          chosen.nextBytes(bytes);
          buffer.clear();
        }
        return buffer.getLong();
      }

      @Override
      public String toString() {
        return "NoiseSource.secure(" + chosen.getAlgorithm() + ")";
      }
    };
  }

  /**
   * FOR TESTS ONLY: a reproducible source ({@link SplittableRandom} seeded with {@code seed}). Its output
   * is predictable from the seed, so noise drawn from it offers NO privacy at all; never use it to
   * release data.
   *
   * <pre>{@code
   * NoiseSource source = NoiseSource.deterministicForTests(42); // same draws on every run
   * }</pre>
   */
  static NoiseSource deterministicForTests(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return new NoiseSource() {
      @Override
      public synchronized long nextLong() {
        return random.nextLong();
      }

      @Override
      public String toString() {
        return "NoiseSource.deterministicForTests(" + seed + ") [no privacy]";
      }
    };
  }
}
