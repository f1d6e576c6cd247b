package dev.beamline.evaluation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearScaleTest {
  @Test
  void mapsLinearlyOntoABackwardRange() {
    LinearScale y = new LinearScale(0, 1, 276, 16);
    assertThat(y.map(0)).isEqualTo(276.0);
    assertThat(y.map(1)).isEqualTo(16.0);
    assertThat(y.map(0.5)).isEqualTo(146.0);
    assertThat(y.map(0.25)).isEqualTo(211.0);
  }

  @Test
  void aSingleValueDomainMapsToTheMiddle() {
    LinearScale s = new LinearScale(3, 3, 0, 100);
    assertThat(s.map(3)).isEqualTo(50.0);
    assertThat(s.ticks(5)).containsExactly(3.0);
  }

  @Test
  void unitTicksAreTenthsTimesTwo() {
    assertThat(new LinearScale(0, 1, 0, 300).ticks(5)).containsExactly(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
  }

  @Test
  void ticksPrintAsTheDecimalsTheyAre() {
    // 0.1 + 0.2 in binary is 0.30000000000000004; the ticks are computed in decimal.
    List<Double> ticks = new LinearScale(0, 0.3, 0, 100).ticks(5);
    assertThat(ticks).containsExactly(0.0, 0.1, 0.2, 0.3);
    assertThat(ticks.stream().map(Format::number).toList()).containsExactly("0", "0.1", "0.2", "0.3");
  }

  @Test
  void stepsAreOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(LinearScale.step(1, 5)).isEqualByComparingTo("0.2");
    assertThat(LinearScale.step(898.5, 5)).isEqualByComparingTo("200");
    assertThat(LinearScale.step(0.3, 5)).isEqualByComparingTo("0.1");
    assertThat(LinearScale.step(7, 5)).isEqualByComparingTo("2");
    assertThat(LinearScale.step(10, 5)).isEqualByComparingTo("2");
    assertThat(LinearScale.step(0.9, 5)).isEqualByComparingTo("0.2");
  }

  @Test
  void niceWidensToWholeStepsAndKeepsTheTicksAtItsEnds() {
    BigDecimal step = LinearScale.step(402 + 310.5, 5);
    LinearScale s = new LinearScale(-310.5, 402, 0, 1).nice(step);
    assertThat(s.domainLow()).isEqualTo(-400.0);
    assertThat(s.domainHigh()).isEqualTo(600.0);
    assertThat(s.ticks(step)).containsExactly(-400.0, -200.0, 0.0, 200.0, 400.0, 600.0);
  }

  @Test
  void ticksInsideAnUnroundDomain() {
    assertThat(new LinearScale(0.05, 0.93, 0, 1).ticks(5)).containsExactly(0.2, 0.4, 0.6, 0.8);
  }

  @Test
  void rejectsABackwardDomain() {
    assertThatThrownBy(() -> new LinearScale(1, 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("domain must be finite with low <= high, got [1.0, 0.0]");
  }
}
