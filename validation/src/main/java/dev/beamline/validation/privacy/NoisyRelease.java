package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.beamline.core.privacy.NoiseSource;
import dev.beamline.core.privacy.SnappedNoise;
import dev.beamline.validation.privacy.DpQueryPlan.CategoricalColumn;
import dev.beamline.validation.privacy.DpQueryPlan.NumericColumn;
import dev.beamline.validation.privacy.DpQueryPlan.Query;
import dev.beamline.validation.privacy.DpStatistics.CategoricalRelease;
import dev.beamline.validation.privacy.DpStatistics.NumericRelease;
import dev.beamline.validation.privacy.DpStatistics.SplitRelease;
import dev.beamline.validation.privacy.PrivacyConfig.Bounds;
import dev.beamline.validation.privacy.PrivacyConfig.Mechanism;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds the noise of a {@link DpQueryPlan} to the exact aggregates of every split, once, and derives
 * the means and quantiles from the noisy values. Counts get discrete Laplace or discrete Gaussian noise
 * ({@link SnappedNoise#laplaceCount}, {@link SnappedNoise#gaussianCount}); sums get noise on a snapped
 * grid ({@link SnappedNoise#laplace}, {@link SnappedNoise#gaussian}), both from integer samplers, so
 * the floating-point attack on naive Laplace sampling (Mironov 2012) does not apply. The randomness is
 * {@link NoiseSource#secure()}, a cryptographically secure source.
 *
 * <pre>{@code
 * DpStatistics dp = NoisyRelease.of(plan, List.of(trainSums, evalSums));
 * }</pre>
 */
public final class NoisyRelease {
  /**
   * A public bound on the magnitude of a centred sum, where the samplers clamp it: no dataset holds
   * 2^53 rows, so it never clamps a real sum, and it does not depend on the data.
   */
  static final double SUM_BOUND_ROWS = 0x1p53;

  private NoisyRelease() {}

  /** The release of {@code sums} (one per split of the plan) with noise from a secure source. */
  public static DpStatistics of(DpQueryPlan plan, List<DpSums> sums) {
    return of(plan, sums, NoiseSource.secure());
  }

  /** The release with noise from {@code source}: tests pass {@link NoiseSource#deterministicForTests}. */
  static DpStatistics of(DpQueryPlan plan, List<DpSums> sums, NoiseSource source) {
    Map<String, DpSums> bySplit = new LinkedHashMap<>();
    sums.forEach(s -> bySplit.put(s.split(), s));
    checkArgument(bySplit.keySet().containsAll(plan.splits()), "sums of splits %s, the plan has %s", bySplit.keySet(), plan.splits());
    List<SplitRelease> out = new ArrayList<>();
    for (String split : plan.splits()) {
      out.add(release(plan, bySplit.get(split), source));
    }
    return new DpStatistics(plan, source.toString(), ImmutableList.copyOf(out));
  }

  private static SplitRelease release(DpQueryPlan plan, DpSums s, NoiseSource source) {
    String split = s.split();
    Query rowsQuery = plan.query(split + "/rows");
    long rows = count(plan, rowsQuery, s.rows(), source);
    List<NumericRelease> numeric = new ArrayList<>();
    for (NumericColumn c : plan.numeric()) {
      String prefix = split + "/" + c.name() + "/";
      Query countQuery = plan.query(prefix + "count");
      Query sumQuery = plan.query(prefix + "sum");
      Query histogramQuery = plan.query(prefix + "histogram");
      long count = count(plan, countQuery, s.count(c.name()), source);
      double centredSum = sum(plan, sumQuery, s.centredSum(c.name()), source);
      List<Long> histogram = new ArrayList<>();
      for (long h : s.histogram(c.name())) {
        histogram.add(count(plan, histogramQuery, h, source));
      }
      Bounds b = c.bounds();
      // Post-processing (free): the mean of the clamped values from the two noisy answers.
      Double mean = count > 0 ? b.clamp(b.mid() + centredSum / count) : null;
      numeric.add(new NumericRelease(c.name(), b, count, countQuery.noiseStd(), centredSum, sumQuery.noiseStd(), mean,
          ImmutableList.copyOf(edges(b, histogram.size())), ImmutableList.copyOf(histogram), histogramQuery.noiseStd(),
          quantiles(b, histogram)));
    }
    List<CategoricalRelease> categorical = new ArrayList<>();
    for (CategoricalColumn c : plan.categorical()) {
      Query q = plan.query(split + "/" + c.name() + "/counts");
      long[] exact = s.categories(c.name());
      List<Long> noisy = new ArrayList<>();
      for (long v : exact) {
        noisy.add(count(plan, q, v, source));
      }
      categorical.add(new CategoricalRelease(c.name(), c.domain(), ImmutableList.copyOf(noisy.subList(0, exact.length - 1)),
          noisy.get(exact.length - 1), q.noiseStd()));
    }
    return new SplitRelease(split, rows, rowsQuery.noiseStd(), ImmutableList.copyOf(numeric), ImmutableList.copyOf(categorical));
  }

  private static long count(DpQueryPlan plan, Query q, long exact, NoiseSource source) {
    if (plan.config().mechanism() == Mechanism.LAPLACE) {
      // Sensitivities of counts are whole numbers of rows: m, the rows one user may contribute.
      return SnappedNoise.laplaceCount(exact, Math.round(q.l1Sensitivity()), q.epsilon(), source);
    }
    return SnappedNoise.gaussianCount(exact, q.noiseScale(), source);
  }

  private static double sum(DpQueryPlan plan, Query q, double exact, NoiseSource source) {
    double bound = Math.min(q.l1Sensitivity() * SUM_BOUND_ROWS, Double.MAX_VALUE);
    if (plan.config().mechanism() == Mechanism.LAPLACE) {
      return SnappedNoise.laplace(exact, -bound, bound, q.l1Sensitivity(), q.epsilon(), source);
    }
    return SnappedNoise.gaussian(exact, -bound, bound, q.noiseScale(), source);
  }

  /** The {@code buckets + 1} edges of equal-width buckets over {@code b}. */
  static List<Double> edges(Bounds b, int buckets) {
    List<Double> e = new ArrayList<>(buckets + 1);
    for (int i = 0; i <= buckets; i++) {
      e.add(i == buckets ? b.upper() : b.lower() + (b.upper() - b.lower()) * i / buckets);
    }
    return e;
  }

  /**
   * The quantiles of {@link DpStatistics#QUANTILES} from a noisy histogram over {@code b}, negative
   * counts taken as 0, interpolated linearly inside a bucket; null when nothing is left.
   */
  static ImmutableMap<Double, Double> quantiles(Bounds b, List<Long> histogram) {
    double total = 0;
    for (long h : histogram) {
      total += Math.max(0, h);
    }
    if (total <= 0) {
      return null;
    }
    double width = (b.upper() - b.lower()) / histogram.size();
    ImmutableMap.Builder<Double, Double> out = ImmutableMap.builder();
    for (double p : DpStatistics.QUANTILES) {
      double target = p * total;
      double before = 0;
      double value = b.upper();
      for (int i = 0; i < histogram.size(); i++) {
        double h = Math.max(0, histogram.get(i));
        if (h > 0 && before + h >= target) {
          value = b.lower() + width * (i + (target - before) / h);
          break;
        }
        before += h;
      }
      out.put(p, b.clamp(value));
    }
    return out.build();
  }
}
