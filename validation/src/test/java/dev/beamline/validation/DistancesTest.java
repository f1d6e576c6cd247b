package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistancesTest {
  private static List<Double> uniformDeciles(double from, double to) {
    List<Double> q = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      q.add(from + (to - from) * i / 10.0);
    }
    return q;
  }

  @Test
  void lInfinityIsTheLargestFrequencyDifference() {
    assertThat(Distances.lInfinity(Map.of("a", 5L, "b", 5L), Map.of("a", 2L, "b", 8L))).isCloseTo(0.3, within(1e-12));
    // A new value counts with its whole frequency.
    assertThat(Distances.lInfinity(Map.of("a", 10L), Map.of("a", 6L, "c", 4L))).isCloseTo(0.4, within(1e-12));
    assertThat(Distances.lInfinity(Map.of("a", 1L, "b", 3L), Map.of("a", 10L, "b", 30L))).isZero();
  }

  @Test
  void jensenShannonKnownValues() {
    assertThat(Distances.jensenShannon(new double[] {1, 0}, new double[] {0, 1})).isEqualTo(1.0);
    assertThat(Distances.jensenShannon(new double[] {1, 1}, new double[] {2, 2})).isZero();
    // p = (1/2, 1/2), q = (1, 0): m = (3/4, 1/4); JS = 1/2 [1/2 log2(2/3) + 1/2 log2 2] + 1/2 log2(4/3).
    double expected = 0.5 * (0.5 * log2(0.5 / 0.75) + 0.5 * log2(0.5 / 0.25)) + 0.5 * log2(1 / 0.75);
    assertThat(Distances.jensenShannon(new double[] {1, 1}, new double[] {1, 0})).isCloseTo(expected, within(1e-12));
  }

  /**
   * U(0, 1) against U(1/2, 3/2): the densities agree on [1/2, 1] and each has half its mass alone, so in
   * closed form JS = 1/2 (1/2 log2 2) + 1/2 (1/2 log2 2) = 1/2.
   */
  @Test
  void shiftedUniformsHaveTheClosedFormDivergence() {
    assertThat(Distances.quantileJensenShannon(uniformDeciles(0, 1), uniformDeciles(0.5, 1.5))).isCloseTo(0.5, within(1e-12));
    // Disjoint supports: 1. The same distribution: 0.
    assertThat(Distances.quantileJensenShannon(uniformDeciles(0, 1), uniformDeciles(2, 3))).isCloseTo(1.0, within(1e-12));
    assertThat(Distances.quantileJensenShannon(uniformDeciles(0, 1), uniformDeciles(0, 1))).isZero();
  }

  /** U(0, 1) against U(0, 2): p = 1, q = 1/2 on [0, 1]; q = 1/2 alone on [1, 2]. Closed form: 1/2 log2(4/3) + 1/4. */
  @Test
  void widerUniformHasTheClosedFormDivergence() {
    double expected = 0.5 * (1 * log2(1 / 0.75)) + 0.5 * (0.5 * log2(0.5 / 0.75) + 0.5 * log2(0.5 / 0.25));
    assertThat(Distances.quantileJensenShannon(uniformDeciles(0, 1), uniformDeciles(0, 2))).isCloseTo(expected, within(1e-12));
  }

  @Test
  void constantBaseline() {
    List<Double> constant = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      constant.add(3.0);
    }
    assertThat(Distances.quantileJensenShannon(constant, constant)).isZero();
    assertThat(Distances.quantileJensenShannon(constant, uniformDeciles(10, 20))).isEqualTo(1.0);
  }

  @Test
  void cdfIsLinearBetweenQuantiles() {
    List<Double> q = uniformDeciles(0, 10);
    assertThat(Distances.cdf(q, 2.5, false)).isCloseTo(0.25, within(1e-12));
    assertThat(Distances.cdf(q, -1, true)).isZero();
    assertThat(Distances.cdf(q, 11, false)).isEqualTo(1.0);
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
