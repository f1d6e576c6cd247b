package dev.beamline.runner.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WatchDecisionTest {
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

  private static InputState.File input(long span, Long version, String name, long bytes) {
    String path = "/d/span-" + span + (version == null ? "" : "/v" + version) + "/" + name;
    return new InputState.File("input", path, bytes, 1000, span, version);
  }

  private static InputState state(InputState.File... files) {
    return new InputState(List.of(files));
  }

  private static Optional<WatchDecision.LastRun> last(InputState inputs) {
    return Optional.of(new WatchDecision.LastRun("r1", T0, inputs, true, 0));
  }

  private static WatchDecision decide(InputState now, Optional<WatchDecision.LastRun> last) {
    return WatchDecision.decide(now, last, Optional.empty(), T0.plusSeconds(60), Optional.empty());
  }

  @Test
  void noInputWaitsAndTheFirstLookRuns() {
    assertThat(decide(InputState.empty(), Optional.empty())).isEqualTo(WatchDecision.idle("no input file yet"));
    assertThat(decide(state(yaml(1)), Optional.empty())).isEqualTo(WatchDecision.idle("no input file yet"));
    assertThat(decide(state(input(1, null, "a.csv", 10)), Optional.empty()))
        .isEqualTo(WatchDecision.run("first run: no run of this watch is recorded"));
  }

  @Test
  void unchangedInputWaitsEvenAfterAFailedRun() {
    InputState s = state(input(1, null, "a.csv", 10));
    assertThat(decide(s, last(s))).isEqualTo(WatchDecision.idle("no change since run r1"));
    Optional<WatchDecision.LastRun> failed = Optional.of(new WatchDecision.LastRun("r1", T0, s, true, 1));
    assertThat(decide(s, failed)).isEqualTo(WatchDecision.idle("no change since run r1"));
  }

  @Test
  void aRunWhoseWatchStoppedIsRunAgain() {
    InputState s = state(input(1, null, "a.csv", 10));
    Optional<WatchDecision.LastRun> killed = Optional.of(new WatchDecision.LastRun("r1", T0, s, false, null));
    assertThat(decide(s, killed)).isEqualTo(WatchDecision.run("the last run r1 did not finish: its watch stopped while it ran"));
  }

  @Test
  void newSpansAndVersionsAreNamedAndOtherFilesListed() {
    InputState before = state(input(1, 1L, "a.csv", 10), input(2, 1L, "a.csv", 10));
    InputState after =
        state(input(1, 1L, "a.csv", 11), input(1, 1L, "b.csv", 5), input(2, 1L, "a.csv", 10), input(2, 2L, "a.csv", 10),
            input(3, 1L, "a.csv", 1), input(4, 1L, "a.csv", 1));
    assertThat(decide(after, last(before)).reason())
        .isEqualTo("new spans 3, 4 of input; new version 2 of span 2 of input; 1 file added of input (/d/span-1/v1/b.csv);"
            + " 1 file changed of input (/d/span-1/v1/a.csv)");
    assertThat(decide(before, last(after)).reason())
        .isEqualTo("1 file changed of input (/d/span-1/v1/a.csv);"
            + " 4 files removed of input (/d/span-1/v1/b.csv, /d/span-2/v2/a.csv, /d/span-3/v1/a.csv, and 1 more)");
  }

  @Test
  void removedAndChangedFilesAreNamedUpToThree() {
    InputState before = state(input(1, null, "a.csv", 10), input(1, null, "b.csv", 10), input(1, null, "c.csv", 10), input(1, null, "d.csv", 10));
    InputState after = state(input(1, null, "a.csv", 12));
    assertThat(decide(after, last(before)).reason())
        .isEqualTo("1 file changed of input (/d/span-1/a.csv); 3 files removed of input (/d/span-1/b.csv, /d/span-1/c.csv, /d/span-1/d.csv)");
    List<InputState.File> many = new ArrayList<>(before.files());
    many.add(input(1, null, "e.csv", 1));
    many.add(input(1, null, "f.csv", 1));
    many.add(input(1, null, "g.csv", 1));
    many.add(input(1, null, "h.csv", 1));
    assertThat(decide(new InputState(many), last(before)).reason())
        .isEqualTo("4 files added of input (/d/span-1/e.csv, /d/span-1/f.csv, /d/span-1/g.csv, and 1 more)");
  }

  @Test
  void feedbackFilesCountAfterTheInput() {
    InputState before = state(input(1, null, "a.csv", 10));
    InputState after =
        state(
            input(1, null, "a.csv", 10),
            new InputState.File("request_log", "/logs/m/3/seg-1.parquet", 100, 5, null, null),
            new InputState.File("labels", "/labels/day-7/l.csv", 20, 5, 7L, null));
    assertThat(decide(after, last(before)).reason())
        .isEqualTo("new span 7 of labels; 1 file added of request_log (/logs/m/3/seg-1.parquet)");
  }

  private static InputState.File yaml(long modified) {
    return new InputState.File("pipeline", "/p/pipeline.yaml", 300, modified, null, null);
  }

  @Test
  void aChangedPipelineFileIsNamedFirst() {
    InputState before = state(yaml(1), input(1, null, "a.csv", 10));
    InputState after = state(yaml(2), input(1, null, "a.csv", 10), input(2, null, "a.csv", 10));
    assertThat(decide(after, last(before)).reason()).isEqualTo("1 file changed of pipeline (/p/pipeline.yaml); new span 2 of input");
  }

  @Test
  void theRetrainTriggerRunsWithOrWithoutNewInput() {
    InputState s = state(input(1, null, "a.csv", 10));
    WatchDecision fired = WatchDecision.decide(s, last(s), Optional.empty(), T0, Optional.of("accuracy 0.81 < 0.85"));
    assertThat(fired).isEqualTo(WatchDecision.run("retrain trigger fired: accuracy 0.81 < 0.85"));
    InputState more = state(input(1, null, "a.csv", 10), input(2, null, "a.csv", 10));
    assertThat(WatchDecision.decide(more, last(s), Optional.empty(), T0, Optional.of("drift")).reason())
        .isEqualTo("new span 2 of input; retrain trigger fired: drift");
  }

  @Test
  void theIntervalRunsUnchangedInputOnceItHasPassed() {
    InputState s = state(input(1, null, "a.csv", 10));
    Optional<Duration> day = Optional.of(Duration.ofDays(1));
    assertThat(WatchDecision.decide(s, last(s), day, T0.plus(Duration.ofHours(23)), Optional.empty()))
        .isEqualTo(WatchDecision.idle("no change since run r1; next run by interval at 2026-12-01T10:00:00Z"));
    assertThat(WatchDecision.decide(s, last(s), day, T0.plus(Duration.ofDays(1)), Optional.empty()))
        .isEqualTo(WatchDecision.run("interval 1d elapsed since run r1 started at 2026-11-30T10:00:00Z"));
  }

  @Test
  void aStateIsTheSameAfterARoundTripThroughJsonAndItsFingerprintSeesEveryField() {
    InputState s = state(input(2, 3L, "a.csv", 10), new InputState.File("request_log", "/l/x.parquet", 7, 9, null, null));
    assertThat(InputState.fromJson(s.toJson())).isEqualTo(s);
    assertThat(InputState.fromJson(s.toJson()).fingerprint()).isEqualTo(s.fingerprint());
    assertThat(state(input(2, 3L, "a.csv", 11)).fingerprint()).isNotEqualTo(state(input(2, 3L, "a.csv", 10)).fingerprint());
    // Order of discovery does not matter.
    assertThat(state(input(1, null, "a.csv", 1), input(2, null, "a.csv", 1)))
        .isEqualTo(state(input(2, null, "a.csv", 1), input(1, null, "a.csv", 1)));
  }

  @Test
  void durationsReadAndWriteInTheirLargestWholeUnit() {
    assertThat(DurationText.parse("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(DurationText.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(DurationText.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(DurationText.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(DurationText.parse("2")).isEqualTo(Duration.ofSeconds(2));
    assertThat(DurationText.format(Duration.ofMinutes(90))).isEqualTo("90m");
    assertThat(DurationText.format(Duration.ofHours(48))).isEqualTo("2d");
    assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThatThrownBy(() -> DurationText.parse("soon")).hasMessage("duration 'soon' is not a number followed by ms, s, m, h or d (e.g. 30s, 1d)");
    assertThatThrownBy(() -> DurationText.parse("0s")).hasMessage("duration '0s' must be positive");
  }
}
