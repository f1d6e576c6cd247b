package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The analyzers of a numeric feature: the raw mean (impute MEAN) or the exact most frequent raw value
 * (impute MOST_FREQUENT, the smallest on a tie), and after clip and log the moments (z-score), the
 * extremes (min-max) or the quantiles (bucketize). Missing values (null, NaN) are left out of all of
 * them, and values that are not finite after clip and log (the log of a negative number, or of 0) out of
 * the last three. Without values a constant is NaN.
 */
final class NumericAnalyzer implements FeatureAnalyzer {
  private final FeatureTransform spec;
  private final FeatureType type;
  private final ClipAndLog steps;
  private final Impute.Strategy strategy;
  private final boolean zScore;
  private final boolean minMax;
  private CompensatedMean rawMean;
  private Counts<Double> rawValues;
  private Moments moments;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private Quantiles quantiles;

  NumericAnalyzer(FeatureTransform spec, FeatureType type) {
    this.spec = spec;
    this.type = type;
    this.steps = ClipAndLog.of(spec);
    this.strategy = spec.impute() == null ? Impute.Strategy.MEAN : spec.impute().strategy();
    this.zScore = spec.scale() == Scale.Z_SCORE;
    this.minMax = spec.scale() == Scale.MIN_MAX;
    if (strategy == Impute.Strategy.MEAN) {
      rawMean = new CompensatedMean();
    } else if (strategy == Impute.Strategy.MOST_FREQUENT) {
      rawValues = new Counts<>(Counts.DOUBLES);
    }
    if (zScore) {
      moments = new Moments();
    }
    if (spec.bucketize() != null) {
      quantiles = new Quantiles();
    }
  }

  @Override
  public void add(Object raw) {
    double x = RawValue.number(raw);
    if (Double.isNaN(x)) {
      return;
    }
    if (rawMean != null) {
      rawMean.add(x);
    } else if (rawValues != null) {
      rawValues.add(x == 0 ? 0.0 : x); // -0.0 and 0.0 are one value
    }
    double y = steps.apply(x);
    if (!Double.isFinite(y)) {
      return;
    }
    if (moments != null) {
      moments.add(y);
    }
    if (y < min) {
      min = y;
    }
    if (y > max) {
      max = y;
    }
    if (quantiles != null) {
      quantiles.add(y);
    }
  }

  @Override
  public void merge(FeatureAnalyzer o) {
    NumericAnalyzer other = (NumericAnalyzer) o;
    if (rawMean != null) {
      rawMean.merge(other.rawMean);
    }
    if (rawValues != null) {
      rawValues.merge(other.rawValues);
    }
    if (moments != null) {
      moments.merge(other.moments);
    }
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    if (quantiles != null) {
      quantiles.merge(other.quantiles);
    }
  }

  /** A most-frequent value chosen from estimated counts, past {@value Counts#DEFAULT_CAPACITY} distinct values. */
  @Override
  public List<String> warnings() {
    if (rawValues == null || rawValues.exact()) {
      return List.of();
    }
    return List.of(String.format(Locale.ROOT,
        "transform '%s': impute most_frequent among about %,d distinct values: the counts are estimates, each at most %,d above the true count",
        spec.output(), rawValues.distinct(), rawValues.maximumError()));
  }

  @Override
  public FittedFeature fit(long rows) {
    double impute;
    switch (strategy) {
      case MEAN:
        impute = rawMean.mean();
        break;
      case MOST_FREQUENT:
        Double mostFrequent = rawValues.mostFrequent();
        impute = mostFrequent == null ? Double.NaN : mostFrequent;
        break;
      case CONSTANT:
        impute = RawValue.numericConstant(spec.impute().constant(), type);
        break;
      default:
        throw new AssertionError(strategy);
    }
    boolean seen = min <= max;
    double[] boundaries = quantiles == null ? null : quantiles.boundaries(spec.bucketize());
    int cardinality = boundaries != null ? boundaries.length + 1 : spec.binarize() != null ? 2 : 0;
    return new FittedFeature(
        spec,
        type,
        OutputKind.of(spec, type),
        cardinality,
        impute,
        null,
        zScore ? moments.mean() : null,
        zScore ? moments.std() : null,
        minMax ? (seen ? min : Double.NaN) : null,
        minMax ? (seen ? max : Double.NaN) : null,
        boundaries,
        null,
        null,
        null,
        rows);
  }

  @Override
  public void encode(DataOutputStream out) throws IOException {
    if (rawMean != null) {
      rawMean.encode(out);
    }
    if (rawValues != null) {
      rawValues.encode(out);
    }
    if (moments != null) {
      moments.encode(out);
    }
    out.writeDouble(min);
    out.writeDouble(max);
    if (quantiles != null) {
      quantiles.encode(out);
    }
  }

  @Override
  public void decode(DataInputStream in) throws IOException {
    if (rawMean != null) {
      rawMean = CompensatedMean.decode(in);
    }
    if (rawValues != null) {
      rawValues = Counts.decode(in, Counts.DOUBLES, Counts.DEFAULT_CAPACITY);
    }
    if (moments != null) {
      moments = Moments.decode(in);
    }
    min = in.readDouble();
    max = in.readDouble();
    if (quantiles != null) {
      quantiles = Quantiles.decode(in);
    }
  }
}
