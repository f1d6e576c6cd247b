package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The statistics of every split of a dataset, and their JSON form, the statistics artifact of the
 * validation stage (as TFDV's {@code DatasetFeatureStatisticsList}).
 *
 * <pre>{@code
 * StatisticsSet stats = StatisticsSet.of(List.of(train, eval));
 * Files.writeString(dir.resolve("statistics.json"), stats.toJson());
 * StatisticsSet back = StatisticsSet.fromJson(Files.readString(dir.resolve("statistics.json")));
 * long trainRows = back.split("train").orElseThrow().numExamples();
 * }</pre>
 *
 * <h2>JSON format</h2>
 *
 * <p>An object with {@code splits}, a list of datasets, each with its {@code split} name, {@code
 * num_examples} and {@code features} (in schema order). A feature has {@code name}, {@code type} ({@code
 * int}, {@code float}, {@code string}, {@code boolean} or {@code timestamp}), {@code count} (values
 * present), {@code missing} (nulls), {@code presence} (count / (count + missing)) and either {@code
 * numeric} (int, float, timestamp) or {@code strings} (string, boolean). Names are snake_case. NaN and
 * infinities, which plain JSON cannot hold, are written as the strings {@code "NaN"}, {@code
 * "Infinity"} and {@code "-Infinity"}. How each field is computed, and its error, is told in {@link
 * FeatureStatistics}, {@link NumericStatistics} and {@link StringStatistics}. The statistics of five
 * penguins (four body masses and a null; three Adelie and two Gentoo), abridged:
 *
 * <pre>{@code
 * {
 *   "splits" : [ {
 *     "split" : "train",
 *     "num_examples" : 5,
 *     "features" : [ {
 *       "name" : "body_mass_g",
 *       "type" : "float",
 *       "count" : 4,
 *       "missing" : 1,
 *       "presence" : 0.8,
 *       "numeric" : {
 *         "mean" : 3625.0, "std_dev" : 108.97247358851688, "min" : 3500.0, "max" : 3800.0,
 *         "median" : 3600.0, "zeros" : 0, "nan" : 0, "infinity" : 0,
 *         "quantiles" : [ 3500.0, 3500.0, 3500.0, 3600.0, 3600.0, 3600.0, 3600.0, 3600.0, 3800.0, 3800.0, 3800.0 ],
 *         "quantile_rank_error" : 0.0,
 *         "equal_width" : { "buckets" : [ { "low" : 3500.0, "high" : 3530.0, "count" : 1.0 }, ... ] },
 *         "quantile_histogram" : { "buckets" : [ { "low" : 3500.0, "high" : 3500.0, "count" : 0.4 }, ... ] }
 *       }
 *     }, {
 *       "name" : "species",
 *       "type" : "string",
 *       "count" : 5,
 *       "missing" : 0,
 *       "presence" : 1.0,
 *       "strings" : {
 *         "distinct" : 2, "distinct_exact" : true,
 *         "top_values" : [ { "value" : "Adelie", "count" : 3 }, { "value" : "Gentoo", "count" : 2 } ],
 *         "category_counts" : [ { "value" : "Adelie", "count" : 3 }, { "value" : "Gentoo", "count" : 2 } ],
 *         "avg_length" : 6.0, "min_length" : 6, "max_length" : 6
 *       }
 *     } ]
 *   } ]
 * }
 * }</pre>
 */
public record StatisticsSet(@JsonProperty("splits") List<DatasetStatistics> splits) implements Serializable {

  public StatisticsSet {
    splits = List.copyOf(splits);
    Set<String> seen = new HashSet<>();
    for (DatasetStatistics s : splits) {
      checkArgument(seen.add(s.split()), "split '%s' appears twice in the statistics", s.split());
    }
  }

  /** The statistics of {@code splits}, whose names must be distinct. */
  public static StatisticsSet of(List<DatasetStatistics> splits) {
    return new StatisticsSet(splits);
  }

  /** The statistics of the split called {@code name}, if any. */
  public Optional<DatasetStatistics> split(String name) {
    return splits.stream().filter(s -> s.split().equals(name)).findFirst();
  }

  /** The statistics of feature {@code feature} in split {@code split}, if both exist. */
  public Optional<FeatureStatistics> feature(String split, String feature) {
    return split(split).flatMap(s -> s.feature(feature));
  }

  /** The split names, in order. */
  public List<String> splitNames() {
    return splits.stream().map(DatasetStatistics::split).toList();
  }

  /** These statistics as pretty-printed JSON (the format above). */
  public String toJson() {
    return StatisticsJson.write(this, true);
  }

  /**
   * Reads statistics written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException when {@code json} is not such statistics
   */
  public static StatisticsSet fromJson(String json) {
    return StatisticsJson.read(json, StatisticsSet.class);
  }
}
