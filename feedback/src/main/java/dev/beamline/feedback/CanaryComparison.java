package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Locale;
import org.apache.commons.math3.special.Erf;

/**
 * Compares the accuracy of a canary with the stable version's on the same traffic windows and gives a
 * verdict: {@code promote}, {@code keep} or {@code rollback}. The rules, in order:
 *
 * <ol>
 *   <li>either arm has fewer scored examples than {@code min_examples}: {@code keep} (not enough data);
 *   <li>the interval of the difference d = accuracy(canary) − accuracy(stable) at the configured
 *       confidence lies wholly above {@code min_improvement}: {@code promote};
 *   <li>it lies wholly below min(0, {@code min_improvement}): {@code rollback} (significantly worse);
 *   <li>otherwise {@code keep} (inconclusive).
 * </ol>
 *
 * The interval is the Wald interval of a difference of two independent proportions, d ± z·√(p₁(1−p₁)/n₁
 * + p₂(1−p₂)/n₂) with z the normal quantile of (1 + confidence)/2 (Agresti, <i>Categorical Data
 * Analysis</i>, 3rd ed., §1.4 and §3.1.2); deciding by it is a one-sided z-test of the difference against
 * the bound at level (1 − confidence)/2. Reported with it: the classical two-proportion z-test of equal
 * accuracies, z = d / √(p̂(1−p̂)(1/n₁ + 1/n₂)) with the pooled p̂, and its two-sided p-value.
 *
 * <pre>{@code
 * CanaryComparison.Result r = CanaryComparison.compare(new Arm(430, 500), new Arm(455, 500), CanaryConfig.of());
 * r.verdict(); // PROMOTE
 * }</pre>
 */
public final class CanaryComparison {
  private CanaryComparison() {}

  /** What to do with the canary. */
  public enum Verdict {
    PROMOTE, KEEP, ROLLBACK;

    /** The verdict as written in {@code canary.json}: {@code promote}, {@code keep}, {@code rollback}. */
    public String text() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One arm of the comparison: its scored examples and how many of them the model got right. */
  public record Arm(long correct, long examples) implements Serializable {
    public Arm {
      checkArgument(examples >= 0, "examples must be at least 0, got %s", examples);
      checkArgument(correct >= 0 && correct <= examples, "correct must be in [0, examples=%s], got %s", examples, correct);
    }

    /** The arm's accuracy; NaN without examples. */
    public double accuracy() {
      return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** Both arms' examples together. */
    public Arm plus(Arm other) {
      return new Arm(correct + other.correct, examples + other.examples);
    }
  }

  /**
   * A comparison's numbers and verdict. The statistics are NaN when an arm has no examples.
   *
   * @param difference accuracy(canary) − accuracy(stable)
   * @param low the interval's lower bound
   * @param high the interval's upper bound
   * @param z the pooled two-proportion z statistic (0 when both arms are all right or all wrong)
   * @param pValue its two-sided p-value
   * @param reason the verdict's reason, in words
   */
  public record Result(Verdict verdict, String reason, Arm stable, Arm canary, double difference, double low, double high, double z,
      double pValue, double confidence, double minImprovement, int minExamples) implements Serializable {
    /** The numbers as {@code canary.json} holds them. */
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("verdict", verdict.text());
      o.put("reason", reason);
      arm(o.putObject("stable"), stable);
      arm(o.putObject("canary"), canary);
      number(o, "difference", difference);
      number(o.putObject("interval").put("confidence", confidence), "low", low);
      number((ObjectNode) o.get("interval"), "high", high);
      number(o, "z", z);
      number(o, "p_value", pValue);
      o.put("min_improvement", minImprovement);
      o.put("min_examples", minExamples);
      return o;
    }

    private static void arm(ObjectNode o, Arm a) {
      o.put("examples", a.examples()).put("correct", a.correct());
      number(o, "accuracy", a.accuracy());
    }

    private static void number(ObjectNode o, String key, double v) {
      if (Double.isFinite(v)) {
        o.put(key, v);
      } else {
        o.putNull(key);
      }
    }
  }

  /** The verdict on {@code canary} against {@code stable} under {@code config}. */
  public static Result compare(Arm stable, Arm canary, CanaryConfig config) {
    checkNotNull(stable, "stable");
    checkNotNull(canary, "canary");
    checkNotNull(config, "config");
    double ps = stable.accuracy();
    double pc = canary.accuracy();
    double d = pc - ps;
    double q = normalQuantile((1 + config.confidence()) / 2);
    double se = Math.sqrt(ps * (1 - ps) / stable.examples() + pc * (1 - pc) / canary.examples());
    double low = d - q * se;
    double high = d + q * se;
    double pooled = (double) (stable.correct() + canary.correct()) / (stable.examples() + canary.examples());
    double pooledSe = Math.sqrt(pooled * (1 - pooled) * (1.0 / stable.examples() + 1.0 / canary.examples()));
    // Both arms all right (or all wrong): no variance, no evidence of a difference.
    double z = pooledSe == 0 ? 0 : d / pooledSe;
    double p = 2 * normalCdf(-Math.abs(z));
    String ci = String.format(Locale.ROOT, "%s%% interval of the accuracy difference [%.4f, %.4f]", percent(config.confidence()), low, high);
    Verdict verdict;
    String reason;
    if (stable.examples() < config.minExamples() || canary.examples() < config.minExamples()) {
      verdict = Verdict.KEEP;
      reason = String.format(Locale.ROOT, "not enough data: %s has %d scored examples, %s %d; each needs min_examples %d",
          config.stableLabel(), stable.examples(), config.canaryLabel(), canary.examples(), config.minExamples());
    } else if (low > config.minImprovement()) {
      verdict = Verdict.PROMOTE;
      reason = String.format(Locale.ROOT, "%s is wholly above min_improvement %s", ci, config.minImprovement());
    } else if (high < Math.min(0, config.minImprovement())) {
      verdict = Verdict.ROLLBACK;
      reason = String.format(Locale.ROOT, "%s is wholly below %s: %s is significantly worse", ci, Math.min(0, config.minImprovement()),
          config.canaryLabel());
    } else {
      verdict = Verdict.KEEP;
      reason = String.format(Locale.ROOT, "inconclusive: %s is neither above min_improvement %s nor below %s", ci, config.minImprovement(),
          Math.min(0, config.minImprovement()));
    }
    return new Result(verdict, reason, stable, canary, d, low, high, z, p, config.confidence(), config.minImprovement(), config.minExamples());
  }

  /** The standard normal distribution function, Φ(x) = erfc(−x/√2)/2. */
  public static double normalCdf(double x) {
    return 0.5 * Erf.erfc(-x / Math.sqrt(2));
  }

  /** The standard normal quantile of {@code p} in (0, 1), √2·erf⁻¹(2p − 1). */
  public static double normalQuantile(double p) {
    checkArgument(p > 0 && p < 1, "p must be in (0, 1), got %s", p);
    return Math.sqrt(2) * Erf.erfInv(2 * p - 1);
  }

  private static String percent(double confidence) {
    double pct = confidence * 100;
    return pct == Math.rint(pct) ? Long.toString((long) pct) : Double.toString(pct);
  }
}
