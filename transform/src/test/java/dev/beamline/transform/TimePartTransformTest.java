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
import dev.beamline.transform.FeatureTransform.Scale;
import java.time.Instant;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The parts of UTC timestamps (hour, weekday, minute, day of month and of year, ISO week, month, year),
 * with imputation of the most frequent part, their cyclical encoding and the year as a number; the
 * expected values are written out by hand (and agree with Python's {@code datetime.isocalendar}).
 */
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

  private static FeatureTransform part(TimePart part) {
    return FeatureTransform.numeric("t").withTimePart(part);
  }

  /** Every part of {@code instant}: minute, hour, weekday, day of month - 1, day of year - 1, ISO week - 1, month - 1, year. */
  private static void assertParts(String instant, long... expected) {
    long micros = micros(instant);
    TimePart[] parts = {TimePart.MINUTE, TimePart.HOUR_OF_DAY, TimePart.DAY_OF_WEEK, TimePart.DAY_OF_MONTH, TimePart.DAY_OF_YEAR,
        TimePart.WEEK_OF_YEAR, TimePart.MONTH};
    for (int i = 0; i < parts.length; i++) {
      FittedTransform t = fit(T, part(parts[i]), column(T, micros));
      assertThat(apply(t, T, micros)).as(instant + " " + parts[i]).isEqualTo(expected[i]);
    }
    FittedTransform year = fit(T, part(TimePart.YEAR), column(T, micros));
    assertThat(apply(year, T, micros)).as(instant + " year").isEqualTo((float) expected[7]);
  }

  @Test
  void everyPartOnCalendarBoundaries() {
    // minute, hour, weekday (0 = Monday), day of month - 1, day of year - 1, ISO week - 1, month - 1, year
    assertParts("2012-02-29T13:47:05Z", 47, 13, 2, 28, 59, 8, 1, 2012);   // a leap day
    assertParts("2000-02-29T00:00:00Z", 0, 0, 1, 28, 59, 8, 1, 2000);     // 2000 is a leap year (divisible by 400)
    assertParts("1900-03-01T06:30:00Z", 30, 6, 3, 0, 59, 8, 2, 1900);     // 1900 is not: March 1st is day 60
    assertParts("2015-12-31T00:00:00Z", 0, 0, 3, 30, 364, 52, 11, 2015);  // a common year's last day, week 53 of 2015
    assertParts("2020-12-31T00:00:00Z", 0, 0, 3, 30, 365, 52, 11, 2020);  // a leap year's last day: day 366, week 53
    assertParts("2021-01-01T00:00:00Z", 0, 0, 4, 0, 0, 52, 0, 2021);      // a Friday: still week 53 of 2020
    assertParts("2021-01-03T12:00:00Z", 0, 12, 6, 2, 2, 52, 0, 2021);     // the Sunday ending that week
    assertParts("2021-01-04T00:00:00Z", 0, 0, 0, 3, 3, 0, 0, 2021);       // the Monday of week 1
    assertParts("2008-12-29T00:00:00Z", 0, 0, 0, 28, 363, 0, 11, 2008);   // a Monday in week 1 of 2009
    assertParts("2026-12-28T00:00:00Z", 0, 0, 0, 27, 361, 52, 11, 2026);  // 2026 has 53 weeks
    assertParts("2027-01-01T00:00:00Z", 0, 0, 4, 0, 0, 52, 0, 2027);
    // Before the epoch: the last microsecond of 1969 (in ISO week 1 of 1970), and further back.
    assertParts("1969-12-31T23:59:59.999999Z", 59, 23, 2, 30, 364, 0, 11, 1969);
    assertParts("1600-01-01T00:00:00Z", 0, 0, 5, 0, 0, 51, 0, 1600);      // a Saturday in week 52 of 1599
    assertParts("0001-01-01T00:00:00Z", 0, 0, 0, 0, 0, 0, 0, 1);
  }

  @Test
  void cardinalitiesAndKinds() {
    long now = micros("2026-11-28T10:15:00Z");
    List<TimePart> parts = List.of(TimePart.MINUTE, TimePart.HOUR_OF_DAY, TimePart.DAY_OF_WEEK, TimePart.DAY_OF_MONTH,
        TimePart.DAY_OF_YEAR, TimePart.WEEK_OF_YEAR, TimePart.MONTH);
    List<Integer> cardinalities = List.of(60, 24, 7, 31, 366, 53, 12);
    for (int i = 0; i < parts.size(); i++) {
      FittedFeature id = fit(T, part(parts.get(i)), column(T, now)).feature("t");
      assertThat(id.kind()).isEqualTo(OutputKind.ID);
      assertThat(id.cardinality()).as(parts.get(i).toString()).isEqualTo(cardinalities.get(i));
      FittedFeature cyclical = fit(T, part(parts.get(i)).withEncode(Encoding.CYCLICAL), column(T, now)).feature("t");
      assertThat(cyclical.kind()).isEqualTo(OutputKind.VECTOR);
      assertThat(cyclical.width()).isEqualTo(2);
      assertThat(cyclical.imputeNumber()).isNull();
    }
    FittedFeature year = fit(T, part(TimePart.YEAR), column(T, now)).feature("t");
    assertThat(year.kind()).isEqualTo(OutputKind.FLOAT);
    assertThat(year.cardinality()).isZero();
  }

  @Test
  void monthOneHot() {
    FittedTransform t = fit(T, part(TimePart.MONTH).withEncode(Encoding.ONE_HOT), column(T, micros("2012-01-01T00:00:00Z")));
    assertThat(apply(t, T, micros("2012-04-15T00:00:00Z"))).isEqualTo(floats(0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0));
    // Missing: the most frequent training month, January.
    assertThat(apply(t, T, null)).isEqualTo(floats(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  /** {@code [sin(2π v / p), cos(2π v / p)]} as floats. */
  private static List<Float> circle(double v, double period) {
    return floats((float) Math.sin(2 * Math.PI * v / period), (float) Math.cos(2 * Math.PI * v / period));
  }

  @Test
  void cyclicalIsTheSineAndCosineOfTheIdOverItsPeriod() {
    List<GenericRecord> train = column(T, micros("2012-01-01T00:00:00Z"));
    FittedTransform hour = fit(T, part(TimePart.HOUR_OF_DAY).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(hour, T, micros("2012-01-01T00:00:00Z"))).isEqualTo(floats(0, 1));
    assertThat((List<?>) apply(hour, T, micros("2012-01-01T06:59:00Z"))).isEqualTo(circle(6, 24)); // (1, 0): a quarter round
    assertThat((List<?>) apply(hour, T, micros("2012-01-01T18:00:00Z"))).isEqualTo(circle(18, 24)); // (-1, 0)
    assertThat(((List<?>) apply(hour, T, micros("2012-01-01T06:00:00Z"))).get(0)).isEqualTo(1f);
    FittedTransform month = fit(T, part(TimePart.MONTH).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(month, T, micros("2012-04-15T00:00:00Z"))).isEqualTo(circle(3, 12));
    assertThat((List<?>) apply(month, T, micros("2012-12-15T00:00:00Z"))).isEqualTo(circle(11, 12));
    // The day of the month goes round once a month, whatever its length: Feb 29th 2012 is 28/29 round,
    // Feb 28th 2013 is 27/28 round, the 31st of a long month is 30/31 round.
    FittedTransform day = fit(T, part(TimePart.DAY_OF_MONTH).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(day, T, micros("2012-02-29T00:00:00Z"))).isEqualTo(circle(28, 29));
    assertThat((List<?>) apply(day, T, micros("2013-02-28T00:00:00Z"))).isEqualTo(circle(27, 28));
    assertThat((List<?>) apply(day, T, micros("2013-01-31T00:00:00Z"))).isEqualTo(circle(30, 31));
    assertThat((List<?>) apply(day, T, micros("2013-03-01T00:00:00Z"))).isEqualTo(floats(0, 1));
    FittedTransform dayOfYear = fit(T, part(TimePart.DAY_OF_YEAR).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(dayOfYear, T, micros("2020-12-31T00:00:00Z"))).isEqualTo(circle(365, 366));
    assertThat((List<?>) apply(dayOfYear, T, micros("2021-12-31T00:00:00Z"))).isEqualTo(circle(364, 365));
    FittedTransform week = fit(T, part(TimePart.WEEK_OF_YEAR).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(week, T, micros("2021-01-01T00:00:00Z"))).isEqualTo(circle(52, 53)); // week 53 of 2020
    assertThat((List<?>) apply(week, T, micros("2021-12-31T00:00:00Z"))).isEqualTo(circle(51, 52)); // week 52 of 52
    FittedTransform minute = fit(T, part(TimePart.MINUTE).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(minute, T, micros("1969-12-31T23:45:00Z"))).isEqualTo(circle(45, 60));
    FittedTransform weekday = fit(T, part(TimePart.DAY_OF_WEEK).withEncode(Encoding.CYCLICAL), train);
    assertThat((List<?>) apply(weekday, T, micros("2026-11-28T10:15:00Z"))).isEqualTo(circle(5, 7));
    // A missing timestamp is the centre of the circle.
    assertThat((List<?>) apply(month, T, null)).isEqualTo(floats(0, 0));
    assertThat((List<?>) apply(day, T, null)).isEqualTo(floats(0, 0));
  }

  @Test
  void theYearIsANumberImputedWithTheMostFrequentYearAndScaled() {
    List<GenericRecord> train = column(T, micros("2012-05-01T00:00:00Z"), micros("2012-12-31T23:59:59Z"),
        micros("2013-01-01T00:00:00Z"), micros("2015-07-01T00:00:00Z"), null);
    FittedTransform plain = fit(T, part(TimePart.YEAR), train);
    assertThat(plain.feature("t").imputeNumber()).isEqualTo(2012.0);
    assertThat(apply(plain, T, micros("1969-12-31T23:59:59.999999Z"))).isEqualTo(1969f);
    assertThat(apply(plain, T, null)).isEqualTo(2012f);
    // Mean 2013, population variance (1 + 1 + 0 + 4) / 4.
    FittedTransform z = fit(T, part(TimePart.YEAR).withScale(Scale.Z_SCORE), train);
    assertThat(z.feature("t").mean()).isEqualTo(2013.0);
    assertThat(z.feature("t").std()).isEqualTo(Math.sqrt(1.5));
    assertThat(apply(z, T, micros("2015-03-01T00:00:00Z"))).isEqualTo((float) (2 / Math.sqrt(1.5)));
    assertThat(apply(z, T, null)).isEqualTo((float) (-1 / Math.sqrt(1.5)));
    FittedTransform minMax = fit(T, part(TimePart.YEAR).withScale(Scale.MIN_MAX), train);
    assertThat(apply(minMax, T, micros("2013-06-01T00:00:00Z"))).isEqualTo((float) (1.0 / 3));
    assertThat(apply(minMax, T, micros("2018-06-01T00:00:00Z"))).isEqualTo(2f);
    FittedTransform constant = fit(T, part(TimePart.YEAR).withImpute(new Impute(Impute.Strategy.CONSTANT, "1999")), train);
    assertThat(apply(constant, T, null)).isEqualTo(1999f);
    // Ties go to the earlier year; without any training timestamp a missing year is NaN.
    assertThat(fit(T, part(TimePart.YEAR), column(T, micros("2014-01-01T00:00:00Z"), micros("2011-01-01T00:00:00Z")))
        .feature("t").imputeNumber()).isEqualTo(2011.0);
    assertThat((Float) apply(fit(T, part(TimePart.YEAR), column(T, (Object) null)), T, null)).isNaN();
  }

  @Test
  void theFittedTimePartsSurviveTheirJson() {
    for (FeatureTransform f : List.of(part(TimePart.MONTH).withEncode(Encoding.CYCLICAL), part(TimePart.WEEK_OF_YEAR),
        part(TimePart.YEAR).withScale(Scale.Z_SCORE))) {
      FittedTransform t = fit(T, f, column(T, micros("2012-05-01T00:00:00Z"), micros("2014-05-01T00:00:00Z")));
      assertThat(TransformJson.read(t.toJson(), ".")).isEqualTo(t);
    }
  }

  @Test
  void instantsAreReadAsMicroseconds() {
    FittedTransform t = fit(T, HOUR, column(T, micros("2026-11-28T10:15:00Z")));
    assertThat(apply(t, T, Instant.parse("2026-11-28T17:00:00.000001Z"))).isEqualTo(17L);
  }
}
