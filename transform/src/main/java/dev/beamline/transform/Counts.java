package dev.beamline.transform;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact counts of distinct keys, mergeable: the state of the most-frequent, vocabulary and
 * document-frequency analyzers. Memory grows with the number of distinct keys.
 *
 * <pre>{@code
 * Counts<String> c = new Counts<>();
 * c.add("a"); c.add("b"); c.add("a");
 * c.mostFrequent();   // "a"
 * }</pre>
 */
final class Counts<K extends Comparable<? super K>> {
  /** Writes and reads keys in the accumulator's encoding. */
  interface KeyCodec<K> {
    void write(DataOutputStream out, K key) throws IOException;

    K read(DataInputStream in) throws IOException;
  }

  /** A key and its count. */
  record Entry<K>(K key, long count) {}

  // A long[1] per key is a mutable counter: no boxing per increment.
  private final HashMap<K, long[]> counts = new HashMap<>();

  void add(K key) {
    add(key, 1);
  }

  void add(K key, long n) {
    long[] c = counts.get(key);
    if (c == null) {
      counts.put(key, new long[] {n});
    } else {
      c[0] += n;
    }
  }

  /** Adds the counts of {@code other}, which is left unchanged. */
  void merge(Counts<K> other) {
    for (Map.Entry<K, long[]> e : other.counts.entrySet()) {
      add(e.getKey(), e.getValue()[0]);
    }
  }

  long get(K key) {
    long[] c = counts.get(key);
    return c == null ? 0 : c[0];
  }

  int size() {
    return counts.size();
  }

  /** The key with the highest count, the smallest one on a tie; null when there is none. */
  K mostFrequent() {
    K best = null;
    long bestCount = 0;
    for (Map.Entry<K, long[]> e : counts.entrySet()) {
      long n = e.getValue()[0];
      if (n > bestCount || (n == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
        best = e.getKey();
        bestCount = n;
      }
    }
    return best;
  }

  /**
   * The keys counted at least {@code threshold} times, by count descending then key ascending, at most
   * {@code limit} of them (null for all).
   */
  List<Entry<K>> top(long threshold, Integer limit) {
    List<Entry<K>> out = new ArrayList<>();
    for (Map.Entry<K, long[]> e : counts.entrySet()) {
      if (e.getValue()[0] >= threshold) {
        out.add(new Entry<>(e.getKey(), e.getValue()[0]));
      }
    }
    out.sort(Comparator.<Entry<K>>comparingLong(Entry::count).reversed().thenComparing(Entry::key));
    return limit == null || out.size() <= limit ? out : new ArrayList<>(out.subList(0, limit));
  }

  /** Writes the counts sorted by key, so that equal counts have equal bytes. */
  void encode(DataOutputStream out, KeyCodec<K> codec) throws IOException {
    List<K> keys = new ArrayList<>(counts.keySet());
    keys.sort(Comparator.naturalOrder());
    out.writeInt(keys.size());
    for (K k : keys) {
      codec.write(out, k);
      out.writeLong(counts.get(k)[0]);
    }
  }

  static <K extends Comparable<? super K>> Counts<K> decode(DataInputStream in, KeyCodec<K> codec) throws IOException {
    Counts<K> c = new Counts<>();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      K key = codec.read(in);
      c.counts.put(key, new long[] {in.readLong()});
    }
    return c;
  }

  static final KeyCodec<String> STRINGS =
      new KeyCodec<>() {
        @Override
        public void write(DataOutputStream out, String key) throws IOException {
          byte[] b = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          out.writeInt(b.length);
          out.write(b);
        }

        @Override
        public String read(DataInputStream in) throws IOException {
          byte[] b = new byte[in.readInt()];
          in.readFully(b);
          return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
      };

  static final KeyCodec<Double> DOUBLES =
      new KeyCodec<>() {
        @Override
        public void write(DataOutputStream out, Double key) throws IOException {
          out.writeDouble(key);
        }

        @Override
        public Double read(DataInputStream in) throws IOException {
          return in.readDouble();
        }
      };
}
