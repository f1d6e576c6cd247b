package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ExactSum} against BigDecimal arithmetic, the independent reference. */
class ExactSumTest {
  /** Doubles over many magnitudes and both signs, subnormals included. */
  private static double[] values(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      double m = r.nextDouble(-1, 1);
      int e = r.nextInt(-1074, 1000);
      x[i] = i % 50 == 0 ? Double.MIN_VALUE * r.nextInt(1, 1000) : Math.scalb(m, e / 8);
    }
    return x;
  }

  @Test
  void sumsExactlyInAnyOrderAndMergesExactly() {
    double[] x = values(7, 20_000);
    BigDecimal reference = BigDecimal.ZERO;
    ExactSum forward = new ExactSum();
    ExactSum backward = new ExactSum();
    ExactSum left = new ExactSum();
    ExactSum right = new ExactSum();
    for (int i = 0; i < x.length; i++) {
      reference = reference.add(new BigDecimal(x[i]));
      forward.add(x[i]);
      backward.add(x[x.length - 1 - i]);
      (i % 3 == 0 ? left : right).add(x[i]);
    }
    left.add(right);
    assertThat(forward.exact()).isEqualByComparingTo(reference);
    assertThat(backward.exact()).isEqualByComparingTo(reference);
    assertThat(left.exact()).isEqualByComparingTo(reference);
    assertThat(forward.value()).isEqualTo(reference.doubleValue());
    assertThat(left.value()).isEqualTo(reference.doubleValue());
    // Rounded once, ties to even: 1 + 2^-53 is a tie between 1 and its successor, and goes to 1.
    ExactSum tie = new ExactSum();
    tie.add(1.0);
    tie.add(Math.scalb(1.0, -53));
    assertThat(tie.value()).isEqualTo(1.0);
    tie.add(Math.scalb(1.0, -80));
    assertThat(tie.value()).isEqualTo(Math.nextUp(1.0));
    ExactSum negative = new ExactSum();
    negative.add(-1.0);
    negative.add(-Math.scalb(1.0, -60));
    assertThat(negative.value()).isEqualTo(-1.0);
    assertThat(negative.exact()).isEqualByComparingTo(new BigDecimal(-1.0).subtract(new BigDecimal(Math.scalb(1.0, -60))));
    assertThat(backward.value()).isEqualTo(forward.value());
  }

  @Test
  void cancellationLeavesTheSmallPart() {
    ExactSum s = new ExactSum();
    s.add(1e100);
    s.add(1.0);
    s.add(-1e100);
    assertThat(s.value()).isEqualTo(1.0);
    s.add(-1.0);
    assertThat(s.value()).isEqualTo(0.0);
    assertThat(s.exact()).isEqualByComparingTo(BigDecimal.ZERO);
  }

  @Test
  void productsAreExact() {
    SplittableRandom r = new SplittableRandom(3);
    ExactSum s = new ExactSum();
    ExactSum three = new ExactSum();
    BigDecimal reference = BigDecimal.ZERO;
    BigDecimal reference3 = BigDecimal.ZERO;
    for (int i = 0; i < 5_000; i++) {
      double a = r.nextDouble(-1e6, 1e6);
      double b = r.nextDouble(-1, 1);
      s.addProduct(a, b);
      three.addProduct(a, b, b);
      reference = reference.add(new BigDecimal(a).multiply(new BigDecimal(b)));
      reference3 = reference3.add(new BigDecimal(a).multiply(new BigDecimal(b)).multiply(new BigDecimal(b)));
    }
    assertThat(s.exact()).isEqualByComparingTo(reference);
    assertThat(three.exact()).isEqualByComparingTo(reference3);
    ExactSum w = new ExactSum();
    w.add(0.1);
    w.add(0.2);
    ExactSum product = new ExactSum();
    product.addProduct(w, 0.3);
    assertThat(product.exact()).isEqualByComparingTo(new BigDecimal(0.1).add(new BigDecimal(0.2)).multiply(new BigDecimal(0.3)));
  }

  @Test
  void writesAndReadsBackTheSameSum() throws IOException {
    ExactSum s = new ExactSum();
    for (double v : values(11, 1_000)) {
      s.add(v);
    }
    ExactSum integers = new ExactSum();
    integers.add(3);
    integers.add(4);
    for (ExactSum original : new ExactSum[] {s, integers, new ExactSum()}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      original.write(new DataOutputStream(bytes));
      ExactSum copy = ExactSum.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      assertThat(copy.exact()).isEqualByComparingTo(original.exact());
    }
    ByteArrayOutputStream small = new ByteArrayOutputStream();
    integers.write(new DataOutputStream(small));
    assertThat(small.size()).isEqualTo(9); // a double and a flag: no limbs for integer sums
  }
}
