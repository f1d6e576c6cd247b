package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.common.ArrayOfDoublesSerDe;
import org.apache.datasketches.common.ArrayOfItemsSerDe;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.memory.Memory;

/**
 * Counts of distinct keys in bounded memory, mergeable: the state of the most-frequent, vocabulary and
 * document-frequency analyzers.
 *
 * <p><b>Exact</b> while at most {@code capacity} distinct keys ({@value #DEFAULT_CAPACITY} by default)
 * have been counted, in every merge order. Past that the counts move into a frequent-items sketch
 * (Apache DataSketches' {@code ItemsSketch}, a Misra–Gries summary: Misra and Gries 1982; Agarwal et
 * al., "Mergeable summaries", PODS 2012) of {@code maxMapSize = 2 * capacity} rounded up to a power of
 * two, holding at most {@code 0.75 * maxMapSize} keys, and the number of distinct keys into an HLL
 * sketch ({@code lgK} = {@value #HLL_LG_K}, relative standard error 1.6%). Then every count is an
 * estimate that exceeds the true count by at most {@link #maximumError()}, itself at most {@code 3.5 *
 * N / maxMapSize} for {@code N} counted occurrences ({@code ItemsSketch.getEpsilon}), and never falls
 * below it; a key missing from the sketch was seen at most {@code maximumError()} times. The sketch's
 * purges depend on the order of adds and merges, so past the capacity two runs may differ within that
 * error.
 *
 * <pre>{@code
 * Counts<String> c = new Counts<>(Counts.STRINGS);
 * c.add("a"); c.add("b"); c.add("a");
 * c.mostFrequent();   // "a"
 * }</pre>
 */
final class Counts<K extends Comparable<? super K>> {
  /** Distinct keys counted exactly before the sketch takes over. */
  static final int DEFAULT_CAPACITY = 1 << 18;
  /** log2 of the HLL sketch's number of registers. */
  static final int HLL_LG_K = 12;

  /** How keys are written exactly, by the frequent-items sketch, and into the distinct-count sketch. */
  interface KeyType<K> {
    void write(DataOutputStream out, K key) throws IOException;

    K read(DataInputStream in) throws IOException;

    ArrayOfItemsSerDe<K> serDe();

    void addTo(HllSketch distinct, K key);
  }

  /** A key and its count. */
  record Entry<K>(K key, long count) {}

  private final KeyType<K> type;
  private final int capacity;
  // Exact phase; a long[1] per key is a mutable counter: no boxing per increment. Null once sketched.
  private HashMap<K, long[]> counts = new HashMap<>();
  // Sketch phase, null before.
  private ItemsSketch<K> sketch;
  private HllSketch distinct;

  Counts(KeyType<K> type) {
    this(type, DEFAULT_CAPACITY);
  }

  Counts(KeyType<K> type, int capacity) {
    checkArgument(capacity >= 1, "capacity must be at least 1, got %s", capacity);
    this.type = type;
    this.capacity = capacity;
  }

  void add(K key) {
    add(key, 1);
  }

  void add(K key, long n) {
    if (sketch != null) {
      sketch.update(key, n);
      type.addTo(distinct, key);
      return;
    }
    long[] c = counts.get(key);
    if (c == null) {
      counts.put(key, new long[] {n});
      if (counts.size() > capacity) {
        toSketch();
      }
    } else {
      c[0] += n;
    }
  }

  /** Adds the counts of {@code other}, which is left unchanged. */
  void merge(Counts<K> other) {
    if (other.sketch == null) {
      for (Map.Entry<K, long[]> e : other.counts.entrySet()) {
        add(e.getKey(), e.getValue()[0]);
      }
      return;
    }
    toSketch();
    sketch.merge(other.sketch);
    Union union = new Union(HLL_LG_K);
    union.update(distinct);
    union.update(other.distinct);
    distinct = union.getResult();
  }

  /** Whether every count is exact. */
  boolean exact() {
    return sketch == null;
  }

  /** How much an estimated count may exceed the true one: 0 while exact. */
  long maximumError() {
    return sketch == null ? 0 : sketch.getMaximumError();
  }

  /** The number of occurrences counted; exact. */
  long total() {
    if (sketch != null) {
      return sketch.getStreamLength();
    }
    long n = 0;
    for (long[] c : counts.values()) {
      n += c[0];
    }
    return n;
  }

  /** The number of distinct keys: exact while {@link #exact()}, else the HLL estimate. */
  long distinct() {
    return sketch == null ? counts.size() : Math.round(distinct.getEstimate());
  }

  /** The count of {@code key}; an estimate (see the class comment) once not {@link #exact()}. */
  long get(K key) {
    if (sketch != null) {
      return sketch.getEstimate(key);
    }
    long[] c = counts.get(key);
    return c == null ? 0 : c[0];
  }

  /** The key with the highest count, the smallest one on a tie; null when there is none. */
  K mostFrequent() {
    List<Entry<K>> top = top(1, 1);
    return top.isEmpty() ? null : top.get(0).key();
  }

  /**
   * The keys counted at least {@code threshold} times, by count descending then key ascending, at most
   * {@code limit} of them (null for all). Past the capacity, the keys the sketch holds, by estimate.
   */
  List<Entry<K>> top(long threshold, Integer limit) {
    List<Entry<K>> out = new ArrayList<>();
    if (sketch != null) {
      // Every key the sketch holds has an upper bound above the maximum error.
      for (ItemsSketch.Row<K> r : sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
        if (r.getEstimate() >= threshold) {
          out.add(new Entry<>(r.getItem(), r.getEstimate()));
        }
      }
    } else {
      for (Map.Entry<K, long[]> e : counts.entrySet()) {
        if (e.getValue()[0] >= threshold) {
          out.add(new Entry<>(e.getKey(), e.getValue()[0]));
        }
      }
    }
    out.sort(Comparator.<Entry<K>>comparingLong(Entry::count).reversed().thenComparing(Entry::key));
    return limit == null || out.size() <= limit ? out : new ArrayList<>(out.subList(0, limit));
  }

  /** Moves the exact counts into the sketches; nothing when sketched already. */
  private void toSketch() {
    if (sketch != null) {
      return;
    }
    sketch = new ItemsSketch<>(Integer.highestOneBit(Math.max(capacity, 4) * 2 - 1) << 1);
    distinct = new HllSketch(HLL_LG_K);
    // In key order, so that equal exact states give equal sketches.
    List<K> keys = new ArrayList<>(counts.keySet());
    keys.sort(Comparator.naturalOrder());
    for (K k : keys) {
      sketch.update(k, counts.get(k)[0]);
      type.addTo(distinct, k);
    }
    counts = null;
  }

  /** Writes the counts: exact ones sorted by key, so that equal counts have equal bytes; else the sketches. */
  void encode(DataOutputStream out) throws IOException {
    if (sketch != null) {
      out.writeBoolean(true);
      byte[] items = sketch.toByteArray(type.serDe());
      out.writeInt(items.length);
      out.write(items);
      byte[] hll = distinct.toCompactByteArray();
      out.writeInt(hll.length);
      out.write(hll);
      return;
    }
    out.writeBoolean(false);
    List<K> keys = new ArrayList<>(counts.keySet());
    keys.sort(Comparator.naturalOrder());
    out.writeInt(keys.size());
    for (K k : keys) {
      type.write(out, k);
      out.writeLong(counts.get(k)[0]);
    }
  }

  /** Counts written by {@link #encode}, of keys of {@code type}, exact up to {@code capacity} keys. */
  static <K extends Comparable<? super K>> Counts<K> decode(DataInputStream in, KeyType<K> type, int capacity) throws IOException {
    Counts<K> c = new Counts<>(type, capacity);
    if (in.readBoolean()) {
      byte[] items = new byte[in.readInt()];
      in.readFully(items);
      byte[] hll = new byte[in.readInt()];
      in.readFully(hll);
      c.sketch = ItemsSketch.getInstance(Memory.wrap(items), type.serDe());
      c.distinct = HllSketch.heapify(hll);
      c.counts = null;
      return c;
    }
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      K key = type.read(in);
      c.counts.put(key, new long[] {in.readLong()});
    }
    return c;
  }

  static final KeyType<String> STRINGS =
      new KeyType<>() {
        private final ArrayOfStringsSerDe serDe = new ArrayOfStringsSerDe();

        @Override
        public void write(DataOutputStream out, String key) throws IOException {
          byte[] b = key.getBytes(StandardCharsets.UTF_8);
          out.writeInt(b.length);
          out.write(b);
        }

        @Override
        public String read(DataInputStream in) throws IOException {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          return new String(b, StandardCharsets.UTF_8);
        }

        @Override
        public ArrayOfItemsSerDe<String> serDe() {
          return serDe;
        }

        @Override
        public void addTo(HllSketch distinct, String key) {
          // Hashed as UTF-8, the keys' encoding everywhere else.
          distinct.update(key.getBytes(StandardCharsets.UTF_8));
        }
      };

  static final KeyType<Double> DOUBLES =
      new KeyType<>() {
        private final ArrayOfDoublesSerDe serDe = new ArrayOfDoublesSerDe();

        @Override
        public void write(DataOutputStream out, Double key) throws IOException {
          out.writeDouble(key);
        }

        @Override
        public Double read(DataInputStream in) throws IOException {
          return in.readDouble();
        }

        @Override
        public ArrayOfItemsSerDe<Double> serDe() {
          return serDe;
        }

        @Override
        public void addTo(HllSketch distinct, Double key) {
          distinct.update(key);
        }
      };
}
