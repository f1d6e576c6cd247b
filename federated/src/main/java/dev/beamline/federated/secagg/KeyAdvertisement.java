package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * Round 0 (AdvertiseKeys), client to server: the client's two X25519 public keys, X.509-encoded. c_u^PK encrypts
 * the shares that other clients send to u; s_u^PK agrees the pairwise masks.
 *
 * <pre>{@code
 * KeyAdvertisement keys = client.advertiseKeys();
 * server.receive(keys);
 * }</pre>
 *
 * @param clientId u
 * @param encryptionPublicKey c_u^PK
 * @param maskingPublicKey s_u^PK
 */
public record KeyAdvertisement(int clientId, byte[] encryptionPublicKey, byte[] maskingPublicKey)
    implements Serializable {
  public KeyAdvertisement {
    checkArgument(clientId >= 0, "clientId is %s; allowed: >= 0", clientId);
    encryptionPublicKey = encryptionPublicKey.clone();
    maskingPublicKey = maskingPublicKey.clone();
  }

  @Override
  public byte[] encryptionPublicKey() {
    return encryptionPublicKey.clone();
  }

  @Override
  public byte[] maskingPublicKey() {
    return maskingPublicKey.clone();
  }
}
