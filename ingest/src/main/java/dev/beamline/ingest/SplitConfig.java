package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How examples are divided into named splits: each split gets a number of hash buckets, and an example
 * goes to the split owning the bucket of its hash, as TFX's ExampleGen does. The hash is of the whole
 * example by default, or of one feature's value ({@link #withPartitionFeature}) so that every row with
 * that value (a user id, say) lands in the same split.
 *
 * <pre>{@code
 * SplitConfig s = SplitConfig.defaults();                          // train:eval = 2:1
 * SplitConfig t = SplitConfig.of(ImmutableMap.of("train", 8, "eval", 1, "test", 1)).withPartitionFeature("user_id");
 * }</pre>
 */
public record SplitConfig(ImmutableList<String> names, ImmutableList<Integer> buckets, String partitionFeature)
    implements Serializable {

  public SplitConfig {
    checkArgument(!names.isEmpty(), "at least one split is needed");
    checkArgument(names.size() == buckets.size(), "%s split names but %s bucket counts", names.size(), buckets.size());
    for (int i = 0; i < names.size(); i++) {
      checkArgument(
          names.get(i).matches("[a-z][a-z0-9_]*"),
          "split name '%s' is not valid: use lower-case letters, digits and '_', starting with a letter",
          names.get(i));
      checkArgument(buckets.get(i) > 0, "split '%s' has %s hash buckets; it needs at least 1", names.get(i), buckets.get(i));
    }
    checkArgument(names.stream().distinct().count() == names.size(), "split names %s repeat a name", names);
  }

  /** Two splits, {@code train} with 2 buckets and {@code eval} with 1. */
  public static SplitConfig defaults() {
    return new SplitConfig(ImmutableList.of("train", "eval"), ImmutableList.of(2, 1), null);
  }

  /** Splits in the iteration order of {@code bucketsBySplit}, which maps each split's name to its bucket count. */
  public static SplitConfig of(Map<String, Integer> bucketsBySplit) {
    checkArgument(
        bucketsBySplit.size() < 2 || bucketsBySplit instanceof java.util.SortedMap || bucketsBySplit instanceof java.util.LinkedHashMap
            || bucketsBySplit instanceof com.google.common.collect.ImmutableMap,
        "splits take buckets in the map's order: give a map with a defined order (LinkedHashMap, ImmutableMap), got %s",
        bucketsBySplit.getClass().getSimpleName());
    return new SplitConfig(
        ImmutableList.copyOf(bucketsBySplit.keySet()), ImmutableList.copyOf(bucketsBySplit.values()), null);
  }

  /** Hashes the value of {@code feature} instead of the whole example (null: the whole example). */
  public SplitConfig withPartitionFeature(String feature) {
    return new SplitConfig(names, buckets, feature);
  }

  public int totalBuckets() {
    return buckets.stream().mapToInt(Integer::intValue).sum();
  }

  /** Split names mapped to bucket counts, in order. */
  public Map<String, Integer> asMap() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      m.put(names.get(i), buckets.get(i));
    }
    return m;
  }

  public List<String> splitNames() {
    return names;
  }
}
