package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {
  @Test
  void parsesNumbersWithUnitsAndIso() {
    assertThat(DurationText.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(DurationText.parse(" 12h ")).isEqualTo(Duration.ofHours(12));
    assertThat(DurationText.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(DurationText.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(DurationText.parse("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(DurationText.parse("PT36H")).isEqualTo(Duration.ofHours(36));
    assertThat(DurationText.parse("1D")).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void formatsInTheLargestUnitThatDivides() {
    assertThat(DurationText.format(Duration.ofDays(14))).isEqualTo("14d");
    assertThat(DurationText.format(Duration.ofHours(36))).isEqualTo("36h");
    assertThat(DurationText.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(DurationText.format(Duration.ofMinutes(90))).isEqualTo("90m");
    assertThat(DurationText.format(DurationText.parse("PT24H"))).isEqualTo("1d");
  }

  @Test
  void refusesWhatIsNotAPositiveWholeDuration() {
    assertThatThrownBy(() -> DurationText.parse("7 days")).hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> DurationText.parse("0d")).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> DurationText.parse("PT0.5S")).hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> DurationText.parse("")).hasMessageContaining("a number and a unit");
    assertThatThrownBy(() -> DurationText.parse("99999999999999999999d")).hasMessageContaining("too long");
  }
}
