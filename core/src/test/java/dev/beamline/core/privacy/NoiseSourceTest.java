package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/** The secure source and the test-only deterministic one. */
class NoiseSourceTest {

  @Test
  void secureProducesValuesInRange() {
    NoiseSource source = NoiseSource.secure();
    assertThat(source.nextLong()).isNotEqualTo(source.nextLong()); // fails with probability 2^-64
    for (long bound : new long[] {1, 2, 7, (1L << 40) + 3, Long.MAX_VALUE}) {
      for (int i = 0; i < 200; i++) {
        assertThat(source.nextLong(bound)).isBetween(0L, bound - 1);
      }
    }
    assertThat(NoiseSource.secure()).isNotSameAs(source);
  }

  @Test
  void deterministicForTestsIsReproducible() {
    NoiseSource a = NoiseSource.deterministicForTests(42);
    NoiseSource b = NoiseSource.deterministicForTests(42);
    for (int i = 0; i < 100; i++) {
      assertThat(a.nextLong()).isEqualTo(b.nextLong());
      assertThat(DiscreteLaplace.sample(a, 5, 2)).isEqualTo(DiscreteLaplace.sample(b, 5, 2));
    }
    assertThat(NoiseSource.deterministicForTests(43).nextLong()).isNotEqualTo(NoiseSource.deterministicForTests(42).nextLong());
  }

  @Test
  void boundedDrawsAreUniform() {
    // A bound that is not a power of two, so the rejection step matters; chi-square with 5 degrees of freedom.
    NoiseSource source = NoiseSource.deterministicForTests(6);
    int n = 60_000;
    int[] counts = new int[6];
    for (int i = 0; i < n; i++) {
      counts[(int) source.nextLong(6)]++;
    }
    double stat = 0;
    for (int c : counts) {
      stat += Pmfs.square(c - n / 6.0) / (n / 6.0);
    }
    assertThat(1 - new ChiSquaredDistribution(5).cumulativeProbability(stat)).isGreaterThan(0.001);
  }

  @Test
  void refusesNonPositiveBounds() {
    assertThatThrownBy(() -> NoiseSource.deterministicForTests(1).nextLong(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("boundExclusive");
  }
}
