package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Round 3 (Unmasking), survivor to server: the survivor's share of b_u for every surviving u (itself included), and
 * its share of s_v^SK for every dropped v; never both kinds for the same client.
 *
 * <pre>{@code
 * server.receive(client.unmask(request));
 * }</pre>
 *
 * @param clientId the survivor answering
 * @param selfMaskSeedShares its share of b_u, by survivor u
 * @param maskingKeyShares its share of s_v^SK, by dropped client v
 */
public record UnmaskingResponse(
    int clientId,
    SortedMap<Integer, Shamir.Share> selfMaskSeedShares,
    SortedMap<Integer, Shamir.Share> maskingKeyShares)
    implements Serializable {
  public UnmaskingResponse {
    selfMaskSeedShares = Collections.unmodifiableSortedMap(new TreeMap<>(selfMaskSeedShares));
    maskingKeyShares = Collections.unmodifiableSortedMap(new TreeMap<>(maskingKeyShares));
    for (Integer peer : selfMaskSeedShares.keySet()) {
      if (maskingKeyShares.containsKey(peer)) {
        throw new IllegalArgumentException(
            "client " + clientId + " would reveal both its b share and its s share of client " + peer);
      }
    }
  }

}
