package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The metrics of a regression model, as a mergeable {@link Combine.CombineFn} over {@link
 * RegressionPrediction}s: MSE, RMSE, MAE, R², the mean label and prediction, and quantiles of the residual.
 * The definitions are scikit-learn 1.2's ({@code mean_squared_error}, {@code mean_absolute_error}, {@code
 * r2_score}) with the weights as {@code sample_weight}; see {@link RegressionMetrics}.
 *
 * <pre>{@code
 * PCollection<RegressionMetrics> metrics =
 *     predictions.apply(Combine.globally(RegressionMetricsFn.of()));
 * // or, without a pipeline, with other quantiles:
 * RegressionMetricsFn fn = RegressionMetricsFn.of().withQuantiles(0.1, 0.5, 0.9);
 * RegressionMetricsFn.Accumulator acc = fn.createAccumulator();
 * acc = fn.addInput(acc, RegressionPrediction.of(3.0, 2.5));
 * RegressionMetrics m = fn.extractOutput(acc);
 * }</pre>
 *
 * <h2>Exactness and merging</h2>
 *
 * <p>The accumulator holds exact sums ({@link ExactSum}) of the weight, of {@code w (y - p)^2} and {@code w |y
 * - p|} (each term rounded once, as scikit-learn rounds it), and of {@code w y}, {@code w p} and {@code w y^2}
 * computed without rounding. R²'s denominator {@code (W sum w y^2 - (sum w y)^2) / W} is therefore free of the
 * cancellation that would ruin it for labels far from 0 with a small spread; it is divided in 34 significant
 * digits. Adding and merging in any order gives bit-identical metrics.
 *
 * <p>The residual quantiles are exact: every residual is kept and sorted at the end, so the accumulator grows
 * with the data. That is acceptable for evaluation sets of up to some millions of rows and is to be replaced by
 * a quantile sketch (DataSketches' KLL) when it is not.
 */
public final class RegressionMetricsFn
    extends MergingCombineFn<RegressionPrediction, RegressionMetricsFn.Accumulator, RegressionMetrics> {
  private static final long serialVersionUID = 1L;
  private static final double[] DEFAULT_QUANTILES = {0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0};

  private final double[] quantiles;

  private RegressionMetricsFn(double[] quantiles) {
    super(Accumulator.class, RegressionMetrics.class);
    this.quantiles = quantiles;
  }

  /** The metrics with the residual quantiles at 0, 0.05, 0.25, 0.5, 0.75, 0.95 and 1. */
  public static RegressionMetricsFn of() {
    return new RegressionMetricsFn(DEFAULT_QUANTILES.clone());
  }

  /** The same metrics with the residual quantiles at {@code probabilities}, each in [0, 1]. */
  public RegressionMetricsFn withQuantiles(double... probabilities) {
    checkArgument(probabilities != null, "probabilities must not be null");
    for (double q : probabilities) {
      checkArgument(q >= 0 && q <= 1, "quantile probabilities must be in [0, 1]; got %s", Arrays.toString(probabilities));
    }
    return new RegressionMetricsFn(probabilities.clone());
  }

  /** The exact sums and the residuals the metrics are computed from; see the class Javadoc. */
  public static final class Accumulator implements MergingCombineFn.Accumulator<RegressionPrediction, Accumulator> {
    private static final long serialVersionUID = 1L;

    private long count;
    private final ExactSum weight = new ExactSum();
    private final ExactSum squaredError = new ExactSum();
    private final ExactSum absoluteError = new ExactSum();
    private final ExactSum weightedLabel = new ExactSum();
    private final ExactSum weightedLabelSquared = new ExactSum();
    private final ExactSum weightedPrediction = new ExactSum();
    private double[] residuals = new double[16];

    private Accumulator() {}

    @Override
    public void add(RegressionPrediction e) {
      double w = e.weight();
      double r = e.label() - e.prediction();
      weight.add(w);
      squaredError.add(w * (r * r));
      absoluteError.add(w * Math.abs(r));
      if (w != 0) {
        weightedLabel.addProduct(w, e.label());
        weightedLabelSquared.addProduct(w, e.label(), e.label());
        weightedPrediction.addProduct(w, e.prediction());
      }
      ensure(count + 1);
      residuals[(int) count++] = r;
    }

    private void ensure(long n) {
      checkArgument(n < Integer.MAX_VALUE - 8, "too many examples to keep their residuals: %s", n);
      if (n > residuals.length) {
        residuals = Arrays.copyOf(residuals, (int) Math.max(n, Math.min(2L * residuals.length, Integer.MAX_VALUE - 8)));
      }
    }

    @Override
    public void merge(Accumulator o) {
      weight.add(o.weight);
      squaredError.add(o.squaredError);
      absoluteError.add(o.absoluteError);
      weightedLabel.add(o.weightedLabel);
      weightedLabelSquared.add(o.weightedLabelSquared);
      weightedPrediction.add(o.weightedPrediction);
      ensure(count + o.count);
      System.arraycopy(o.residuals, 0, residuals, (int) count, (int) o.count);
      count += o.count;
    }
  }

  @Override
  public Accumulator createAccumulator() {
    return new Accumulator();
  }

  @Override
  public RegressionMetrics extractOutput(Accumulator acc) {
    double total = acc.weight.value();
    double mse = Double.NaN;
    double mae = Double.NaN;
    double r2 = Double.NaN;
    double meanLabel = Double.NaN;
    double meanPrediction = Double.NaN;
    if (total > 0) {
      BigDecimal w = acc.weight.exact();
      mse = acc.squaredError.value() / total;
      mae = acc.absoluteError.value() / total;
      meanLabel = acc.weightedLabel.exact().divide(w, MathContext.DECIMAL128).doubleValue();
      meanPrediction = acc.weightedPrediction.exact().divide(w, MathContext.DECIMAL128).doubleValue();
      BigDecimal sy = acc.weightedLabel.exact();
      // W * sum w y^2 - (sum w y)^2 is exact, so its sign says exactly whether the label varies.
      BigDecimal spread = w.multiply(acc.weightedLabelSquared.exact()).subtract(sy.multiply(sy));
      double denominator = spread.signum() > 0 ? spread.divide(w, MathContext.DECIMAL128).doubleValue() : 0;
      double numerator = acc.squaredError.value();
      // r2_score's force_finite rule: a constant label is explained perfectly or not at all.
      if (denominator > 0) {
        r2 = 1 - numerator / denominator;
      } else {
        r2 = numerator == 0 ? 1.0 : 0.0;
      }
    }
    double[] sorted = Arrays.copyOf(acc.residuals, (int) acc.count);
    Arrays.sort(sorted);
    double[] q = new double[quantiles.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = quantile(sorted, quantiles[i]);
    }
    return new RegressionMetrics(acc.count, total, mse, Math.sqrt(mse), mae, r2, meanLabel, meanPrediction,
        quantiles.clone(), q);
  }

  /** {@code numpy.quantile(x, p)} with its default linear interpolation, of sorted {@code x}. */
  static double quantile(double[] sorted, double p) {
    int n = sorted.length;
    if (n == 0) {
      return Double.NaN;
    }
    double h = (n - 1) * p;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, n - 1);
    double frac = h - lo;
    double a = sorted[lo];
    double b = sorted[hi];
    // numpy's _lerp: a + (b - a) t, computed from the upper end when t >= 0.5 for monotonicity.
    double d = b - a;
    return frac >= 0.5 ? b - d * (1 - frac) : a + d * frac;
  }
}
