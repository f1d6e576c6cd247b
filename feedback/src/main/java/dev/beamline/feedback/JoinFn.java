package dev.beamline.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;

/**
 * Joins the logged rows and the labels of one key ({@link FeedbackJoin#resolve}): emits every kept row
 * with its label and the label's time (both null when it got none) in batches of the joined traffic's
 * columns, a line for each label that joined nothing ({@link #UNJOINED}: orphan, late or superseded, with
 * its file, line, key and value), and the counts of each bundle ({@link #COUNTS}).
 */
final class JoinFn extends DoFn<KV<Integer, Iterable<RawUnionValue>>, ExampleBatch> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH_SIZE = 2048;

  static final TupleTag<ExampleBatch> TRAFFIC = new TupleTag<>("traffic") {};
  static final TupleTag<String> UNJOINED = new TupleTag<>("unjoined") {};
  static final TupleTag<JoinCounts> COUNTS = new TupleTag<>("counts") {};

  /** The union tag of a logged row ({@code KV<key, GenericRecord>}) in a bucket's group. */
  static final int REQUEST = 0;
  /** The union tag of a label ({@code KV<key, FeedbackJoin.Label>}). */
  static final int LABEL = 1;
  private final Duration maxDelay;
  private final ExampleSchema requests;
  private final String trafficJson;
  private transient Schema trafficAvro;
  private transient List<GenericRecord> batch;
  private transient JoinCounts counts;

  JoinFn(Duration maxDelay, ExampleSchema requests, ExampleSchema traffic) {
    this.maxDelay = maxDelay;
    this.requests = requests;
    this.trafficJson = traffic.toAvro().toString();
  }

  @Setup
  public void setup() {
    trafficAvro = new Schema.Parser().parse(trafficJson);
  }

  @StartBundle
  public void startBundle() {
    batch = new ArrayList<>(BATCH_SIZE);
    counts = new JoinCounts();
  }

  /**
   * One bucket of keys ({@link #bucket}): its rows and labels grouped by key here, in memory, then joined
   * key by key. Grouping by bucket rather than by key keeps the runner's groups few: the DirectRunner
   * processes each group in a bundle of its own, at a cost that one group per request id multiplies.
   */
  @ProcessElement
  @SuppressWarnings("unchecked")
  public void process(@Element KV<Integer, Iterable<RawUnionValue>> group, MultiOutputReceiver out) {
    java.util.Map<String, List<GenericRecord>> rowsByKey = new java.util.HashMap<>();
    java.util.Map<String, List<FeedbackJoin.Label>> labelsByKey = new java.util.HashMap<>();
    for (RawUnionValue v : group.getValue()) {
      if (v.getUnionTag() == REQUEST) {
        KV<String, GenericRecord> kv = (KV<String, GenericRecord>) v.getValue();
        rowsByKey.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue());
      } else {
        KV<String, FeedbackJoin.Label> kv = (KV<String, FeedbackJoin.Label>) v.getValue();
        labelsByKey.computeIfAbsent(kv.getKey(), k -> new ArrayList<>()).add(kv.getValue());
      }
    }
    java.util.Set<String> keys = new java.util.TreeSet<>(rowsByKey.keySet());
    keys.addAll(labelsByKey.keySet());
    for (String key : keys) {
      join(key, rowsByKey.getOrDefault(key, List.of()), labelsByKey.getOrDefault(key, List.of()), out);
    }
  }

  /** The bucket of {@code key}: one of {@code buckets}, by a stable hash. */
  static int bucket(String key, int buckets) {
    return (int) Math.floorMod(Hashing.farmHashFingerprint64().hashString(key, StandardCharsets.UTF_8).asLong(), (long) buckets);
  }

  private void join(String groupKey, List<GenericRecord> rows, List<FeedbackJoin.Label> labels, MultiOutputReceiver out) {
    List<FeedbackJoin.Request> refs = new ArrayList<>(rows.size());
    for (GenericRecord r : rows) {
      refs.add(new FeedbackJoin.Request(r.get(TrafficSchema.REQUEST_ID).toString(), (Long) r.get(TrafficSchema.INSTANCE),
          (Long) r.get(TrafficSchema.TIME), (Long) r.get(TrafficSchema.VERSION),
          Hashing.farmHashFingerprint64().hashString(r.toString(), StandardCharsets.UTF_8).asLong()));
    }
    FeedbackJoin.Outcome o = FeedbackJoin.resolve(refs, labels, maxDelay);
    counts.add(JoinCounts.REQUESTS, rows.size()).add(JoinCounts.LABELS, labels.size());
    boolean keyless = groupKey.startsWith(ReadRequestLogFn.NO_KEY);
    for (int i = 0; i < rows.size(); i++) {
      FeedbackJoin.RequestStatus s = o.requestStatus(i);
      switch (s) {
        case DUPLICATE -> counts.add(JoinCounts.DUPLICATE_REQUESTS, 1);
        case JOINED -> counts.add(JoinCounts.JOINED, 1);
        case NO_LABEL -> {
          counts.add(JoinCounts.WITHOUT_LABEL, 1);
          if (keyless) {
            counts.add(JoinCounts.WITHOUT_KEY, 1);
          }
        }
        case LATE_LABEL -> counts.add(JoinCounts.WITHOUT_LABEL, 1).add(JoinCounts.LABEL_TOO_LATE, 1);
      }
      if (s != FeedbackJoin.RequestStatus.DUPLICATE) {
        int l = o.labelOf(i);
        emit(rows.get(i), l < 0 ? null : labels.get(l), out);
      }
    }
    for (int j = 0; j < labels.size(); j++) {
      FeedbackJoin.LabelStatus s = o.labelStatus(j);
      counts.add(switch (s) {
        case JOINED -> JoinCounts.LABELS_JOINED;
        case ORPHAN -> JoinCounts.ORPHAN_LABELS;
        case LATE -> JoinCounts.LATE_LABELS;
        case SUPERSEDED -> JoinCounts.SUPERSEDED_LABELS;
      }, 1);
      if (s != FeedbackJoin.LabelStatus.JOINED) {
        out.get(UNJOINED).output(unjoined(groupKey, labels.get(j), s));
      }
    }
  }

  private void emit(GenericRecord row, FeedbackJoin.Label label, MultiOutputReceiver out) {
    GenericData.Record t = new GenericData.Record(trafficAvro);
    for (int c = 0; c < requests.size(); c++) {
      t.put(c, row.get(c));
    }
    if (label != null) {
      t.put(requests.size(), label.value());
      t.put(requests.size() + 1, label.timeMicros());
    }
    batch.add(t);
    if (batch.size() >= BATCH_SIZE) {
      out.get(TRAFFIC).output(ExampleBatch.of(batch));
      batch = new ArrayList<>(BATCH_SIZE);
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext c) {
    if (!batch.isEmpty()) {
      c.output(TRAFFIC, ExampleBatch.of(batch), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
      batch = new ArrayList<>(BATCH_SIZE);
    }
    if (!counts.isEmpty()) {
      c.output(COUNTS, counts, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
      counts = new JoinCounts();
    }
  }

  /** The line of a label that joined no request: why, where it was read, its key, value and time. */
  static String unjoined(String key, FeedbackJoin.Label label, FeedbackJoin.LabelStatus status) {
    ObjectNode o = JSON.createObjectNode();
    o.put("status", status.name().toLowerCase(java.util.Locale.ROOT));
    o.put("file", label.file());
    o.put("line", label.line());
    o.put("key", key);
    Object v = label.value();
    if (v instanceof Long n) {
      o.put("label", n);
    } else if (v instanceof Double d) {
      o.put("label", d);
    } else if (v instanceof Boolean b) {
      o.put("label", b);
    } else {
      o.put("label", v.toString());
    }
    o.put("time", TrafficSchema.timestampText(label.timeMicros()));
    return o.toString();
  }
}
