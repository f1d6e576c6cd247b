package dev.beamline.validation;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;
import org.apache.datasketches.memory.Memory;

/**
 * The mergeable state of the statistics of one string (or boolean) feature. It counts every distinct
 * value exactly while there are at most {@value FeatureStatisticsFn#EXACT_DISTINCT_LIMIT}; past that it
 * moves, once and for good, to an HLL sketch (distinct values) and a frequent-items sketch (counts),
 * both seeded with the exact counts so far. See {@link StringStatistics} for what comes out.
 */
final class StringAccumulator {
  private static final ArrayOfStringsSerDe SERDE = new ArrayOfStringsSerDe();
  /**
   * What the HLL sketch hashes for the empty string, which {@link HllSketch#update(String)} ignores: a
   * long whose 8 bytes are all 0xFF, which no UTF-8 text contains, so it cannot collide with a string.
   */
  private static final long EMPTY_STRING_KEY = -1L;
  private static final Comparator<ValueCount> BY_COUNT_THEN_VALUE =
      Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value);

  long count;
  long missing;
  long totalLength;
  long minLength = Long.MAX_VALUE;
  long maxLength;
  /** Exact counts (a one-element array each, to count without boxing); null once the sketches took over. */
  HashMap<String, long[]> exact = new HashMap<>();
  /** Null while {@link #exact} is in use. */
  HllSketch hll;
  /** Null while {@link #exact} is in use. */
  ItemsSketch<String> items;

  void addMissing() {
    missing++;
  }

  void add(String value) {
    add(value, 1);
  }

  /**
   * Adds {@code times} occurrences of {@code value} ({@code times} > 0): the same state as as many
   * single adds, except that the frequent-items sketch, once in use, takes them as one weighted update
   * (within the same error bound).
   */
  void add(String value, long times) {
    count += times;
    long length = value.codePointCount(0, value.length());
    totalLength += length * times;
    minLength = Math.min(minLength, length);
    maxLength = Math.max(maxLength, length);
    if (exact != null) {
      long[] c = exact.get(value);
      if (c != null) {
        c[0] += times;
        return;
      }
      if (exact.size() < FeatureStatisticsFn.EXACT_DISTINCT_LIMIT) {
        exact.put(value, new long[] {times});
        return;
      }
      switchToSketches();
    }
    updateHll(hll, value);
    items.update(value, times);
  }

  /** Adds {@code n} missing values. */
  void addMissing(long n) {
    missing += n;
  }

  /** Adds {@code other} into this accumulator; {@code other} is left unchanged. */
  void merge(StringAccumulator other) {
    count += other.count;
    missing += other.missing;
    totalLength += other.totalLength;
    minLength = Math.min(minLength, other.minLength);
    maxLength = Math.max(maxLength, other.maxLength);
    if (exact != null && other.exact != null) {
      for (Map.Entry<String, long[]> e : other.exact.entrySet()) {
        long[] c = exact.get(e.getKey());
        if (c == null) {
          exact.put(e.getKey(), new long[] {e.getValue()[0]});
        } else {
          c[0] += e.getValue()[0];
        }
      }
      if (exact.size() > FeatureStatisticsFn.EXACT_DISTINCT_LIMIT) {
        switchToSketches();
      }
      return;
    }
    if (exact != null) {
      switchToSketches();
    }
    if (other.exact != null) {
      seed(other.exact, hll, items);
    } else {
      Union union = new Union(FeatureStatisticsFn.HLL_LG_K);
      union.update(hll);
      union.update(other.hll);
      hll = union.getResult(TgtHllType.HLL_4);
      items.merge(other.items);
    }
  }

  /**
   * Moves from exact counts to the sketches. Seeding the frequent-items sketch with weighted updates
   * gives the same state as the single updates it replaces, since it holds far more than {@value
   * FeatureStatisticsFn#EXACT_DISTINCT_LIMIT} values before it ever evicts one.
   */
  private void switchToSketches() {
    hll = new HllSketch(FeatureStatisticsFn.HLL_LG_K, TgtHllType.HLL_4);
    items = new ItemsSketch<>(FeatureStatisticsFn.FREQUENT_ITEMS_MAP_SIZE);
    seed(exact, hll, items);
    exact = null;
  }

  private static void seed(Map<String, long[]> counts, HllSketch hll, ItemsSketch<String> items) {
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      updateHll(hll, e.getKey());
      items.update(e.getKey(), e.getValue()[0]);
    }
  }

  private static void updateHll(HllSketch hll, String value) {
    if (value.isEmpty()) {
      hll.update(EMPTY_STRING_KEY);
    } else {
      hll.update(value);
    }
  }

  StringStatistics extract() {
    double avgLength = count == 0 ? Double.NaN : (double) totalLength / count;
    long min = count == 0 ? 0 : minLength;
    if (exact != null) {
      List<ValueCount> counts = new ArrayList<>(exact.size());
      for (Map.Entry<String, long[]> e : exact.entrySet()) {
        counts.add(ValueCount.of(e.getKey(), e.getValue()[0]));
      }
      counts.sort(BY_COUNT_THEN_VALUE);
      return new StringStatistics(
          exact.size(),
          true,
          head(counts, FeatureStatisticsFn.TOP_VALUES),
          head(counts, FeatureStatisticsFn.MAX_CATEGORY_COUNTS),
          avgLength,
          min,
          maxLength);
    }
    // Every value the sketch holds, by estimate: the top values are the highest estimates ...
    List<ValueCount> candidates = new ArrayList<>();
    for (ItemsSketch.Row<String> row : items.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
      candidates.add(ValueCount.of(row.getItem(), row.getEstimate()));
    }
    candidates.sort(BY_COUNT_THEN_VALUE);
    // ... and the categories only those surely more frequent than the sketch's error.
    List<ValueCount> heavy = new ArrayList<>();
    for (ItemsSketch.Row<String> row : items.getFrequentItems(0, ErrorType.NO_FALSE_POSITIVES)) {
      heavy.add(ValueCount.of(row.getItem(), row.getEstimate()));
    }
    heavy.sort(BY_COUNT_THEN_VALUE);
    // The sketches only took over past the limit, and there cannot be more distinct values than values.
    long distinct =
        Math.min(count, Math.max(FeatureStatisticsFn.EXACT_DISTINCT_LIMIT + 1, Math.round(hll.getEstimate())));
    return new StringStatistics(
        distinct,
        false,
        head(candidates, FeatureStatisticsFn.TOP_VALUES),
        head(heavy, FeatureStatisticsFn.MAX_CATEGORY_COUNTS),
        avgLength,
        min,
        maxLength);
  }

  private static List<ValueCount> head(List<ValueCount> sorted, int n) {
    return sorted.size() <= n ? sorted : sorted.subList(0, n);
  }

  void encode(DataOutputStream out) throws IOException {
    Varints.write(out, count);
    Varints.write(out, missing);
    if (count == 0) {
      return;
    }
    Varints.write(out, totalLength);
    Varints.write(out, minLength);
    Varints.write(out, maxLength);
    out.writeBoolean(exact != null);
    if (exact != null) {
      // Sorted, so that equal accumulators encode to equal bytes whatever their insertion history.
      List<String> keys = new ArrayList<>(exact.keySet());
      keys.sort(null);
      Varints.write(out, keys.size());
      for (String k : keys) {
        Varints.writeBytes(out, k.getBytes(StandardCharsets.UTF_8));
        Varints.write(out, exact.get(k)[0]);
      }
    } else {
      Varints.writeBytes(out, hll.toCompactByteArray());
      Varints.writeBytes(out, items.toByteArray(SERDE));
    }
  }

  static StringAccumulator decode(DataInputStream in) throws IOException {
    StringAccumulator a = new StringAccumulator();
    a.count = Varints.read(in);
    a.missing = Varints.read(in);
    if (a.count == 0) {
      return a;
    }
    a.totalLength = Varints.read(in);
    a.minLength = Varints.read(in);
    a.maxLength = Varints.read(in);
    if (in.readBoolean()) {
      int n = (int) Varints.read(in);
      a.exact = new HashMap<>(Math.max(16, n * 4 / 3 + 1));
      for (int i = 0; i < n; i++) {
        String key = new String(Varints.readBytes(in), StandardCharsets.UTF_8);
        a.exact.put(key, new long[] {Varints.read(in)});
      }
    } else {
      a.exact = null;
      a.hll = HllSketch.heapify(Varints.readBytes(in));
      a.items = ItemsSketch.getInstance(Memory.wrap(Varints.readBytes(in)), SERDE);
    }
    return a;
  }
}
