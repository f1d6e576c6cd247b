package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The pseudorandom generator that expands a 32-byte seed into a mask vector in Z_{2^k}: AES-256 in CTR mode over zero
 * bytes (the keystream) with a zero IV, 8 bytes per coordinate reduced mod 2^k. Each seed is used for one vector
 * only, so the fixed IV never repeats a (key, counter) pair across different masks.
 *
 * <pre>{@code
 * long[] mask = Prg.expand(seed32, 4096, (1L << 62) - 1);
 * }</pre>
 */
final class Prg {
  static final int SEED_BYTES = 32;

  private Prg() {}

  /** {@code length} coordinates, each uniform in [0, mask] when the seed is uniform; mask must be 2^k − 1. */
  static long[] expand(byte[] seed, int length, long mask) {
    checkArgument(seed.length == SEED_BYTES, "seed has %s bytes; allowed: %s", seed.length, SEED_BYTES);
    try {
      Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(new byte[16]));
      byte[] stream = cipher.doFinal(new byte[Math.multiplyExact(length, Long.BYTES)]);
      ByteBuffer buffer = ByteBuffer.wrap(stream);
      long[] out = new long[length];
      for (int i = 0; i < length; i++) {
        out[i] = buffer.getLong() & mask;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("AES/CTR/NoPadding", e);
    }
  }
}
