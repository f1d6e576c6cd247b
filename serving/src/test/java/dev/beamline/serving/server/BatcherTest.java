package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatcherTest {
  /** Doubles x; waits on {@code gate} first so that requests queue up; records each call's rows. */
  private static Batcher doubler(BatchingOptions o, List<Integer> calls, CountDownLatch gate) {
    return new Batcher("test", o, inputs -> {
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      double[] x = (double[]) inputs.get("x").values();
      for (double v : x) {
        if (v < 0) {
          throw new IllegalArgumentException("negative input " + v);
        }
      }
      calls.add(x.length);
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        y[i] = 2 * x[i];
      }
      return Map.of("y", TensorData.doubles(y, x.length), "scalar", TensorData.longs(new long[] {7}));
    }, size -> { });
  }

  private static Map<String, TensorData> rows(double... x) {
    return Map.of("x", TensorData.doubles(x, x.length));
  }

  @Test
  void concurrentRequestsShareCallsAndGetTheirOwnRows() throws Exception {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    CountDownLatch gate = new CountDownLatch(1);
    try (Batcher b = doubler(new BatchingOptions(8, Duration.ZERO, 1, 1000), calls, gate)) {
      List<CompletableFuture<Map<String, TensorData>>> answers = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        answers.add(b.submit(rows(i, 100 + i), 2));
      }
      gate.countDown();
      for (int i = 0; i < 20; i++) {
        Map<String, TensorData> out = answers.get(i).get(10, TimeUnit.SECONDS);
        assertThat((double[]) out.get("y").values()).containsExactly(2.0 * i, 2.0 * (100 + i));
        assertThat((long[]) out.get("scalar").values()).containsExactly(7);
      }
      // While the first call waited, the rest queued: then full batches of 4 requests (8 rows).
      assertThat(calls).contains(8);
      assertThat(calls.stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
      assertThat(calls).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(8));
    }
  }

  @Test
  void aBatchWaitsForMoreUpToTheTimeout() throws Exception {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    CountDownLatch open = new CountDownLatch(0);
    try (Batcher b = doubler(new BatchingOptions(4, Duration.ofMillis(300), 1, 1000), calls, open)) {
      CompletableFuture<Map<String, TensorData>> first = b.submit(rows(1), 1);
      Thread.sleep(50);
      CompletableFuture<Map<String, TensorData>> second = b.submit(rows(2), 1);
      assertThat((double[]) second.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(4.0);
      assertThat((double[]) first.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(2.0);
      assertThat(calls).containsExactly(2);
    }
  }

  @Test
  void aLargeRequestRunsAloneAndABadOneFailsOnlyItself() throws Exception {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    CountDownLatch gate = new CountDownLatch(1);
    try (Batcher b = doubler(new BatchingOptions(4, Duration.ZERO, 1, 1000), calls, gate)) {
      CompletableFuture<Map<String, TensorData>> blocker = b.submit(rows(0), 1);
      CompletableFuture<Map<String, TensorData>> large = b.submit(rows(1, 2, 3, 4, 5, 6), 6);
      CompletableFuture<Map<String, TensorData>> good = b.submit(rows(1), 1);
      CompletableFuture<Map<String, TensorData>> bad = b.submit(rows(-1), 1);
      gate.countDown();
      blocker.get(5, TimeUnit.SECONDS);
      assertThat((double[]) large.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(2, 4, 6, 8, 10, 12);
      assertThat((double[]) good.get(5, TimeUnit.SECONDS).get("y").values()).containsExactly(2.0);
      assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ServingException.class).hasMessageContaining("negative input -1.0");
      assertThat(calls).containsExactly(1, 6, 1); // good and bad together failed; good alone ran, bad alone failed
    }
  }

  @Test
  void aFullQueueRefusesWithUnavailable() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (Batcher b = doubler(new BatchingOptions(2, Duration.ZERO, 1, 4), new CopyOnWriteArrayList<>(), gate)) {
      List<CompletableFuture<Map<String, TensorData>>> ok = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ok.add(b.submit(rows(i), 1));
      }
      Thread.sleep(100); // the worker took a batch and waits on the gate
      for (int free = 4 - b.queuedRows(); free > 0; free--) {
        ok.add(b.submit(rows(9), 1));
      }
      assertThat(b.queuedRows()).isEqualTo(4);
      CompletableFuture<Map<String, TensorData>> refused = b.submit(rows(11), 1);
      assertThatThrownBy(() -> refused.get(1, TimeUnit.SECONDS)).cause().isInstanceOf(ServingException.class)
          .hasMessageContaining("the batch queue of test is full (4 rows)");
      gate.countDown();
      for (CompletableFuture<Map<String, TensorData>> f : ok) {
        f.get(5, TimeUnit.SECONDS);
      }
      assertThat(b.queuedRows()).isZero();
    }
  }
}
