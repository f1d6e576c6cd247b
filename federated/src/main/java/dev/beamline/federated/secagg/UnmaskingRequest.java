package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Round 3 (Unmasking), server to each survivor: which clients sent a masked input (U3: reveal your share of their
 * self-mask seed b) and which shared keys but dropped before sending it (U2 \ U3: reveal your share of their masking
 * key s^SK). The sets are numbered as in Bonawitz et al. §4: U1 advertised keys, U2 shared them, U3 sent masked
 * inputs, U4 answered this request. A client refuses a request that names one peer in both sets, since both
 * shares of one client would let the server unmask that client's input.
 *
 * <pre>{@code
 * UnmaskingRequest request = server.endMaskedInputCollection();
 * server.receive(client.unmask(request));
 * }</pre>
 *
 * @param survivors U3, the clients whose masked inputs the server holds
 * @param dropped U2 \ U3, the clients that shared keys but sent no masked input
 */
public record UnmaskingRequest(SortedSet<Integer> survivors, SortedSet<Integer> dropped) implements Serializable {
  public UnmaskingRequest {
    survivors = Collections.unmodifiableSortedSet(new TreeSet<>(survivors));
    dropped = Collections.unmodifiableSortedSet(new TreeSet<>(dropped));
  }
}
