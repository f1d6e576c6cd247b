package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Gaussian process under the Bayesian search: fit, prediction, expected improvement. */
class GaussianProcessTest {
  private static double[][] points(int n, int d, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] x = new double[n][d];
    for (double[] p : x) {
      for (int j = 0; j < d; j++) {
        p[j] = random.nextDouble();
      }
    }
    return x;
  }

  @Test
  void aSmoothFunctionIsInterpolatedAndUncertainOnlyAwayFromTheData() {
    double[][] x = new double[8][];
    double[] y = new double[8];
    for (int i = 0; i < 8; i++) {
      x[i] = new double[] {i / 7.0 * 0.6}; // [0, 0.6]: nothing on the right
      y[i] = Math.sin(6 * x[i][0]);
    }
    GaussianProcess gp = GaussianProcess.fit(x, y);
    assertThat(gp.noise()).isLessThanOrEqualTo(1e-3);
    for (int i = 0; i < 8; i++) {
      double[] ms = gp.predict(x[i]);
      assertThat(ms[0]).isCloseTo(y[i], within(1e-2));
      assertThat(ms[1]).isLessThan(0.05);
    }
    // Between observations, close to the function; beyond them, unsure.
    assertThat(gp.predict(new double[] {0.3})[0]).isCloseTo(Math.sin(1.8), within(0.02));
    assertThat(gp.predict(new double[] {1.0})[1]).isGreaterThan(10 * gp.predict(new double[] {0.3})[1]);
  }

  @Test
  void theExpectedImprovementIsLargeWhereTheMinimumMayBe() {
    double[][] x = {{0.1}, {0.3}, {0.5}, {0.7}, {0.9}};
    double[] y = {4, 2, 1, 2, 4}; // a bowl around 0.5
    GaussianProcess gp = GaussianProcess.fit(x, y);
    double atBest = gp.expectedImprovement(new double[] {0.5});
    double nearBest = gp.expectedImprovement(new double[] {0.45});
    double atWorst = gp.expectedImprovement(new double[] {0.1});
    assertThat(atBest).isGreaterThanOrEqualTo(0).isLessThan(nearBest);
    assertThat(atWorst).isGreaterThanOrEqualTo(0).isLessThan(nearBest);
  }

  @Test
  void eachCoordinateGetsItsOwnLengthScale() {
    // The objective depends on the first coordinate only: the second's length scale grows.
    double[][] x = points(30, 2, 4);
    double[] y = new double[30];
    for (int i = 0; i < 30; i++) {
      y[i] = Math.sin(6 * x[i][0]);
    }
    double[] ls = GaussianProcess.fit(x, y).lengthScales();
    assertThat(ls[1]).isGreaterThan(3 * ls[0]);
  }

  @Test
  void anObservationAddedWithTheSameHyperparametersLowersTheUncertaintyThere() {
    double[][] x = points(10, 2, 5);
    double[] y = new double[10];
    for (int i = 0; i < 10; i++) {
      y[i] = x[i][0] + x[i][1];
    }
    GaussianProcess gp = GaussianProcess.fit(x, y);
    double[] p = {0.95, 0.05};
    GaussianProcess more = gp.with(p, 1.0);
    assertThat(more.lengthScales()).containsExactly(gp.lengthScales());
    assertThat(more.predict(p)[1]).isLessThan(gp.predict(p)[1]);
    assertThat(more.predict(p)[0]).isCloseTo(1.0, within(0.05));
    // A repeated point does not break the factorisation.
    assertThat(more.with(p, 1.0).with(p, 1.0).predict(p)[0]).isCloseTo(1.0, within(0.05));
  }
}
