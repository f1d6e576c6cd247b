package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Noise on the snapped grid: multiples of the granularity, clamping, scale, and refusals. */
class SnappedNoiseTest {

  @Test
  void granularityIsTheSmallestPowerOfTwoAtLeastScaleOver2To20() {
    assertThat(SnappedNoise.granularity(1.0)).isEqualTo(0x1p-20);
    assertThat(SnappedNoise.granularity(3.0)).isEqualTo(0x1p-18); // 3·2^-20 -> 4·2^-20
    assertThat(SnappedNoise.granularity(0x1p-20)).isEqualTo(0x1p-40);
    assertThat(SnappedNoise.granularity(1000.0)).isEqualTo(0x1p-10); // 1000/2^20 in (2^-11, 2^-10]
    assertThat(SnappedNoise.granularity(Math.nextUp(1.0))).isEqualTo(0x1p-19);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.1, 1.0, 2.5, 37.21, 1e-9, 1e12, 0.7e-3})
  void laplaceReleasesMultiplesOfTheGranularity(double value) {
    NoiseSource source = NoiseSource.deterministicForTests(17);
    double scale = Math.nextUp(0.3 / 0.7);
    double g = SnappedNoise.granularity(scale);
    for (int i = 0; i < 1000; i++) {
      double released = SnappedNoise.laplace(value, -1e13, 1e13, 0.3, 0.7, source);
      assertThat(released / g).isEqualTo(Math.rint(released / g));
    }
  }

  @Test
  void gaussianReleasesMultiplesOfTheGranularity() {
    NoiseSource source = NoiseSource.deterministicForTests(18);
    double g = SnappedNoise.granularity(0.37);
    for (int i = 0; i < 1000; i++) {
      double released = SnappedNoise.gaussian(Math.PI * i, 0, 1e6, 0.37, source);
      assertThat(released / g).isEqualTo(Math.rint(released / g));
    }
  }

  @Test
  void valuesFarBeyondTheGridStayMultiplesOfIt() {
    // |value| >= 2^52·g: the value itself is already on the grid.
    NoiseSource source = NoiseSource.deterministicForTests(19);
    double g = SnappedNoise.granularity(Math.nextUp(1.0));
    double released = SnappedNoise.laplace(1e300, -1e300, 1e300, 1, 1, source);
    assertThat(released / g).isEqualTo(Math.rint(released / g));
    assertThat(released).isCloseTo(1e300, withinPercentage(1e-6));
  }

  @Test
  void valuesAreClampedFirst() {
    NoiseSource source = NoiseSource.deterministicForTests(20);
    for (int i = 0; i < 100; i++) {
      // scale 0.01: the noise is tiny next to the distance to the raw value
      assertThat(SnappedNoise.laplace(1e9, 0, 10, 1, 100, source)).isBetween(9.0, 11.0);
      assertThat(SnappedNoise.laplace(-1e9, 0, 10, 1, 100, source)).isBetween(-1.0, 1.0);
      assertThat(SnappedNoise.gaussian(Double.POSITIVE_INFINITY, -5, 5, 0.01, source)).isBetween(4.0, 6.0);
    }
  }

  @Test
  void laplaceNoiseHasScaleSensitivityOverEpsilon() {
    NoiseSource source = NoiseSource.deterministicForTests(21);
    double scale = 2.0 / 0.5;
    int n = 100_000;
    double sum = 0;
    double sumSquares = 0;
    for (int i = 0; i < n; i++) {
      double noise = SnappedNoise.laplace(50, 0, 100, 2.0, 0.5, source) - 50;
      sum += noise;
      sumSquares += noise * noise;
    }
    double variance = sumSquares / n - Pmfs.square(sum / n);
    // Laplace(b) has variance 2b^2; its sample variance has relative standard error sqrt(5/n) ≈ 0.7 %.
    assertThat(variance / (2 * scale * scale)).isBetween(0.95, 1.05);
  }

  @Test
  void laplaceCountHasScaleSensitivityOverEpsilon() {
    NoiseSource source = NoiseSource.deterministicForTests(22);
    int n = 100_000;
    double sumSquares = 0;
    for (int i = 0; i < n; i++) {
      sumSquares += Pmfs.square(SnappedNoise.laplaceCount(1000, 2, 0.5, source) - 1000);
    }
    double q = Math.exp(-1 / 4.0); // discrete Laplace of scale 4: variance 2q/(1-q)^2 ≈ 31.83
    assertThat(sumSquares / n / (2 * q / Pmfs.square(1 - q))).isBetween(0.95, 1.05);
  }

  @Test
  void gaussianNoiseHasStandardDeviationSigma() {
    NoiseSource source = NoiseSource.deterministicForTests(23);
    int n = 100_000;
    double sumSquares = 0;
    double sumCountSquares = 0;
    for (int i = 0; i < n; i++) {
      sumSquares += Pmfs.square(SnappedNoise.gaussian(0, -1e9, 1e9, 3.0, source));
      sumCountSquares += Pmfs.square(SnappedNoise.gaussianCount(7, 3.0, source) - 7);
    }
    // relative standard error of the variance sqrt(2/n) ≈ 0.45 %.
    assertThat(sumSquares / n / 9.0).isBetween(0.97, 1.03);
    assertThat(sumCountSquares / n / 9.0).isBetween(0.97, 1.03);
  }

  @Test
  void zeroOrInvalidNoiseIsRefusedNamingTheParameter() {
    NoiseSource source = NoiseSource.deterministicForTests(24);
    assertThatThrownBy(() -> SnappedNoise.laplaceCount(1, 1, 0, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(() -> SnappedNoise.laplaceCount(1, 1, -1, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(() -> SnappedNoise.laplaceCount(1, 1, Double.NaN, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(() -> SnappedNoise.laplaceCount(1, 0, 1, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sensitivity");
    assertThatThrownBy(() -> SnappedNoise.laplace(1, 0, 2, 1, 0, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    assertThatThrownBy(() -> SnappedNoise.laplace(1, 0, 2, 0, 1, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sensitivity");
    assertThatThrownBy(() -> SnappedNoise.gaussianCount(1, 0, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sigma");
    assertThatThrownBy(() -> SnappedNoise.gaussian(1, 0, 2, -0.5, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sigma");
    assertThatThrownBy(() -> SnappedNoise.gaussian(1, 3, 2, 1, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lower");
    assertThatThrownBy(() -> SnappedNoise.laplace(Double.NaN, 0, 2, 1, 1, source))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value");
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, 2.5, 0.1, 1.0 / 3, 4.0 / 0.3, 1e-7, 123456.789, 0x1p-60, 0x1p59 + 1e3, Math.PI})
  void rationalScalesAreRoundedUpNeverDown(double x) {
    long[] r = SnappedNoise.roundUp(x);
    BigDecimal rational = new BigDecimal(r[0]).divide(new BigDecimal(r[1])); // den is a power of two: exact
    BigDecimal exact = new BigDecimal(x);
    assertThat(rational).isGreaterThanOrEqualTo(exact);
    // and not by much: at most 2^-46 relative where x is not tiny
    if (x > 1e-3) {
      assertThat(rational.subtract(exact).doubleValue() / x).isLessThanOrEqualTo(0x1p-46);
    }
  }

  @Test
  void niceScalesBecomeSmallRationals() {
    assertThat(SnappedNoise.roundUp(2.5)).containsExactly(5, 2);
    assertThat(SnappedNoise.roundUp(4.0)).containsExactly(4, 1);
    assertThat(SnappedNoise.roundUp(0.75)).containsExactly(3, 4);
  }
}
