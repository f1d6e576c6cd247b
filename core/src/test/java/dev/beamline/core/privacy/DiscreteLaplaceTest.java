package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The discrete Laplace sampler against its exact pmf, P(x) ∝ exp(−|x|/t) (CKS 2020, Definition 13). */
class DiscreteLaplaceTest {
  private static final int N = 200_000;

  @ParameterizedTest(name = "t = {0}/{1}")
  @CsvSource({"1, 1", "5, 2", "10, 1", "1, 3"})
  void matchesTheExactPmf(long numerator, long denominator) {
    NoiseSource source = NoiseSource.deterministicForTests(20261130L + numerator);
    long[] samples = new long[N];
    for (int i = 0; i < N; i++) {
      samples[i] = DiscreteLaplace.sample(source, numerator, denominator);
    }
    double t = (double) numerator / denominator;
    double[] half = Pmfs.normalisedHalf(x -> Math.exp(-x / t));
    double p = Pmfs.chiSquarePValue(samples, half);
    System.out.printf("DiscreteLaplace t=%d/%d chi-square p=%.4f%n", numerator, denominator, p);
    assertThat(p).isGreaterThan(0.001);
    Pmfs.assertMomentsMatch(samples, half, 4.5);
    // Closed form of the variance: 2e^{-1/t}/(1 - e^{-1/t})^2.
    double q = Math.exp(-1 / t);
    assertThat(Pmfs.moment(half, 2)).isCloseTo(2 * q / Pmfs.square(1 - q), within(1e-9));
  }

  @ParameterizedTest(name = "gamma = {0}/{1}")
  @CsvSource({"0, 1", "1, 3", "1, 1", "5, 2", "30000000000, 20000000000"})
  void bernoulliExpHasProbabilityExpMinusGamma(long n, long d) {
    NoiseSource source = NoiseSource.deterministicForTests(7 + n);
    int hits = 0;
    for (int i = 0; i < N; i++) {
      if (DiscreteLaplace.bernoulliExp(source, n, d)) {
        hits++;
      }
    }
    double p = Math.exp(-(double) n / d);
    double se = Math.sqrt(p * (1 - p) / N);
    assertThat(Math.abs((double) hits / N - p)).isLessThanOrEqualTo(4.5 * se);
  }

  @Test
  void bigIntegerBernoulliAgreesWithTheLongOne() {
    // gamma = 5/2 with numbers beyond a long: (5·2^70)/(2·2^70).
    BigInteger scale = BigInteger.ONE.shiftLeft(70);
    NoiseSource source = NoiseSource.deterministicForTests(99);
    int hits = 0;
    for (int i = 0; i < N; i++) {
      if (DiscreteLaplace.bernoulliExp(source, BigInteger.valueOf(5).multiply(scale), BigInteger.TWO.multiply(scale))) {
        hits++;
      }
    }
    double p = Math.exp(-2.5);
    assertThat(Math.abs((double) hits / N - p)).isLessThanOrEqualTo(4.5 * Math.sqrt(p * (1 - p) / N));
  }

  @Test
  void uniformBigIntegerStaysBelowItsBound() {
    NoiseSource source = NoiseSource.deterministicForTests(3);
    BigInteger bound = BigInteger.ONE.shiftLeft(100).add(BigInteger.valueOf(12345));
    for (int i = 0; i < 1000; i++) {
      BigInteger x = DiscreteLaplace.uniform(source, bound);
      assertThat(x.signum()).isGreaterThanOrEqualTo(0);
      assertThat(x).isLessThan(bound);
    }
  }

  @Test
  void largeRationalScalesAreFast() {
    // The scale SnappedNoise uses: about 2^20 grid steps with a 48-bit numerator.
    NoiseSource source = NoiseSource.deterministicForTests(11);
    long numerator = (1L << 47) + 12345;
    long denominator = 1L << 27;
    double t = (double) numerator / denominator;
    double sumSquares = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      sumSquares += Pmfs.square(DiscreteLaplace.sample(source, numerator, denominator));
    }
    // variance ≈ 2t^2 for large t; relative standard error sqrt(5/n) ≈ 1.6 %.
    assertThat(sumSquares / n / (2 * t * t)).isBetween(0.93, 1.07);
  }

  @Test
  void refusesNonPositiveScales() {
    NoiseSource source = NoiseSource.deterministicForTests(1);
    assertThatThrownBy(() -> DiscreteLaplace.sample(source, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scaleNumerator");
    assertThatThrownBy(() -> DiscreteLaplace.sample(source, 1, -2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scaleDenominator");
  }
}
