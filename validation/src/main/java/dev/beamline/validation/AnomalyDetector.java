package dev.beamline.validation;

import dev.beamline.core.FeatureType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Compares statistics with a schema, and optionally with the previous span's statistics (drift) and
 * with another dataset's (skew), and returns the anomalies found, as values: nothing is thrown.
 *
 * <pre>{@code
 * List<Anomaly> anomalies = new AnomalyDetector(schema, DriftThresholds.defaults())
 *     .detect(current, previousSpan, servingStats);
 * List<AnomalyDetector.Comparison> each = detector.skew(servingWindow, trainSplit);   // every distance, anomalous or not
 * }</pre>
 */
public final class AnomalyDetector {
  private static final int EXAMPLES = 3;

  private final DataSchema schema;
  private final DriftThresholds defaults;

  public AnomalyDetector(DataSchema schema, DriftThresholds defaults) {
    this.schema = schema;
    this.defaults = defaults;
  }

  /**
   * The anomalies of {@code current} (every split) against the schema; against {@code previous} (the
   * previous span, may be null) for drift and {@code skewBaseline} (may be null) for skew, split by split
   * where both have the split, or against a baseline's only split.
   */
  public List<Anomaly> detect(StatisticsSet current, StatisticsSet previous, StatisticsSet skewBaseline) {
    List<Anomaly> out = new ArrayList<>();
    for (DatasetStatistics split : current.splits()) {
      out.addAll(checkSplit(split));
      if (previous != null) {
        counterpart(previous, split).ifPresent(p -> out.addAll(compare(split, p, Anomaly.Type.DRIFT)));
      }
      if (skewBaseline != null) {
        counterpart(skewBaseline, split).ifPresent(b -> out.addAll(compare(split, b, Anomaly.Type.SKEW)));
      }
    }
    return out;
  }

  /** The split of {@code baseline} to compare {@code split} with: the same name, or the only one there is. */
  private static Optional<DatasetStatistics> counterpart(StatisticsSet baseline, DatasetStatistics split) {
    Optional<DatasetStatistics> same = baseline.split(split.split());
    return same.isPresent() || baseline.splits().size() != 1 ? same : Optional.of(baseline.splits().get(0));
  }

  /** The anomalies of one split against the schema alone. */
  public List<Anomaly> checkSplit(DatasetStatistics split) {
    List<Anomaly> out = new ArrayList<>();
    String name = split.split();
    if (split.numExamples() == 0) {
      out.add(Anomaly.of(Anomaly.Type.EMPTY_SPLIT, null, name, "the split holds no example", List.of()));
      return out;
    }
    for (SchemaFeature expected : schema.features()) {
      Optional<FeatureStatistics> found = split.feature(expected.name());
      if (found.isEmpty() || found.get().count() + found.get().missing() == 0) {
        out.add(Anomaly.of(Anomaly.Type.MISSING_FEATURE, expected.name(), name, "the feature is not in the data", List.of()));
        continue;
      }
      FeatureStatistics f = found.get();
      if (!compatible(expected.type(), f.featureType())) {
        out.add(Anomaly.of(Anomaly.Type.WRONG_TYPE, f.name(), name,
            "the data has type " + f.type() + ", the schema " + expected.type().configName(), List.of()));
        continue;
      }
      if (f.presence() < expected.minPresence()) {
        out.add(Anomaly.of(Anomaly.Type.LOW_PRESENCE, f.name(), name,
            String.format(Locale.ROOT, "present in %s of examples (%d missing), below the required %s",
                pct(f.presence()), f.missing(), pct(expected.minPresence())),
            List.of()));
      }
      if (expected.domain() != null && f.strings() != null) {
        long outside = 0;
        long total = 0;
        List<String> examples = new ArrayList<>();
        for (ValueCount v : f.strings().categoryCounts()) {
          total += v.count();
          if (!expected.domain().contains(v.value())) {
            outside += v.count();
            if (examples.size() < EXAMPLES) {
              examples.add(v.value());
            }
          }
        }
        if (outside > 0) {
          out.add(Anomaly.of(Anomaly.Type.OUT_OF_DOMAIN, f.name(), name,
              String.format(Locale.ROOT, "%s of values (%d of %d) are outside the domain of %d values",
                  pct((double) outside / total), outside, total, expected.domain().size()),
              examples));
        }
      }
      NumericStatistics n = f.numeric();
      if (n != null && f.count() > n.nan()) {
        List<String> examples = new ArrayList<>();
        if (expected.min() != null && n.min() < expected.min()) {
          examples.add("min " + n.min());
        }
        if (expected.max() != null && n.max() > expected.max()) {
          examples.add("max " + n.max());
        }
        if (!examples.isEmpty()) {
          out.add(Anomaly.of(Anomaly.Type.OUT_OF_RANGE, f.name(), name,
              "values fall outside the range [" + (expected.min() == null ? "-inf" : expected.min()) + ", "
                  + (expected.max() == null ? "+inf" : expected.max()) + "]",
              examples));
        }
      }
      if (n != null && n.nan() > 0 && !expected.nanAllowed()) {
        out.add(Anomaly.of(Anomaly.Type.NAN_NOT_ALLOWED, f.name(), name, n.nan() + " values are NaN, which the schema does not allow", List.of()));
      }
      if (f.strings() != null) {
        long distinct = f.strings().distinct();
        if (expected.maxDistinct() != null && distinct > expected.maxDistinct()) {
          out.add(Anomaly.of(Anomaly.Type.TOO_MANY_DISTINCT, f.name(), name,
              distinct + " distinct values, more than the allowed " + expected.maxDistinct(), List.of()));
        }
        if (expected.minDistinct() != null && distinct < expected.minDistinct()) {
          out.add(Anomaly.of(Anomaly.Type.TOO_FEW_DISTINCT, f.name(), name,
              distinct + " distinct values, fewer than the required " + expected.minDistinct(), List.of()));
        }
      }
    }
    for (FeatureStatistics f : split.features()) {
      if (schema.feature(f.name()).isEmpty()) {
        out.add(Anomaly.of(Anomaly.Type.UNEXPECTED_FEATURE, f.name(), name,
            "the data has a feature of type " + f.type() + " that the schema does not know", List.of()));
      }
    }
    return out;
  }

  /**
   * One feature compared between two datasets: the distance used ({@link #L_INFINITY} for categorical
   * features, {@link #JENSEN_SHANNON} for numeric ones, see {@link Distances}), its value, the threshold
   * it was held to, and the anomaly when it is above it (null when not).
   */
  public record Comparison(String feature, String distance, double value, double threshold, Anomaly anomaly) implements Serializable {
    public static final String L_INFINITY = "L-infinity";
    public static final String JENSEN_SHANNON = "Jensen-Shannon";

    public boolean anomalous() {
      return anomaly != null;
    }
  }

  /**
   * Skew of {@code current} from {@code baseline} (e.g. serving data from the training split), each
   * schema feature present in both with comparable statistics (both categorical, or both numeric with
   * quantiles): the same distances, thresholds and {@code SKEW} anomalies as {@link #detect}, with the
   * distances of the features that stay under their threshold too.
   */
  public List<Comparison> skew(DatasetStatistics current, DatasetStatistics baseline) {
    return comparisons(current, baseline, Anomaly.Type.SKEW);
  }

  /** Drift or skew of every schema feature present in both datasets. */
  private List<Anomaly> compare(DatasetStatistics current, DatasetStatistics baseline, Anomaly.Type type) {
    return comparisons(current, baseline, type).stream().filter(Comparison::anomalous).map(Comparison::anomaly).toList();
  }

  private List<Comparison> comparisons(DatasetStatistics current, DatasetStatistics baseline, Anomaly.Type type) {
    List<Comparison> out = new ArrayList<>();
    String what = type == Anomaly.Type.DRIFT ? "drift from the previous span" : "skew from the baseline";
    for (SchemaFeature expected : schema.features()) {
      Optional<FeatureStatistics> a = current.feature(expected.name());
      Optional<FeatureStatistics> b = baseline.feature(expected.name());
      if (a.isEmpty() || b.isEmpty()) {
        continue;
      }
      Double own = type == Anomaly.Type.DRIFT ? expected.driftThreshold() : expected.skewThreshold();
      if (a.get().strings() != null && b.get().strings() != null) {
        double threshold = own != null ? own : defaults.categorical();
        double d = Distances.lInfinity(counts(a.get().strings()), counts(b.get().strings()));
        Anomaly anomaly = d > threshold
            ? severity(Anomaly.of(type, expected.name(), current.split(),
                String.format(Locale.ROOT, "%s: L-infinity distance %.4f > threshold %s", what, d, threshold), List.of()))
            : null;
        out.add(new Comparison(expected.name(), Comparison.L_INFINITY, d, threshold, anomaly));
      } else if (a.get().numeric() != null && b.get().numeric() != null
          && !a.get().numeric().quantiles().isEmpty() && !b.get().numeric().quantiles().isEmpty()) {
        double threshold = own != null ? own : defaults.numeric();
        double d = Distances.quantileJensenShannon(b.get().numeric().quantiles(), a.get().numeric().quantiles());
        Anomaly anomaly = d > threshold
            ? severity(Anomaly.of(type, expected.name(), current.split(),
                String.format(Locale.ROOT, "%s: Jensen-Shannon divergence %.4f > threshold %s (mean %s, was %s)",
                    what, d, threshold, mean(a.get()), mean(b.get())),
                List.of()))
            : null;
        out.add(new Comparison(expected.name(), Comparison.JENSEN_SHANNON, d, threshold, anomaly));
      }
    }
    return out;
  }

  /** Drift at the configured severity; skew and the rest at their own. */
  private Anomaly severity(Anomaly a) {
    return a.type() == Anomaly.Type.DRIFT && a.severity() != defaults.driftSeverity()
        ? new Anomaly(a.type(), defaults.driftSeverity(), a.feature(), a.split(), a.description(), a.examples())
        : a;
  }

  private static Map<String, Long> counts(StringStatistics s) {
    Map<String, Long> m = new HashMap<>();
    s.categoryCounts().forEach(v -> m.put(v.value(), v.count()));
    return m;
  }

  /** Integer data satisfies a float schema; timestamps are integers underneath. */
  private static boolean compatible(FeatureType expected, FeatureType actual) {
    return expected == actual || (expected == FeatureType.FLOAT && actual == FeatureType.INT);
  }

  private static String pct(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
  }

  /** The mean of a numeric feature; of timestamps, as an ISO-8601 instant rather than microseconds. */
  private static String mean(FeatureStatistics f) {
    NumericStatistics n = f.numeric();
    if (f.featureType() == FeatureType.TIMESTAMP) {
      List<Double> values = new ArrayList<>(n.quantiles());
      values.add(n.min());
      values.add(n.max());
      return TimestampText.fitting(values).format(n.mean());
    }
    return fmt(n.mean());
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
