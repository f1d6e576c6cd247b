package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every message survives Java serialization, so that Beam's SerializableCoder can carry it between workers. */
class MessagesSerializableTest {

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void aRoundRunsOnSerializedMessages() throws Exception {
    SecAggConfig config = roundTrip(SecAggConfig.of(4, 3, 8));
    List<SecAggClient> clients = List.of(
        SecAggClient.create(config, 0), SecAggClient.create(config, 1),
        SecAggClient.create(config, 2), SecAggClient.create(config, 3));
    SecAggServer server = SecAggServer.create(config);
    for (SecAggClient client : clients) {
      server.receive(roundTrip(client.advertiseKeys()));
    }
    KeyDirectory keys = roundTrip(server.endAdvertiseKeys());
    for (SecAggClient client : clients) {
      server.receive(roundTrip(client.shareKeys(keys)));
    }
    server.endShareKeys();
    double[] x = {1, 2, 3, 4, 5, 6, 7, 8};
    for (SecAggClient client : clients.subList(0, 3)) {
      server.receive(roundTrip(client.maskInput(x, roundTrip(server.sharesFor(client.clientId())))));
    }
    UnmaskingRequest request = roundTrip(server.endMaskedInputCollection());
    assertThat(request.dropped()).containsExactly(3);
    for (SecAggClient client : clients.subList(0, 3)) {
      server.receive(roundTrip(client.unmask(request)));
    }
    SecAggSum sum = roundTrip(server.aggregate());
    assertThat(sum.sum()).containsExactly(3, 6, 9, 12, 15, 18, 21, 24);
    assertThat(sum.survivors()).containsExactlyElementsOf(new TreeSet<>(Set.of(0, 1, 2)));
    assertThat(roundTrip(SecAggResult.aggregated(sum)).sumOrThrow().quantizedSum())
        .containsExactly(sum.quantizedSum());
  }
}
