package dev.beamline.core.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** zCDP conversions of Bun and Steinke 2016. */
class ZcdpTest {

  @Test
  void knownValue() {
    // rho = 0.5, delta = 1e-5: ln(1e5) = 11.512925464970229, rho·ln(1/delta) = 5.756462732485114,
    // sqrt = 2.3992629560940406, so epsilon = 0.5 + 2·2.3992629560940406 = 5.298525912188081.
    assertThat(Zcdp.epsilon(0.5, 1e-5)).isCloseTo(5.298525912188081, within(1e-12));
    assertThat(Zcdp.rhoFor(5.298525912188081, 1e-5)).isCloseTo(0.5, within(1e-12));
  }

  @ParameterizedTest
  @CsvSource({"0.5, 1e-5", "1e-4, 1e-9", "3, 0.1", "20, 1e-12"})
  void rhoAndEpsilonRoundTrip(double rho, double delta) {
    double epsilon = Zcdp.epsilon(rho, delta);
    assertThat(Zcdp.rhoFor(epsilon, delta)).isCloseTo(rho, within(1e-12 * Math.max(1, rho)));
    assertThat(Zcdp.epsilon(Zcdp.rhoFor(rho, delta), delta)).isCloseTo(rho, within(1e-12 * Math.max(1, rho)));
  }

  @Test
  void sigmaAndRhoAreInverse() {
    // Delta = 1, sigma = 2: rho = 1/(2·4) = 0.125.
    assertThat(Zcdp.rho(1, 2)).isEqualTo(0.125);
    assertThat(Zcdp.sigma(1, 0.125)).isCloseTo(2, within(1e-12));
    assertThat(Zcdp.sigma(3, Zcdp.rho(3, 0.7))).isCloseTo(0.7, within(1e-12));
  }

  @Test
  void refusesInvalidParameters() {
    assertThatThrownBy(() -> Zcdp.epsilon(0, 1e-5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho");
    assertThatThrownBy(() -> Zcdp.epsilon(1, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delta");
    assertThatThrownBy(() -> Zcdp.rhoFor(-1, 1e-5)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> Zcdp.sigma(1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rho");
    assertThatThrownBy(() -> Zcdp.rho(1, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sigma");
  }
}
