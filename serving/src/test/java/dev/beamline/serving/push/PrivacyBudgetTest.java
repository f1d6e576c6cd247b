package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.training.PrivacyGuarantee;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code push.max_epsilon} verdict, on guarantees read from model folders holding just {@code assets.extra/model.json}. */
class PrivacyBudgetTest {
  @TempDir Path tmp;

  private Path model(String name, String privacyJson) throws Exception {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir.resolve("assets.extra"));
    Files.writeString(dir.resolve("assets.extra/model.json"), "{\"task\": \"classification\", \"label\": \"label\""
        + (privacyJson == null ? "" : ", \"privacy\": " + privacyJson) + "}");
    return dir;
  }

  private static String dpSgd(double epsilon) {
    return "{\"mechanism\": \"dp-sgd\", \"epsilon\": " + epsilon + ", \"delta\": 1e-5, \"unit\": \"training row\", \"epsilon_classic\": "
        + (epsilon * 1.3) + ", \"order\": 12.0, \"noise_multiplier\": 1.1, \"l2_norm_clip\": 1.0, \"sampling_rate\": 0.25, \"steps\": 12,"
        + " \"training_rows\": 120}";
  }

  @Test
  void aModelWithinTheBudgetPassesAndOneAboveIsRefusedNamingBothNumbers() throws Exception {
    PrivacyBudget budget = PrivacyBudget.of(2.0);
    PrivacyGuarantee within = PrivacyGuarantee.ofModel(model("a", dpSgd(1.5)).toString());
    assertThat(within.epsilon()).isEqualTo(1.5);
    assertThat(budget.refusal(within)).isEmpty();
    assertThat(budget.refusal(PrivacyGuarantee.ofModel(model("b", dpSgd(2.0)).toString()))).as("equal passes").isEmpty();
    assertThat(budget.refusal(PrivacyGuarantee.ofModel(model("c", dpSgd(3.0)).toString())))
        .hasValue("privacy budget exceeded, nothing pushed: model epsilon 3.000 exceeds push.max_epsilon 2.0 (delta 1.00e-05)");
    assertThat(PrivacyBudget.of(0.25).refusal(PrivacyGuarantee.ofModel(model("d", dpSgd(8.03)).toString())))
        .hasValue("privacy budget exceeded, nothing pushed: model epsilon 8.030 exceeds push.max_epsilon 0.25 (delta 1.00e-05)");
  }

  @Test
  void aModelWithoutDifferentialPrivacyHasInfiniteEpsilonAndIsRefused() throws Exception {
    String refusal = "privacy budget exceeded, nothing pushed: model was trained without differential privacy (epsilon = inf);"
        + " push.max_epsilon is 2.0";
    String none = "{\"mechanism\": \"none\", \"epsilon\": \"inf\", \"delta\": 0.0, \"unit\": \"training row\"}";
    for (Path dir : new Path[] {model("none", none), model("older", null), tmp.resolve("no-model-json")}) {
      PrivacyGuarantee g = PrivacyGuarantee.ofModel(dir.toString());
      assertThat(g.epsilon()).as(dir.toString()).isEqualTo(Double.POSITIVE_INFINITY);
      assertThat(PrivacyBudget.of(2.0).refusal(g)).as(dir.toString()).hasValue(refusal);
    }
  }

  @Test
  void theBudgetMustBeFiniteAndPositive() {
    assertThatThrownBy(() -> PrivacyBudget.of(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEpsilon must be a finite number > 0, got 0.0");
    assertThatThrownBy(() -> PrivacyBudget.of(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEpsilon must be a finite number > 0, got Infinity");
  }
}
