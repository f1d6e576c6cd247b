package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The counts of a feedback join, mergeable: what happened to every logged row and every label row. The
 * join step counts per bundle and {@link SumFn} adds the bundles' counts into one.
 *
 * <p>Logged rows: {@value #REQUESTS} read, of which {@value #DUPLICATE_REQUESTS} (another row with the
 * same request id and instance was kept), and of those kept {@value #JOINED}, {@value #WITHOUT_LABEL}
 * (among them {@value #LABEL_TOO_LATE}: their key had labels, all too late, and {@value #WITHOUT_KEY}:
 * the key column was empty); {@value #REJECTED_REQUESTS}: rows of the log that could not be read. Label
 * rows: {@value #LABELS} read, of which {@value #LABELS_JOINED}, {@value #ORPHAN_LABELS} (no request with
 * their key), {@value #LATE_LABELS} and {@value #SUPERSEDED_LABELS}; {@value #REJECTED_LABELS}: rows
 * sent to the dead letters.
 *
 * <pre>{@code
 * JoinCounts c = new JoinCounts().add(JoinCounts.JOINED, 3);
 * long joined = c.get(JoinCounts.JOINED);
 * }</pre>
 */
public final class JoinCounts implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String REQUESTS = "requests";
  public static final String DUPLICATE_REQUESTS = "duplicate_requests";
  public static final String JOINED = "joined";
  public static final String WITHOUT_LABEL = "without_label";
  public static final String LABEL_TOO_LATE = "label_too_late";
  public static final String WITHOUT_KEY = "without_key";
  public static final String REJECTED_REQUESTS = "rejected_requests";
  public static final String LABELS = "labels";
  public static final String LABELS_JOINED = "labels_joined";
  public static final String ORPHAN_LABELS = "orphan_labels";
  public static final String LATE_LABELS = "late_labels";
  public static final String SUPERSEDED_LABELS = "superseded_labels";
  public static final String REJECTED_LABELS = "rejected_labels";

  /** Every count, in the order {@code feedback.json} lists them. */
  public static final List<String> NAMES = List.of(REQUESTS, DUPLICATE_REQUESTS, JOINED, WITHOUT_LABEL, LABEL_TOO_LATE, WITHOUT_KEY,
      REJECTED_REQUESTS, LABELS, LABELS_JOINED, ORPHAN_LABELS, LATE_LABELS, SUPERSEDED_LABELS, REJECTED_LABELS);

  private final TreeMap<String, Long> counts = new TreeMap<>();

  /** Adds {@code n} to the count {@code name}, one of {@link #NAMES}. */
  public JoinCounts add(String name, long n) {
    checkArgument(NAMES.contains(name), "unknown count '%s' (one of %s)", name, NAMES);
    counts.merge(name, n, Long::sum);
    return this;
  }

  public long get(String name) {
    checkArgument(NAMES.contains(name), "unknown count '%s' (one of %s)", name, NAMES);
    return counts.getOrDefault(name, 0L);
  }

  /** Adds every count of {@code other} to these. */
  public JoinCounts merge(JoinCounts other) {
    other.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
    return this;
  }

  public boolean isEmpty() {
    return counts.isEmpty();
  }

  /** Every count, zeros included, in the order of {@link #NAMES}. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    NAMES.forEach(n -> o.put(n, get(n)));
    return o;
  }

  /** The counts written by {@link #toJson()}. */
  public static JoinCounts fromJson(com.fasterxml.jackson.databind.JsonNode node) {
    JoinCounts c = new JoinCounts();
    NAMES.forEach(n -> c.add(n, node.path(n).asLong(0)));
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JoinCounts c && toJson().equals(c.toJson());
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "JoinCounts" + toJson();
  }

  /** Every count as a map, zeros included. */
  public Map<String, Long> asMap() {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    NAMES.forEach(n -> m.put(n, get(n)));
    return m;
  }

  /** Adds counts together. */
  public static final class SumFn extends Combine.CombineFn<JoinCounts, JoinCounts, JoinCounts> {
    private static final long serialVersionUID = 1L;

    @Override
    public JoinCounts createAccumulator() {
      return new JoinCounts();
    }

    @Override
    public JoinCounts addInput(JoinCounts acc, JoinCounts input) {
      return acc.merge(input);
    }

    @Override
    public JoinCounts mergeAccumulators(Iterable<JoinCounts> accumulators) {
      JoinCounts out = new JoinCounts();
      accumulators.forEach(out::merge);
      return out;
    }

    @Override
    public JoinCounts extractOutput(JoinCounts acc) {
      return acc;
    }

    @Override
    public Coder<JoinCounts> getAccumulatorCoder(CoderRegistry registry, Coder<JoinCounts> inputCoder) throws CannotProvideCoderException {
      return SerializableCoder.of(JoinCounts.class);
    }

    @Override
    public Coder<JoinCounts> getDefaultOutputCoder(CoderRegistry registry, Coder<JoinCounts> inputCoder) throws CannotProvideCoderException {
      return SerializableCoder.of(JoinCounts.class);
    }
  }
}
