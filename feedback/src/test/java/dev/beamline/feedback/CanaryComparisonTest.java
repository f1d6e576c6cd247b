package dev.beamline.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamline.feedback.CanaryComparison.Arm;
import dev.beamline.feedback.CanaryComparison.Result;
import dev.beamline.feedback.CanaryComparison.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The canary comparison's statistics and verdict rules. Expected values were computed independently in
 * Python (the standard library's {@code statistics.NormalDist().inv_cdf} for the quantile, {@code
 * math.erf} for the p-value), e.g. for 430/500 against 455/500:
 *
 * <pre>
 * ps, pc = 430/500, 455/500; d = pc - ps; q = NormalDist().inv_cdf(0.975)
 * se = sqrt(ps*(1-ps)/500 + pc*(1-pc)/500); low, high = d - q*se, d + q*se
 * p = 885/1000; z = d / sqrt(p*(1-p)*(2/500)); pv = 1 + erf(-abs(z)/sqrt(2))
 * </pre>
 */
class CanaryComparisonTest {
  private static final double EXACT = 1e-12;
  // The quantile goes through erf's inverse, good to about 1e-15 relative; the bounds to far better than 1e-9.
  private static final double BOUND = 1e-9;

  @Test
  void normalDistributionMatchesPython() {
    assertEquals(1.9599639845400536, CanaryComparison.normalQuantile(0.975), BOUND);
    assertEquals(2.5758293035489, CanaryComparison.normalQuantile(0.995), BOUND);
    assertEquals(0.9331927987311419, CanaryComparison.normalCdf(1.5), EXACT);
    assertEquals(0.5, CanaryComparison.normalCdf(0), 0);
  }

  @Test
  void significantlyBetterCanaryIsPromoted() {
    Result r = CanaryComparison.compare(new Arm(430, 500), new Arm(455, 500), CanaryConfig.of());
    assertEquals(Verdict.PROMOTE, r.verdict());
    assertEquals(0.050000000000000044, r.difference(), EXACT);
    assertEquals(0.010575968764561398, r.low(), BOUND);
    assertEquals(0.08942403123543868, r.high(), BOUND);
    assertEquals(2.4781035688528434, r.z(), EXACT);
    assertEquals(0.01320827988843043, r.pValue(), EXACT);
    assertEquals("95% interval of the accuracy difference [0.0106, 0.0894] is wholly above min_improvement 0.0", r.reason());
  }

  @Test
  void significantlyWorseCanaryIsRolledBack() {
    Result r = CanaryComparison.compare(new Arm(900, 1000), new Arm(850, 1000), CanaryConfig.of());
    assertEquals(Verdict.ROLLBACK, r.verdict());
    assertEquals(-0.0789053160076304, r.low(), BOUND);
    assertEquals(-0.021094683992369686, r.high(), BOUND);
    assertEquals(-3.3806170189140694, r.z(), EXACT);
    assertEquals(0.0007232327164301555, r.pValue(), EXACT);
  }

  @Test
  void overlappingIntervalKeepsTheCanary() {
    Result r = CanaryComparison.compare(new Arm(450, 500), new Arm(455, 500), CanaryConfig.of());
    assertEquals(Verdict.KEEP, r.verdict());
    assertEquals(-0.026341347561072065, r.low(), BOUND);
    assertEquals(0.04634134756107208, r.high(), BOUND);
    assertEquals(0.5392422499481173, r.z(), EXACT);
    assertEquals(0.5897197110271788, r.pValue(), EXACT);
    assertTrue(r.reason().startsWith("inconclusive: "), r.reason());
  }

  @Test
  void negativeMinImprovementIsANonInferiorityMargin() {
    CanaryConfig margin = CanaryConfig.of().withMinImprovement(-0.03);
    Result r95 = CanaryComparison.compare(new Arm(900, 1000), new Arm(898, 1000), margin);
    assertEquals(-0.02841199644106386, r95.low(), BOUND);
    assertEquals(Verdict.PROMOTE, r95.verdict());
    // At 99 % the interval is wider and reaches below the margin.
    Result r99 = CanaryComparison.compare(new Arm(900, 1000), new Arm(898, 1000), margin.withConfidence(0.99));
    assertEquals(-0.036711247214109836, r99.low(), BOUND);
    assertEquals(0.03271124721410983, r99.high(), BOUND);
    assertEquals(Verdict.KEEP, r99.verdict());
    assertEquals(-0.14841386155807842, r99.z(), EXACT);
    assertEquals(0.8820161612758485, r99.pValue(), EXACT);
  }

  @Test
  void fewerThanMinExamplesKeepsWhateverTheNumbers() {
    // 150/150 against 100/150 would be a clear promotion with enough examples.
    Result r = CanaryComparison.compare(new Arm(100, 150), new Arm(150, 150), CanaryConfig.of());
    assertEquals(Verdict.KEEP, r.verdict());
    assertEquals("not enough data: stable has 150 scored examples, canary 150; each needs min_examples 200", r.reason());
    assertEquals(Verdict.PROMOTE, CanaryComparison.compare(new Arm(100, 150), new Arm(150, 150), CanaryConfig.of().withMinExamples(150)).verdict());
    Result empty = CanaryComparison.compare(new Arm(0, 0), new Arm(0, 0), CanaryConfig.of());
    assertEquals(Verdict.KEEP, empty.verdict());
    assertTrue(empty.toJson().get("difference").isNull());
  }

  @Test
  void identicalPerfectArmsHaveNoEvidence() {
    Result r = CanaryComparison.compare(new Arm(300, 300), new Arm(300, 300), CanaryConfig.of());
    assertEquals(0, r.z(), 0);
    assertEquals(1, r.pValue(), 0);
    assertEquals(Verdict.KEEP, r.verdict());
    assertEquals(Verdict.PROMOTE, CanaryComparison.compare(new Arm(300, 300), new Arm(300, 300), CanaryConfig.of().withMinImprovement(-0.01)).verdict());
  }

  @Test
  void badConfigurationIsRefusedWithItsName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanaryConfig.of().withConfidence(1.0));
    assertEquals("confidence must be in (0, 1), got 1.0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CanaryConfig.of().withMetric("auc"));
    assertThrows(IllegalArgumentException.class, () -> CanaryConfig.of().withMinExamples(0));
    assertThrows(IllegalArgumentException.class, () -> CanaryConfig.of().withLabels("stable", "stable"));
    assertThrows(IllegalArgumentException.class, () -> new Arm(5, 4));
  }
}
