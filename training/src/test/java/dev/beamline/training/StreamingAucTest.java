package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bounded-memory AUC against the AUC computed here independently: by counting every pair ({@link
 * PairCount}) for small sets, by the Mann–Whitney rank sum for large ones. Exact while small; binned
 * within the bound it reports; the same whatever the order of adds and merges.
 */
class StreamingAucTest {
  /** Rows of softmax probabilities whose label is drawn to agree with them more often than not. */
  record Rows(float[] probabilities, long[] labels, int n, int classes) {
    Rows slice(int from, int to) {
      return new Rows(Arrays.copyOfRange(probabilities, from * classes, to * classes), Arrays.copyOfRange(labels, from, to), to - from, classes);
    }
  }

  static Rows rows(int n, int classes, long seed, boolean coarse) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] p = new float[n * classes];
    long[] labels = new long[n];
    for (int i = 0; i < n; i++) {
      int label = r.nextInt(classes);
      labels[i] = label;
      double[] logits = new double[classes];
      double sum = 0;
      for (int k = 0; k < classes; k++) {
        logits[k] = r.nextGaussian() * 2 + (k == label ? 1.5 : 0);
        sum += Math.exp(logits[k]);
      }
      for (int k = 0; k < classes; k++) {
        double v = Math.exp(logits[k]) / sum;
        // Coarse: few distinct values, so that ties are common.
        p[i * classes + k] = coarse ? Math.round(v * 20) / 20f : (float) v;
      }
    }
    return new Rows(p, labels, n, classes);
  }

  static StreamingAuc add(StreamingAuc auc, Rows rows) {
    auc.add(rows.probabilities(), rows.labels(), rows.n());
    return auc;
  }

  /**
   * The Mann–Whitney AUC of each class, averaged: positives' and negatives' scores sorted apart, then
   * for each positive the negatives below it plus half those equal, by walking both lists. O(n log n),
   * written without {@link Auc}.
   */
  static double rankSum(Rows rows) {
    int n = rows.n();
    int c = rows.classes();
    double sum = 0;
    int counted = 0;
    for (int k = c == 2 ? 1 : 0; k < c; k++) {
      float[] pos = new float[n];
      float[] neg = new float[n];
      int p = 0;
      int q = 0;
      for (int i = 0; i < n; i++) {
        float s = rows.probabilities()[i * c + k];
        if (rows.labels()[i] == k) {
          pos[p++] = s;
        } else {
          neg[q++] = s;
        }
      }
      if (p == 0 || q == 0) {
        continue;
      }
      pos = Arrays.copyOf(pos, p);
      neg = Arrays.copyOf(neg, q);
      Arrays.sort(pos);
      Arrays.sort(neg);
      double wins = 0;
      int below = 0;
      int upTo = 0;
      for (float s : pos) {
        while (below < q && neg[below] < s) {
          below++;
        }
        upTo = Math.max(upTo, below);
        while (upTo < q && neg[upTo] == s) {
          upTo++;
        }
        wins += below + (upTo - below) / 2.0;
      }
      sum += wins / ((double) p * q);
      counted++;
    }
    return sum / counted;
  }

  @Test
  void whileSmallItIsExactlyTheCountOverAllPairs() {
    for (int classes : new int[] {2, 3, 5}) {
      Rows rows = rows(700, classes, classes, true);
      StreamingAuc.Estimate e = add(StreamingAuc.create(classes), rows).estimate();
      assertThat(e.exact()).isTrue();
      assertThat(e.errorBound()).isZero();
      assertThat(e.auc()).as("%s classes", classes).isCloseTo(PairCount.oneVsRest(rows.probabilities(), rows.labels(), classes, rows.n()), within(1e-12));
    }
  }

  @Test
  void binnedItIsWithinTheBoundItReportsOfTheCountOverAllPairs() {
    for (int classes : new int[] {2, 3}) {
      for (boolean coarse : new boolean[] {false, true}) {
        Rows rows = rows(2_000, classes, 11 + classes, coarse);
        StreamingAuc auc = add(StreamingAuc.create(classes, 0), rows);
        StreamingAuc.Estimate e = auc.estimate();
        double exact = PairCount.oneVsRest(rows.probabilities(), rows.labels(), classes, rows.n());
        assertThat(e.exact()).isFalse();
        assertThat(Math.abs(e.auc() - exact)).as("%s classes, coarse %s: binned %s, exact %s, bound %s", classes, coarse, e.auc(), exact, e.errorBound())
            .isLessThanOrEqualTo(e.errorBound() + 1e-12);
        if (!coarse) {
          // Continuous scores rarely share a bin of relative width 2^-7.
          assertThat(e.errorBound()).isLessThan(2e-3);
        } else {
          // Scores that tie exactly tie in their bin too: the binned AUC is the exact one.
          assertThat(e.auc()).isCloseTo(exact, within(1e-12));
        }
      }
    }
  }

  @Test
  void theBoundIsReachedWhenEveryScoreFallsInOneBin() {
    // Positives score higher, but all within one bin: the exact AUC is 1, the binned one 1/2, bound 1/2.
    float[] p = new float[200];
    long[] labels = new long[100];
    for (int i = 0; i < 100; i++) {
      float s = 0.3f + i * 1e-6f;
      p[2 * i] = 1 - s;
      p[2 * i + 1] = s;
      labels[i] = i >= 50 ? 1 : 0;
    }
    assertThat(PairCount.oneVsRest(p, labels, 2, 100)).isEqualTo(1.0);
    StreamingAuc auc = StreamingAuc.create(2, 0);
    auc.add(p, labels, 100);
    assertThat(auc.estimate()).isEqualTo(new StreamingAuc.Estimate(0.5, 0.5, false));
  }

  @Test
  void pastTheExactLimitMemoryStaysAtTheHistogramsWithinTheirBoundOfTheRankSum() {
    // 1.5 M rows of 3 classes: 4.5 M probabilities, past the 2^22 kept exactly.
    int n = 1_500_000;
    Rows rows = rows(n, 3, 99, false);
    StreamingAuc auc = StreamingAuc.create(3);
    for (int from = 0; from < n; from += 1024) {
      add(auc, rows.slice(from, Math.min(n, from + 1024)));
    }
    StreamingAuc.Estimate e = auc.estimate();
    assertThat(e.exact()).isFalse();
    assertThat(auc.retainedBytes()).isEqualTo(2L * 3 * 15_108 * Long.BYTES);
    double exact = rankSum(rows);
    assertThat(Math.abs(e.auc() - exact)).as("binned %s, rank sum %s, bound %s", e.auc(), exact, e.errorBound())
        .isLessThanOrEqualTo(e.errorBound() + 1e-9);
    assertThat(e.errorBound()).isLessThan(2e-3);
    // Just under the limit it is exact, and agrees with the rank sum too.
    Rows under = rows.slice(0, StreamingAuc.EXACT_LIMIT / 3);
    StreamingAuc.Estimate small = add(StreamingAuc.create(3), under).estimate();
    assertThat(small.exact()).isTrue();
    assertThat(small.auc()).isCloseTo(rankSum(under), within(1e-9));
  }

  @Test
  void addsAndMergesInAnyOrderGiveTheSameEstimate() {
    Rows rows = rows(900, 3, 5, false);
    List<Rows> parts = List.of(rows.slice(0, 100), rows.slice(100, 550), rows.slice(550, 900));
    // A limit of 1,800 probabilities: 600 rows, so each part alone is exact and some merges are not.
    StreamingAuc.Estimate whole = add(StreamingAuc.create(3, 1_800), rows).estimate();
    assertThat(whole.exact()).isFalse();
    int[][] orders = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {1, 0, 2}};
    for (int[] order : orders) {
      StreamingAuc merged = StreamingAuc.create(3, 1_800);
      for (int i : order) {
        merged.merge(add(StreamingAuc.create(3, 1_800), parts.get(i)));
      }
      assertThat(merged.estimate()).as("order %s", Arrays.toString(order)).isEqualTo(whole);
    }
    // Exact everywhere with room for all rows.
    StreamingAuc a = add(StreamingAuc.create(3), parts.get(2));
    a.merge(add(StreamingAuc.create(3), parts.get(0)));
    a.merge(add(StreamingAuc.create(3), parts.get(1)));
    assertThat(a.estimate().exact()).isTrue();
    assertThat(a.estimate().auc()).isCloseTo(PairCount.oneVsRest(rows.probabilities(), rows.labels(), 3, 900), within(1e-12));
  }

  @Test
  void binsOrderScoresAndResolveBothEnds() {
    StreamingAuc auc = StreamingAuc.create(3);
    assertThat(auc.bins()).isEqualTo(15_108);
    assertThat(auc.bin(0f)).isZero();
    assertThat(auc.bin(-1f)).isZero();
    assertThat(auc.bin(1f)).isEqualTo(auc.bins() - 1);
    int previous = -1;
    for (float s = 0; s <= 1; s = Math.nextUp(s * 1.001f + 1e-30f)) {
      int b = auc.bin(s);
      assertThat(b).as("bin of %s", s).isGreaterThanOrEqualTo(previous).isLessThan(auc.bins());
      previous = b;
    }
    // Relative resolution near both ends: 0.999 and 0.9991 differ by 10% in 1 - s.
    assertThat(auc.bin(0.999f)).isLessThan(auc.bin(0.9991f));
    assertThat(auc.bin(1e-6f)).isLessThan(auc.bin(1.1e-6f));
    assertThat(StreamingAuc.mantissaBits(StreamingAuc.CLASSES_AT_FULL_RESOLUTION)).isEqualTo(7);
    assertThat(StreamingAuc.mantissaBits(StreamingAuc.CLASSES_AT_FULL_RESOLUTION + 1)).isEqualTo(6);
  }
}
