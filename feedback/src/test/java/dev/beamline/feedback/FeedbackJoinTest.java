package dev.beamline.feedback;

import static dev.beamline.feedback.FeedbackJoin.LabelStatus.JOINED;
import static dev.beamline.feedback.FeedbackJoin.LabelStatus.LATE;
import static dev.beamline.feedback.FeedbackJoin.LabelStatus.ORPHAN;
import static dev.beamline.feedback.FeedbackJoin.LabelStatus.SUPERSEDED;
import static dev.beamline.feedback.FeedbackJoin.RequestStatus.DUPLICATE;
import static dev.beamline.feedback.FeedbackJoin.RequestStatus.LATE_LABEL;
import static dev.beamline.feedback.FeedbackJoin.RequestStatus.NO_LABEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The join's rules, one key at a time, with exact outcomes. */
class FeedbackJoinTest {
  private static final long HOUR = 3_600_000_000L;
  private static final long DAY = 24 * HOUR;
  private static final Duration WEEK = Duration.ofDays(7);

  private static FeedbackJoin.Request request(String id, long instance, long time, long version) {
    return new FeedbackJoin.Request(id, instance, time, version, 0);
  }

  private static FeedbackJoin.Label label(Object value, long time, String file, long line) {
    return new FeedbackJoin.Label(value, time, file, line);
  }

  @Test
  void aLabelWithinTheWindowJoinsItsRequest() {
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)), List.of(label("Adelie", 2 * DAY, "l.csv", 2)), WEEK);
    assertThat(o.requestStatuses()).containsExactly(FeedbackJoin.RequestStatus.JOINED);
    assertThat(o.labelOf(0)).isZero();
    assertThat(o.labelStatuses()).containsExactly(JOINED);
  }

  @Test
  void aLabelExactlyAtTheLimitJoinsAndOneMicrosecondLaterIsLate() {
    long limit = 7 * DAY;
    assertThat(FeedbackJoin.resolve(List.of(request("a", 0, 100, 1)), List.of(label("x", 100 + limit, "f", 2)), WEEK).labelStatuses())
        .containsExactly(JOINED);
    FeedbackJoin.Outcome late = FeedbackJoin.resolve(List.of(request("a", 0, 100, 1)), List.of(label("x", 101 + limit, "f", 2)), WEEK);
    assertThat(late.requestStatuses()).containsExactly(LATE_LABEL);
    assertThat(late.labelOf(0)).isEqualTo(-1);
    assertThat(late.labelStatuses()).containsExactly(LATE);
  }

  @Test
  void withoutALimitEveryLabelIsOnTime() {
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)), List.of(label("x", 5000 * DAY, "f", 2)), null);
    assertThat(o.labelStatuses()).containsExactly(JOINED);
  }

  @Test
  void aLabelRecordedBeforeItsRequestJoins() {
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(List.of(request("a", 0, DAY, 1)), List.of(label("x", DAY - HOUR, "f", 2)), WEEK);
    assertThat(o.labelStatuses()).containsExactly(JOINED);
  }

  @Test
  void aRequestWithoutLabelIsKeptAndALabelWithoutRequestIsAnOrphan() {
    FeedbackJoin.Outcome none = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)), List.of(), WEEK);
    assertThat(none.requestStatuses()).containsExactly(NO_LABEL);
    assertThat(none.labelOf(0)).isEqualTo(-1);
    FeedbackJoin.Outcome orphans = FeedbackJoin.resolve(List.of(), List.of(label("x", 0, "f", 2), label("y", 0, "f", 3)), WEEK);
    assertThat(orphans.requestStatuses()).isEmpty();
    assertThat(orphans.labelStatuses()).containsExactly(ORPHAN, ORPHAN);
  }

  @Test
  void theLatestLabelWinsAndTheOthersAreSuperseded() {
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)),
        List.of(label("first", HOUR, "l.csv", 2), label("correction", 3 * HOUR, "l.csv", 9), label("middle", 2 * HOUR, "m.csv", 4)), WEEK);
    assertThat(o.labelOf(0)).isEqualTo(1);
    assertThat(o.labelStatuses()).containsExactly(SUPERSEDED, JOINED, SUPERSEDED);
  }

  @Test
  void amongEqualTimesTheLaterLineAndThenTheLaterFileWins() {
    FeedbackJoin.Outcome sameFile = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)),
        List.of(label("line 7", HOUR, "l.csv", 7), label("line 3", HOUR, "l.csv", 3)), WEEK);
    assertThat(sameFile.labelOf(0)).isZero();
    FeedbackJoin.Outcome files = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)),
        List.of(label("b", HOUR, "b.csv", 2), label("a", HOUR, "a.csv", 9)), WEEK);
    assertThat(files.labelOf(0)).isZero();
    assertThat(files.labelStatuses()).containsExactly(JOINED, SUPERSEDED);
  }

  @Test
  void aLateCorrectionDoesNotReplaceTheLabelThatCameInTime() {
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(List.of(request("a", 0, 0, 1)),
        List.of(label("in time", DAY, "l.csv", 2), label("too late", 9 * DAY, "l.csv", 3)), WEEK);
    assertThat(o.labelOf(0)).isZero();
    assertThat(o.labelStatuses()).containsExactly(JOINED, LATE);
  }

  @Test
  void duplicateRequestsKeepTheEarliestThenTheLowerVersion() {
    List<FeedbackJoin.Request> rows = List.of(request("a", 0, 5, 2), request("a", 0, 3, 2), request("a", 1, 3, 2), request("a", 0, 3, 1));
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(rows, List.of(label("x", HOUR, "f", 2)), WEEK);
    assertThat(o.requestStatuses()).containsExactly(DUPLICATE, DUPLICATE, FeedbackJoin.RequestStatus.JOINED, FeedbackJoin.RequestStatus.JOINED);
    assertThat(o.labelOf(0)).isEqualTo(-1);
    assertThat(o.labelOf(2)).isZero();
    assertThat(o.labelOf(3)).isZero();
  }

  @Test
  void duplicatesOfEqualTimeAndVersionAreDecidedByContent() {
    List<FeedbackJoin.Request> rows = List.of(new FeedbackJoin.Request("a", 0, 3, 1, 9), new FeedbackJoin.Request("a", 0, 3, 1, -4));
    assertThat(FeedbackJoin.resolve(rows, List.of(), WEEK).requestStatuses()).containsExactly(DUPLICATE, NO_LABEL);
  }

  @Test
  void aDeclaredKeySharedByRequestsGivesEachTheLatestLabelInItsOwnWindow() {
    // Three requests for one order: day 0, day 5 and day 20. Labels on day 6 and day 12.
    List<FeedbackJoin.Request> rows = List.of(request("r1", 0, 0, 1), request("r2", 0, 5 * DAY, 1), request("r3", 0, 20 * DAY, 1));
    List<FeedbackJoin.Label> labels = List.of(label("early", 6 * DAY, "l.csv", 2), label("later", 12 * DAY, "l.csv", 3));
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(rows, labels, WEEK);
    // r1: only day 6 is within 7 days; r2: both are, day 12 wins; r3: both came before it, so both join by the window rule, day 12 wins.
    assertThat(o.labelOf(0)).isZero();
    assertThat(o.labelOf(1)).isEqualTo(1);
    assertThat(o.labelOf(2)).isEqualTo(1);
    assertThat(o.labelStatuses()).containsExactly(JOINED, JOINED);
  }

  @Test
  void aLabelLateForEveryRequestOfItsKeyIsLateEvenWhenAnotherJoined() {
    List<FeedbackJoin.Request> rows = List.of(request("r1", 0, 0, 1), request("r2", 0, DAY, 1));
    List<FeedbackJoin.Label> labels = List.of(label("on time", 2 * DAY, "l.csv", 2), label("late", 30 * DAY, "l.csv", 3));
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(rows, labels, WEEK);
    assertThat(o.labelStatuses()).containsExactly(JOINED, LATE);
    assertThat(o.requestStatuses()).containsOnly(FeedbackJoin.RequestStatus.JOINED);
  }

  @Test
  void theOutcomeDoesNotDependOnTheOrderRowsAndLabelsArrive() {
    List<FeedbackJoin.Request> rows = new ArrayList<>(List.of(request("a", 0, 0, 1), request("a", 0, 0, 2), request("b", 0, DAY, 1),
        request("b", 1, 2 * DAY, 1), new FeedbackJoin.Request("a", 0, 0, 1, 7)));
    List<FeedbackJoin.Label> labels = new ArrayList<>(List.of(label("x", DAY, "f", 2), label("y", 3 * DAY, "f", 3), label("z", 3 * DAY, "g", 1),
        label("w", 20 * DAY, "f", 4)));
    FeedbackJoin.Outcome reference = FeedbackJoin.resolve(rows, labels, WEEK);
    Random random = new Random(42);
    for (int trial = 0; trial < 50; trial++) {
      List<Integer> rowOrder = shuffled(rows.size(), random);
      List<Integer> labelOrder = shuffled(labels.size(), random);
      FeedbackJoin.Outcome o = FeedbackJoin.resolve(rowOrder.stream().map(rows::get).toList(), labelOrder.stream().map(labels::get).toList(), WEEK);
      for (int i = 0; i < rows.size(); i++) {
        int r = rowOrder.get(i);
        assertThat(o.requestStatus(i)).isEqualTo(reference.requestStatus(r));
        int l = o.labelOf(i);
        assertThat(l < 0 ? null : labels.get(labelOrder.get(l))).isEqualTo(reference.labelOf(r) < 0 ? null : labels.get(reference.labelOf(r)));
      }
      for (int j = 0; j < labels.size(); j++) {
        assertThat(o.labelStatus(j)).isEqualTo(reference.labelStatus(labelOrder.get(j)));
      }
    }
  }

  private static List<Integer> shuffled(int n, Random random) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, random);
    return order;
  }

  @Test
  void delaysSaturateInsteadOfOverflowing() {
    assertThat(FeedbackJoin.delayMicros(Long.MAX_VALUE, -10)).isEqualTo(Long.MAX_VALUE);
    assertThat(FeedbackJoin.delayMicros(Long.MIN_VALUE, 10)).isEqualTo(Long.MIN_VALUE);
    assertThat(FeedbackJoin.delayMicros(10, 3)).isEqualTo(7);
  }

  @Test
  void refusesANonPositiveDelay() {
    assertThatThrownBy(() -> FeedbackJoin.resolve(List.of(), List.of(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDelay must be positive");
  }
}
