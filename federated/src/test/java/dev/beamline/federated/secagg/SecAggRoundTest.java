package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SecAggRoundTest {
  private static final int D = 300;

  /** Float updates with a fixed seed, a few of them beyond the clip range. */
  private static List<double[]> updates(int n, int d, long seed) {
    Random random = new Random(seed);
    List<double[]> out = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      double[] x = new double[d];
      for (int i = 0; i < d; i++) {
        x[i] = (float) (random.nextGaussian() * 3);
      }
      out.add(x);
    }
    return out;
  }

  /** Σ round(clip(x)·2^f) over the given clients, computed here without FixedPoint. */
  private static long[] quantizedSum(List<double[]> updates, Set<Integer> clients, SecAggConfig config) {
    long[] sum = new long[config.vectorLength()];
    double scale = Math.pow(2, config.fractionalBits());
    for (int c : clients) {
      for (int i = 0; i < sum.length; i++) {
        double clipped = Math.max(-config.clipRange(), Math.min(config.clipRange(), updates.get(c)[i]));
        sum[i] += Math.round(clipped * scale);
      }
    }
    return sum;
  }

  private static double[] realSum(List<double[]> updates, Set<Integer> clients, int d) {
    double[] sum = new double[d];
    for (int c : clients) {
      for (int i = 0; i < d; i++) {
        sum[i] += updates.get(c)[i];
      }
    }
    return sum;
  }

  private static SortedSet<Integer> range(int n) {
    SortedSet<Integer> all = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    return all;
  }

  @Test
  void sumIsExactWithoutDropouts() {
    for (int n = 5; n <= 10; n++) {
      SecAggConfig config = SecAggConfig.of(n, n / 2 + 1, D).withFractionalBits(20).withClipRange(16.0);
      List<double[]> updates = updates(n, D, 100 + n);
      SecAggSum result = SecAggRound.seededForTesting(config, n).run(updates, Dropouts.none()).sumOrThrow();

      assertThat(result.survivors()).isEqualTo(range(n));
      assertThat(result.dropped()).isEmpty();
      assertThat(result.quantizedSum()).containsExactly(quantizedSum(updates, range(n), config));
      double[] real = realSum(updates, range(n), D);
      for (int i = 0; i < D; i++) {
        assertThat(Math.abs(result.sum()[i] - real[i])).isLessThanOrEqualTo(n * Math.scalb(1.0, -20));
      }
    }
  }

  @Test
  void sumIsExactInTheSmallestRing() {
    // k = 32: residues and masks wrap constantly, the sum must not.
    SecAggConfig config = SecAggConfig.of(6, 4, D).withModulusBits(32).withFractionalBits(12).withClipRange(100.0);
    List<double[]> updates = updates(6, D, 3);
    SecAggSum result = SecAggRound.seededForTesting(config, 3).run(updates, Dropouts.afterShareKeys(Set.of(2)))
        .sumOrThrow();
    Set<Integer> survivors = Set.of(0, 1, 3, 4, 5);
    assertThat(result.quantizedSum()).containsExactly(quantizedSum(updates, survivors, config));
  }

  @Test
  void survivorsSumIsExactWithUpToNMinusTDropouts() {
    int n = 9;
    int t = 5;
    SecAggConfig config = SecAggConfig.of(n, t, D);
    List<double[]> updates = updates(n, D, 9);
    for (int drops = 1; drops <= n - t; drops++) {
      Set<Integer> dropped = new HashSet<>();
      for (int i = 0; i < drops; i++) {
        dropped.add((i * 4 + 1) % n);   // 1, 5, 0, 4: low and high ids, so both mask signs are removed
      }
      SortedSet<Integer> survivors = range(n);
      survivors.removeAll(dropped);
      SecAggResult result =
          SecAggRound.seededForTesting(config, drops).run(updates, Dropouts.afterShareKeys(dropped));

      assertThat(result.aggregated()).as("%s dropouts", drops).isTrue();
      assertThat(result.sumOrThrow().survivors()).isEqualTo(survivors);
      assertThat(result.sumOrThrow().dropped()).isEqualTo(new TreeSet<>(dropped));
      assertThat(result.sumOrThrow().quantizedSum()).containsExactly(quantizedSum(updates, survivors, config));
    }
  }

  @Test
  void moreThanNMinusTDropoutsAbortWithoutASum() {
    int n = 8;
    int t = 5;
    SecAggConfig config = SecAggConfig.of(n, t, D);
    SecAggResult result = SecAggRound.seededForTesting(config, 1)
        .run(updates(n, D, 1), Dropouts.afterShareKeys(Set.of(0, 2, 4, 6)));

    assertThat(result.aggregated()).isFalse();
    assertThat(result.sum()).isEmpty();
    assertThat(result.abortReason()).hasValue(
        "only 4 clients sent masked inputs; threshold t = 5 are needed, so the round is aborted and no sum is output");
    assertThatThrownBy(result::sumOrThrow).isInstanceOf(SecAggException.class).hasMessageContaining("aborted");
  }

  @Test
  void dropoutsInEveryRound() {
    int n = 10;
    int t = 5;
    SecAggConfig config = SecAggConfig.of(n, t, D);
    List<double[]> updates = updates(n, D, 10);
    // 0 never shares keys (no masks with it at all); 3 and 9 share keys but send no input (their masks are removed
    // with their reconstructed keys); 7 sends its input but never answers the unmasking request (it stays in the sum).
    Dropouts dropouts = new Dropouts(new TreeSet<>(Set.of(0)), new TreeSet<>(Set.of(3, 9)), new TreeSet<>(Set.of(7)));
    SecAggSum sum = SecAggRound.seededForTesting(config, 5).run(updates, dropouts).sumOrThrow();

    Set<Integer> inSum = Set.of(1, 2, 4, 5, 6, 7, 8);
    assertThat(sum.survivors()).containsExactlyElementsOf(new TreeSet<>(inSum));
    assertThat(sum.dropped()).containsExactly(3, 9);
    assertThat(sum.quantizedSum()).containsExactly(quantizedSum(updates, inSum, config));
  }

  @Test
  void tooFewAnswersToTheUnmaskingRequestAbort() {
    SecAggConfig config = SecAggConfig.of(6, 4, D);
    Dropouts dropouts = new Dropouts(new TreeSet<>(), new TreeSet<>(Set.of(0)), new TreeSet<>(Set.of(1, 2)));
    SecAggResult result = SecAggRound.seededForTesting(config, 2).run(updates(6, D, 2), dropouts);

    assertThat(result.abortReason()).hasValue("only 3 clients answered the unmasking request; threshold t = 4 are "
        + "needed, so the round is aborted and no sum is output");
  }

  @Test
  void freshRandomnessGivesTheSameSum() {
    SecAggConfig config = SecAggConfig.of(5, 3, D);
    List<double[]> updates = updates(5, D, 11);
    SecAggSum sum = SecAggRound.create(config).run(updates, Dropouts.afterShareKeys(Set.of(4))).sumOrThrow();
    assertThat(sum.quantizedSum()).containsExactly(quantizedSum(updates, Set.of(0, 1, 2, 3), config));
  }
}
