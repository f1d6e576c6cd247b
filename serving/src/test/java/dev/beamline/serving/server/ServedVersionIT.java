package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.serving.server.Inference.State;
import dev.beamline.training.TrainedModelFixture;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A retired version takes no new request but answers those in flight, and unloads after the last one. */
class ServedVersionIT {
  @Test
  void unloadsOnlyAfterItsRequestsInFlightAreAnswered() throws Exception {
    TrainedModelFixture fixture = ServerFixture.model();
    ServedVersion v = ServedVersion.load("penguins", 1, fixture.modelDir().toString(), BatchingOptions.defaults(), new ServerMetrics());
    v.makeAvailable();
    assertThat(v.acquire()).isTrue();
    CompletableFuture<Void> closed = v.retire();
    assertThat(v.state()).isEqualTo(State.UNLOADING);
    assertThat(v.acquire()).as("a retired version takes no new request").isFalse();
    // The request in flight still runs on the model.
    SignatureSpec spec = v.signature(null);
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    spec.inputs().forEach((name, in) -> inputs.put(name, switch (in.type()) {
      case DOUBLE -> TensorData.doubles(new double[] {Double.NaN}, 1);
      case INT64 -> TensorData.longs(new long[] {Long.MIN_VALUE}, 1);
      default -> TensorData.strings(new String[] {""}, 1);
    }));
    Map<String, TensorData> out = v.run(spec, spec.conform(inputs, v.toString()), 1).get(30, TimeUnit.SECONDS);
    assertThat(out.get("probabilities").shape()).containsExactly(1, 3);
    Thread.sleep(200);
    assertThat(closed).as("not unloaded while a request is in flight").isNotDone();
    v.release();
    closed.get(30, TimeUnit.SECONDS);
    assertThat(v.state()).isEqualTo(State.END);
  }
}
