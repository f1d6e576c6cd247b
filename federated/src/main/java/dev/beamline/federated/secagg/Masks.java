package dev.beamline.federated.secagg;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * The key derivations and mask arithmetic that client and server must agree on: the share-encryption key
 * HKDF(X25519(c_u^SK, c_v^PK)), the pairwise mask seed s_{u,v} = HKDF(X25519(s_u^SK, s_v^PK)), the self-mask key
 * HKDF(b_u), and the sign convention of Bonawitz et al. §4: u adds PRG(s_{u,v}) for v &gt; u and subtracts it for
 * v &lt; u, so the masks of two survivors cancel in the sum.
 */
final class Masks {
  private static final byte[] SALT = "beamline secagg v1".getBytes(UTF_8);
  private static final byte[] SHARE_KEY_INFO = "share encryption key".getBytes(UTF_8);
  private static final byte[] PAIRWISE_INFO = "pairwise mask seed".getBytes(UTF_8);
  private static final byte[] SELF_INFO = "self mask seed".getBytes(UTF_8);

  private Masks() {}

  static byte[] shareKey(PrivateKey encryptionPrivateKey, PublicKey peerEncryptionPublicKey) {
    return Hkdf.derive(SALT, X25519.agree(encryptionPrivateKey, peerEncryptionPublicKey), SHARE_KEY_INFO, 32);
  }

  static byte[] pairwiseSeed(PrivateKey maskingPrivateKey, PublicKey peerMaskingPublicKey) {
    return Hkdf.derive(SALT, X25519.agree(maskingPrivateKey, peerMaskingPublicKey), PAIRWISE_INFO, Prg.SEED_BYTES);
  }

  static long[] selfMask(byte[] selfMaskSeed, int length, long mask) {
    return Prg.expand(Hkdf.derive(SALT, selfMaskSeed, SELF_INFO, Prg.SEED_BYTES), length, mask);
  }

  /** +1 when u adds the mask it shares with v (v &gt; u), −1 when it subtracts it. */
  static int sign(int u, int v) {
    return v > u ? 1 : -1;
  }

  /** acc += sign · PRG(seed), mod 2^k, in place. */
  static void addPairwiseMask(long[] acc, byte[] seed, int sign, long mask) {
    long[] prg = Prg.expand(seed, acc.length, mask);
    for (int i = 0; i < acc.length; i++) {
      acc[i] = (sign > 0 ? acc[i] + prg[i] : acc[i] - prg[i]) & mask;
    }
  }

  /** acc += sign · vector, mod 2^k, in place. */
  static void add(long[] acc, long[] vector, int sign, long mask) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] = (sign > 0 ? acc[i] + vector[i] : acc[i] - vector[i]) & mask;
    }
  }
}
