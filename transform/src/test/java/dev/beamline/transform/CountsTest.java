package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Bounded counts with small capacities: exact up to the capacity in every merge order, then estimates
 * within the stated error of true counts kept here in a plain map.
 */
class CountsTest {
  /** Every key of {@code stream} counted in a HashMap: the truth the estimates are held to. */
  private static Map<String, Long> truth(List<String> stream) {
    Map<String, Long> t = new HashMap<>();
    stream.forEach(k -> t.merge(k, 1L, Long::sum));
    return t;
  }

  private static Counts<String> count(List<String> stream, int capacity) {
    Counts<String> c = new Counts<>(Counts.STRINGS, capacity);
    stream.forEach(c::add);
    return c;
  }

  private static Counts<String> roundTrip(Counts<String> c, int capacity) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    c.encode(new DataOutputStream(bytes));
    return Counts.decode(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())), Counts.STRINGS, capacity);
  }

  @Test
  void exactUpToTheCapacityWhateverTheMergeOrder() throws IOException {
    // 8 distinct keys, capacity 8: exact in one piece and in pieces merged either way.
    List<String> stream = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      stream.add("k" + (i * i % 8));
    }
    Map<String, Long> truth = truth(stream);
    Counts<String> whole = count(stream, 8);
    Counts<String> a = count(stream.subList(0, 13), 8);
    Counts<String> b = count(stream.subList(13, 40), 8);
    Counts<String> ab = count(List.of(), 8);
    ab.merge(a);
    ab.merge(b);
    Counts<String> ba = count(List.of(), 8);
    ba.merge(b);
    ba.merge(a);
    for (Counts<String> c : List.of(whole, ab, ba, roundTrip(ab, 8))) {
      assertThat(c.exact()).isTrue();
      assertThat(c.maximumError()).isZero();
      assertThat(c.distinct()).isEqualTo(truth.size());
      assertThat(c.total()).isEqualTo(40);
      truth.forEach((k, n) -> assertThat(c.get(k)).as(k).isEqualTo(n));
      assertThat(c.top(1, null)).isEqualTo(whole.top(1, null));
    }
  }

  @Test
  void pastTheCapacityCountsAreEstimatesWithinTheStatedErrorAndHeavyKeysSurvive() throws IOException {
    // Capacity 64: a sketch of 128 slots, error at most 3.5 N / 128. 3,000 keys seen once and 5 keys
    // seen 400 times each, shuffled: N = 5,000, so the error is at most 136 and the heavy keys,
    // 400 each, must be the top 5 whatever the purges dropped.
    List<String> stream = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      stream.add("once-" + i);
    }
    for (int h = 0; h < 5; h++) {
      for (int j = 0; j < 400; j++) {
        stream.add("heavy-" + h);
      }
    }
    Collections.shuffle(stream, new Random(5));
    Map<String, Long> truth = truth(stream);
    Counts<String> whole = count(stream, 64);
    Counts<String> merged = count(stream.subList(0, 2000), 64);
    merged.merge(count(stream.subList(2000, 5000), 64));
    for (Counts<String> c : List.of(whole, merged, roundTrip(merged, 64))) {
      assertThat(c.exact()).isFalse();
      assertThat(c.total()).isEqualTo(5000);
      long error = c.maximumError();
      assertThat((double) error).isLessThanOrEqualTo(3.5 * 5000 / 128);
      for (Map.Entry<String, Long> e : truth.entrySet()) {
        // Never below the truth, never more than the error above it.
        long estimate = c.get(e.getKey());
        if (estimate > 0) {
          assertThat(estimate).as(e.getKey()).isBetween(e.getValue(), e.getValue() + error);
        } else {
          assertThat(e.getValue()).as(e.getKey() + ", dropped").isLessThanOrEqualTo(error);
        }
      }
      assertThat(c.top(1, 5)).extracting(Counts.Entry::key)
          .containsExactlyInAnyOrder("heavy-0", "heavy-1", "heavy-2", "heavy-3", "heavy-4");
      // HLL with 4,096 registers: relative standard error 1.6%; 5% is over three of them.
      assertThat((double) c.distinct()).isCloseTo(3005, org.assertj.core.data.Percentage.withPercentage(5));
    }
  }
}
