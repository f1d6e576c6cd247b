package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * The largest gap a model may show between the groups of one sensitive feature in one rate of {@link BiasGaps}
 * ({@code positive_rate}, {@code true_positive_rate}, {@code false_positive_rate}, {@code accuracy}). For more
 * than 2 classes a rate without a class ({@code true_positive_rate}) applies to every class's rate ({@code
 * true_positive_rate/Adelie}, ...), one with a class only to that one. The gap passes when it is at most {@code
 * maxGap}.
 *
 * <pre>{@code
 * BiasThreshold equalOpportunity = BiasThreshold.of("sex", "true_positive_rate", 0.05);
 * BiasThreshold gentoo = BiasThreshold.of("island", "positive_rate/Gentoo", 0.1);
 * }</pre>
 *
 * @param feature the sensitive feature
 * @param metric the rate, optionally with {@code /<class>}
 * @param maxGap the largest gap allowed, finite and {@code >= 0}
 */
public record BiasThreshold(String feature, String metric, double maxGap) implements Serializable {
  public BiasThreshold {
    checkArgument(feature != null && !feature.isBlank(), "feature must be a name; got '%s'", feature);
    checkArgument(metric != null && BiasGaps.METRICS.contains(baseName(metric))
            && !(metric.startsWith(BiasGaps.ACCURACY + "/")) && !metric.endsWith("/"),
        "bias metric must be one of %s, the first three optionally with /<class>; got '%s'", BiasGaps.METRICS, metric);
    checkArgument(maxGap >= 0 && Double.isFinite(maxGap), "max gap of %s across %s must be finite and >= 0; got %s",
        metric, feature, maxGap);
  }

  public static BiasThreshold of(String feature, String metric, double maxGap) {
    return new BiasThreshold(feature, metric, maxGap);
  }

  /** Whether this threshold applies to the gap named {@code gapMetric}. */
  boolean appliesTo(String gapMetric) {
    return gapMetric.equals(metric) || (!metric.contains("/") && gapMetric.startsWith(metric + "/"));
  }

  private static String baseName(String metric) {
    int slash = metric.indexOf('/');
    return slash < 0 ? metric : metric.substring(0, slash);
  }
}
