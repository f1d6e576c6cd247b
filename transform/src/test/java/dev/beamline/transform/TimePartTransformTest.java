package dev.beamline.transform;

import static dev.beamline.core.FeatureType.TIMESTAMP;
import static dev.beamline.transform.TestData.apply;
import static dev.beamline.transform.TestData.column;
import static dev.beamline.transform.TestData.fit;
import static dev.beamline.transform.TestData.floats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.TimePart;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Hour of day and day of week of UTC timestamps, with imputation of the most frequent part. */
class TimePartTransformTest {
  private static final ExampleSchema T = TestData.schema("t", TIMESTAMP);
  private static final FeatureTransform HOUR = FeatureTransform.numeric("t").withTimePart(TimePart.HOUR_OF_DAY);
  private static final FeatureTransform DAY = FeatureTransform.numeric("t").withTimePart(TimePart.DAY_OF_WEEK);

  private static long micros(String instant) {
    return Instant.parse(instant).toEpochMilli() * 1000;
  }

  @Test
  void hourOfDayAndDayOfWeekInUtc() {
    FittedTransform hour = fit(T, HOUR, column(T, micros("2026-11-28T10:15:00Z")));
    FittedTransform day = fit(T, DAY, column(T, micros("2026-11-28T10:15:00Z")));
    assertThat(hour.feature("t").cardinality()).isEqualTo(24);
    assertThat(day.feature("t").cardinality()).isEqualTo(7);
    // 2026-11-28 is a Saturday: 5 with Monday = 0.
    assertThat(apply(hour, T, micros("2026-11-28T10:15:00Z"))).isEqualTo(10L);
    assertThat(apply(day, T, micros("2026-11-28T10:15:00Z"))).isEqualTo(5L);
    assertThat(apply(day, T, micros("2026-11-30T00:00:00Z"))).isEqualTo(0L); // a Monday
    // Before the epoch: 1969-12-31 was a Wednesday.
    assertThat(apply(hour, T, micros("1969-12-31T23:00:00Z"))).isEqualTo(23L);
    assertThat(apply(day, T, micros("1969-12-31T23:00:00Z"))).isEqualTo(2L);
    // The last microsecond of an hour.
    assertThat(apply(hour, T, micros("2026-11-28T10:00:00Z") - 1)).isEqualTo(9L);
  }

  @Test
  void missingBecomesTheMostFrequentPartTheSmallestOnATie() {
    FittedTransform t = fit(T, HOUR, column(T,
        micros("2026-11-28T10:15:00Z"), micros("2026-11-29T10:45:00Z"),
        micros("2026-11-28T03:00:00Z"), micros("2026-11-01T03:59:59Z"), null));
    assertThat(t.feature("t").imputeNumber()).isEqualTo(3.0);
    assertThat(apply(t, T, null)).isEqualTo(3L);
  }

  @Test
  void constantPartAndOneHot() {
    FeatureTransform f = DAY.withImpute(new Impute(Impute.Strategy.CONSTANT, "6")).withEncode(Encoding.ONE_HOT);
    FittedTransform t = fit(T, f, column(T, micros("2026-11-28T10:15:00Z")));
    assertThat(t.feature("t").kind()).isEqualTo(OutputKind.VECTOR);
    assertThat(apply(t, T, null)).isEqualTo(floats(0, 0, 0, 0, 0, 0, 1));
    assertThat(apply(t, T, micros("2026-11-30T00:00:00Z"))).isEqualTo(floats(1, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void withoutTrainingTimestampsMissingHasNoId() {
    FittedTransform t = fit(T, HOUR, column(T, (Object) null));
    assertThat(t.feature("t").imputeNumber()).isEqualTo(-1.0);
    assertThat(apply(t, T, null)).isEqualTo(-1L);
    FittedTransform oneHot = fit(T, DAY.withEncode(Encoding.ONE_HOT), column(T, (Object) null));
    assertThat(apply(oneHot, T, null)).isEqualTo(floats(0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void instantsAreReadAsMicroseconds() {
    FittedTransform t = fit(T, HOUR, column(T, micros("2026-11-28T10:15:00Z")));
    assertThat(apply(t, T, Instant.parse("2026-11-28T17:00:00.000001Z"))).isEqualTo(17L);
  }
}
