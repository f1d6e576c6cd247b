package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SliceSpec#parse}: slices as {@code beamline evaluate --slices} takes them. */
class SliceSpecTest {
  @Test
  void parsesAFeatureACrossAndBuckets() {
    assertThat(SliceSpec.parse("island")).isEqualTo(SliceSpec.of(SliceSpec.Feature.values("island")));
    assertThat(SliceSpec.parse(" sex , island ")).isEqualTo(SliceSpec.of(SliceSpec.Feature.values("sex"), SliceSpec.Feature.values("island")));
    assertThat(SliceSpec.parse("body_mass_g:3500,4500"))
        .isEqualTo(SliceSpec.of(SliceSpec.Feature.buckets("body_mass_g", List.of(3500.0, 4500.0))));
    assertThat(SliceSpec.parse("sex,body_mass_g:3500,4500.5,island")).isEqualTo(SliceSpec.of(SliceSpec.Feature.values("sex"),
        SliceSpec.Feature.buckets("body_mass_g", List.of(3500.0, 4500.5)), SliceSpec.Feature.values("island")));
    assertThat(SliceSpec.parse("body_mass_g:-1e3").toString()).isEqualTo("body_mass_g by [-1000.0]");
  }

  @Test
  void badSpecsAreNamed() {
    assertThatThrownBy(() -> SliceSpec.parse(" ")).hasMessage("a slice needs at least one feature; got ' '");
    assertThatThrownBy(() -> SliceSpec.parse("sex,,island")).hasMessage("slice 'sex,,island' has an empty item between commas");
    assertThatThrownBy(() -> SliceSpec.parse("body_mass_g:heavy"))
        .hasMessage("slice 'body_mass_g:heavy': the buckets of 'body_mass_g' must be numbers, as in body_mass_g:3500,4500; got 'heavy'");
    assertThatThrownBy(() -> SliceSpec.parse(":3500")).hasMessage("slice ':3500': ':3500' needs a feature name before ':'");
    assertThatThrownBy(() -> SliceSpec.parse("body_mass_g:4500,3500"))
        .hasMessage("the buckets of slice feature 'body_mass_g' must be increasing; got [4500.0, 3500.0]");
    assertThatThrownBy(() -> SliceSpec.parse("sex,sex")).hasMessage("a slice names a feature twice: [sex, sex]");
  }

  @Test
  void aTimestampIsSlicedByItsPartInUtc() {
    SliceSpec s = SliceSpec.parse("hour(date),origin");
    SliceSpec.Feature hour = s.features().get(0);
    assertThat(hour).isEqualTo(SliceSpec.Feature.timePart("date", "hour"));
    assertThat(s.featureNames()).containsExactly("date", "origin");
    // 2001-01-01T06:55:00Z, a Monday, in microseconds; and the same instant as text.
    long micros = 978_332_100_000_000L;
    assertThat(hour.valueOf(micros)).isEqualTo("6");
    assertThat(hour.valueOf("2001-01-01T06:55:00Z")).isEqualTo("6");
    assertThat(SliceSpec.Feature.timePart("date", "weekday").valueOf(micros)).isEqualTo("MONDAY");
    assertThat(SliceSpec.Feature.timePart("date", "month").valueOf(micros)).isEqualTo("1");
    assertThat(SliceSpec.Feature.timePart("date", "year").valueOf(micros)).isEqualTo("2001");
    assertThat(hour.valueOf(null)).isEqualTo(SliceSpec.MISSING);
    assertThat(hour.valueOf("not a time")).isEqualTo(SliceSpec.MISSING);
    assertThat(s.sliceName(java.util.List.of("6", "SFO"))).isEqualTo("hour(date)=6, origin=SFO");
    assertThat(s.column()).isEqualTo("slice_hour_date_x_origin");
    assertThatThrownBy(() -> SliceSpec.Feature.timePart("date", "minute"))
        .hasMessage("unknown time part 'minute' (one of: hour, weekday, month, year)");
  }
}
