package dev.beamline.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * One bucket of a {@link Histogram}: the values from {@code low} (inclusive) to {@code high} (exclusive,
 * except in the last bucket, which includes its high end), and how many there are.
 *
 * <p>The count is a {@code double} because sketches estimate it and quantile buckets share the total
 * evenly (see {@link NumericStatistics}).
 *
 * <pre>{@code
 * Bucket b = Bucket.of(0.0, 10.0, 42);
 * }</pre>
 */
public record Bucket(
    @JsonProperty("low") double low, @JsonProperty("high") double high, @JsonProperty("count") double count)
    implements Serializable {

  public static Bucket of(double low, double high, double count) {
    return new Bucket(low, high, count);
  }
}
