package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.validation.TimestampText.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimestampTextTest {
  /** 2001-01-01T00:00:00Z: 978,307,200 seconds after the epoch. */
  private static final long Y2001 = 978_307_200_000_000L;
  private static final long DAY = 86_400_000_000L;

  @Test
  void midnightsReadAsDates() {
    TimestampText t = TimestampText.fitting(List.of((double) Y2001, (double) (Y2001 + 30 * DAY)));
    assertThat(t.precision()).isEqualTo(Precision.DAY);
    assertThat(t.format(Y2001)).isEqualTo("2001-01-01");
    assertThat(t.format(Y2001 + 30 * DAY)).isEqualTo("2001-01-31");
    // Before the epoch: -8,037 days.
    assertThat(t.format(-694_396_800_000_000L)).isEqualTo("1947-12-31");
  }

  @Test
  void theFinestValueSetsThePrecision() {
    // The brief's raw example, 978,307,260,000,000: a minute past midnight.
    assertThat(TimestampText.fitting(List.of((double) Y2001, 978_307_260_000_000.0)).format(978_307_260_000_000.0))
        .isEqualTo("2001-01-01T00:01Z");
    assertThat(TimestampText.fitting(List.of(Y2001 + 24_900_000_000.0)).format(Y2001 + 24_900_000_000.0)).isEqualTo("2001-01-01T06:55Z");
    assertThat(TimestampText.fitting(List.of(Y2001 + 5_000_000.0)).precision()).isEqualTo(Precision.SECOND);
    assertThat(TimestampText.fitting(List.of(Y2001 + 5_250_000.0)).format(Y2001 + 5_250_000.0)).isEqualTo("2001-01-01T00:00:05.250Z");
    assertThat(TimestampText.fitting(List.of(Y2001 + 1.0)).format(Y2001 + 1.0)).isEqualTo("2001-01-01T00:00:00.000001Z");
    // Non-finite values (a split without values) do not count.
    assertThat(TimestampText.fitting(List.of(Double.NaN, (double) Y2001)).precision()).isEqualTo(Precision.DAY);
  }

  @Test
  void aMeanIsRoundedToThePrecision() {
    TimestampText days = TimestampText.of(Precision.DAY);
    assertThat(days.format(Y2001 + 0.4 * DAY)).isEqualTo("2001-01-01");
    assertThat(days.format(Y2001 + 0.6 * DAY)).isEqualTo("2001-01-02");
    assertThat(TimestampText.of(Precision.MINUTE).format(Y2001 + 29_999_999.0)).isEqualTo("2001-01-01T00:00Z");
    assertThat(TimestampText.of(Precision.MINUTE).format(Y2001 + 30_000_000.0)).isEqualTo("2001-01-01T00:01Z");
    assertThat(days.format(Double.NaN)).isEqualTo("—");
  }

  @Test
  void spreadsReadAsDurationsInTheirLargestUnit() {
    assertThat(TimestampText.duration(2 * 365.2425 * DAY)).isEqualTo("2.00 years");
    assertThat(TimestampText.duration(316 * DAY)).isEqualTo("316 days");
    assertThat(TimestampText.duration(70.14 * DAY)).isEqualTo("70.1 days");
    assertThat(TimestampText.duration(1.5 * DAY)).isEqualTo("1.50 days");
    assertThat(TimestampText.duration(5 * 3_600_000_000.0)).isEqualTo("5.00 h");
    assertThat(TimestampText.duration(90_000_000)).isEqualTo("1.50 min");
    assertThat(TimestampText.duration(1500)).isEqualTo("1.50 ms");
    assertThat(TimestampText.duration(0)).isEqualTo("0 µs");
    assertThat(TimestampText.duration(Double.NaN)).isEqualTo("—");
  }
}
