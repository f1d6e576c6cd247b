package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.List;

/**
 * Round 1 (ShareKeys), client to server: one client's encrypted shares, one for every client in the key directory
 * other than itself.
 *
 * <pre>{@code
 * server.receive(client.shareKeys(directory));
 * }</pre>
 *
 * @param clientId the sender
 * @param shares the sender's encrypted shares, one per recipient
 */
public record EncryptedShares(int clientId, List<EncryptedShare> shares) implements Serializable {
  public EncryptedShares {
    shares = List.copyOf(shares);
    for (EncryptedShare share : shares) {
      if (share.from() != clientId) {
        throw new IllegalArgumentException(
            "client " + clientId + " sent a share marked as coming from client " + share.from());
      }
    }
  }
}
