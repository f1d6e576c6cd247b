package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One client of the secure-aggregation protocol of Bonawitz et al., "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning" (CCS 2017), §4, in its honest-but-curious form. The client holds every secret
 * of its side (its two X25519 private keys, its self-mask seed b_u, its update) and sends only what the paper sends:
 * public keys, encrypted shares, a masked vector, and the unmasking shares the server may have.
 *
 * <p>One method per round, called in order, each returning the message for the server:
 *
 * <pre>{@code
 * SecAggClient client = SecAggClient.create(config, clientId);
 * server.receive(client.advertiseKeys());                                  // round 0
 * server.receive(client.shareKeys(server.endAdvertiseKeys()));             // round 1
 * server.receive(client.maskInput(update, server.sharesFor(clientId)));    // round 2
 * server.receive(client.unmask(server.endMaskedInputCollection()));        // round 3
 * }</pre>
 *
 * <p>The client aborts with {@link SecAggException} where the paper's client aborts: fewer than t peers, repeated
 * public keys, a share that fails authentication; and it refuses an unmasking request that asks, for one peer, both
 * the share of b and the share of s^SK (or that calls this client dropped after it sent its masked input), since
 * with both the server could remove every mask from that peer's input. It answers one unmasking request only.
 */
public final class SecAggClient {
  private enum Phase {
    NEW,
    KEYS_ADVERTISED,
    KEYS_SHARED,
    INPUT_MASKED,
    UNMASKED
  }

  private final SecAggConfig config;
  private final int clientId;
  private final SecureRandom random;
  private final FixedPoint fixedPoint;
  private final KeyPair encryptionKeys;
  private final KeyPair maskingKeys;
  private Phase phase = Phase.NEW;
  private KeyDirectory directory;
  private ShareCipher.Payload ownShares;
  private byte[] selfMaskSeed;
  private SortedMap<Integer, EncryptedShare> received;

  private SecAggClient(SecAggConfig config, int clientId, SecureRandom random) {
    this.config = config.validate();
    checkArgument(
        clientId >= 0 && clientId < config.numClients(),
        "clientId is %s; allowed: 0 to numClients - 1 = %s",
        clientId,
        config.numClients() - 1);
    this.clientId = clientId;
    this.random = checkNotNull(random, "random");
    this.fixedPoint = config.fixedPoint();
    this.encryptionKeys = X25519.generate(random);
    this.maskingKeys = X25519.generate(random);
  }

  /** A client whose keys, seeds and nonces come from a fresh {@link SecureRandom}. */
  public static SecAggClient create(SecAggConfig config, int clientId) {
    return new SecAggClient(config, clientId, new SecureRandom());
  }

  /** A client drawing from {@code random}; pass a seeded generator only in tests. */
  public static SecAggClient create(SecAggConfig config, int clientId, SecureRandom random) {
    return new SecAggClient(config, clientId, random);
  }

  public int clientId() {
    return clientId;
  }

  /** Round 0: the public keys c_u^PK and s_u^PK. */
  public KeyAdvertisement advertiseKeys() {
    checkState(phase == Phase.NEW, "client %s already advertised its keys (now in %s)", clientId, phase);
    phase = Phase.KEYS_ADVERTISED;
    return new KeyAdvertisement(
        clientId, encryptionKeys.getPublic().getEncoded(), maskingKeys.getPublic().getEncoded());
  }

  /**
   * Round 1: draws b_u, Shamir-shares b_u and s_u^SK t-out-of-n, and encrypts the pair of shares for every other
   * client in the directory under HKDF(X25519(c_u^SK, c_v^PK)).
   */
  public EncryptedShares shareKeys(KeyDirectory keys) {
    checkNotNull(keys, "keys");
    checkState(phase == Phase.KEYS_ADVERTISED, "client %s: shareKeys comes after advertiseKeys (now in %s)", clientId,
        phase);
    SortedMap<Integer, KeyAdvertisement> all = keys.keys();
    if (all.size() < config.threshold()) {
      throw new SecAggException(
          "client " + clientId + ": only " + all.size() + " clients advertised keys; threshold t = "
              + config.threshold() + " are needed");
    }
    KeyAdvertisement mine = all.get(clientId);
    if (mine == null
        || !Arrays.equals(mine.encryptionPublicKey(), encryptionKeys.getPublic().getEncoded())
        || !Arrays.equals(mine.maskingPublicKey(), maskingKeys.getPublic().getEncoded())) {
      throw new SecAggException("client " + clientId + ": the key directory does not hold this client's own keys");
    }
    Set<String> distinct = new HashSet<>();
    for (KeyAdvertisement a : all.values()) {
      checkPeerId(a.clientId());
      // The paper asserts all public keys differ: a repeated key would let one party pose as two.
      if (!distinct.add(Arrays.toString(a.encryptionPublicKey()))
          || !distinct.add(Arrays.toString(a.maskingPublicKey()))) {
        throw new SecAggException("client " + clientId + ": the key directory repeats a public key (client "
            + a.clientId() + ")");
      }
    }
    this.directory = keys;
    this.selfMaskSeed = new byte[Prg.SEED_BYTES];
    random.nextBytes(selfMaskSeed);
    int n = config.numClients();
    int t = config.threshold();
    // Share x = id + 1 goes to client id, so that no share is the secret itself (x = 0).
    List<Shamir.Share> seedShares = Shamir.split(selfMaskSeed, n, t, random);
    List<Shamir.Share> keyShares = Shamir.split(X25519.scalar(maskingKeys.getPrivate()), n, t, random);
    ownShares = new ShareCipher.Payload(seedShares.get(clientId), keyShares.get(clientId));
    List<EncryptedShare> out = new ArrayList<>();
    for (KeyAdvertisement peer : all.values()) {
      int v = peer.clientId();
      if (v == clientId) {
        continue;
      }
      byte[] key = Masks.shareKey(encryptionKeys.getPrivate(), X25519.decodePublic(peer.encryptionPublicKey()));
      out.add(ShareCipher.seal(
          key, clientId, v, new ShareCipher.Payload(seedShares.get(v), keyShares.get(v)), random));
    }
    phase = Phase.KEYS_SHARED;
    return new EncryptedShares(clientId, out);
  }

  /** Round 2 for a real-valued update: fixed-point encodes it, then {@link #maskEncodedInput}. */
  public MaskedInput maskInput(double[] update, List<EncryptedShare> sharesForThisClient) {
    return maskEncodedInput(fixedPoint.encode(update), sharesForThisClient);
  }

  /** Round 2 for a real-valued update: fixed-point encodes it, then {@link #maskEncodedInput}. */
  public MaskedInput maskInput(float[] update, List<EncryptedShare> sharesForThisClient) {
    return maskEncodedInput(fixedPoint.encode(update), sharesForThisClient);
  }

  /**
   * Round 2: stores the encrypted shares the server relayed (their senders are U2, the clients this one shares masks
   * with) and returns y_u = x_u + PRG(b_u) + Σ_{v∈U2, v&gt;u} PRG(s_{u,v}) − Σ_{v∈U2, v&lt;u} PRG(s_{u,v}) mod 2^k.
   *
   * @param encodedUpdate x_u, residues mod 2^k (see {@link FixedPoint#encode})
   * @param sharesForThisClient the server's {@code sharesFor(clientId)}
   */
  public MaskedInput maskEncodedInput(long[] encodedUpdate, List<EncryptedShare> sharesForThisClient) {
    checkNotNull(encodedUpdate, "encodedUpdate");
    checkNotNull(sharesForThisClient, "sharesForThisClient");
    checkState(phase == Phase.KEYS_SHARED, "client %s: maskInput comes after shareKeys (now in %s)", clientId, phase);
    checkArgument(
        encodedUpdate.length == config.vectorLength(),
        "encodedUpdate has %s coordinates; allowed: vectorLength = %s",
        encodedUpdate.length,
        config.vectorLength());
    long mask = fixedPoint.mask();
    SortedMap<Integer, EncryptedShare> fromPeers = new TreeMap<>();
    for (EncryptedShare share : sharesForThisClient) {
      if (share.to() != clientId) {
        throw new SecAggException(
            "client " + clientId + " was relayed a share addressed to client " + share.to());
      }
      if (share.from() == clientId || !directory.keys().containsKey(share.from())) {
        throw new SecAggException(
            "client " + clientId + " was relayed a share from client " + share.from()
                + ", which is not a peer in the key directory");
      }
      if (fromPeers.put(share.from(), share) != null) {
        throw new SecAggException(
            "client " + clientId + " was relayed two shares from client " + share.from());
      }
    }
    if (fromPeers.size() + 1 < config.threshold()) {
      throw new SecAggException(
          "client " + clientId + ": only " + (fromPeers.size() + 1) + " clients shared keys; threshold t = "
              + config.threshold() + " are needed");
    }
    this.received = fromPeers;
    long[] y = new long[encodedUpdate.length];
    for (int i = 0; i < y.length; i++) {
      checkArgument(
          encodedUpdate[i] >= 0 && encodedUpdate[i] <= mask,
          "encodedUpdate[%s] is %s; allowed: a residue in [0, 2^%s)",
          i,
          encodedUpdate[i],
          config.modulusBits());
      y[i] = encodedUpdate[i];
    }
    Masks.add(y, Masks.selfMask(selfMaskSeed, y.length, mask), 1, mask);
    for (int v : fromPeers.keySet()) {
      PublicKey peerKey = X25519.decodePublic(directory.keys().get(v).maskingPublicKey());
      Masks.addPairwiseMask(y, Masks.pairwiseSeed(maskingKeys.getPrivate(), peerKey), Masks.sign(clientId, v), mask);
    }
    phase = Phase.INPUT_MASKED;
    return new MaskedInput(clientId, y);
  }

  /**
   * Round 3: decrypts the shares received in round 2 (checking each one's authentication and the ids inside it) and
   * reveals this client's share of b_v for every survivor v and of s_v^SK for every dropped v, after checking that
   * the request never asks for both for one peer.
   */
  public UnmaskingResponse unmask(UnmaskingRequest request) {
    checkNotNull(request, "request");
    if (phase == Phase.UNMASKED) {
      throw new SecAggException(
          "client " + clientId + " refuses a second unmasking request: answering two different requests could "
              + "reveal both shares of one peer");
    }
    checkState(phase == Phase.INPUT_MASKED, "client %s: unmask comes after maskInput (now in %s)", clientId, phase);
    SortedSet<Integer> both = new TreeSet<>(request.survivors());
    both.retainAll(request.dropped());
    if (!both.isEmpty()) {
      throw new SecAggException(
          "client " + clientId + " refuses the unmasking request: it asks for both the self-mask seed share and the "
              + "masking-key share of client(s) " + both + ", which would let the server unmask their inputs");
    }
    if (!request.survivors().contains(clientId)) {
      throw new SecAggException(
          "client " + clientId + " refuses the unmasking request: it lists this client as dropped although it sent "
              + "its masked input, so revealing its masking key would unmask its input");
    }
    Set<Integer> sharedKeys = new TreeSet<>(received.keySet());
    sharedKeys.add(clientId);
    Set<Integer> named = new TreeSet<>(request.survivors());
    named.addAll(request.dropped());
    if (!named.equals(sharedKeys)) {
      throw new SecAggException(
          "client " + clientId + " refuses the unmasking request: it names clients " + named
              + " but the clients that shared keys with this one are " + sharedKeys);
    }
    if (request.survivors().size() < config.threshold()) {
      throw new SecAggException(
          "client " + clientId + ": only " + request.survivors().size() + " clients survived; threshold t = "
              + config.threshold() + " are needed");
    }
    // From here on this client has committed to this request.
    phase = Phase.UNMASKED;
    SortedMap<Integer, Shamir.Share> seedShares = new TreeMap<>();
    SortedMap<Integer, Shamir.Share> keyShares = new TreeMap<>();
    for (Map.Entry<Integer, EncryptedShare> e : received.entrySet()) {
      int v = e.getKey();
      PublicKey peerKey = X25519.decodePublic(directory.keys().get(v).encryptionPublicKey());
      ShareCipher.Payload payload =
          ShareCipher.open(Masks.shareKey(encryptionKeys.getPrivate(), peerKey), e.getValue());
      if (request.survivors().contains(v)) {
        seedShares.put(v, payload.selfMaskSeed());
      } else {
        keyShares.put(v, payload.maskingKey());
      }
    }
    seedShares.put(clientId, ownShares.selfMaskSeed());
    return new UnmaskingResponse(clientId, seedShares, keyShares);
  }

  private void checkPeerId(int id) {
    if (id < 0 || id >= config.numClients()) {
      throw new SecAggException(
          "client " + clientId + ": the key directory names client " + id + "; ids run from 0 to "
              + (config.numClients() - 1));
    }
  }
}
