package dev.beamline.serving.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Defaults, validation and the deterministic sample of {@link RequestLogConfig}. */
class RequestLogConfigTest {
  private static final RequestLogConfig DEFAULTS = RequestLogConfig.of(Path.of("/var/log/requests"));

  @Test
  void defaults() {
    assertThat(DEFAULTS.directory()).isEqualTo(Path.of("/var/log/requests"));
    assertThat(DEFAULTS.sampleRate()).isEqualTo(1.0);
    assertThat(DEFAULTS.maxSegmentBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(DEFAULTS.maxSegmentAge()).isEqualTo(Duration.ofMinutes(5));
    assertThat(DEFAULTS.queueCapacity()).isEqualTo(10_000);
  }

  @Test
  void withMethodsChangeOneValue() {
    RequestLogConfig c =
        DEFAULTS.withSampleRate(0.25).withMaxSegmentBytes(1024).withMaxSegmentAge(Duration.ofSeconds(30)).withQueueCapacity(7)
            .withDirectory(Path.of("logs"));
    assertThat(c).isEqualTo(new RequestLogConfig(Path.of("logs"), 0.25, 1024, Duration.ofSeconds(30), 7));
  }

  @Test
  void rejectsValuesOutOfRangeNamingThem() {
    assertThatThrownBy(() -> DEFAULTS.withSampleRate(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sample_rate must be in [0, 1] (a fraction of requests), got 1.5");
    assertThatThrownBy(() -> DEFAULTS.withSampleRate(Double.NaN))
        .hasMessage("sample_rate must be in [0, 1] (a fraction of requests), got NaN");
    assertThatThrownBy(() -> DEFAULTS.withMaxSegmentBytes(0)).hasMessage("max_segment_bytes must be positive, got 0");
    assertThatThrownBy(() -> DEFAULTS.withMaxSegmentAge(Duration.ZERO))
        .hasMessage("max_segment_age must be positive and at most one day, got PT0S");
    assertThatThrownBy(() -> DEFAULTS.withMaxSegmentAge(Duration.ofDays(2)))
        .hasMessage("max_segment_age must be positive and at most one day, got PT48H");
    assertThatThrownBy(() -> DEFAULTS.withQueueCapacity(0)).hasMessage("queue_capacity must be positive, got 0");
    assertThatThrownBy(() -> DEFAULTS.withDirectory(null)).isInstanceOf(NullPointerException.class).hasMessage("directory");
  }

  @Test
  void samplesNoneOrAll() {
    List<String> ids = IntStream.range(0, 1000).mapToObj(i -> "req-" + i).toList();
    assertThat(ids).noneMatch(DEFAULTS.withSampleRate(0)::samples);
    assertThat(ids).allMatch(DEFAULTS.withSampleRate(1)::samples);
    assertThat(DEFAULTS.withSampleRate(0).samples(null)).isFalse();
    assertThat(DEFAULTS.withSampleRate(1).samples(null)).isTrue();
  }

  @Test
  void samplesTheSameIdsEveryTimeInProportionAndNestedByRate() {
    List<String> ids = IntStream.range(0, 20_000).mapToObj(i -> "req-" + i).toList();
    RequestLogConfig half = DEFAULTS.withSampleRate(0.5);
    List<String> taken = ids.stream().filter(half::samples).toList();
    // Another instance, another time: the same ids.
    assertThat(ids.stream().filter(RequestLogConfig.of(Path.of("elsewhere")).withSampleRate(0.5)::samples).toList())
        .isEqualTo(taken);
    // Binomial(20000, 0.5): standard deviation 71; 5 of them.
    assertThat(taken.size()).isBetween(10_000 - 355, 10_000 + 355);
    // A smaller rate takes a subset: u < 0.1 implies u < 0.5.
    List<String> tenth = ids.stream().filter(DEFAULTS.withSampleRate(0.1)::samples).toList();
    assertThat(taken).containsAll(tenth);
    assertThat(tenth.size()).isBetween(2000 - 212, 2000 + 212);
  }
}
