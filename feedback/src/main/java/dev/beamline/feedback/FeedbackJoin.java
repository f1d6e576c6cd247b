package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules that join the logged requests of one key with the labels of that key: which request gets
 * which label, and what becomes of every request and every label. A plain class, so that each rule is
 * tested with exact outcomes without a pipeline; the join stage applies it to each key's group after a
 * {@code CoGroupByKey}.
 *
 * <ol>
 *   <li><b>Duplicate requests.</b> Rows with the same request id and instance (a retried or replayed
 *       request logged twice) are one request: the earliest is kept (ties: the lower model version, then
 *       the row's content), the others are {@link RequestStatus#DUPLICATE} and left out.
 *   <li><b>Window.</b> A label joins a request when its delay, label time minus request time, is at most
 *       {@code maxDelay} (no limit when null). A label recorded before its request (clocks apart) joins.
 *   <li><b>Which label.</b> Of the labels within a request's window, the latest wins (ties: the later in
 *       file order, by path then line: a correction further down a file wins).
 *   <li><b>Requests.</b> {@link RequestStatus#JOINED}; {@link RequestStatus#LATE_LABEL} when the key has
 *       labels but all came too late for it; {@link RequestStatus#NO_LABEL} when the key has none.
 *   <li><b>Labels.</b> {@link LabelStatus#JOINED} when it won for at least one request; {@link
 *       LabelStatus#ORPHAN} when no request has its key; {@link LabelStatus#LATE} when it came too late
 *       for every request of its key; else {@link LabelStatus#SUPERSEDED} (a later label of the key won).
 * </ol>
 *
 * <pre>{@code
 * FeedbackJoin.Outcome o = FeedbackJoin.resolve(requests, labels, Duration.ofDays(7));
 * int label = o.labelOf(0);                 // index into labels, or -1
 * FeedbackJoin.LabelStatus s = o.labelStatus(1);
 * }</pre>
 */
public final class FeedbackJoin {
  private FeedbackJoin() {}

  /**
   * One logged row (one instance of a request).
   *
   * @param timeMicros when the server answered it, microseconds since the epoch
   * @param content a fingerprint of the row's content, the last tie-break between duplicates
   */
  public record Request(String requestId, long instance, long timeMicros, long version, long content) implements Serializable {
    public Request {
      checkNotNull(requestId, "requestId");
    }
  }

  /**
   * One label row.
   *
   * @param value the label, as its column's type (String, Long, Double, Boolean)
   * @param timeMicros when it was recorded, microseconds since the epoch
   * @param file the file it was read from
   * @param line its line in that file (for Avro and Parquet, its 1-based record number)
   */
  public record Label(Object value, long timeMicros, String file, long line) implements Serializable {
    public Label {
      checkNotNull(value, "value");
      checkNotNull(file, "file");
    }
  }

  /** What became of a logged row. */
  public enum RequestStatus {
    /** Joined with a label within its window. */
    JOINED,
    /** Another row with the same request id and instance was kept: left out. */
    DUPLICATE,
    /** Its key has no label. */
    NO_LABEL,
    /** Its key has labels, all later than the window allows. */
    LATE_LABEL
  }

  /** What became of a label. */
  public enum LabelStatus {
    /** Joined with at least one request. */
    JOINED,
    /** No logged request has its key. */
    ORPHAN,
    /** Later than the window allows after every request of its key. */
    LATE,
    /** Within a window, but a later label of the same key won. */
    SUPERSEDED
  }

  /**
   * The outcome for one key, by the index of each request and label in the lists given.
   *
   * @param requestStatuses per request
   * @param labelOf per request, the index of the label it joined, -1 for none
   * @param labelStatuses per label
   */
  public record Outcome(List<RequestStatus> requestStatuses, int[] labelOf, List<LabelStatus> labelStatuses) {
    public Outcome {
      requestStatuses = List.copyOf(requestStatuses);
      labelOf = labelOf.clone();
      labelStatuses = List.copyOf(labelStatuses);
    }

    public RequestStatus requestStatus(int request) {
      return requestStatuses.get(request);
    }

    /** The index of the label request {@code request} joined, or -1. */
    public int labelOf(int request) {
      return labelOf[request];
    }

    public LabelStatus labelStatus(int label) {
      return labelStatuses.get(label);
    }

    @Override
    public int[] labelOf() {
      return labelOf.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Outcome other && requestStatuses.equals(other.requestStatuses) && Arrays.equals(labelOf, other.labelOf)
          && labelStatuses.equals(other.labelStatuses);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * requestStatuses.hashCode() + Arrays.hashCode(labelOf)) + labelStatuses.hashCode();
    }
  }

  /** The latest label first; among equal times, the later in file order (path, then line). */
  static final Comparator<Label> LATEST_FIRST =
      Comparator.comparingLong(Label::timeMicros).thenComparing(Label::file).thenComparingLong(Label::line).reversed();

  /** The row kept among duplicates first: the earliest, then the lower version, then by content. */
  static final Comparator<Request> KEPT_FIRST =
      Comparator.comparingLong(Request::timeMicros).thenComparingLong(Request::version).thenComparingLong(Request::content);

  /**
   * Joins the {@code requests} of one key with its {@code labels}.
   *
   * @param maxDelay the longest a label may come after its request; null for no limit
   */
  public static Outcome resolve(List<Request> requests, List<Label> labels, Duration maxDelay) {
    checkNotNull(requests, "requests");
    checkNotNull(labels, "labels");
    checkArgument(maxDelay == null || (!maxDelay.isNegative() && !maxDelay.isZero()), "maxDelay must be positive or null, got %s", maxDelay);
    long maxDelayMicros = maxDelay == null ? Long.MAX_VALUE : saturatedMicros(maxDelay);

    RequestStatus[] requestStatus = new RequestStatus[requests.size()];
    int[] labelOf = new int[requests.size()];
    Arrays.fill(labelOf, -1);
    Map<String, Integer> kept = new HashMap<>();
    for (int i = 0; i < requests.size(); i++) {
      Request r = requests.get(i);
      String id = r.requestId() + "#" + r.instance();
      Integer before = kept.get(id);
      if (before == null) {
        kept.put(id, i);
      } else if (KEPT_FIRST.compare(r, requests.get(before)) < 0) {
        requestStatus[before] = RequestStatus.DUPLICATE;
        kept.put(id, i);
      } else {
        requestStatus[i] = RequestStatus.DUPLICATE;
      }
    }

    Integer[] order = new Integer[labels.size()];
    for (int j = 0; j < order.length; j++) {
      order[j] = j;
    }
    Arrays.sort(order, (a, b) -> LATEST_FIRST.compare(labels.get(a), labels.get(b)));
    boolean[] won = new boolean[labels.size()];
    boolean[] inWindowSomewhere = new boolean[labels.size()];
    for (int i = 0; i < requests.size(); i++) {
      if (requestStatus[i] == RequestStatus.DUPLICATE) {
        continue;
      }
      long requestTime = requests.get(i).timeMicros();
      for (int j : order) {
        if (delayMicros(labels.get(j).timeMicros(), requestTime) <= maxDelayMicros) {
          inWindowSomewhere[j] = true;
          if (labelOf[i] < 0) {
            labelOf[i] = j;
            won[j] = true;
          }
        }
      }
      requestStatus[i] = labelOf[i] >= 0 ? RequestStatus.JOINED : labels.isEmpty() ? RequestStatus.NO_LABEL : RequestStatus.LATE_LABEL;
    }

    List<LabelStatus> labelStatus = new ArrayList<>(labels.size());
    for (int j = 0; j < labels.size(); j++) {
      labelStatus.add(requests.isEmpty() ? LabelStatus.ORPHAN
          : won[j] ? LabelStatus.JOINED
          : inWindowSomewhere[j] ? LabelStatus.SUPERSEDED
          : LabelStatus.LATE);
    }
    return new Outcome(Arrays.asList(requestStatus), labelOf, labelStatus);
  }

  /** {@code labelTime - requestTime}, saturated instead of overflowing. */
  static long delayMicros(long labelTime, long requestTime) {
    long d = labelTime - requestTime;
    // Overflow only when the signs differ and the result's sign is wrong.
    if (((labelTime ^ requestTime) & (labelTime ^ d)) < 0) {
      return labelTime < requestTime ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return d;
  }

  private static long saturatedMicros(Duration d) {
    try {
      return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1000);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
