package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

class AxisTicksTest {
  @Test
  void numbersTakeRoundStepsAndExtendTheDomainToThem() {
    // 37.2 / 8 = 4.65, so steps of 5, from the 5 below -1.6 to the 5 above 35.6.
    AxisTicks.Axis a = AxisTicks.numbers(-1.6, 35.6, 8);
    assertThat(a.low()).isEqualTo(-5);
    assertThat(a.high()).isEqualTo(40);
    assertThat(labels(a)).containsExactly("−5", "0", "5", "10", "15", "20", "25", "30", "35", "40");
    assertThat(labels(AxisTicks.numbers(0, 13.5, 4, "%"))).containsExactly("0%", "5%", "10%", "15%");
    assertThat(labels(AxisTicks.numbers(0.1, 0.42, 4))).containsExactly("0.1", "0.2", "0.3", "0.4", "0.5");
    assertThat(labels(AxisTicks.numbers(0.1, 0.42, 3))).containsExactly("0", "0.2", "0.4", "0.6");
  }

  @Test
  void stepsAreOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(AxisTicks.niceStep(4.65)).isEqualTo(5);
    assertThat(AxisTicks.niceStep(1.2e6)).isEqualTo(2e6);
    assertThat(AxisTicks.niceStep(100)).isEqualTo(100);
    assertThat(AxisTicks.niceStep(0.03)).isCloseTo(0.05, within(1e-15));
  }

  @Test
  void labelsAreCompactWithTheDecimalsTheStepNeeds() {
    assertThat(AxisTicks.number(500_000, 500_000)).isEqualTo("500k");
    assertThat(AxisTicks.number(1_000_000, 500_000)).isEqualTo("1M");
    assertThat(AxisTicks.number(1_500_000, 500_000)).isEqualTo("1.5M");
    assertThat(AxisTicks.number(2.7e9, 1e8)).isEqualTo("2.7B");
    assertThat(AxisTicks.number(0.30000000000000004, 0.1)).isEqualTo("0.3");
    assertThat(AxisTicks.number(-20, 10)).isEqualTo("−20");
    assertThat(AxisTicks.number(1e-17, 0.1)).isEqualTo("0");
  }

  @Test
  void yearsOrMonthsOverYearsOfTimestamps() {
    double from = micros(2012, 1, 1, 0, 0);
    double to = micros(2015, 12, 31, 0, 0);
    // 1,460 days in 4 steps: a year each; in 8 steps: six months.
    assertThat(labels(AxisTicks.instants(from, to, 4))).containsExactly("2012", "2013", "2014", "2015", "2016");
    assertThat(labels(AxisTicks.instants(from, to, 8)))
        .containsExactly("2012-01", "2012-07", "2013-01", "2013-07", "2014-01", "2014-07", "2015-01", "2015-07", "2016-01");
    AxisTicks.Axis decades = AxisTicks.instants(micros(1947, 12, 31, 0, 0), micros(2037, 12, 21, 0, 0), 5);
    assertThat(labels(decades)).containsExactly("1940", "1960", "1980", "2000", "2020", "2040");
    assertThat(decades.low()).isEqualTo(micros(1940, 1, 1, 0, 0));
  }

  @Test
  void weeksStartOnMonday() {
    // 12.2 days in 4 steps: weeks; 2001-01-01 was a Monday.
    assertThat(labels(AxisTicks.instants(micros(2001, 1, 1, 6, 55), micros(2001, 1, 13, 12, 35), 4)))
        .containsExactly("2001-01-01", "2001-01-08", "2001-01-15");
  }

  @Test
  void timesOfDayShowTheDateWhereItChanges() {
    // 6 h 15 min in 6 steps: 62.5 minutes each, so two hours.
    AxisTicks.Axis a = AxisTicks.instants(micros(2001, 1, 1, 6, 55), micros(2001, 1, 1, 13, 10), 6);
    assertThat(a.ticks()).extracting(AxisTicks.Tick::lines).containsExactly(
        List.of("06:00", "2001-01-01"), List.of("08:00"), List.of("10:00"), List.of("12:00"), List.of("14:00"));
    AxisTicks.Axis night = AxisTicks.instants(micros(2001, 1, 1, 20, 0), micros(2001, 1, 2, 4, 0), 4);
    assertThat(night.ticks()).extracting(AxisTicks.Tick::lines).containsExactly(
        List.of("20:00", "2001-01-01"), List.of("22:00"), List.of("00:00", "2001-01-02"), List.of("02:00"), List.of("04:00"));
  }

  private static List<String> labels(AxisTicks.Axis a) {
    return a.ticks().stream().map(t -> String.join(" ", t.lines())).toList();
  }

  private static double micros(int year, int month, int day, int hour, int minute) {
    return ChronoUnit.MICROS.between(LocalDateTime.of(1970, 1, 1, 0, 0), LocalDateTime.of(year, month, day, hour, minute));
  }
}
