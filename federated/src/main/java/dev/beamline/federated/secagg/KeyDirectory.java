package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Round 0 (AdvertiseKeys), server to every client: the public keys of all clients that advertised them (U1 in the
 * paper's numbering), by client id.
 *
 * <pre>{@code
 * KeyDirectory directory = server.endAdvertiseKeys();
 * EncryptedShares shares = client.shareKeys(directory);
 * }</pre>
 *
 * @param keys the advertisements by client id
 */
public record KeyDirectory(SortedMap<Integer, KeyAdvertisement> keys) implements Serializable {
  public KeyDirectory {
    keys = Collections.unmodifiableSortedMap(new TreeMap<>(keys));
    for (Map.Entry<Integer, KeyAdvertisement> e : keys.entrySet()) {
      if (e.getKey() != e.getValue().clientId()) {
        throw new IllegalArgumentException(
            "key directory entry " + e.getKey() + " holds the keys of client " + e.getValue().clientId());
      }
    }
  }
}
