package dev.beamline.federated.secagg;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The authenticated encryption AE of the protocol: AES-256-GCM with a random 96-bit nonce and (from, to) as
 * associated data. The plaintext is u ‖ v ‖ b_{u,v} ‖ s^SK_{u,v} as in Bonawitz et al. §4, and the recipient checks
 * that the ids inside match the ids the server says the share travelled between.
 */
final class ShareCipher {
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int ELEMENT_BYTES = 16;
  private static final byte VERSION = 1;

  /** The two shares one client holds of another client's secrets. */
  record Payload(Shamir.Share selfMaskSeed, Shamir.Share maskingKey) {}

  private ShareCipher() {}

  static EncryptedShare seal(byte[] key, int from, int to, Payload payload, SecureRandom random) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(from, to));
      byte[] sealed = cipher.doFinal(plaintext(from, to, payload));
      byte[] out = new byte[NONCE_BYTES + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return new EncryptedShare(from, to, out);
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("AES/GCM/NoPadding", e);
    }
  }

  /** Decrypts and authenticates; throws {@link SecAggException} for a ciphertext modified in transit. */
  static Payload open(byte[] key, EncryptedShare share) {
    byte[] ciphertext = share.ciphertext();
    if (ciphertext.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new SecAggException(
          "share ciphertext from client " + share.from() + " to client " + share.to() + " is too short ("
              + ciphertext.length + " bytes) to hold a nonce and a GCM tag");
    }
    byte[] plaintext;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(TAG_BITS, ciphertext, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData(share.from(), share.to()));
      plaintext = cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new SecAggException(
          "share ciphertext from client " + share.from() + " to client " + share.to()
              + " failed AES-GCM authentication: it was modified in transit or not encrypted for this pair",
          e);
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("AES/GCM/NoPadding", e);
    }
    return parse(plaintext, share.from(), share.to());
  }

  private static byte[] associatedData(int from, int to) {
    return ByteBuffer.allocate(2 * Integer.BYTES).putInt(from).putInt(to).array();
  }

  private static byte[] plaintext(int from, int to, Payload payload) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(from);
      out.writeInt(to);
      writeShare(out, payload.selfMaskSeed());
      writeShare(out, payload.maskingKey());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
  }

  private static void writeShare(DataOutputStream out, Shamir.Share share) throws IOException {
    out.writeInt(share.x());
    out.writeInt(share.values().size());
    for (BigInteger value : share.values()) {
      byte[] raw = value.toByteArray();
      // p < 2^127, so a value with its sign bit fits in 16 bytes; left-pad with zeros.
      out.write(new byte[ELEMENT_BYTES - raw.length]);
      out.write(raw);
    }
  }

  private static Payload parse(byte[] plaintext, int from, int to) {
    try {
      ByteBuffer in = ByteBuffer.wrap(plaintext);
      byte version = in.get();
      int innerFrom = in.getInt();
      int innerTo = in.getInt();
      if (version != VERSION || innerFrom != from || innerTo != to) {
        throw new SecAggException(
            "share ciphertext labelled from client " + from + " to client " + to + " holds a share from client "
                + innerFrom + " to client " + innerTo + " (format version " + version + ")");
      }
      Shamir.Share b = readShare(in);
      Shamir.Share s = readShare(in);
      return new Payload(b, s);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new SecAggException("share from client " + from + " to client " + to + " is malformed", e);
    }
  }

  private static Shamir.Share readShare(ByteBuffer in) {
    int x = in.getInt();
    int count = in.getInt();
    if (count < 0 || count > in.remaining() / ELEMENT_BYTES) {
      throw new IllegalArgumentException("share claims " + count + " values");
    }
    List<BigInteger> values = new ArrayList<>(count);
    byte[] element = new byte[ELEMENT_BYTES];
    for (int i = 0; i < count; i++) {
      in.get(element);
      values.add(new BigInteger(1, element));
    }
    return new Shamir.Share(x, values);
  }
}
