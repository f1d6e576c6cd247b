package dev.beamline.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/**
 * Statistics of the values of an {@code int}, {@code float} or {@code timestamp} feature (timestamps as
 * microseconds since the epoch, integers converted to {@code double}).
 *
 * <p>Exact, over every value: {@code zeros} (values equal to 0), {@code nan}, {@code infinity} (+∞ and
 * −∞ together). Exact over the finite values (NaN and ±∞ are left out): {@code min}, {@code max}, and
 * {@code mean} and {@code stdDev} (population standard deviation) up to floating-point rounding. Those two
 * come from the sum and the sum of squares of the values, each kept to about 106 bits (a compensated sum
 * of two doubles), so the order in which the data are combined (threads, bundles, merges) changes them
 * only when the true value lies within about 1e-20 (relative) of a rounding boundary of a double; in
 * practice two runs over the same data report the same mean and standard deviation. For data whose
 * standard deviation is below about 1e-8 of their mean's magnitude the sum of squares loses digits to
 * cancellation: the standard deviation is then good to fewer digits.
 *
 * <p>From a KLL quantiles sketch (Karnin, Lang, Liberty, "Optimal Quantile Approximation in Streams",
 * FOCS 2016) over the finite values: {@code median} and {@code quantiles} (the 11 deciles at ranks 0.0,
 * 0.1, ..., 1.0). Each one's rank is within {@code quantileRankError} (a fraction of the number of finite
 * values, at 99% confidence) of the requested rank; {@code quantileRankError} is 0 while the sketch
 * still holds every value (up to about 200 values), and about 0.0133 after. A decile is a value of the
 * data: the smallest one with at least that fraction of the values at or below it (so the median of an
 * even number of values is the lower middle one). The first and last deciles are the exact {@code min}
 * and {@code max}. KLL compaction is randomized (DataSketches draws from an unseeded generator), so two
 * runs over the same data may differ slightly in the sketched fields, each time within the error.
 *
 * <p>{@code equalWidth}: 10 buckets of equal width from {@code min} to {@code max} (fewer when the
 * width is too small to tell the boundaries apart; one bucket {@code [min, min]} when all values are
 * equal). The boundaries are exact; the counts come from the sketch's PMF, each within about 0.0165
 * (the sketch's PMF rank error) times the number of finite values, and they add up to the number of
 * finite values exactly. {@code quantileHistogram}: 10 buckets between consecutive deciles, each with a
 * tenth of the finite values (as TFDV's quantiles histogram).
 *
 * <p>Without finite values, {@code mean}, {@code stdDev}, {@code min}, {@code max} and {@code median}
 * are NaN, {@code quantiles} is empty, and both histograms have no buckets.
 *
 * <pre>{@code
 * NumericStatistics mass = stats.feature("body_mass_g").orElseThrow().numeric();
 * double iqr = mass.quantiles().get(7) - mass.quantiles().get(3);   // roughly, from the deciles
 * }</pre>
 */
public record NumericStatistics(
    @JsonProperty("mean") double mean,
    @JsonProperty("std_dev") double stdDev,
    @JsonProperty("min") double min,
    @JsonProperty("max") double max,
    @JsonProperty("median") double median,
    @JsonProperty("zeros") long zeros,
    @JsonProperty("nan") long nan,
    @JsonProperty("infinity") long infinity,
    @JsonProperty("quantiles") List<Double> quantiles,
    @JsonProperty("quantile_rank_error") double quantileRankError,
    @JsonProperty("equal_width") Histogram equalWidth,
    @JsonProperty("quantile_histogram") Histogram quantileHistogram) implements Serializable {

  /** The ranks of {@link #quantiles()}: 0.0, 0.1, ..., 1.0. */
  public static final List<Double> DECILE_RANKS =
      List.of(0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0);

  public NumericStatistics {
    quantiles = List.copyOf(quantiles);
    equalWidth = equalWidth == null ? Histogram.empty() : equalWidth;
    quantileHistogram = quantileHistogram == null ? Histogram.empty() : quantileHistogram;
  }
}
