package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (Krawczyk and Eronen, RFC 5869): extract a pseudorandom key from key-agreement output, then
 * expand it into as many key bytes as needed, separated by {@code info}.
 *
 * <pre>{@code
 * byte[] key = Hkdf.derive(salt, sharedSecret, "beamline secagg share encryption".getBytes(UTF_8), 32);
 * }</pre>
 */
final class Hkdf {
  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LENGTH = 32;

  private Hkdf() {}

  /** RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt stands for HashLen zero bytes. */
  static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
    byte[] effectiveSalt = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
    Mac mac = mac(effectiveSalt);
    return mac.doFinal(inputKeyMaterial);
  }

  /** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i−1) | info | i), OKM = the first L bytes of T(1) | T(2) | …. */
  static byte[] expand(byte[] pseudorandomKey, byte[] info, int length) {
    checkArgument(
        length >= 1 && length <= 255 * HASH_LENGTH,
        "length is %s; allowed: 1 to 255 * HashLen = %s",
        length,
        255 * HASH_LENGTH);
    Mac mac = mac(pseudorandomKey);
    byte[] out = new byte[length];
    byte[] previous = new byte[0];
    int written = 0;
    for (int i = 1; written < length; i++) {
      mac.update(previous);
      mac.update(info);
      mac.update((byte) i);
      previous = mac.doFinal();
      int n = Math.min(previous.length, length - written);
      System.arraycopy(previous, 0, out, written, n);
      written += n;
    }
    return out;
  }

  /** Extract then expand. */
  static byte[] derive(byte[] salt, byte[] inputKeyMaterial, byte[] info, int length) {
    return expand(extract(salt, inputKeyMaterial), info, length);
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable in this JDK", e);
    }
  }

  static IllegalStateException unavailable(String what, GeneralSecurityException e) {
    return new IllegalStateException(what + " is unavailable in this JDK", e);
  }
}
