package dev.beamline.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.List;

/**
 * A histogram of the finite values of a numeric feature: adjacent buckets in increasing order. A feature
 * without finite values has a histogram without buckets.
 *
 * <pre>{@code
 * Histogram h = stats.feature("body_mass_g").orElseThrow().numeric().equalWidth();
 * double total = h.totalCount();
 * }</pre>
 */
public record Histogram(@JsonProperty("buckets") List<Bucket> buckets) implements Serializable {
  private static final Histogram EMPTY = new Histogram(List.of());

  public Histogram {
    buckets = List.copyOf(buckets);
  }

  public static Histogram of(List<Bucket> buckets) {
    return new Histogram(buckets);
  }

  /** The histogram without buckets, of a feature without finite values. */
  public static Histogram empty() {
    return EMPTY;
  }

  /** The sum of the buckets' counts. */
  public double totalCount() {
    double total = 0;
    for (Bucket b : buckets) {
      total += b.count();
    }
    return total;
  }
}
