package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tampered shares, requests a client must refuse, and what the server can and cannot be given. */
class ProtocolAbortTest {
  private static final int N = 4;
  private static final int D = 16;
  private final SecAggConfig config = SecAggConfig.of(N, 3, D);
  private final List<SecAggClient> clients = new ArrayList<>();
  private SecAggServer server;

  @BeforeEach
  void shareKeys() throws Exception {
    server = SecAggServer.create(config);
    for (int id = 0; id < N; id++) {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(77 + id);
      clients.add(SecAggClient.create(config, id, random));
      server.receive(clients.get(id).advertiseKeys());
    }
    KeyDirectory keys = server.endAdvertiseKeys();
    for (SecAggClient client : clients) {
      server.receive(client.shareKeys(keys));
    }
    server.endShareKeys();
  }

  private static double[] ones() {
    double[] x = new double[D];
    java.util.Arrays.fill(x, 1.0);
    return x;
  }

  @Test
  void aShareModifiedInTransitFailsAuthentication() {
    List<EncryptedShare> toOne = new ArrayList<>(server.sharesFor(1));
    EncryptedShare fromZero = toOne.get(0);
    assertThat(fromZero.from()).isZero();
    byte[] modified = fromZero.ciphertext();
    modified[20] ^= 1;
    toOne.set(0, new EncryptedShare(0, 1, modified));
    for (SecAggClient client : clients) {
      List<EncryptedShare> shares = client.clientId() == 1 ? toOne : server.sharesFor(client.clientId());
      server.receive(client.maskInput(ones(), shares));
    }
    UnmaskingRequest request = server.endMaskedInputCollection();

    assertThatThrownBy(() -> clients.get(1).unmask(request))
        .isInstanceOf(SecAggException.class)
        .hasMessage("share ciphertext from client 0 to client 1 failed AES-GCM authentication: it was modified in "
            + "transit or not encrypted for this pair");
  }

  @Test
  void aShareRelabelledAsComingFromAnotherClientFailsAuthentication() {
    List<EncryptedShare> toOne = new ArrayList<>(server.sharesFor(1));
    // The server swaps the ciphertexts of clients 0 and 2: each is now checked under the wrong pair key.
    EncryptedShare fromZero = toOne.get(0);
    EncryptedShare fromTwo = toOne.get(1);
    toOne.set(0, new EncryptedShare(0, 1, fromTwo.ciphertext()));
    toOne.set(1, new EncryptedShare(2, 1, fromZero.ciphertext()));
    MaskedInput ignored = clients.get(1).maskInput(ones(), toOne);
    assertThat(ignored.clientId()).isEqualTo(1);
    UnmaskingRequest request = new UnmaskingRequest(new TreeSet<>(Set.of(0, 1, 2, 3)), new TreeSet<>());

    assertThatThrownBy(() -> clients.get(1).unmask(request))
        .isInstanceOf(SecAggException.class)
        .hasMessageContaining("failed AES-GCM authentication");
  }

  @Test
  void aClientRefusesToRevealBothSharesOfOnePeer() {
    SecAggClient one = clients.get(1);
    one.maskInput(ones(), server.sharesFor(1));
    UnmaskingRequest greedy = new UnmaskingRequest(new TreeSet<>(Set.of(0, 1, 2, 3)), new TreeSet<>(Set.of(2)));

    assertThatThrownBy(() -> one.unmask(greedy))
        .isInstanceOf(SecAggException.class)
        .hasMessage("client 1 refuses the unmasking request: it asks for both the self-mask seed share and the "
            + "masking-key share of client(s) [2], which would let the server unmask their inputs");
  }

  @Test
  void aClientRefusesToBeCalledDroppedAfterSendingItsInput() {
    SecAggClient one = clients.get(1);
    one.maskInput(ones(), server.sharesFor(1));
    UnmaskingRequest request = new UnmaskingRequest(new TreeSet<>(Set.of(0, 2, 3)), new TreeSet<>(Set.of(1)));

    assertThatThrownBy(() -> one.unmask(request))
        .isInstanceOf(SecAggException.class)
        .hasMessageContaining("lists this client as dropped although it sent its masked input");
  }

  @Test
  void aClientAnswersOneUnmaskingRequestOnly() {
    SecAggClient one = clients.get(1);
    one.maskInput(ones(), server.sharesFor(1));
    UnmaskingResponse first =
        one.unmask(new UnmaskingRequest(new TreeSet<>(Set.of(0, 1, 2)), new TreeSet<>(Set.of(3))));
    assertThat(first.selfMaskSeedShares()).containsOnlyKeys(0, 1, 2);
    assertThat(first.maskingKeyShares()).containsOnlyKeys(3);

    // A second request that calls 3 a survivor would give the server 3's b share as well as its s share.
    assertThatThrownBy(() -> one.unmask(new UnmaskingRequest(new TreeSet<>(Set.of(1, 2, 3)), new TreeSet<>(Set.of(0)))))
        .isInstanceOf(SecAggException.class)
        .hasMessageContaining("refuses a second unmasking request");
  }


  @Test
  void aWrongMaskingKeyShareAbortsInsteadOfSkewingTheSum() {
    for (SecAggClient client : clients.subList(0, 3)) {
      server.receive(client.maskInput(ones(), server.sharesFor(client.clientId())));
    }
    UnmaskingRequest request = server.endMaskedInputCollection();
    assertThat(request.dropped()).containsExactly(3);
    UnmaskingResponse honest = clients.get(0).unmask(request);
    Shamir.Share share = honest.maskingKeyShares().get(3);
    Shamir.Share wrong = new Shamir.Share(
        share.x(), List.of(share.values().get(0).add(java.math.BigInteger.ONE), share.values().get(1),
            share.values().get(2)));
    java.util.SortedMap<Integer, Shamir.Share> keyShares = new java.util.TreeMap<>(Map.of(3, wrong));
    server.receive(new UnmaskingResponse(0, honest.selfMaskSeedShares(), keyShares));
    server.receive(clients.get(1).unmask(request));
    server.receive(clients.get(2).unmask(request));

    assertThatThrownBy(server::aggregate)
        .isInstanceOf(SecAggException.class)
        .hasMessageContaining("reconstructed for dropped client 3");
  }

  @Test
  void theServerAcceptsNoUnmaskedVector() {
    // By its API the aggregator only receives keys, encrypted shares, masked inputs and unmasking shares.
    for (Method method : SecAggServer.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(method.getModifiers())) {
        continue;
      }
      for (Class<?> type : method.getParameterTypes()) {
        assertThat(type).as(method.toString()).isNotIn(double[].class, float[].class, long[].class, int[].class);
        if (method.getName().equals("receive")) {
          assertThat(type).isIn(
              KeyAdvertisement.class, EncryptedShares.class, MaskedInput.class, UnmaskingResponse.class);
        }
      }
    }
  }

  @Test
  void theServerRejectsMessagesOutOfOrder() {
    assertThatThrownBy(() -> server.receive(clients.get(0).advertiseKeys()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(server::aggregate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("aggregate belongs to UNMASKING, but the server is in MASKED_INPUT_COLLECTION");
  }
}
