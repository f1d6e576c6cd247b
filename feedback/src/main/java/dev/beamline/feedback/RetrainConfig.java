package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The retraining trigger's configuration, {@code feedback.retrain:}: the conditions any one of which
 * starts a retraining ({@link Condition}), how many scored rows a metric needs, where the joined traffic
 * goes as a new span of the training data, and under which column the label is written there.
 * Immutable; every {@code withX} checks its argument.
 *
 * <pre>{@code
 * RetrainConfig c = RetrainConfig.of(List.of(Condition.belowBaseline("accuracy", 0.02), Condition.drift(), Condition.newLabels(500)))
 *     .withExport("data/span-{SPAN}/*.csv");
 * }</pre>
 *
 * @param when the conditions; the trigger fires when any holds
 * @param minExamples scored rows a metric condition needs before it can hold
 * @param export the pattern the new span is written under ({@code {SPAN}}, optionally {@code {VERSION}}); null for {@code ingest.input}'s
 * @param labelColumn the label's column in the new span; null for the served model's label column, else {@code feedback.labels.label}
 * @param stableLabel the server label whose version the metric conditions measure
 */
public record RetrainConfig(List<Condition> when, int minExamples, String export, String labelColumn, String stableLabel) implements Serializable {
  /** Metrics whose value over several windows is exact from the windows' own: accuracy from the confusion counts, the rest as row-weighted means. */
  public static final Set<String> POOLED_METRICS = Set.of("accuracy", "log_loss", "brier_score", "mse", "mae");
  /** Scored rows a metric condition needs unless configured. */
  public static final int DEFAULT_MIN_EXAMPLES = 100;

  public RetrainConfig {
    checkNotNull(when, "when");
    checkArgument(!when.isEmpty(), "when must hold at least one condition: {metric: accuracy, below: 0.8}, {metric: accuracy, below_baseline: 0.02},"
        + " {drift: true} or {new_labels: 1000}");
    when = List.copyOf(when);
    checkArgument(minExamples >= 1, "min_examples must be at least 1, got %s", minExamples);
    checkArgument(export == null || export.contains("{SPAN}"), "export must hold {SPAN} (a new span of the training data), got '%s'", export);
    checkArgument(labelColumn == null || !labelColumn.isBlank(), "label_column must be a column name, got '%s'", labelColumn);
    checkArgument(stableLabel != null && !stableLabel.isBlank(), "stable_label must be a label name, got '%s'", stableLabel);
  }

  public static RetrainConfig of(List<Condition> when) {
    return new RetrainConfig(when, DEFAULT_MIN_EXAMPLES, null, null, "stable");
  }

  public RetrainConfig withMinExamples(int minExamples) {
    return new RetrainConfig(when, minExamples, export, labelColumn, stableLabel);
  }

  public RetrainConfig withExport(String export) {
    return new RetrainConfig(when, minExamples, export, labelColumn, stableLabel);
  }

  public RetrainConfig withLabelColumn(String labelColumn) {
    return new RetrainConfig(when, minExamples, export, labelColumn, stableLabel);
  }

  public RetrainConfig withStableLabel(String stableLabel) {
    return new RetrainConfig(when, minExamples, export, labelColumn, stableLabel);
  }

  /** Whether a condition reads the serving skew. */
  public boolean needsSkew() {
    return when.stream().anyMatch(c -> c.kind() == Kind.DRIFT);
  }

  /** What a condition tests. */
  public enum Kind {
    /** The metric is below {@code value}. */
    BELOW,
    /** The metric is above {@code value} (a loss). */
    ABOVE,
    /** The metric is below the served version's evaluation by more than {@code value}. */
    BELOW_BASELINE,
    /** The metric is above the served version's evaluation by more than {@code value}. */
    ABOVE_BASELINE,
    /** Serving skew found a drifting feature. */
    DRIFT,
    /** At least {@code value} labelled rows arrived since the last retraining. */
    NEW_LABELS;

    /** The YAML key. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One condition.
   *
   * @param kind what it tests
   * @param metric the live metric, for the metric kinds; null otherwise
   * @param value the bound, margin or count; null for drift
   */
  public record Condition(Kind kind, String metric, Double value) implements Serializable {
    public Condition {
      checkNotNull(kind, "kind");
      boolean metricKind = kind != Kind.DRIFT && kind != Kind.NEW_LABELS;
      checkArgument(metricKind == (metric != null), metricKind ? "%s needs a metric" : "%s takes no metric", kind.key());
      checkArgument(metric == null || POOLED_METRICS.contains(metric), "metric must be one of %s (their value over several windows is exact),"
          + " got '%s'", new java.util.TreeSet<>(POOLED_METRICS), metric);
      checkArgument(kind == Kind.DRIFT || (value != null && Double.isFinite(value)), "%s needs a finite number", kind.key());
      checkArgument(kind != Kind.NEW_LABELS || (value >= 1 && value == Math.rint(value)), "new_labels must be a whole number >= 1, got %s", value);
      checkArgument(kind != Kind.BELOW_BASELINE && kind != Kind.ABOVE_BASELINE || value >= 0, "%s is a margin, >= 0; got %s", kind.key(), value);
    }

    public static Condition below(String metric, double value) {
      return new Condition(Kind.BELOW, metric, value);
    }

    public static Condition above(String metric, double value) {
      return new Condition(Kind.ABOVE, metric, value);
    }

    public static Condition belowBaseline(String metric, double margin) {
      return new Condition(Kind.BELOW_BASELINE, metric, margin);
    }

    public static Condition aboveBaseline(String metric, double margin) {
      return new Condition(Kind.ABOVE_BASELINE, metric, margin);
    }

    public static Condition drift() {
      return new Condition(Kind.DRIFT, null, null);
    }

    public static Condition newLabels(long rows) {
      return new Condition(Kind.NEW_LABELS, null, (double) rows);
    }

    /** The condition as written in YAML, e.g. {@code {metric: accuracy, below_baseline: 0.02}}. */
    public String text() {
      return switch (kind) {
        case DRIFT -> "{drift: true}";
        case NEW_LABELS -> "{new_labels: " + value.longValue() + "}";
        default -> "{metric: " + metric + ", " + kind.key() + ": " + number(value) + "}";
      };
    }

    static String number(double v) {
      return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
  }
}
