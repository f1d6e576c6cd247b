package dev.beamline.federated.secagg;

import java.io.Serializable;

/**
 * Round 1 (ShareKeys): client {@code from}'s Shamir shares of its self-mask seed b and of its masking key s^SK for
 * client {@code to}, encrypted with AES-256-GCM under a key only the two of them can derive; the server relays it
 * unread. The ciphertext is a 12-byte nonce followed by the GCM output; the associated data is (from, to).
 *
 * <pre>{@code
 * List<EncryptedShare> toMe = server.sharesFor(myId);
 * }</pre>
 *
 * @param from the sender u
 * @param to the recipient v
 * @param ciphertext nonce ‖ AES-GCM(u ‖ v ‖ b-share ‖ s-share)
 */
public record EncryptedShare(int from, int to, byte[] ciphertext) implements Serializable {
  public EncryptedShare {
    ciphertext = ciphertext.clone();
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }
}
