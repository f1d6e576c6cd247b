package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.federated.secagg.EncryptedShares;
import dev.beamline.federated.secagg.KeyAdvertisement;
import dev.beamline.federated.secagg.KeyDirectory;
import dev.beamline.federated.secagg.MaskedInput;
import dev.beamline.federated.secagg.SecAggClient;
import dev.beamline.federated.secagg.SecAggConfig;
import dev.beamline.federated.secagg.SecAggException;
import dev.beamline.federated.secagg.SecAggSum;
import dev.beamline.federated.secagg.UnmaskingRequest;
import dev.beamline.federated.secagg.UnmaskingResponse;
import dev.beamline.training.FedAvg.ClientUpdate;
import dev.beamline.training.FedAvg.UpdateSum;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Secure aggregation's steps as the federated trainer runs them: each client re-created from its seed in every step. */
class SecureSumTest {
  private static final byte[] SECRET = "a run secret of thirty-two bytes".getBytes(StandardCharsets.UTF_8);
  private static final SecureAggregationConfig CONFIG = SecureAggregationConfig.defaults().withClipRange(10.0);

  @Test
  void theSameRunRoundAndClientGiveTheSameKeysAndAnyOtherGivesOthers() {
    SecAggConfig protocol = SecAggConfig.of(3, 2, 4);
    SecureSum.Roster roster = new SecureSum.Roster(new long[] {30, 10, 20});
    assertThat(roster.id(10)).isZero();
    assertThat(roster.id(30)).isEqualTo(2);
    KeyAdvertisement a = SecureSum.client(protocol, SECRET, 1, roster, 20).advertiseKeys();
    KeyAdvertisement again = SecureSum.client(protocol, SECRET, 1, roster, 20).advertiseKeys();
    assertThat(again.encryptionPublicKey()).isEqualTo(a.encryptionPublicKey());
    assertThat(again.maskingPublicKey()).isEqualTo(a.maskingPublicKey());
    assertThat(SecureSum.client(protocol, SECRET, 2, roster, 20).advertiseKeys().maskingPublicKey()).isNotEqualTo(a.maskingPublicKey());
    assertThat(SecureSum.client(protocol, SECRET, 1, roster, 30).advertiseKeys().maskingPublicKey()).isNotEqualTo(a.maskingPublicKey());
    byte[] other = SECRET.clone();
    other[0] ^= 1;
    assertThat(SecureSum.client(protocol, other, 1, roster, 20).advertiseKeys().maskingPublicKey()).isNotEqualTo(a.maskingPublicKey());
    // The shares too, nonces included: a client re-created in a later step sends what it sent before.
    KeyDirectory directory = SecureSum.directory(protocol, List.of(keys(protocol, roster, 10), keys(protocol, roster, 20), keys(protocol, roster, 30)));
    assertThat(shares(protocol, roster, 20, directory)).usingRecursiveComparison().isEqualTo(shares(protocol, roster, 20, directory));
  }

  @Test
  void theSumEqualsThePlainSumExactlyInQuantizedUnitsWithAndWithoutDropouts() {
    Map<Long, ClientUpdate> updates = new LinkedHashMap<>();
    updates.put(3L, new ClientUpdate(new float[] {0.25f, -1.5f, 3f}, 40, 40, 12.5, 80, 5, 0.5));
    updates.put(7L, new ClientUpdate(new float[] {-0.125f, 2f, -30f}, 10, 10, 3.25, 20, 2, 0.25));
    updates.put(9L, new ClientUpdate(new float[] {0.0625f, 0f, 0.5f}, 25, 25, 7.0, 50, 4, 0.125));
    updates.put(12L, new ClientUpdate(new float[] {-2f, 0.75f, 1f}, 5, 5, 1.0, 10, 1, 1.0));
    UpdateSum all = run(updates, Set.of());
    // Clip ±10 on Δ (−30 becomes −10), then weighted by rows; every value here is exact at scale 2^20.
    assertThat(all.sum).containsExactly(40 * 0.25 - 10 * 0.125 + 25 * 0.0625 - 2 * 5, 40 * -1.5 + 10 * 2 + 5 * 0.75,
        40 * 3 - 10 * 10 + 25 * 0.5 + 5 * 1);
    assertThat(all.weight).isEqualTo(80);
    assertThat(all.rows).isEqualTo(80);
    assertThat(all.examples).isEqualTo(160);
    assertThat(all.steps).isEqualTo(12);
    assertThat(all.lossSum).isEqualTo(23.75);
    assertThat(all.clients).isEqualTo(4);
    assertThat(all.secure).isEqualTo(new SecureSum.Outcome(4, 0, 3));

    // Client 7 drops out after sharing its keys: the survivors' sum, exactly.
    UpdateSum survivors = run(updates, Set.of(7L));
    assertThat(survivors.sum).containsExactly(40 * 0.25 + 25 * 0.0625 - 2 * 5, 40 * -1.5 + 5 * 0.75, 40 * 3 + 25 * 0.5 + 5 * 1);
    assertThat(survivors.rows).isEqualTo(70);
    assertThat(survivors.clients).isEqualTo(3);
    assertThat(survivors.secure).isEqualTo(new SecureSum.Outcome(4, 1, 3));

    // Two drop out: fewer than t = ⌈0.67·4⌉ = 3 survive, and no sum comes out.
    assertThatThrownBy(() -> run(updates, Set.of(7L, 9L))).isInstanceOf(SecAggException.class).hasMessageContaining("threshold t = 3");
  }

  @Test
  void aRoundWithFewerParticipantsThanTheThresholdIsAbortedNamingTheRound() {
    assertThatThrownBy(() -> SecureSum.protocol(SecureAggregationConfig.defaults().withThreshold(4), 7, 3, 10))
        .isInstanceOf(SecAggException.class).hasMessageStartingWith("federated round 7: 3 client(s) took part, but secure aggregation needs"
            + " at least threshold t = 4");
    assertThatThrownBy(() -> SecureSum.protocol(SecureAggregationConfig.defaults(), 2, 1, 10)).hasMessageStartingWith("federated round 2: 1 client(s)");
    assertThat(SecureSum.protocol(SecureAggregationConfig.defaults(), 1, 6, 10).threshold()).isEqualTo(5);
    assertThat(SecureAggregationConfig.defaults().withThreshold(0.5).thresholdFor(3)).isEqualTo(2);
  }

  @Test
  void dropoutsAreASecretCoinPerRoundAndClient() {
    int dropped = 0;
    for (long client = 0; client < 1000; client++) {
      assertThat(SecureSum.dropsOut(SECRET, 1, client, 0.3)).isEqualTo(SecureSum.dropsOut(SECRET, 1, client, 0.3));
      dropped += SecureSum.dropsOut(SECRET, 1, client, 0.3) ? 1 : 0;
      assertThat(SecureSum.dropsOut(SECRET, 1, client, 0.0)).isFalse();
    }
    assertThat(dropped).isBetween(250, 350);
  }

  /** The trainer's steps in order, each client re-created from the secret in every step, as the pipeline does. */
  private static UpdateSum run(Map<Long, ClientUpdate> updates, Set<Long> dropouts) {
    SecureSum.Roster roster = new SecureSum.Roster(updates.keySet().stream().mapToLong(Long::longValue).toArray());
    SecAggConfig protocol = SecureSum.protocol(CONFIG, 1, roster.size(), SecureSum.vectorLength(3));
    List<KeyAdvertisement> advertised = new ArrayList<>();
    updates.keySet().forEach(k -> advertised.add(keys(protocol, roster, k)));
    KeyDirectory directory = SecureSum.directory(protocol, advertised);
    List<EncryptedShares> shared = new ArrayList<>();
    updates.keySet().forEach(k -> shared.add(shares(protocol, roster, k, directory)));
    List<EncryptedShares> relayed = SecureSum.relay(protocol, directory, shared);
    List<MaskedInput> masked = new ArrayList<>();
    for (Map.Entry<Long, ClientUpdate> e : updates.entrySet()) {
      if (!dropouts.contains(e.getKey())) {
        SecAggClient c = SecureSum.client(protocol, SECRET, 1, roster, e.getKey());
        c.advertiseKeys();
        c.shareKeys(directory);
        masked.add(c.maskEncodedInput(SecureSum.encode(e.getValue(), CONFIG.clipRangeOr(null), protocol),
            SecureSum.sharesFor(c.clientId(), relayed)));
      }
    }
    UnmaskingRequest request = SecureSum.request(protocol, directory, relayed, masked);
    List<UnmaskingResponse> responses = new ArrayList<>();
    for (long k : updates.keySet()) {
      SecAggClient c = SecureSum.client(protocol, SECRET, 1, roster, k);
      c.advertiseKeys();
      c.shareKeys(directory);
      c.maskEncodedInput(SecureSum.placeholder(protocol), SecureSum.sharesFor(c.clientId(), relayed));
      if (request.survivors().contains(c.clientId())) {
        responses.add(c.unmask(request));
      }
    }
    SecAggSum sum = SecureSum.aggregate(protocol, directory, relayed, masked, responses);
    return SecureSum.decode(sum, protocol, roster.size());
  }

  private static KeyAdvertisement keys(SecAggConfig protocol, SecureSum.Roster roster, long client) {
    return SecureSum.client(protocol, SECRET, 1, roster, client).advertiseKeys();
  }

  private static EncryptedShares shares(SecAggConfig protocol, SecureSum.Roster roster, long client, KeyDirectory directory) {
    SecAggClient c = SecureSum.client(protocol, SECRET, 1, roster, client);
    c.advertiseKeys();
    return c.shareKeys(directory);
  }
}
