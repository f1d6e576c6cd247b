package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Runs one whole secure-aggregation round in memory: n {@link SecAggClient}s and one {@link SecAggServer}
 * exchanging the four rounds' messages, with chosen clients dropping out. For tests, simulations, and as the
 * reference order of calls for a distributed deployment (where each client runs in its own worker, e.g. a Beam
 * {@code DoFn}, and only the messages travel).
 *
 * <pre>{@code
 * SecAggConfig config = SecAggConfig.of(10, 6, updateLength);
 * SecAggResult result = SecAggRound.create(config).run(updates, Dropouts.afterShareKeys(Set.of(4)));
 * double[] sumOfSurvivors = result.sumOrThrow().sum();
 * }</pre>
 */
public final class SecAggRound {
  private final SecAggConfig config;
  private final IntFunction<SecureRandom> randomness;

  private SecAggRound(SecAggConfig config, IntFunction<SecureRandom> randomness) {
    this.config = config.validate();
    this.randomness = randomness;
  }

  /** Clients draw from fresh {@link SecureRandom}s. */
  public static SecAggRound create(SecAggConfig config) {
    return new SecAggRound(config, id -> new SecureRandom());
  }

  /**
   * Clients draw from SHA1PRNG generators seeded with (seed, client id), so that a run repeats exactly. For tests
   * only: keys derived from a known seed protect nothing.
   */
  public static SecAggRound seededForTesting(SecAggConfig config, long seed) {
    return new SecAggRound(config, id -> {
      try {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(seed * 1_000_003L + id);
        return random;
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA1PRNG is unavailable in this JDK", e);
      }
    });
  }

  /** Runs the protocol over one update per client (index = client id); see {@link #runEncoded}. */
  public SecAggResult run(List<double[]> updates, Dropouts dropouts) {
    checkNotNull(updates, "updates");
    FixedPoint fixedPoint = config.fixedPoint();
    List<long[]> encoded = new ArrayList<>(updates.size());
    for (double[] update : updates) {
      encoded.add(fixedPoint.encode(update));
    }
    return runEncoded(encoded, dropouts);
  }

  /**
   * Runs the protocol over one encoded update per client (index = client id), with the given clients dropping out;
   * returns the survivors' sum, or the reason the protocol aborted.
   */
  public SecAggResult runEncoded(List<long[]> encodedUpdates, Dropouts dropouts) {
    checkNotNull(encodedUpdates, "encodedUpdates");
    checkNotNull(dropouts, "dropouts");
    checkArgument(
        encodedUpdates.size() == config.numClients(),
        "got %s updates; allowed: one per client, numClients = %s",
        encodedUpdates.size(),
        config.numClients());
    List<SecAggClient> clients = new ArrayList<>();
    for (int id = 0; id < config.numClients(); id++) {
      clients.add(SecAggClient.create(config, id, randomness.apply(id)));
    }
    SecAggServer server = SecAggServer.create(config);
    try {
      for (SecAggClient client : clients) {
        server.receive(client.advertiseKeys());
      }
      KeyDirectory keys = server.endAdvertiseKeys();
      List<SecAggClient> sharing = new ArrayList<>();
      for (SecAggClient client : clients) {
        if (!dropouts.afterAdvertiseKeys().contains(client.clientId())) {
          server.receive(client.shareKeys(keys));
          sharing.add(client);
        }
      }
      server.endShareKeys();
      List<SecAggClient> masking = new ArrayList<>();
      for (SecAggClient client : sharing) {
        if (!dropouts.afterShareKeys().contains(client.clientId())) {
          int id = client.clientId();
          server.receive(client.maskEncodedInput(encodedUpdates.get(id), server.sharesFor(id)));
          masking.add(client);
        }
      }
      UnmaskingRequest request = server.endMaskedInputCollection();
      for (SecAggClient client : masking) {
        if (!dropouts.afterMaskedInput().contains(client.clientId())) {
          server.receive(client.unmask(request));
        }
      }
      return SecAggResult.aggregated(server.aggregate());
    } catch (SecAggException e) {
      return SecAggResult.aborted(e.getMessage());
    }
  }
}
