package dev.beamline.federated.secagg;

import java.io.Serializable;

/**
 * Round 2 (MaskedInputCollection), client to server: y_u = x_u + PRG(b_u) + Σ_{v&gt;u} PRG(s_{u,v}) − Σ_{v&lt;u}
 * PRG(s_{u,v}) mod 2^k. On its own it is uniformly distributed in Z_{2^k}^d whatever x_u is.
 *
 * <pre>{@code
 * server.receive(client.maskInput(update, server.sharesFor(clientId)));
 * }</pre>
 *
 * @param clientId u
 * @param maskedVector y_u, residues mod 2^k
 */
public record MaskedInput(int clientId, long[] maskedVector) implements Serializable {
  public MaskedInput {
    maskedVector = maskedVector.clone();
  }

  @Override
  public long[] maskedVector() {
    return maskedVector.clone();
  }
}
