package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.privacy.RdpAccountant.Conversion;
import dev.beamline.core.privacy.RdpAccountant.Epsilon;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The RDP accountant of the sampled Gaussian mechanism, against TensorFlow Privacy's published MNIST numbers, the
 * closed form without sampling, and its two formulas against each other.
 */
class RdpAccountantTest {
  /** MNIST in TensorFlow Privacy's tutorial: 60,000 examples, batches of 256, 60 epochs. */
  private static final double Q = 256 / 60_000.0;

  private static final long STEPS = (long) Math.ceil(60 * 60_000 / 256.0);
  private static final double DELTA = 1e-5;
  private static final double[] INTEGER_ORDERS = IntStream.rangeClosed(2, 256).asDoubleStream().toArray();

  @Test
  void stepsOfTheReference() {
    assertThat(STEPS).isEqualTo(14_063);
  }

  @Test
  void withoutSamplingIsTheGaussianMechanism() {
    double[] orders = {1.5, 2, 3, 10.9, 32, 256, 1024};
    for (double sigma : new double[] {0.5, 1, 1.12, 4}) {
      for (long steps : new long[] {1, 7, 14_063}) {
        double[] rdp = RdpAccountant.rdp(1, sigma, steps, orders);
        for (int k = 0; k < orders.length; k++) {
          assertThat(rdp[k]).isEqualTo(orders[k] * steps / (2 * sigma * sigma));
        }
      }
    }
  }

  @Test
  void tensorFlowPrivacyMnistReference() {
    // TensorFlow Privacy's README: noise 1.1 -> eps 3.01, noise 1.12 -> 2.92 (classic conversion, integer orders).
    assertEpsilon(1.12, Conversion.CLASSIC, 2.92);
    assertEpsilon(1.12, Conversion.TIGHT, 2.52);
    assertEpsilon(1.1, Conversion.CLASSIC, 3.01);
    assertEpsilon(1.1, Conversion.TIGHT, 2.60);
  }

  private static void assertEpsilon(double sigma, Conversion conversion, double expected) {
    Epsilon integer = RdpAccountant.epsilon(Q, sigma, STEPS, DELTA, conversion, INTEGER_ORDERS);
    assertThat(integer.epsilon()).as("sigma %s %s", sigma, conversion).isCloseTo(expected, within(0.005));
    assertThat(integer.delta()).isEqualTo(DELTA);
    assertThat(integer.conversion()).isEqualTo(conversion);
    assertThat(integer.order()).isBetween(2.0, 256.0);
    Epsilon all = RdpAccountant.epsilon(Q, sigma, STEPS, DELTA, conversion);
    assertThat(all.epsilon()).isLessThanOrEqualTo(integer.epsilon()).isGreaterThan(integer.epsilon() - 0.05);
  }

  @Test
  void tightIsNeverLooserThanClassic() {
    for (double sigma : new double[] {0.6, 1, 2, 8}) {
      double classic = RdpAccountant.epsilon(Q, sigma, STEPS, DELTA, Conversion.CLASSIC).epsilon();
      double tight = RdpAccountant.epsilon(Q, sigma, STEPS, DELTA, Conversion.TIGHT).epsilon();
      assertThat(tight).isLessThanOrEqualTo(classic);
    }
  }

  @Test
  void seriesAgreesWithBinomialSumAtIntegerOrders() {
    for (double q : new double[] {0.001, Q, 0.01, 0.1, 0.5, 0.9}) {
      for (double sigma : new double[] {0.7, 1, 1.12, 2, 5, 10}) {
        for (int alpha : new int[] {2, 3, 5, 8, 16, 32, 64}) {
          double sum = RdpAccountant.logAInteger(q, sigma, alpha);
          double series = RdpAccountant.logAFractional(q, sigma, alpha);
          // log A is tiny for small q and large sigma: there the two agree to ~1e-16 absolute, not relative.
          assertThat(series).as("q %s sigma %s alpha %s", q, sigma, alpha)
              .isCloseTo(sum, within(1e-9 * Math.abs(sum) + 1e-14));
        }
      }
    }
  }

  @Test
  void fractionalOrdersLieBetweenTheirIntegerNeighbours() {
    // RDP is non-decreasing in the order (Mironov 2017, Prop. 9).
    double[] orders = {2, 2.5, 3, 3.7, 4, 10, 10.9, 11};
    for (double q : new double[] {0.001, 0.01, 0.3, 0.99}) {
      for (double sigma : new double[] {0.8, 1.5, 10}) {
        double[] rdp = RdpAccountant.rdp(q, sigma, 1, orders);
        for (int k = 1; k < orders.length; k++) {
          assertThat(rdp[k]).as("q %s sigma %s order %s", q, sigma, orders[k])
              .isGreaterThanOrEqualTo(rdp[k - 1] * (1 - 1e-9));
        }
      }
    }
  }

  @Test
  void logErfcIsContinuousWhereTheAsymptoticSeriesTakesOver() {
    double below = RdpAccountant.logErfc(25 - 1e-9);
    double above = RdpAccountant.logErfc(25 + 1e-9);
    assertThat(above).isCloseTo(below, within(1e-9 * Math.abs(below)));
    // Reference values of log(erfc(x)): log(2) + scipy.special.log_ndtr(-x sqrt(2)), and mpmath for x = 30.
    assertThat(RdpAccountant.logErfc(5)).isCloseTo(-27.200889545537436, within(1e-11));
    assertThat(RdpAccountant.logErfc(20)).isCloseTo(-403.56934333410425, within(1e-9));
    assertThat(RdpAccountant.logErfc(30)).isCloseTo(-903.974117110644, within(1e-9));
    assertThat(RdpAccountant.logErfc(1e3)).isFinite();
  }

  @Test
  void epsilonIsMonotone() {
    double[] qs = {0.001, 0.004, 0.01, 0.05};
    double[] sigmas = {0.8, 1, 1.5, 3};
    long[] stepss = {1, 100, 10_000};
    double[] deltas = {1e-3, 1e-5, 1e-8};
    for (Conversion c : Conversion.values()) {
      for (double sigma : sigmas) {
        for (long steps : stepss) {
          double prev = -1;
          for (double q : qs) {
            double e = RdpAccountant.epsilon(q, sigma, steps, DELTA, c).epsilon();
            assertThat(e).as("%s q %s sigma %s steps %s", c, q, sigma, steps).isGreaterThanOrEqualTo(prev);
            prev = e;
          }
        }
      }
      for (double q : qs) {
        for (double sigma : sigmas) {
          double prev = -1;
          for (long steps : stepss) {
            double e = RdpAccountant.epsilon(q, sigma, steps, DELTA, c).epsilon();
            assertThat(e).as("%s q %s sigma %s steps %s", c, q, sigma, steps).isGreaterThanOrEqualTo(prev);
            prev = e;
          }
          prev = -1;
          for (double delta : deltas) {
            double e = RdpAccountant.epsilon(q, sigma, 1000, delta, c).epsilon();
            assertThat(e).as("%s q %s sigma %s delta %s", c, q, sigma, delta).isGreaterThan(prev);
            prev = e;
          }
        }
        for (long steps : stepss) {
          double prev = Double.POSITIVE_INFINITY;
          for (double sigma : sigmas) {
            double e = RdpAccountant.epsilon(q, sigma, steps, DELTA, c).epsilon();
            assertThat(e).as("%s q %s sigma %s steps %s", c, q, sigma, steps).isLessThanOrEqualTo(prev);
            prev = e;
          }
        }
      }
    }
  }

  @Test
  void noiseMultiplierInvertsEpsilon() {
    assertThat(RdpAccountant.noiseMultiplier(Q, STEPS, 2.92, DELTA, Conversion.CLASSIC)).isCloseTo(1.12, within(0.01));
    for (Conversion c : Conversion.values()) {
      for (double target : new double[] {0.5, 1, 2.92, 8}) {
        double sigma = RdpAccountant.noiseMultiplier(Q, STEPS, target, DELTA, c);
        assertThat(RdpAccountant.epsilon(Q, sigma, STEPS, DELTA, c).epsilon()).isLessThanOrEqualTo(target);
        assertThat(RdpAccountant.epsilon(Q, sigma * (1 - 1e-3), STEPS, DELTA, c).epsilon()).isGreaterThan(target);
      }
    }
    assertThat(RdpAccountant.noiseMultiplier(0, STEPS, 1, DELTA, Conversion.CLASSIC)).isZero();
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(Q, STEPS, 1e-4, DELTA, Conversion.CLASSIC))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetEpsilon");
    assertThatThrownBy(() -> RdpAccountant.noiseMultiplier(Q, STEPS, 0, DELTA, Conversion.TIGHT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targetEpsilon");
  }

  @Test
  void noSamplingSpendsNothingButTheConversion() {
    assertThat(RdpAccountant.rdp(0, 1, STEPS, INTEGER_ORDERS)).containsOnly(0.0);
    assertThat(RdpAccountant.rdp(Q, 0.3, 0, INTEGER_ORDERS)).containsOnly(0.0);
    Epsilon classic = RdpAccountant.epsilon(0, 1, STEPS, DELTA, Conversion.CLASSIC);
    assertThat(classic.order()).isEqualTo(1024);
    assertThat(classic.epsilon()).isCloseTo(Math.log(1 / DELTA) / 1023, within(1e-12));
    assertThat(RdpAccountant.epsilon(0, 1, STEPS, DELTA, Conversion.TIGHT).epsilon()).isZero();
  }

  @Test
  void noNoiseIsInfinite() {
    assertThat(RdpAccountant.rdp(Q, 0, 1, new double[] {1.5, 2})).containsOnly(Double.POSITIVE_INFINITY);
    for (Conversion c : Conversion.values()) {
      Epsilon e = RdpAccountant.epsilon(Q, 0, STEPS, DELTA, c);
      assertThat(e.epsilon()).isInfinite();
      assertThat(e.order()).isEqualTo(RdpAccountant.DEFAULT_ORDERS[0]);
    }
  }

  @Test
  void smallRateLargeNoiseStaysFinite() {
    double[] rdp = RdpAccountant.rdp(0.01, 10, 1, RdpAccountant.DEFAULT_ORDERS);
    for (double r : rdp) {
      assertThat(r).isFinite().isGreaterThanOrEqualTo(0);
    }
    // Small q, large sigma: RDP ~ q^2 alpha / sigma^2 (Mironov, Talwar and Zhang 2019, Section 3.3).
    assertThat(rdp[9]).isCloseTo(1e-6, within(1e-7)); // order 2: log(1 + q^2 (e^{1/sigma^2} - 1)) ~ 1.005e-6
    for (double q : new double[] {1e-6, 0.01, 0.5, 0.999}) {
      for (double sigma : new double[] {0.05, 0.3, 30, 1000}) {
        for (Conversion c : Conversion.values()) {
          double e = RdpAccountant.epsilon(q, sigma, 1000, DELTA, c).epsilon();
          assertThat(e).as("%s q %s sigma %s", c, q, sigma).isNotNaN().isGreaterThanOrEqualTo(0);
        }
      }
    }
  }

  @Test
  void defaultOrders() {
    double[] o = RdpAccountant.DEFAULT_ORDERS;
    assertThat(o).hasSize(99 + 246 + 2);
    assertThat(o[0]).isCloseTo(1.1, within(1e-12));
    assertThat(o[98]).isCloseTo(10.9, within(1e-12));
    assertThat(o[99]).isEqualTo(11);
    assertThat(o[o.length - 3]).isEqualTo(256);
    assertThat(o[o.length - 1]).isEqualTo(1024);
  }

  @Test
  void rejectsBadArguments() {
    double[] orders = {2};
    assertThatThrownBy(() -> RdpAccountant.rdp(1.5, 1, 1, orders))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("samplingRate")
        .hasMessageContaining("1.5");
    assertThatThrownBy(() -> RdpAccountant.rdp(-0.1, 1, 1, orders)).hasMessageContaining("samplingRate");
    assertThatThrownBy(() -> RdpAccountant.rdp(Double.NaN, 1, 1, orders)).hasMessageContaining("samplingRate");
    assertThatThrownBy(() -> RdpAccountant.rdp(0.1, -1, 1, orders))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseMultiplier");
    assertThatThrownBy(() -> RdpAccountant.rdp(0.1, 1, -1, orders))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("steps");
    assertThatThrownBy(() -> RdpAccountant.rdp(0.1, 1, 1, new double[] {2, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orders[1] = 1.0");
    assertThatThrownBy(() -> RdpAccountant.rdp(0.1, 1, 1, new double[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("orders");
    for (double delta : new double[] {0, 1, -1e-5, Double.NaN}) {
      assertThatThrownBy(() -> RdpAccountant.epsilon(0.1, 1, 1, delta, Conversion.TIGHT))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("delta");
    }
    assertThatThrownBy(() -> RdpAccountant.epsilon(0.1, 1, 1, DELTA, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("conversion");
  }
}
