package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.GeneralSecurityException;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The aggregator of the secure-aggregation protocol of Bonawitz et al. (CCS 2017), §4. By its API it only ever
 * receives what the paper's server receives: public keys, encrypted shares it cannot read, masked vectors, and the
 * unmasking shares; no method accepts an unmasked update. It outputs Σ_{u∈U3} x_u exactly, or aborts with
 * {@link SecAggException} when fewer than t clients remain at any round, never a wrong sum.
 *
 * <p>Each round is closed by an {@code end…} call (in a deployment: when its deadline passes); clients that have not
 * sent their message by then have dropped out.
 *
 * <pre>{@code
 * SecAggServer server = SecAggServer.create(config);
 * clients.forEach(c -> server.receive(c.advertiseKeys()));
 * KeyDirectory keys = server.endAdvertiseKeys();
 * clients.forEach(c -> server.receive(c.shareKeys(keys)));
 * server.endShareKeys();
 * survivors.forEach(c -> server.receive(c.maskInput(updates.get(c.clientId()), server.sharesFor(c.clientId()))));
 * UnmaskingRequest request = server.endMaskedInputCollection();
 * survivors.forEach(c -> server.receive(c.unmask(request)));
 * SecAggSum sum = server.aggregate();
 * }</pre>
 */
public final class SecAggServer {
  private enum Phase {
    ADVERTISE_KEYS,
    SHARE_KEYS,
    MASKED_INPUT_COLLECTION,
    UNMASKING,
    DONE
  }

  private final SecAggConfig config;
  private final FixedPoint fixedPoint;
  private Phase phase = Phase.ADVERTISE_KEYS;
  private final SortedMap<Integer, KeyAdvertisement> advertised = new TreeMap<>();
  private final SortedMap<Integer, EncryptedShares> shared = new TreeMap<>();
  private final SortedMap<Integer, long[]> masked = new TreeMap<>();
  private final SortedMap<Integer, UnmaskingResponse> responses = new TreeMap<>();
  private UnmaskingRequest request;

  private SecAggServer(SecAggConfig config) {
    this.config = config.validate();
    this.fixedPoint = config.fixedPoint();
  }

  public static SecAggServer create(SecAggConfig config) {
    return new SecAggServer(config);
  }

  /** Round 0: one client's public keys. */
  public void receive(KeyAdvertisement keys) {
    checkNotNull(keys, "keys");
    expect(Phase.ADVERTISE_KEYS, "a key advertisement");
    checkClient(keys.clientId());
    checkState(!advertised.containsKey(keys.clientId()), "client %s advertised keys twice", keys.clientId());
    advertised.put(keys.clientId(), keys);
  }

  /** Closes round 0: the directory of U1's keys to broadcast; aborts if |U1| &lt; t. */
  public KeyDirectory endAdvertiseKeys() {
    expect(Phase.ADVERTISE_KEYS, "the end of AdvertiseKeys");
    requireThreshold(advertised.size(), "advertised keys");
    phase = Phase.SHARE_KEYS;
    return new KeyDirectory(advertised);
  }

  /** Round 1: one client's encrypted shares, which must address every other client of U1 exactly once. */
  public void receive(EncryptedShares shares) {
    checkNotNull(shares, "shares");
    expect(Phase.SHARE_KEYS, "encrypted shares");
    int u = shares.clientId();
    checkState(advertised.containsKey(u), "client %s sent shares without having advertised keys", u);
    checkState(!shared.containsKey(u), "client %s sent its shares twice", u);
    SortedSet<Integer> recipients = new TreeSet<>();
    for (EncryptedShare share : shares.shares()) {
      checkState(recipients.add(share.to()), "client %s sent two shares to client %s", u, share.to());
    }
    SortedSet<Integer> expected = new TreeSet<>(advertised.keySet());
    expected.remove(u);
    // A client that skipped a peer would mask with it while the peer does not mask back: the sum would be wrong.
    checkState(
        recipients.equals(expected),
        "client %s sent shares to %s; the key directory requires exactly %s",
        u,
        recipients,
        expected);
    shared.put(u, shares);
  }

  /** Closes round 1; aborts if |U2| &lt; t. */
  public void endShareKeys() {
    expect(Phase.SHARE_KEYS, "the end of ShareKeys");
    requireThreshold(shared.size(), "shared keys");
    phase = Phase.MASKED_INPUT_COLLECTION;
  }

  /** The encrypted shares addressed to client {@code v} by the clients of U2 (the relay of round 1 to round 2). */
  public List<EncryptedShare> sharesFor(int v) {
    checkState(
        phase.compareTo(Phase.MASKED_INPUT_COLLECTION) >= 0,
        "shares are relayed after endShareKeys (now in %s)",
        phase);
    checkState(shared.containsKey(v), "client %s did not share keys, so it takes no part in the sum", v);
    List<EncryptedShare> out = new ArrayList<>();
    for (EncryptedShares from : shared.values()) {
      for (EncryptedShare share : from.shares()) {
        if (share.to() == v) {
          out.add(share);
        }
      }
    }
    return out;
  }

  /** Round 2: one client's masked vector y_u. */
  public void receive(MaskedInput input) {
    checkNotNull(input, "input");
    expect(Phase.MASKED_INPUT_COLLECTION, "a masked input");
    int u = input.clientId();
    checkState(shared.containsKey(u), "client %s sent a masked input without having shared keys", u);
    checkState(!masked.containsKey(u), "client %s sent its masked input twice", u);
    long[] y = input.maskedVector();
    checkState(
        y.length == config.vectorLength(),
        "client %s sent %s coordinates; vectorLength is %s",
        u,
        y.length,
        config.vectorLength());
    for (long value : y) {
      checkState(value >= 0 && value <= fixedPoint.mask(), "client %s sent %s, not a residue mod 2^k", u, value);
    }
    masked.put(u, y);
  }

  /** Closes round 2: the unmasking request for U3; aborts if |U3| &lt; t, since no sum could then be unmasked. */
  public UnmaskingRequest endMaskedInputCollection() {
    expect(Phase.MASKED_INPUT_COLLECTION, "the end of MaskedInputCollection");
    requireThreshold(masked.size(), "sent masked inputs");
    SortedSet<Integer> dropped = new TreeSet<>(shared.keySet());
    dropped.removeAll(masked.keySet());
    request = new UnmaskingRequest(new TreeSet<>(masked.keySet()), dropped);
    phase = Phase.UNMASKING;
    return request;
  }

  /** The request of round 3, once {@link #endMaskedInputCollection} has built it. */
  public UnmaskingRequest unmaskingRequest() {
    checkState(request != null, "the unmasking request is built by endMaskedInputCollection (now in %s)", phase);
    return request;
  }

  /** Round 3: one survivor's shares, exactly those the request asked for. */
  public void receive(UnmaskingResponse response) {
    checkNotNull(response, "response");
    expect(Phase.UNMASKING, "an unmasking response");
    int w = response.clientId();
    checkState(request.survivors().contains(w), "client %s is not a survivor and cannot answer", w);
    checkState(!responses.containsKey(w), "client %s answered twice", w);
    checkState(
        response.selfMaskSeedShares().keySet().equals(request.survivors())
            && response.maskingKeyShares().keySet().equals(request.dropped()),
        "client %s answered for %s and %s; the request asked for %s and %s",
        w,
        response.selfMaskSeedShares().keySet(),
        response.maskingKeyShares().keySet(),
        request.survivors(),
        request.dropped());
    for (Shamir.Share share : response.selfMaskSeedShares().values()) {
      checkState(share.x() == w + 1, "client %s sent a share at x = %s; its shares are at x = %s", w, share.x(), w + 1);
    }
    for (Shamir.Share share : response.maskingKeyShares().values()) {
      checkState(share.x() == w + 1, "client %s sent a share at x = %s; its shares are at x = %s", w, share.x(), w + 1);
    }
    responses.put(w, response);
  }

  /**
   * Closes round 3: reconstructs b_u for every survivor and s_v^SK for every dropped client from at least t
   * responses, removes the self masks and the dropped clients' pairwise masks, and returns Σ_{u∈U3} x_u. Aborts if
   * fewer than t survivors answered.
   */
  public SecAggSum aggregate() {
    expect(Phase.UNMASKING, "aggregate");
    requireThreshold(responses.size(), "answered the unmasking request");
    phase = Phase.DONE;
    int t = config.threshold();
    long mask = fixedPoint.mask();
    int d = config.vectorLength();
    long[] z = new long[d];
    for (long[] y : masked.values()) {
      Masks.add(z, y, 1, mask);
    }
    for (int u : request.survivors()) {
      byte[] seed = Shamir.reconstruct(sharesOf(u, true), t, Prg.SEED_BYTES);
      Masks.add(z, Masks.selfMask(seed, d, mask), -1, mask);
    }
    for (int v : request.dropped()) {
      byte[] scalar = Shamir.reconstruct(sharesOf(v, false), t, X25519.SCALAR_BYTES);
      PrivateKey dropped = X25519.privateFromScalar(scalar);
      PublicKey advertisedKey = X25519.decodePublic(advertised.get(v).maskingPublicKey());
      checkReconstructedKey(v, dropped, advertisedKey);
      for (int u : request.survivors()) {
        PublicKey survivorKey = X25519.decodePublic(advertised.get(u).maskingPublicKey());
        // y_u holds sign(u, v)·PRG(s_{u,v}); s_{v,u} = s_{u,v} by the symmetry of X25519.
        Masks.addPairwiseMask(z, Masks.pairwiseSeed(dropped, survivorKey), -Masks.sign(u, v), mask);
      }
    }
    return new SecAggSum(fixedPoint.toSigned(z), fixedPoint.decodeSum(z), request.survivors(), request.dropped());
  }

  private List<Shamir.Share> sharesOf(int client, boolean selfMaskSeed) {
    List<Shamir.Share> out = new ArrayList<>();
    for (UnmaskingResponse r : responses.values()) {
      Map<Integer, Shamir.Share> shares = selfMaskSeed ? r.selfMaskSeedShares() : r.maskingKeyShares();
      out.add(shares.get(client));
    }
    return out;
  }

  /** Checks X25519(sk, 9) against the advertised public key: wrong shares must abort, not skew the sum. */
  private static void checkReconstructedKey(int v, PrivateKey reconstructed, PublicKey advertisedKey) {
    try {
      PublicKey basePoint = KeyFactory.getInstance("X25519")
          .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9)));
      byte[] derived = X25519.agree(reconstructed, basePoint);
      byte[] expected = littleEndian(((XECPublicKey) advertisedKey).getU(), derived.length);
      if (!Arrays.equals(derived, expected)) {
        throw new SecAggException(
            "the masking key reconstructed for dropped client " + v + " does not match its advertised public key");
      }
    } catch (GeneralSecurityException e) {
      throw Hkdf.unavailable("X25519", e);
    }
  }

  private static byte[] littleEndian(BigInteger value, int length) {
    byte[] big = value.toByteArray();
    byte[] out = new byte[length];
    for (int i = 0; i < length && i < big.length; i++) {
      out[i] = big[big.length - 1 - i];
    }
    return out;
  }

  private void expect(Phase expected, String what) {
    checkState(phase == expected, "%s belongs to %s, but the server is in %s", what, expected, phase);
  }

  private void checkClient(int id) {
    checkState(
        id >= 0 && id < config.numClients(),
        "client id %s is out of range; allowed: 0 to numClients - 1 = %s",
        id,
        config.numClients() - 1);
  }

  private void requireThreshold(int count, String what) {
    if (count < config.threshold()) {
      phase = Phase.DONE;
      throw new SecAggException(
          "only " + count + " clients " + what + "; threshold t = " + config.threshold()
              + " are needed, so the round is aborted and no sum is output");
    }
  }
}
