package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a candidate model must satisfy to be blessed: {@link MetricThreshold}s on metric values and their
 * change against the blessed baseline, and {@link BiasThreshold}s on the gaps between groups of sensitive features.
 * {@link #evaluate} checks them all and returns the {@link Blessing}, every check with its outcome.
 *
 * <pre>{@code
 * BlessingCriteria criteria = BlessingCriteria.of(
 *     List.of(MetricThreshold.of("accuracy").withLowerBound(0.9),
 *         MetricThreshold.of("accuracy").withDirection(MetricThreshold.Direction.HIGHER_IS_BETTER)
 *             .withAbsoluteChange(-0.01)),
 *     List.of(BiasThreshold.of("sex", "true_positive_rate", 0.05)));
 * Blessing b = criteria.evaluate(candidateBySlice, baselineBySliceOrNull, Set.of("island=Torgersen"),
 *     List.of(BiasGaps.compute("sex", bySex, classNames)));
 * if (!b.blessed()) b.failedChecks().forEach(System.err::println);
 * }</pre>
 *
 * <p>What fails rather than passes silently: a metric that is missing or {@code NaN}; a slice that is absent, or
 * that the evaluation found too small (so it has no metrics); a baseline that lacks the slice or metric a change
 * threshold compares; a relative change against a baseline of 0; a feature with no {@link BiasGaps}, or a rate
 * whose gap is undefined (fewer than 2 groups could take part). With no blessed baseline at all (the first model)
 * change thresholds are skipped, not failed, and the blessing's note says how many.
 *
 * @param thresholds the metric thresholds, each {@linkplain MetricThreshold#validate() valid}
 * @param bias the bias thresholds
 */
public record BlessingCriteria(List<MetricThreshold> thresholds, List<BiasThreshold> bias) implements Serializable {
  public BlessingCriteria {
    checkArgument(thresholds != null && thresholds.stream().noneMatch(Objects::isNull),
        "thresholds must be a list without nulls; got %s", thresholds);
    checkArgument(bias != null && bias.stream().noneMatch(Objects::isNull),
        "bias thresholds must be a list without nulls; got %s", bias);
    thresholds = List.copyOf(thresholds);
    bias = List.copyOf(bias);
    thresholds.forEach(MetricThreshold::validate);
  }

  public static BlessingCriteria of(List<MetricThreshold> thresholds, List<BiasThreshold> bias) {
    return new BlessingCriteria(thresholds, bias);
  }

  /** No thresholds at all: every candidate is blessed. */
  public static BlessingCriteria none() {
    return new BlessingCriteria(List.of(), List.of());
  }

  /**
   * Checks the candidate.
   *
   * @param candidate the candidate's metrics by slice name and metric name ({@link MetricValues}); the slice {@link
   *     MetricThreshold#OVERALL} is expected
   * @param baseline the blessed baseline's metrics in the same shape, or {@code null} when there is none
   * @param tooSmallSlices the slices the evaluation left without metrics for having too few examples
   * @param biasGaps the gaps of each sensitive feature, at most one per feature
   */
  public Blessing evaluate(Map<String, Map<String, Double>> candidate, Map<String, Map<String, Double>> baseline,
      Set<String> tooSmallSlices, Collection<BiasGaps> biasGaps) {
    checkArgument(candidate != null, "candidate metrics must not be null");
    checkArgument(tooSmallSlices != null, "tooSmallSlices must not be null (empty when none)");
    checkArgument(biasGaps != null, "biasGaps must not be null (empty when none)");
    Map<String, BiasGaps> gapsByFeature = new LinkedHashMap<>();
    for (BiasGaps g : biasGaps) {
      checkArgument(gapsByFeature.put(g.feature(), g) == null, "two BiasGaps for feature %s", g.feature());
    }

    List<Blessing.Check> checks = new ArrayList<>();
    int skipped = 0;
    for (MetricThreshold t : thresholds) {
      String subject = t.metric() + " on slice " + t.slice() + ": ";
      Map<String, Double> slice = candidate.get(t.slice());
      Double boxed = slice == null ? null : slice.get(t.metric());
      double value = boxed == null ? Double.NaN : boxed;
      String unavailable = tooSmallSlices.contains(t.slice())
          ? "the slice has too few examples to be evaluated"
          : slice == null ? "the slice is absent from the evaluation"
          : boxed == null ? "the metric is missing"
          : Double.isNaN(value) ? "the metric is NaN (undefined on this slice)"
          : null;
      if (t.hasValueThreshold()) {
        checks.add(valueCheck(t, subject, value, unavailable));
      }
      if (t.hasChangeThreshold()) {
        if (baseline == null) {
          skipped++;
          checks.add(new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, Double.NaN,
              t.changeBound(), Blessing.Status.SKIPPED, subject + "no blessed baseline, change threshold skipped"));
        } else {
          checks.add(changeCheck(t, subject, value, unavailable, baseline));
        }
      }
    }

    List<Blessing.BiasCheck> biasChecks = new ArrayList<>();
    for (BiasThreshold t : bias) {
      biasChecks.addAll(biasChecks(t, gapsByFeature.get(t.feature())));
    }

    boolean blessed = checks.stream().noneMatch(c -> c.status() == Blessing.Status.FAILED)
        && biasChecks.stream().noneMatch(c -> c.status() == Blessing.Status.FAILED);
    String note = baseline == null && skipped > 0
        ? "no blessed baseline: " + skipped + " change threshold(s) skipped"
        : null;
    return new Blessing(blessed, note, List.copyOf(new TreeSet<>(tooSmallSlices)), checks, biasChecks);
  }

  private static Blessing.Check valueCheck(MetricThreshold t, String subject, double value, String unavailable) {
    Blessing.Status status;
    String message;
    if (unavailable != null) {
      status = Blessing.Status.FAILED;
      message = subject + unavailable + ", so it cannot meet " + t.valueBound();
    } else if (t.lowerBound() != null && !(value >= t.lowerBound())) {
      status = Blessing.Status.FAILED;
      message = subject + Numbers.text(value, t.lowerBound()) + " is below the lower bound "
          + Numbers.text(t.lowerBound());
    } else if (t.upperBound() != null && !(value <= t.upperBound())) {
      status = Blessing.Status.FAILED;
      message = subject + Numbers.text(value, t.upperBound()) + " is above the upper bound "
          + Numbers.text(t.upperBound());
    } else {
      status = Blessing.Status.PASSED;
      message = subject + Numbers.text(value) + " meets " + t.valueBound();
    }
    return new Blessing.Check(Blessing.Kind.VALUE, t.metric(), t.slice(), value, Double.NaN, t.valueBound(), status,
        message);
  }

  private static Blessing.Check changeCheck(MetricThreshold t, String subject, double value, String unavailable,
      Map<String, Map<String, Double>> baseline) {
    Map<String, Double> slice = baseline.get(t.slice());
    Double boxed = slice == null ? null : slice.get(t.metric());
    double base = boxed == null ? Double.NaN : boxed;
    String baseUnavailable = slice == null ? "the baseline has no slice " + t.slice()
        : boxed == null ? "the baseline has no " + t.metric()
        : Double.isNaN(base) ? "the baseline's " + t.metric() + " is NaN"
        : null;
    String bound = t.changeBound();
    if (unavailable != null || baseUnavailable != null) {
      String why = unavailable != null ? unavailable : baseUnavailable;
      return new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, base, bound,
          Blessing.Status.FAILED, subject + why + ", so its change cannot meet " + bound);
    }
    boolean higher = t.direction() == MetricThreshold.Direction.HIGHER_IS_BETTER;
    String sense = " (" + t.direction().configName().replace('_', ' ') + ")";
    double diff = value - base;
    String head = subject + Numbers.text(value, base) + " against the baseline's " + Numbers.text(base, value)
        + " changed by " + Numbers.signed(diff);
    if (t.absoluteChange() != null) {
      double limit = t.absoluteChange();
      boolean ok = higher ? diff >= limit : diff <= limit;
      if (!ok) {
        return new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, base, bound,
            Blessing.Status.FAILED, head + ", " + (higher ? "below" : "above") + " the allowed change "
                + Numbers.text(limit) + sense);
      }
    }
    if (t.relativeChange() != null) {
      double limit = t.relativeChange();
      if (base == 0) {
        return new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, base, bound,
            Blessing.Status.FAILED, head + "; the relative change against a baseline of 0 is undefined, so it"
                + " cannot meet relative change " + (higher ? ">= " : "<= ") + Numbers.text(limit));
      }
      double ratio = diff / Math.abs(base);
      boolean ok = higher ? ratio >= limit : ratio <= limit;
      if (!ok) {
        return new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, base, bound,
            Blessing.Status.FAILED, head + ", relative change " + Numbers.signed(ratio) + ", "
                + (higher ? "below" : "above") + " the allowed relative change " + Numbers.text(limit) + sense);
      }
    }
    return new Blessing.Check(Blessing.Kind.CHANGE, t.metric(), t.slice(), value, base, bound,
        Blessing.Status.PASSED, head + ", which meets " + bound);
  }

  private static List<Blessing.BiasCheck> biasChecks(BiasThreshold t, BiasGaps gaps) {
    String subject = t.metric() + " across " + t.feature() + ": ";
    if (gaps == null) {
      return List.of(new Blessing.BiasCheck(t.feature(), t.metric(), Map.of(), Map.of(), Double.NaN, null, null,
          t.maxGap(), Blessing.Status.FAILED, subject + "no bias gaps were computed for feature " + t.feature()));
    }
    List<Blessing.BiasCheck> out = new ArrayList<>();
    for (BiasGaps.Gap g : gaps.gaps()) {
      if (!t.appliesTo(g.metric())) {
        continue;
      }
      String gapSubject = g.metric() + " across " + t.feature() + ": ";
      StringBuilder leftOut = new StringBuilder();
      g.excluded().forEach((group, why) -> leftOut.append(leftOut.length() == 0 ? "; left out: " : ", ")
          .append(group).append(" (").append(why).append(')'));
      Blessing.Status status;
      String message;
      if (Double.isNaN(g.gap())) {
        status = Blessing.Status.FAILED;
        message = gapSubject + "the gap is undefined: " + g.values().size() + " group(s) could take part, 2 are needed";
      } else {
        String between = "gap " + Numbers.text(g.gap(), t.maxGap()) + " between " + g.maxGroup() + " ("
            + Numbers.text(g.values().get(g.maxGroup())) + ") and " + g.minGroup() + " ("
            + Numbers.text(g.values().get(g.minGroup())) + ")";
        boolean ok = g.gap() <= t.maxGap();
        status = ok ? Blessing.Status.PASSED : Blessing.Status.FAILED;
        message = gapSubject + between + (ok ? " is within the maximum " : " is above the maximum ")
            + Numbers.text(t.maxGap());
      }
      out.add(new Blessing.BiasCheck(t.feature(), g.metric(), g.values(), g.excluded(), g.gap(), g.maxGroup(),
          g.minGroup(), t.maxGap(), status, message + leftOut));
    }
    if (out.isEmpty()) {
      List<String> names = gaps.gaps().stream().map(BiasGaps.Gap::metric).toList();
      out.add(new Blessing.BiasCheck(t.feature(), t.metric(), Map.of(), Map.of(), Double.NaN, null, null, t.maxGap(),
          Blessing.Status.FAILED, subject + "no such gap; the feature has " + String.join(", ", names)));
    }
    return out;
  }
}
