package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import javax.crypto.KeyAgreement;

/**
 * The key agreement KA of the protocol: X25519 (Langley et al., RFC 7748) from the JDK. Public keys travel in their
 * X.509 encoding; a private key is Shamir-shared as its 32-byte scalar.
 *
 * <pre>{@code
 * KeyPair mine = X25519.generate(random);
 * byte[] shared = X25519.agree(mine.getPrivate(), X25519.decodePublic(theirEncodedKey));
 * }</pre>
 */
final class X25519 {
  static final int SCALAR_BYTES = 32;

  private X25519() {}

  static KeyPair generate(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("X25519");
      generator.initialize(NamedParameterSpec.X25519, random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("X25519", e);
    }
  }

  /** X25519(sk, pk); throws {@link SecAggException} for a public key of small order (an all-zero result). */
  static byte[] agree(PrivateKey privateKey, PublicKey publicKey) {
    try {
      KeyAgreement agreement = KeyAgreement.getInstance("X25519");
      agreement.init(privateKey);
      agreement.doPhase(publicKey, true);
      return agreement.generateSecret();
    } catch (InvalidKeyException e) {
      throw new SecAggException("X25519 key agreement rejected a key: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("X25519", e);
    }
  }

  static PublicKey decodePublic(byte[] encoded) {
    try {
      return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(encoded));
    } catch (InvalidKeySpecException e) {
      throw new SecAggException("not an X.509-encoded X25519 public key: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("X25519", e);
    }
  }

  static byte[] scalar(PrivateKey privateKey) {
    checkArgument(privateKey instanceof XECPrivateKey, "not an X25519 private key: %s", privateKey.getClass());
    return ((XECPrivateKey) privateKey)
        .getScalar()
        .orElseThrow(() -> new IllegalStateException("this X25519 private key does not expose its scalar"));
  }

  static PrivateKey privateFromScalar(byte[] scalar) {
    checkArgument(scalar.length == SCALAR_BYTES, "scalar has %s bytes; allowed: %s", scalar.length, SCALAR_BYTES);
    try {
      return KeyFactory.getInstance("X25519")
          .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("X25519", e);
    }
  }
}
