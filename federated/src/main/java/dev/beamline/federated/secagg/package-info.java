/**
 * Secure aggregation for federated learning: the protocol of Bonawitz, Ivanov, Kreuter, Marcedone, McMahan, Patel,
 * Ramage, Segal and Seth, "Practical Secure Aggregation for Privacy-Preserving Machine Learning" (CCS 2017), §4,
 * in its honest-but-curious form, in plain Java over the JDK's cryptography.
 *
 * <p>n {@link dev.beamline.federated.secagg.SecAggClient}s each hold an update x_u; the
 * {@link dev.beamline.federated.secagg.SecAggServer} learns Σ x_u over the clients that survived to the masked-input
 * round and nothing else, as long as at least t clients stay to the end and fewer than t parties collude. Updates are
 * added in Z_{2^k} after {@link dev.beamline.federated.secagg.FixedPoint} encoding; each masked update carries a
 * self mask PRG(b_u) and pairwise masks ±PRG(s_{u,v}) that cancel between survivors; b_u and s_u^SK are
 * Shamir-shared ({@link dev.beamline.federated.secagg.Shamir}) so that the server can remove the masks of the
 * survivors (b) and of the dropped clients (s^SK), never both for one client.
 *
 * <pre>{@code
 * SecAggConfig config = SecAggConfig.of(10, 6, updateLength);            // n, t, d
 * SecAggResult result = SecAggRound.create(config).run(updates, Dropouts.none());
 * double[] sum = result.sumOrThrow().sum();
 * }</pre>
 *
 * <p>Primitives: key agreement X25519 (RFC 7748); key derivation HKDF-SHA256 (RFC 5869); PRG AES-256-CTR over zero
 * bytes, 8 bytes per coordinate reduced mod 2^k; share encryption AES-256-GCM with a random 96-bit nonce and (u, v)
 * as associated data; Shamir sharing over GF(2^127 − 1) in 15-byte chunks.
 *
 * <p>Simplified relative to the paper: only the honest-but-curious protocol is implemented, so there is no
 * ConsistencyCheck round, no signatures on the advertised keys and no PKI (an actively malicious server could
 * present different key directories or survivor sets to different clients; the client's checks catch only some of
 * this); client ids are fixed to 0..n−1 and Shamir share x = id + 1; rounds end by explicit {@code end…} calls
 * rather than timeouts; the cost is the paper's O(n²) key agreements and O(n·d) PRG output per client, not the
 * logarithmic variant of Bell et al. (CCS 2020). Added beyond the paper: the server checks each reconstructed
 * masking key against the advertised public key, and a client answers one unmasking request only.
 */
package dev.beamline.federated.secagg;
