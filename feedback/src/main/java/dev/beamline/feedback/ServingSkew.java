package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.validation.Anomaly;
import dev.beamline.validation.AnomalyDetector;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.FeatureStatistics;
import dev.beamline.validation.SchemaFeature;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.avro.generic.GenericRecord;

/**
 * Skew of the served traffic from the training data: which logged columns are the model's inputs, the
 * time window (and model version) each logged row counts under, and the comparison of a window's
 * statistics with the training split's by validation's own skew check ({@link AnomalyDetector#skew}: the
 * L-infinity distance for categorical features, the Jensen–Shannon divergence for numeric ones, the same
 * thresholds and {@code SKEW} anomalies). The statistics themselves are validation's ({@code
 * FeatureStatisticsFn}) of {@link #inputs()}.
 *
 * <p>The logged columns compared are those named as a training feature; the request log's fixed columns,
 * the model's outputs ({@code output_*}) and the join's {@code feedback_*} columns never are. A training
 * feature that the log lacks, or that has no value in a window, is reported missing, except the label's
 * column, which a client does not send.
 *
 * <pre>{@code
 * ServingSkew skew = new ServingSkew(trafficSchema, Duration.ofDays(1), true);
 * for (ServingSkew.Key k : skew.keys(row)) { ... }   // the window, and the window and version
 * ServingSkew.WindowSkew w = skew.compare(key, windowStatistics, trainStatistics, thresholds, Set.of("species"));
 * }</pre>
 */
public final class ServingSkew implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Logged outputs of the model: never inputs. */
  public static final String OUTPUT_PREFIX = "output_";

  private final ExampleSchema traffic;
  private final long windowSeconds;
  private final boolean perVersion;

  /**
   * @param traffic the joined traffic's (or request log's) columns
   * @param window the windows' length, aligned to the epoch (UTC)
   * @param perVersion also count each row under its model version
   */
  public ServingSkew(ExampleSchema traffic, Duration window, boolean perVersion) {
    this.traffic = checkNotNull(traffic, "traffic");
    checkArgument(window != null && !window.isNegative() && !window.isZero() && window.getNano() == 0,
        "the window must be a positive whole number of seconds, got %s", window);
    this.windowSeconds = window.getSeconds();
    this.perVersion = perVersion;
  }

  /**
   * The columns of the log that can be the model's inputs: not fixed, not an output, not the join's.
   *
   * @throws IllegalArgumentException when the log has none
   */
  public ExampleSchema inputs() {
    return ExampleSchema.of(inputColumns());
  }

  /** The columns of {@link #inputs()}, possibly none. */
  public List<FeatureSpec> inputColumns() {
    Set<String> fixed = new LinkedHashSet<>();
    TrafficSchema.FIXED.forEach(f -> fixed.add(f.name()));
    fixed.add(TrafficSchema.FEEDBACK_LABEL);
    fixed.add(TrafficSchema.FEEDBACK_TIME);
    List<FeatureSpec> out = new ArrayList<>();
    for (FeatureSpec f : traffic.features()) {
      if (!fixed.contains(f.name()) && !f.name().startsWith(OUTPUT_PREFIX)) {
        out.add(f);
      }
    }
    return out;
  }

  public long windowSeconds() {
    return windowSeconds;
  }

  /**
   * What a row counts under: a time window and, when {@code version} is set, a model version; {@link
   * #encode()} is its text key, ordered by window then version (all versions first).
   */
  public record Key(long windowStart, Long version) implements Serializable {
    public String encode() {
      return String.format(Locale.ROOT, "%020d/%s", windowStart, version == null ? "" : String.format(Locale.ROOT, "%020d", version));
    }

    public static Key decode(String text) {
      int slash = text.indexOf('/');
      String v = text.substring(slash + 1);
      return new Key(Long.parseLong(text.substring(0, slash)), v.isEmpty() ? null : Long.parseLong(v));
    }
  }

  /** The keys {@code row} counts under: its window, and its window and version when counted per version. */
  public List<Key> keys(GenericRecord row) {
    Object time = row.get(TrafficSchema.TIME);
    checkArgument(time != null, "a logged row without its time");
    long start = Math.floorDiv(Math.floorDiv((Long) time, 1_000_000L), windowSeconds) * windowSeconds;
    Object version = row.get(TrafficSchema.VERSION);
    return perVersion && version != null ? List.of(new Key(start, null), new Key(start, (Long) version)) : List.of(new Key(start, null));
  }

  /** How a window is named: its day ({@code 2026-11-29}) for whole days, else its start instant. */
  public String windowName(long start) {
    String instant = Instant.ofEpochSecond(start).toString();
    return windowSeconds % 86_400 == 0 ? instant.substring(0, 10) : instant;
  }

  /** One feature that could not be compared, and why. */
  public record Uncompared(String feature, String reason) implements Serializable {}

  /**
   * One window (and version) against the training data: the window's name ({@link #windowName}), the name of its
   * statistics and anomalies' split ({@code serving 2026-11-29 v2}), its rows, every feature compared with its distance
   * and threshold, the training features missing in it, those whose types do not compare, and the anomalies.
   */
  public record WindowSkew(Key key, String window, String name, long rows, List<AnomalyDetector.Comparison> compared, List<String> missing,
      List<Uncompared> uncompared) implements Serializable {
    public WindowSkew {
      compared = List.copyOf(compared);
      missing = List.copyOf(missing);
      uncompared = List.copyOf(uncompared);
    }

    /** The {@code SKEW} anomalies, in feature order. */
    public List<Anomaly> anomalies() {
      return compared.stream().filter(AnomalyDetector.Comparison::anomalous).map(AnomalyDetector.Comparison::anomaly).toList();
    }

    /** The features whose distance is above their threshold. */
    public List<AnomalyDetector.Comparison> drifting() {
      return compared.stream().filter(AnomalyDetector.Comparison::anomalous).toList();
    }
  }

  /**
   * Compares the statistics of one window's logged inputs ({@code serving}, of {@link #inputs()}) with the
   * training split's by validation's skew check.
   *
   * @param notExpected training features a request does not carry (the label's column): never missing
   */
  public WindowSkew compare(Key key, DatasetStatistics serving, DatasetStatistics training, DriftThresholds thresholds,
      Set<String> notExpected) {
    String window = windowName(key.windowStart());
    String name = "serving " + window + (key.version() == null ? "" : " v" + key.version());
    DatasetStatistics current = new DatasetStatistics(name, serving.numExamples(), serving.features());
    List<SchemaFeature> features = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<Uncompared> uncompared = new ArrayList<>();
    for (FeatureStatistics t : training.features()) {
      if (notExpected.contains(t.name())) {
        continue;
      }
      FeatureStatistics s = current.feature(t.name()).orElse(null);
      if (s == null || s.count() == 0) {
        missing.add(t.name());
      } else if (numeric(t) != numeric(s)) {
        uncompared.add(new Uncompared(t.name(), "logged as " + s.type() + ", trained as " + t.type()));
      } else {
        features.add(SchemaFeature.of(t.name(), t.featureType()));
      }
    }
    List<AnomalyDetector.Comparison> compared = new AnomalyDetector(DataSchema.of(features), thresholds).skew(current, training);
    Set<String> done = new LinkedHashSet<>();
    compared.forEach(c -> done.add(c.feature()));
    for (SchemaFeature f : features) {
      if (!done.contains(f.name())) {
        // Numeric statistics without quantiles: every value NaN on one side.
        uncompared.add(new Uncompared(f.name(), "no quantiles to compare (no finite value)"));
      }
    }
    return new WindowSkew(key, window, name, serving.numExamples(), compared, missing, uncompared);
  }

  private static boolean numeric(FeatureStatistics f) {
    FeatureType t = f.featureType();
    return t == FeatureType.INT || t == FeatureType.FLOAT || t == FeatureType.TIMESTAMP;
  }

  /** {@code body_mass_g (JS 0.3100 > 0.1)}: a drifting feature in a summary line. */
  public static String brief(AnomalyDetector.Comparison c) {
    String measure = c.distance().equals(AnomalyDetector.Comparison.L_INFINITY) ? "L∞" : "JS";
    return String.format(Locale.ROOT, "%s (%s %.4f > %s)", c.feature(), measure, c.value(), c.threshold());
  }
}
