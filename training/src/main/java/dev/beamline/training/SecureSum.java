package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.federated.secagg.EncryptedShare;
import dev.beamline.federated.secagg.EncryptedShares;
import dev.beamline.federated.secagg.KeyAdvertisement;
import dev.beamline.federated.secagg.KeyDirectory;
import dev.beamline.federated.secagg.MaskedInput;
import dev.beamline.federated.secagg.SecAggClient;
import dev.beamline.federated.secagg.SecAggConfig;
import dev.beamline.federated.secagg.SecAggException;
import dev.beamline.federated.secagg.SecAggServer;
import dev.beamline.federated.secagg.SecAggSum;
import dev.beamline.federated.secagg.UnmaskingRequest;
import dev.beamline.federated.secagg.UnmaskingResponse;
import dev.beamline.training.FedAvg.ClientUpdate;
import dev.beamline.training.FedAvg.UpdateSum;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One round of federated averaging's sum by secure aggregation (Bonawitz et al., CCS 2017; the protocol is
 * {@code dev.beamline.federated.secagg}), cut into the steps that {@link TrainFederated} runs as Beam transforms:
 * the server's steps take only the protocol's messages, and a client's secrets are re-created identically in every
 * step from a per-(run, round, client) seed, so that the client object never travels.
 *
 * <p>What a client sends, as one vector of d + 6 coordinates in fixed point (scale 2^f, mod 2^k): w·clip(Δ, ±R)
 * (w = the client's rows under FedAvg, 1 under DP-FedAvg, whose Δ is already L2-clipped), then w, rows, the local
 * loss sum, examples, steps and seconds, so that the server learns only the sums of these too.
 *
 * <pre>{@code
 * SecAggConfig protocol = SecureSum.protocol(config, round, roster.size(), SecureSum.vectorLength(d));
 * SecAggClient client = SecureSum.client(protocol, secret, round, roster, clientKey);
 * }</pre>
 */
final class SecureSum {
  /** The coordinates after the update: weight, rows, loss sum, examples, steps, seconds. */
  static final int STATS = 6;

  private SecureSum() {}

  /**
   * What secure aggregation did in a round: its participants n (the clients that advertised keys), those that
   * dropped out after sharing their keys, and the threshold t.
   */
  record Outcome(int participants, int dropped, int threshold) implements Serializable {}

  /** The round's participants by client key, sorted: a client's protocol id is its index. */
  record Roster(long[] clients) implements Serializable {
    Roster {
      clients = clients.clone();
      Arrays.sort(clients);
    }

    int size() {
      return clients.length;
    }

    /** The dense id 0..n−1 of {@code client}. */
    int id(long client) {
      int i = Arrays.binarySearch(clients, client);
      checkArgument(i >= 0, "client %s is not a participant of this round", client);
      return i;
    }
  }

  static int vectorLength(int parameters) {
    return parameters + STATS;
  }

  /**
   * The protocol's parameters for a round of {@code participants}: n, t from {@code c}, the vector length, and the
   * encoding. The encoding's clip range is the bound on one client's coordinate that keeps a sum of n from wrapping.
   *
   * @throws SecAggException when the round has fewer than 2 participants or fewer than t
   */
  static SecAggConfig protocol(SecureAggregationConfig c, int round, int participants, int vectorLength) {
    int t = c.thresholdFor(participants);
    if (participants < 2 || participants < t) {
      throw new SecAggException("federated round " + round + ": " + participants + " client(s) took part, but secure aggregation needs"
          + " at least threshold t = " + t + " (and 2): the round is aborted, since the sum is exact or not computed at all;"
          + " raise federated.clients_per_round or lower secure_aggregation.threshold");
    }
    return SecAggConfig.of(participants, t, vectorLength).withModulusBits(c.modulusBits()).withFractionalBits(c.fractionalBits())
        .withClipRange(coordinateBound(c.modulusBits(), c.fractionalBits(), participants)).validate();
  }

  /** Half the largest |value| of one client's coordinate for which the sum of n cannot wrap mod 2^k. */
  private static double coordinateBound(int modulusBits, int fractionalBits, int participants) {
    return Math.scalb(1.0, modulusBits - 1 - fractionalBits) / participants / 2;
  }

  /**
   * The generator of a client's secrets in a round: SHA1PRNG seeded, before its first use, with HMAC-SHA256(run
   * secret, "secagg" ‖ round ‖ client key), so every step re-creates the same keys, seeds and nonces; different rounds
   * and clients get unrelated ones. {@link SecAggClient} draws all its randomness from it.
   */
  static SecureRandom clientRandom(byte[] runSecret, int round, long client) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(hmac(runSecret, "secagg", round, client));
      return random;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA1PRNG is unavailable", e);
    }
  }

  /** The client, re-created: always the same for the same secret, round and client. */
  static SecAggClient client(SecAggConfig protocol, byte[] runSecret, int round, Roster roster, long client) {
    return SecAggClient.create(protocol, roster.id(client), clientRandom(runSecret, round, client));
  }

  /** Whether {@code client} drops out after sharing its keys in {@code round}: a secret coin with P = {@code p}. */
  static boolean dropsOut(byte[] runSecret, int round, long client, double p) {
    if (p <= 0) {
      return false;
    }
    long bits = ByteBuffer.wrap(hmac(runSecret, "dropout", round, client)).getLong() >>> 11;
    return bits * 0x1.0p-53 < p;
  }

  private static byte[] hmac(byte[] runSecret, String purpose, int round, long client) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(runSecret, "HmacSHA256"));
      mac.update(purpose.getBytes(StandardCharsets.UTF_8));
      mac.update(ByteBuffer.allocate(12).putInt(round).putLong(client).array());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  /**
   * The client's vector, encoded: w·clip(Δ, ±R) and the six statistics, each as round(value·2^f) mod 2^k.
   *
   * @throws SecAggException when a value exceeds the bound that keeps the sum from wrapping
   */
  static long[] encode(ClientUpdate u, double clipRange, SecAggConfig protocol) {
    float[] delta = u.delta();
    double[] v = new double[vectorLength(delta.length)];
    for (int i = 0; i < delta.length; i++) {
      v[i] = u.weight() * Math.max(-clipRange, Math.min(clipRange, delta[i]));
    }
    int d = delta.length;
    v[d] = u.weight();
    v[d + 1] = u.rows();
    v[d + 2] = u.lossSum();
    v[d + 3] = u.examples();
    v[d + 4] = u.steps();
    v[d + 5] = u.seconds();
    double scale = Math.scalb(1.0, protocol.fractionalBits());
    double bound = protocol.clipRange() * scale;
    long mask = protocol.fixedPoint().mask();
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      double q = Math.rint(v[i] * scale);
      if (!(Math.abs(q) <= bound)) {
        throw new SecAggException("coordinate " + i + " of a client's update is " + v[i] + ", beyond " + protocol.clipRange()
            + ", the most that " + protocol.numClients() + " clients can add in Z_2^" + protocol.modulusBits() + " at scale 2^"
            + protocol.fractionalBits() + ": lower secure_aggregation.fractional_bits");
      }
      out[i] = ((long) q) & mask;
    }
    return out;
  }

  /** The zero vector a re-created client masks in the unmasking step, where only its received shares matter. */
  static long[] placeholder(SecAggConfig protocol) {
    return new long[protocol.vectorLength()];
  }

  /** The server's decoded sum as the sum of the clear updates would be. */
  static UpdateSum decode(SecAggSum s, SecAggConfig protocol, int participants) {
    double[] all = s.sum();
    int d = all.length - STATS;
    UpdateSum out = new UpdateSum();
    out.sum = Arrays.copyOf(all, d);
    out.weight = all[d];
    out.clients = s.survivors().size();
    out.rows = Math.round(all[d + 1]);
    out.lossSum = all[d + 2];
    out.examples = Math.round(all[d + 3]);
    out.steps = Math.round(all[d + 4]);
    out.seconds = all[d + 5];
    out.secure = new Outcome(participants, s.dropped().size(), protocol.threshold());
    return out;
  }

  /** The encrypted shares addressed to client {@code id}: the server's relay of round 1. */
  static List<EncryptedShare> sharesFor(int id, Collection<EncryptedShares> relayed) {
    List<EncryptedShare> out = new ArrayList<>();
    for (EncryptedShares from : sorted(relayed, EncryptedShares::clientId)) {
      for (EncryptedShare share : from.shares()) {
        if (share.to() == id) {
          out.add(share);
        }
      }
    }
    return out;
  }

  // The server's steps: each replays the protocol's rounds so far on the messages, in client order, so that every
  // step sees the server in the same state whatever order the runner delivered the messages in.

  /** Round 0's end: the key directory. */
  static KeyDirectory directory(SecAggConfig protocol, Collection<KeyAdvertisement> advertised) {
    SecAggServer server = SecAggServer.create(protocol);
    sorted(advertised, KeyAdvertisement::clientId).forEach(server::receive);
    return server.endAdvertiseKeys();
  }

  /** Round 1's end: the shares to relay, checked. */
  static List<EncryptedShares> relay(SecAggConfig protocol, KeyDirectory directory, Collection<EncryptedShares> shared) {
    SecAggServer server = serverAfterKeys(protocol, directory);
    List<EncryptedShares> ordered = sorted(shared, EncryptedShares::clientId);
    ordered.forEach(server::receive);
    server.endShareKeys();
    return new ArrayList<>(ordered);
  }

  /** Round 2's end: the unmasking request for the clients whose masked inputs arrived. */
  static UnmaskingRequest request(SecAggConfig protocol, KeyDirectory directory, Collection<EncryptedShares> relayed,
      Collection<MaskedInput> masked) {
    SecAggServer server = serverAfterShares(protocol, directory, relayed);
    sorted(masked, MaskedInput::clientId).forEach(server::receive);
    return server.endMaskedInputCollection();
  }

  /** Round 3's end: the sum of the survivors' inputs. */
  static SecAggSum aggregate(SecAggConfig protocol, KeyDirectory directory, Collection<EncryptedShares> relayed,
      Collection<MaskedInput> masked, Collection<UnmaskingResponse> responses) {
    SecAggServer server = serverAfterShares(protocol, directory, relayed);
    sorted(masked, MaskedInput::clientId).forEach(server::receive);
    server.endMaskedInputCollection();
    sorted(responses, UnmaskingResponse::clientId).forEach(server::receive);
    return server.aggregate();
  }

  private static SecAggServer serverAfterKeys(SecAggConfig protocol, KeyDirectory directory) {
    SecAggServer server = SecAggServer.create(protocol);
    directory.keys().values().forEach(server::receive);
    server.endAdvertiseKeys();
    return server;
  }

  private static SecAggServer serverAfterShares(SecAggConfig protocol, KeyDirectory directory, Collection<EncryptedShares> relayed) {
    SecAggServer server = serverAfterKeys(protocol, directory);
    sorted(relayed, EncryptedShares::clientId).forEach(server::receive);
    server.endShareKeys();
    return server;
  }

  private static <T> List<T> sorted(Collection<T> messages, java.util.function.ToIntFunction<T> id) {
    List<T> out = new ArrayList<>(messages);
    out.sort(Comparator.comparingInt(id));
    return out;
  }
}
