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
  private static final java.util.regex.Pattern TIME_PART = java.util.regex.Pattern.compile("(?i)(hour|weekday|month|year)\\((.+)\\)");

  /** A missing value's slice value. */
  public static final String MISSING = "(missing)";

  /** A part of a timestamp to slice by, in UTC. */
  public enum TimePart {
    /** 0 to 23. */
    HOUR,
    /** MONDAY to SUNDAY. */
    WEEKDAY,
    /** 1 to 12. */
    MONTH,
    /** The year. */
    YEAR;

    /** The part named {@code name} (case-insensitive). */
    public static TimePart of(String name) {
      for (TimePart p : values()) {
        if (p.name().equalsIgnoreCase(name.trim())) {
          return p;
        }
      }
      throw new IllegalArgumentException("unknown time part '" + name + "' (one of: hour, weekday, month, year)");
    }
  }

  /**
   * One feature of a slice: by its values; or, with boundaries {@code b1 < b2 < ...}, by the buckets
   * {@code (-inf, b1), [b1, b2), ..., [bn, +inf)}; or, for a timestamp, by a part of it ({@code
   * part}, null for none: then by the whole value), named {@code hour(date)} in slice names.
   */
  public record Feature(String name, List<Double> buckets, TimePart part) implements Serializable {
    public Feature {
      checkArgument(name != null && !name.isEmpty(), "a slice feature needs a name");
      checkArgument(part == null || buckets.isEmpty(), "slice feature '%s' takes buckets or a time part, not both", name);
      buckets = List.copyOf(buckets);
      for (int i = 1; i < buckets.size(); i++) {
        checkArgument(buckets.get(i) > buckets.get(i - 1), "the buckets of slice feature '%s' must be increasing; got %s", name, buckets);
      }
      for (double b : buckets) {
        checkArgument(Double.isFinite(b), "the buckets of slice feature '%s' must be finite numbers; got %s", name, buckets);
      }
    }

    public static Feature values(String name) {
      return new Feature(name, List.of(), null);
    }

    public static Feature buckets(String name, List<Double> boundaries) {
      checkArgument(!boundaries.isEmpty(), "slice feature '%s' needs at least one bucket boundary", name);
      return new Feature(name, boundaries, null);
    }

    /** A timestamp feature by {@code part} ({@code hour}, {@code weekday}, {@code month} or {@code year}). */
    public static Feature timePart(String name, String part) {
      return new Feature(name, List.of(), TimePart.of(part));
    }

    /** The name in slice names: the feature's, or {@code hour(date)} for a time part. */
    public String label() {
      return part == null ? name : part.name().toLowerCase(Locale.ROOT) + "(" + name + ")";
    }

    /** The slice value of {@code v}: its text, its bucket, its time part, or {@value #MISSING}. */
    public String valueOf(Object v) {
      if (v == null) {
        return MISSING;
      }
      if (part != null) {
        return timePart(v);
      }
      if (buckets.isEmpty()) {
        return dev.beamline.training.ServingModel.text(v);
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

    /** The part of a timestamp in microseconds since the epoch (or ISO-8601 text), in UTC. */
    private String timePart(Object v) {
      java.time.LocalDateTime t;
      try {
        long seconds;
        int nanos;
        if (v instanceof Number n) {
          seconds = Math.floorDiv(n.longValue(), 1_000_000L);
          nanos = (int) Math.floorMod(n.longValue(), 1_000_000L) * 1000;
        } else {
          java.time.Instant instant = java.time.Instant.parse(v.toString().trim());
          seconds = instant.getEpochSecond();
          nanos = instant.getNano();
        }
        t = java.time.LocalDateTime.ofEpochSecond(seconds, nanos, java.time.ZoneOffset.UTC);
      } catch (RuntimeException e) {
        return MISSING;
      }
      return switch (part) {
        case HOUR -> Integer.toString(t.getHour());
        case WEEKDAY -> t.getDayOfWeek().name();
        case MONTH -> Integer.toString(t.getMonthValue());
        case YEAR -> Integer.toString(t.getYear());
      };
    }

    private static String number(double d) {
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format(Locale.ROOT, "%s", d);
    }
  }

  public SliceSpec {
    checkArgument(features != null && !features.isEmpty(), "a slice needs at least one feature");
    features = List.copyOf(features);
    List<String> names = features.stream().map(Feature::label).toList();
    checkArgument(names.stream().distinct().count() == names.size(), "a slice names a feature twice: %s", names);
  }

  public static SliceSpec of(Feature... features) {
    return new SliceSpec(List.of(features));
  }

  /**
   * Parses a slice written on the command line: feature names separated by commas cross them ({@code
   * sex,island}); a name followed by {@code :} and numbers slices that feature by those bucket
   * boundaries ({@code body_mass_g:3500,4500}), the numbers after it being its boundaries until the next
   * name ({@code body_mass_g:3500,4500,sex}); {@code hour(date)} slices a timestamp by its hour (also
   * {@code weekday}, {@code month}, {@code year}).
   *
   * @throws IllegalArgumentException naming the spec and what is wrong with it
   */
  public static SliceSpec parse(String spec) {
    checkArgument(spec != null && !spec.isBlank(), "a slice needs at least one feature; got '%s'", spec);
    List<Feature> features = new ArrayList<>();
    String bucketed = null;
    List<Double> boundaries = new ArrayList<>();
    for (String raw : spec.split(",", -1)) {
      String token = raw.trim();
      checkArgument(!token.isEmpty(), "slice '%s' has an empty item between commas", spec);
      Double number = bucketed == null ? null : number(token);
      if (number != null) {
        boundaries.add(number);
        continue;
      }
      if (bucketed != null) {
        features.add(Feature.buckets(bucketed, boundaries));
        bucketed = null;
        boundaries = new ArrayList<>();
      }
      int colon = token.indexOf(':');
      java.util.regex.Matcher part = TIME_PART.matcher(token);
      if (colon < 0 && part.matches()) {
        features.add(Feature.timePart(part.group(2).trim(), part.group(1)));
        continue;
      }
      if (colon < 0) {
        features.add(Feature.values(token));
        continue;
      }
      bucketed = token.substring(0, colon).trim();
      checkArgument(!bucketed.isEmpty(), "slice '%s': '%s' needs a feature name before ':'", spec, token);
      String first = token.substring(colon + 1).trim();
      Double b = number(first);
      checkArgument(b != null, "slice '%s': the buckets of '%s' must be numbers, as in %s:3500,4500; got '%s'", spec, bucketed, bucketed, first);
      boundaries.add(b);
    }
    if (bucketed != null) {
      features.add(Feature.buckets(bucketed, boundaries));
    }
    return new SliceSpec(features);
  }

  private static Double number(String s) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The features' names. */
  public List<String> featureNames() {
    return features.stream().map(Feature::name).toList();
  }

  /** The slice's name for these values of its features, e.g. {@code sex=FEMALE, island=Dream}. */
  public String sliceName(List<String> values) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      parts.add(features.get(i).label() + "=" + values.get(i));
    }
    return String.join(", ", parts);
  }

  /** The predictions file's column holding this slice's values: {@code slice_sex_x_island}. */
  public String column() {
    return "slice_" + features.stream().map(f -> f.part() == null ? f.name() : f.part().name().toLowerCase(Locale.ROOT) + "_" + f.name())
        .collect(Collectors.joining("_x_"));
  }

  /** A short description: {@code sex x island}. */
  @Override
  public String toString() {
    return features.stream().map(f -> f.buckets().isEmpty() ? f.label() : f.name() + " by " + f.buckets()).collect(Collectors.joining(" x "));
  }
}
