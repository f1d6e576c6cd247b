package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Quantile boundaries: exact on small inputs, within the stated rank error on large ones. */
class QuantilesTest {
  @Test
  void exactUpToTheSketchSizeInAnyMergeOrder() {
    Random random = new Random(3);
    double[] values = new double[Quantiles.K];
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.rint(random.nextGaussian() * 1000) / 10;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    for (int buckets : new int[] {2, 3, 7, 10, 64, 500}) {
      // Three parts merged: the boundaries are those of the whole.
      Quantiles a = new Quantiles();
      Quantiles b = new Quantiles();
      Quantiles c = new Quantiles();
      for (int i = 0; i < values.length; i++) {
        (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add(values[i]);
      }
      c.merge(a);
      c.merge(b);
      assertThat(c.boundaries(buckets)).as("%d buckets", buckets).containsExactly(expected(sorted, buckets));
    }
  }

  /** Boundary i: the value at rank ceil(N * i / n), deduplicated. */
  private static double[] expected(double[] sorted, int buckets) {
    double[] out = new double[buckets - 1];
    int size = 0;
    for (int i = 1; i < buckets; i++) {
      double b = sorted[(int) ((sorted.length * (long) i + buckets - 1) / buckets) - 1];
      if (size == 0 || b > out[size - 1]) {
        out[size++] = b;
      }
    }
    return Arrays.copyOf(out, size);
  }

  @Test
  void largeInputsStayWithinTheRankError() {
    Quantiles q = new Quantiles();
    int n = 100_000;
    for (int i = 0; i < n; i++) {
      q.add(i);
    }
    double[] b = q.boundaries(10);
    assertThat(b).hasSize(9);
    for (int i = 1; i < 10; i++) {
      // Values are their own ranks: the boundary's rank is within 1.33% (99% confidence; 2% asserted).
      assertThat(Math.abs(b[i - 1] - n * i / 10.0) / n).isLessThan(0.02);
    }
  }

  @Test
  void noValuesNoBoundariesAndTheCoderRoundTrips() throws Exception {
    assertThat(new Quantiles().boundaries(4)).isEmpty();
    Quantiles q = new Quantiles();
    for (int i = 1; i <= 10; i++) {
      q.add(i);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    q.encode(new DataOutputStream(bytes));
    Quantiles back = Quantiles.decode(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(back.boundaries(4)).containsExactly(3.0, 5.0, 8.0);
    assertThat(back.count()).isEqualTo(10);
  }

  @Test
  void theEncodingOfAnExactSketchDoesNotDependOnTheOrderOfValues() throws Exception {
    Quantiles up = new Quantiles();
    Quantiles down = new Quantiles();
    for (int i = 0; i < 100; i++) {
      up.add(i);
      down.add(99 - i);
    }
    assertThat(bytes(up)).isEqualTo(bytes(down));
    Quantiles back = Quantiles.decode(new DataInputStream(new ByteArrayInputStream(bytes(up))));
    assertThat(bytes(back)).isEqualTo(bytes(up));
  }

  private static byte[] bytes(Quantiles q) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    q.encode(new DataOutputStream(bytes));
    return bytes.toByteArray();
  }
}
