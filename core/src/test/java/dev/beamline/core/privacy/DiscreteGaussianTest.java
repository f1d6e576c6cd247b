package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The discrete Gaussian sampler against its exact pmf, P(x) ∝ exp(−x²/(2σ²)) (CKS 2020, Definition 1). */
class DiscreteGaussianTest {
  private static final int N = 200_000;

  @ParameterizedTest(name = "sigma^2 = {0}/{1}")
  @CsvSource({"1, 1", "4, 1", "9, 4", "30, 1", "1, 5"})
  void matchesTheExactPmf(long numerator, long denominator) {
    NoiseSource source = NoiseSource.deterministicForTests(1130L * numerator + denominator);
    long[] samples = new long[N];
    for (int i = 0; i < N; i++) {
      samples[i] = DiscreteGaussian.sample(source, numerator, denominator);
    }
    double sigmaSquared = (double) numerator / denominator;
    double[] half = Pmfs.normalisedHalf(x -> Math.exp(-(double) x * x / (2 * sigmaSquared)));
    double p = Pmfs.chiSquarePValue(samples, half);
    System.out.printf("DiscreteGaussian sigma^2=%d/%d chi-square p=%.4f%n", numerator, denominator, p);
    assertThat(p).isGreaterThan(0.001);
    Pmfs.assertMomentsMatch(samples, half, 4.5);
    // The variance of the discrete Gaussian is below sigma^2 (CKS 2020, Corollary 9), and close for sigma >= 1.
    assertThat(Pmfs.moment(half, 2)).isLessThanOrEqualTo(sigmaSquared);
  }

  @Test
  void largeRationalVariancesAreFast() {
    // The parameters SnappedNoise uses: sigma about 2^19.5 grid steps, sigma^2 a 48-bit numerator over 2^k.
    NoiseSource source = NoiseSource.deterministicForTests(5);
    long numerator = (1L << 47) + 99;
    long denominator = 1L << 8;
    double sigmaSquared = (double) numerator / denominator;
    int n = 20_000;
    double sumSquares = 0;
    for (int i = 0; i < n; i++) {
      sumSquares += Pmfs.square(DiscreteGaussian.sample(source, numerator, denominator));
    }
    // relative standard error of the variance sqrt(2/n) = 1 %.
    assertThat(sumSquares / n / sigmaSquared).isBetween(0.95, 1.05);
  }

  @Test
  void refusesNonPositiveVariances() {
    NoiseSource source = NoiseSource.deterministicForTests(1);
    assertThatThrownBy(() -> DiscreteGaussian.sample(source, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sigmaSquaredNumerator");
    assertThatThrownBy(() -> DiscreteGaussian.sample(source, 3, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sigmaSquaredDenominator");
  }
}
