package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One way of slicing the evaluation data: by one feature's values, or by the cross of several; a
 * numeric feature by declared bucket boundaries instead of by value. The overall slice is always
 * computed besides.
 *
 * <pre>{@code
 * SliceSpec byIsland = SliceSpec.of(SliceSpec.Feature.values("island"));
 * SliceSpec cross = SliceSpec.of(SliceSpec.Feature.values("sex"), SliceSpec.Feature.buckets("body_mass_g", List.of(3500.0, 4500.0)));
 * String name = cross.sliceName(List.of("FEMALE", "[3500, 4500)"));  // "sex=FEMALE, body_mass_g=[3500, 4500)"
 * }</pre>
 */
public record SliceSpec(List<Feature> features) implements Serializable {
  /** The name of the slice of every example. */
  public static final String OVERALL = "overall";
  /** A missing value's slice value. */
  public static final String MISSING = "(missing)";

  /**
   * One feature of a slice: by its values, or, with boundaries {@code b1 < b2 < ...}, by the buckets
   * {@code (-inf, b1), [b1, b2), ..., [bn, +inf)}.
   */
  public record Feature(String name, List<Double> buckets) implements Serializable {
    public Feature {
      checkArgument(name != null && !name.isEmpty(), "a slice feature needs a name");
      buckets = List.copyOf(buckets);
      for (int i = 1; i < buckets.size(); i++) {
        checkArgument(buckets.get(i) > buckets.get(i - 1), "the buckets of slice feature '%s' must be increasing; got %s", name, buckets);
      }
      for (double b : buckets) {
        checkArgument(Double.isFinite(b), "the buckets of slice feature '%s' must be finite numbers; got %s", name, buckets);
      }
    }

    public static Feature values(String name) {
      return new Feature(name, List.of());
    }

    public static Feature buckets(String name, List<Double> boundaries) {
      checkArgument(!boundaries.isEmpty(), "slice feature '%s' needs at least one bucket boundary", name);
      return new Feature(name, boundaries);
    }

    /** The slice value of {@code v}: its text, its bucket, or {@value #MISSING}. */
    public String valueOf(Object v) {
      if (v == null) {
        return MISSING;
      }
      if (buckets.isEmpty()) {
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
          return Long.toString(d.longValue());
        }
        return v.toString();
      }
      double x;
      if (v instanceof Number n) {
        x = n.doubleValue();
      } else {
        try {
          x = Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
          return MISSING;
        }
      }
      if (Double.isNaN(x)) {
        return MISSING;
      }
      int i = 0;
      while (i < buckets.size() && x >= buckets.get(i)) {
        i++;
      }
      String lo = i == 0 ? "-inf" : number(buckets.get(i - 1));
      String hi = i == buckets.size() ? "+inf" : number(buckets.get(i));
      return (i == 0 ? "(" : "[") + lo + ", " + hi + ")";
    }

    private static String number(double d) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d);
    }
  }

  public SliceSpec {
    checkArgument(features != null && !features.isEmpty(), "a slice needs at least one feature");
    features = List.copyOf(features);
    List<String> names = features.stream().map(Feature::name).toList();
    checkArgument(names.stream().distinct().count() == names.size(), "a slice names a feature twice: %s", names);
  }

  public static SliceSpec of(Feature... features) {
    return new SliceSpec(List.of(features));
  }

  /** The features' names. */
  public List<String> featureNames() {
    return features.stream().map(Feature::name).toList();
  }

  /** The slice's name for these values of its features, e.g. {@code sex=FEMALE, island=Dream}. */
  public String sliceName(List<String> values) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      parts.add(features.get(i).name() + "=" + values.get(i));
    }
    return String.join(", ", parts);
  }

  /** The predictions file's column holding this slice's values: {@code slice_sex_x_island}. */
  public String column() {
    return "slice_" + features.stream().map(Feature::name).collect(Collectors.joining("_x_"));
  }

  /** A short description: {@code sex x island}. */
  @Override
  public String toString() {
    return features.stream().map(f -> f.buckets().isEmpty() ? f.name() : f.name() + " by " + f.buckets()).collect(Collectors.joining(" x "));
  }
}
