package dev.beamline.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/**
 * Statistics of the values of a {@code string} or {@code boolean} feature (booleans as {@code "true"}
 * and {@code "false"}).
 *
 * <p><b>Distinct values.</b> Exact ({@code distinctExact} true) while the feature has at most {@value
 * FeatureStatisticsFn#EXACT_DISTINCT_LIMIT} distinct values, counted with a set of them; beyond, the
 * estimate of an HLL sketch with lgK = {@value FeatureStatisticsFn#HLL_LG_K} (Flajolet et al.,
 * "HyperLogLog", AofA 2007), whose relative standard error is about 1.3% (1.6% after merges), so within
 * about 3.3% at 95% confidence; the estimate is kept between {@code EXACT_DISTINCT_LIMIT + 1} and the
 * number of values, which are certain bounds.
 *
 * <p><b>Value counts.</b> {@code categoryCounts} lists up to {@value
 * FeatureStatisticsFn#MAX_CATEGORY_COUNTS} values by decreasing count (ties by value), and {@code
 * topValues} its first {@value FeatureStatisticsFn#TOP_VALUES}. While the feature has at most {@value
 * FeatureStatisticsFn#EXACT_DISTINCT_LIMIT} distinct values, every value is listed with its exact
 * count. Beyond, the values and counts come from a frequent-items sketch (Misra–Gries, as in Anderson et
 * al., "A High-Performance Algorithm for Identifying Frequent Items in Data Streams", IMC 2017) with a
 * map of {@value FeatureStatisticsFn#FREQUENT_ITEMS_MAP_SIZE} entries: each reported count is an upper
 * bound of the true count and exceeds it by at most ε·N, where N is the number of values and ε = 3.5 /
 * {@value FeatureStatisticsFn#FREQUENT_ITEMS_MAP_SIZE} ≈ 0.00085; the counts are exact while the sketch
 * has never had to evict a value (fewer than about 3,000 distinct values). {@code categoryCounts} then
 * holds only the values that are certainly more frequent than that error (no false positives), while
 * {@code topValues} takes the values with the highest estimates.
 *
 * <p><b>Lengths</b> are exact, in Unicode code points. Without values, {@code avgLength} is NaN and the
 * minimum and maximum are 0.
 *
 * <pre>{@code
 * StringStatistics species = stats.feature("species").orElseThrow().strings();
 * String mostCommon = species.topValues().get(0).value();
 * }</pre>
 */
public record StringStatistics(
    @JsonProperty("distinct") long distinct,
    @JsonProperty("distinct_exact") boolean distinctExact,
    @JsonProperty("top_values") List<ValueCount> topValues,
    @JsonProperty("category_counts") List<ValueCount> categoryCounts,
    @JsonProperty("avg_length") double avgLength,
    @JsonProperty("min_length") long minLength,
    @JsonProperty("max_length") long maxLength) implements Serializable {

  public StringStatistics {
    topValues = List.copyOf(topValues);
    categoryCounts = List.copyOf(categoryCounts);
  }
}
