package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link ServingModel#timestamp}: a served timestamp input is read as ingestion reads the column it was trained from. */
class ServingModelTimestampTest {
  // 2014-04-01T00:00:00Z: 16161 days after 1970-01-01 (16071 days to 2014-01-01, 44 years with 11 leap days, then
  // 31 + 28 + 31 days), 16161 * 86400 = 1396310400 s; checked with Python's datetime(2014, 4, 1, tzinfo=utc).timestamp().
  private static final long APRIL_1_2014 = 1_396_310_400_000_000L;
  private static final long TWELVE_HOURS = 12L * 3600 * 1_000_000;

  @Test
  void aDateIsMidnightUtc() {
    assertThat(ServingModel.timestamp("2014-04-01")).isEqualTo(APRIL_1_2014);
  }

  @Test
  void aDateTimeWithoutOffsetIsUtcAndAnOffsetIsApplied() {
    assertThat(ServingModel.timestamp("2014-04-01 12:00:00")).isEqualTo(APRIL_1_2014 + TWELVE_HOURS);
    assertThat(ServingModel.timestamp("2014-04-01T12:00:00")).isEqualTo(APRIL_1_2014 + TWELVE_HOURS);
    assertThat(ServingModel.timestamp("2014-04-01T12:00:00Z")).isEqualTo(APRIL_1_2014 + TWELVE_HOURS);
    // 07:00 at -05:00 is 12:00 UTC.
    assertThat(ServingModel.timestamp("2014-04-01T07:00:00-05:00")).isEqualTo(APRIL_1_2014 + TWELVE_HOURS);
    assertThat(ServingModel.timestamp(" 2014-04-01T12:00:00.5Z ")).isEqualTo(APRIL_1_2014 + TWELVE_HOURS + 500_000);
  }

  @Test
  void aLongIsMicrosecondsAndNullIsTheMissingMarker() {
    assertThat(ServingModel.timestamp(APRIL_1_2014)).isEqualTo(APRIL_1_2014);
    assertThat(ServingModel.timestamp(null)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void otherTextIsRefusedNamingIt() {
    assertThatThrownBy(() -> ServingModel.timestamp("yesterday")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'yesterday' is not a timestamp (microseconds or ISO-8601), and the model takes one");
  }
}
