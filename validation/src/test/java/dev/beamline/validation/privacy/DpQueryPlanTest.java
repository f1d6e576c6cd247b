package dev.beamline.validation.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.validation.privacy.DpQueryPlan.Kind;
import dev.beamline.validation.privacy.DpQueryPlan.Query;
import dev.beamline.validation.privacy.DpQueryPlan.Withheld;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The budget accounting of a private release, checked exactly against hand-computed values. */
class DpQueryPlanTest {
  /** x, n: numeric with bounds; s: declared domain; t: string without one; f: float without bounds; u: a user id. */
  static final ExampleSchema SCHEMA = ExampleSchema.of(List.of(
      FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("n", FeatureType.INT), FeatureSpec.of("s", FeatureType.STRING),
      FeatureSpec.of("t", FeatureType.STRING), FeatureSpec.of("f", FeatureType.FLOAT), FeatureSpec.of("u", FeatureType.STRING)));

  static PrivacyConfig config() {
    return PrivacyConfig.defaults().withBounds("x", 0, 10).withBounds("n", -4, 6).withDomain("s", List.of("a", "b"));
  }

  @Test
  void laplaceSplitsEpsilonEquallyAmongEachSplitsQueriesAndTheSplitsComposeInParallel() {
    DpQueryPlan plan = DpQueryPlan.of(config(), SCHEMA, List.of("train", "eval"));
    // Per split: rows + 3 per numeric column x 2 + 1 per categorical column x 1 = 8 queries; a row lies in
    // one split only, so each split spends the whole budget and the two together spend it once.
    assertThat(plan.parallel()).isTrue();
    assertThat(plan.k()).isEqualTo(8);
    assertThat(plan.queries()).extracting(Query::id).containsExactly(
        "train/rows", "train/x/count", "train/x/sum", "train/x/histogram", "train/n/count", "train/n/sum", "train/n/histogram", "train/s/counts",
        "eval/rows", "eval/x/count", "eval/x/sum", "eval/x/histogram", "eval/n/count", "eval/n/sum", "eval/n/histogram", "eval/s/counts");
    assertThat(plan.queries()).extracting(Query::epsilon).containsOnly(1.0 / 8);
    assertThat(plan.queries()).extracting(Query::rho).containsOnlyNulls();
    assertThat(plan.totalEpsilon()).isEqualTo(1.0);

    Query rows = plan.query("train/rows");
    assertThat(List.of(rows.l1Sensitivity(), rows.l2Sensitivity(), rows.noiseScale())).containsExactly(1.0, 1.0, 8.0);
    assertThat(rows.noiseStd()).isEqualTo(Math.sqrt(2) * 8);
    // Centred on the midpoint: (hi - lo) / 2, not max(|lo|, |hi|).
    Query xSum = plan.query("eval/x/sum");
    assertThat(List.of(xSum.l1Sensitivity(), xSum.noiseScale())).containsExactly(5.0, 40.0);
    assertThat(plan.query("train/n/sum").l1Sensitivity()).isEqualTo(5.0);
    Query hist = plan.query("train/x/histogram");
    assertThat(List.of(hist.kind(), hist.size(), hist.l1Sensitivity(), hist.l2Sensitivity())).containsExactly(Kind.HISTOGRAM, 10, 1.0, 1.0);
    Query s = plan.query("train/s/counts");
    assertThat(List.of(s.size(), s.l1Sensitivity())).containsExactly(3, 1.0);   // a, b and other
    assertThat(plan.unitOfPrivacy()).isEqualTo("row");
    assertThat(plan.withheld()).extracting(Withheld::column).containsExactly("t", "f", "u");
    assertThat(plan.withheld().get(0).reason()).startsWith("no declared domain");
    assertThat(plan.withheld().get(1).reason()).startsWith("no declared bounds");
  }

  @Test
  void aUserColumnMultipliesEverySensitivityByTheRowsAUserMayGive() {
    DpQueryPlan plan = DpQueryPlan.of(config().withEpsilon(2).withUserColumn("u", 3), SCHEMA, List.of("train"));
    assertThat(plan.k()).isEqualTo(8);
    assertThat(plan.userIndex()).isEqualTo(5);
    assertThat(plan.query("train/rows").l1Sensitivity()).isEqualTo(3.0);
    assertThat(plan.query("train/x/sum").l1Sensitivity()).isEqualTo(15.0);
    assertThat(plan.query("train/x/histogram").l2Sensitivity()).isEqualTo(3.0);
    assertThat(plan.query("train/s/counts").l1Sensitivity()).isEqualTo(3.0);
    // eps_i = 2 / 8 = 0.25; b = 15 / 0.25.
    assertThat(plan.query("train/x/sum").noiseScale()).isEqualTo(60.0);
    assertThat(plan.totalEpsilon()).isEqualTo(2.0);
    assertThat(plan.unitOfPrivacy()).isEqualTo("user (column 'u', at most 3 rows each)");
    // One user's rows may lie in several splits: with two splits, every query of both shares the budget.
    DpQueryPlan two = DpQueryPlan.of(config().withEpsilon(2).withUserColumn("u", 3), SCHEMA, List.of("train", "eval"));
    assertThat(two.parallel()).isFalse();
    assertThat(two.k()).isEqualTo(16);
    assertThat(two.query("eval/x/sum").noiseScale()).isEqualTo(120.0);
    assertThat(two.totalEpsilon()).isEqualTo(2.0);
    assertThat(plan.withheld()).extracting(Withheld::column).containsExactly("t", "f", "u");
    assertThat(plan.withheld().get(2).reason()).startsWith("the user column");
  }

  @Test
  void gaussianSplitsRhoEquallyAndStatesTheWholeAsEpsilonDelta() {
    DpQueryPlan plan = DpQueryPlan.of(config().withMechanism(PrivacyConfig.Mechanism.GAUSSIAN).withDelta(1e-6), SCHEMA, List.of("train", "eval"));
    // Bun and Steinke 2016: rho-zCDP gives (rho + 2 sqrt(rho ln(1/delta)), delta)-DP; solved for rho at epsilon 1.
    double l = Math.log(1e6);
    double rho = Math.pow(Math.sqrt(l + 1) - Math.sqrt(l), 2);
    assertThat(plan.totalRho()).isCloseTo(rho, within(1e-15));
    assertThat(plan.queries()).extracting(Query::epsilon).containsOnlyNulls();
    for (Query q : plan.queries()) {
      assertThat(q.rho()).isCloseTo(rho / 8, within(1e-16));
      assertThat(q.noiseStd()).isEqualTo(q.noiseScale());
      if (q.kind() != Kind.SUM) {
        assertThat(q.noiseScale()).isCloseTo(q.l2Sensitivity() / Math.sqrt(2 * rho / 8), within(1e-9));
      }
    }
    // A sum's sigma leaves room for one grid step (at most sigma / 2^19) more sensitivity:
    // (5 + sigma / 2^19)^2 / (2 sigma^2) = rho_i exactly.
    double sigma = plan.query("train/x/sum").noiseScale();
    assertThat(Math.pow(5 + sigma / (1 << 19), 2) / (2 * sigma * sigma)).isCloseTo(rho / 8, within(1e-15));
    assertThat(sigma).isGreaterThan(5 / Math.sqrt(2 * rho / 8));
    assertThat(plan.totalEpsilon()).isCloseTo(1.0, within(1e-12));
    assertThat(plan.config().effectiveDelta()).isEqualTo(1e-6);
  }

  @Test
  void declarationsTheDataCannotHoldAreRefusedByName() {
    assertThatThrownBy(() -> DpQueryPlan.of(config().withBounds("zzz", 0, 1), SCHEMA, List.of("train")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'zzz'").hasMessageContaining("lacks").hasMessageContaining("x, n, s");
    assertThatThrownBy(() -> DpQueryPlan.of(config().withBounds("t", 0, 1), SCHEMA, List.of("train")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'t' is string");
    assertThatThrownBy(() -> DpQueryPlan.of(config().withDomain("f", List.of("1")), SCHEMA, List.of("train")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'f' is float");
    assertThatThrownBy(() -> DpQueryPlan.of(config().withUserColumn("who", 2), SCHEMA, List.of("train")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("user_column 'who'");
    assertThatThrownBy(() -> DpQueryPlan.of(config().withUserColumn("u", 2).withDomain("u", List.of("a")), SCHEMA, List.of("train")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("user_column 'u' is the unit of privacy and is never released");
  }

  @Test
  void configurationChecksNameTheParameterAndTheValue() {
    assertThatThrownBy(() -> PrivacyConfig.defaults().withEpsilon(0)).hasMessage("epsilon must be a finite number > 0, got 0.0");
    assertThatThrownBy(() -> PrivacyConfig.defaults().withDelta(1)).hasMessage("delta must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> PrivacyConfig.defaults().withBounds("x", 3, 3)).hasMessage("bounds of 'x' need finite lower < upper, got [3.0, 3.0]");
    assertThatThrownBy(() -> PrivacyConfig.defaults().withUserColumn("u", 0)).hasMessage("max_rows_per_user must be >= 1, got 0");
    assertThatThrownBy(() -> PrivacyConfig.defaults().withBuckets(0)).hasMessage("buckets must be between 1 and 1000, got 0");
    assertThatThrownBy(() -> PrivacyConfig.defaults().withDomain("s", List.of("a", "a"))).hasMessage("the domain of 's' repeats a value: [a, a]");
    assertThatThrownBy(() -> PrivacyConfig.Mechanism.parse("exponential")).hasMessage("mechanism must be laplace or gaussian, got 'exponential'");
    PrivacyConfig d = PrivacyConfig.defaults();
    assertThat(List.of(d.epsilon(), d.effectiveDelta(), d.buckets(), d.maxRowsPerUser())).containsExactly(1.0, 0.0, 10, 1);
    assertThat(d.toParameters().toString()).isEqualTo(
        "{\"epsilon\":1.0,\"delta\":0.0,\"mechanism\":\"laplace\",\"user_column\":null,\"max_rows_per_user\":1,\"bounds\":{},\"domains\":{},\"buckets\":10}");
  }
}
