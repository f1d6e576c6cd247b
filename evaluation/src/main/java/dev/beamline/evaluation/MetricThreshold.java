package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one metric on one slice must satisfy for a model to be blessed: bounds on its value, a limit on its change
 * against the blessed baseline, or both. The semantics are TensorFlow Model Analysis's {@code
 * GenericValueThreshold} and {@code GenericChangeThreshold} ({@code
 * tensorflow_model_analysis/evaluators/metrics_validator.py}):
 *
 * <ul>
 *   <li>value: {@code lowerBound <= value <= upperBound}, both inclusive, either optional.
 *   <li>change, with {@code diff = candidate - baseline}: for {@code higher_is_better}, {@code diff >= absolute} and
 *       {@code diff / |baseline| >= relative}; for {@code lower_is_better}, {@code diff <= absolute} and {@code
 *       diff / |baseline| <= relative}; either of absolute and relative optional. A negative absolute or relative
 *       limit with higher-is-better (a positive one with lower-is-better) allows a small loss. TFMA divides by the
 *       signed baseline; here it is its magnitude, so that an improvement reads as one whatever the baseline's
 *       sign. A relative limit fails on a baseline of exactly 0, where the ratio is undefined, as in TFMA.
 * </ul>
 *
 * <p>Each {@code withX} checks its own argument; {@link #validate()} checks the combination (a change limit
 * without a direction, a direction without a limit, a lower bound above the upper one, nothing to check), and
 * {@link BlessingCriteria} calls it.
 *
 * <pre>{@code
 * MetricThreshold floor = MetricThreshold.of("accuracy").withLowerBound(0.9);
 * MetricThreshold noWorse = MetricThreshold.of("log_loss")
 *     .withSlice("island=Biscoe")
 *     .withDirection(MetricThreshold.Direction.LOWER_IS_BETTER)
 *     .withAbsoluteChange(0.01)      // may grow by at most 0.01
 *     .withRelativeChange(0.05);     // and by at most 5 %
 * }</pre>
 *
 * @param metric the metric's name, as {@link MetricValues} writes it
 * @param slice the slice's name; {@link #OVERALL} for all examples
 * @param lowerBound the least value allowed, or {@code null}
 * @param upperBound the greatest value allowed, or {@code null}
 * @param direction which way is better, for the change limits; {@code null} without them
 * @param absoluteChange the limit on {@code candidate - baseline}, or {@code null}
 * @param relativeChange the limit on {@code (candidate - baseline) / |baseline|}, or {@code null}
 */
public record MetricThreshold(String metric, String slice, Double lowerBound, Double upperBound, Direction direction,
    Double absoluteChange, Double relativeChange) implements Serializable {
  /** The slice of all examples. */
  public static final String OVERALL = "overall";

  /**
   * Which way a metric improves, as TFMA's {@code MetricDirection}.
   *
   * <pre>{@code
   * MetricThreshold.Direction d = MetricThreshold.Direction.of("lower_is_better"); // LOWER_IS_BETTER
   * }</pre>
   */
  public enum Direction {
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER;

    /** The configuration's name: {@code higher_is_better} or {@code lower_is_better}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The direction of a configuration name, {@code higher_is_better} or {@code lower_is_better}. */
    public static Direction of(String configName) {
      for (Direction d : values()) {
        if (d.configName().equals(configName)) {
          return d;
        }
      }
      throw new IllegalArgumentException(
          "direction must be higher_is_better or lower_is_better; got '" + configName + "'");
    }
  }

  public MetricThreshold {
    checkArgument(metric != null && !metric.isBlank(), "metric must be a name; got '%s'", metric);
    checkArgument(slice != null && !slice.isBlank(), "slice must be a name; got '%s'", slice);
    checkFinite("lower_bound", lowerBound);
    checkFinite("upper_bound", upperBound);
    checkFinite("absolute", absoluteChange);
    checkFinite("relative", relativeChange);
  }

  private static void checkFinite(String name, Double v) {
    checkArgument(v == null || Double.isFinite(v), "%s must be a finite number; got %s", name, v);
  }

  /** A threshold on {@code metric} of the overall slice that checks nothing yet. */
  public static MetricThreshold of(String metric) {
    return new MetricThreshold(metric, OVERALL, null, null, null, null, null);
  }

  public MetricThreshold withSlice(String slice) {
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absoluteChange, relativeChange);
  }

  /** The same threshold that also requires {@code value >= lowerBound}, a finite number. */
  public MetricThreshold withLowerBound(double lowerBound) {
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absoluteChange, relativeChange);
  }

  /** The same threshold that also requires {@code value <= upperBound}, a finite number. */
  public MetricThreshold withUpperBound(double upperBound) {
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absoluteChange, relativeChange);
  }

  public MetricThreshold withDirection(Direction direction) {
    checkArgument(direction != null, "direction must be higher_is_better or lower_is_better; got null");
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absoluteChange, relativeChange);
  }

  /** The same threshold with a limit, a finite number, on {@code candidate - baseline}. */
  public MetricThreshold withAbsoluteChange(double absolute) {
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absolute, relativeChange);
  }

  /** The same threshold with a limit, a finite number, on {@code (candidate - baseline) / |baseline|}. */
  public MetricThreshold withRelativeChange(double relative) {
    return new MetricThreshold(metric, slice, lowerBound, upperBound, direction, absoluteChange, relative);
  }

  /** Whether it bounds the value. */
  public boolean hasValueThreshold() {
    return lowerBound != null || upperBound != null;
  }

  /** Whether it limits the change against the baseline. */
  public boolean hasChangeThreshold() {
    return absoluteChange != null || relativeChange != null;
  }

  /**
   * This threshold, once its parts fit together.
   *
   * @throws IllegalArgumentException naming the threshold and what is wrong with it
   */
  public MetricThreshold validate() {
    String where = "threshold on " + metric + " (slice " + slice + "): ";
    checkArgument(hasValueThreshold() || hasChangeThreshold() || direction != null,
        "%schecks nothing; set lower_bound, upper_bound, or a direction with absolute or relative", where);
    checkArgument(lowerBound == null || upperBound == null || lowerBound <= upperBound,
        "%slower_bound %s is above upper_bound %s; no value can pass", where, lowerBound, upperBound);
    checkArgument(!hasChangeThreshold() || direction != null,
        "%sa change threshold (absolute %s, relative %s) needs a direction: higher_is_better or lower_is_better",
        where, absoluteChange, relativeChange);
    checkArgument(direction == null || hasChangeThreshold(),
        "%sdirection %s without absolute or relative limits no change; set at least one", where,
        direction == null ? null : direction.configName());
    return this;
  }

  /** The value bounds as text, such as {@code ">= 0.9"} or {@code ">= 0.8 and <= 0.99"}; empty without them. */
  public String valueBound() {
    List<String> parts = new ArrayList<>();
    if (lowerBound != null) {
      parts.add(">= " + Numbers.text(lowerBound));
    }
    if (upperBound != null) {
      parts.add("<= " + Numbers.text(upperBound));
    }
    return String.join(" and ", parts);
  }

  /**
   * The change limits as text, such as {@code "change >= -0.01 and relative change >= -0.02"}; empty without
   * them.
   */
  public String changeBound() {
    String op = direction == Direction.LOWER_IS_BETTER ? " <= " : " >= ";
    List<String> parts = new ArrayList<>();
    if (absoluteChange != null) {
      parts.add("change" + op + Numbers.text(absoluteChange));
    }
    if (relativeChange != null) {
      parts.add("relative change" + op + Numbers.text(relativeChange));
    }
    return String.join(" and ", parts);
  }
}
