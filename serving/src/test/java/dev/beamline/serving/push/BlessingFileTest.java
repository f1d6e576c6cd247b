package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code blessing.json} as the push stage reads it. */
class BlessingFileTest {
  @Test
  void aBlessedVerdictCountsItsPassedAndSkippedChecks() {
    BlessingFile b = BlessingFile.parse(ModelFixtures.BLESSED, "e/blessing.json");
    assertThat(b).isEqualTo(new BlessingFile("e/blessing.json", true, "no blessed baseline: 1 change threshold(s) skipped", 1, 1, List.of()));
    assertThat(b.summary().toString()).isEqualTo("{\"uri\":\"e/blessing.json\",\"blessed\":true,"
        + "\"note\":\"no blessed baseline: 1 change threshold(s) skipped\",\"checks_passed\":1,\"checks_skipped\":1,\"checks_failed\":0}");
  }

  @Test
  void anUnblessedVerdictNamesEveryFailedCheckValueChecksFirst() {
    BlessingFile b = BlessingFile.parse(ModelFixtures.NOT_BLESSED, "e/blessing.json");
    assertThat(b.blessed()).isFalse();
    assertThat(b.passed()).isEqualTo(1);
    assertThat(b.failures()).containsExactly(
        "accuracy on overall: 0.41 is below the lower bound 0.9", "true_positive_rate across sex: gap 0.3 exceeds 0.05");
    assertThat(b.refusal()).isEqualTo("model not blessed, nothing pushed: accuracy on overall: 0.41 is below the lower bound 0.9;"
        + " true_positive_rate across sex: gap 0.3 exceeds 0.05");
  }

  @Test
  void aFailedCheckWithoutAMessageIsNamedByItsMetricAndSlice() {
    BlessingFile b = BlessingFile.parse("{\"blessed\": false, \"checks\": [{\"metric\": \"rmse\", \"slice\": \"overall\", \"status\": \"failed\"}]}", "b");
    assertThat(b.refusal()).isEqualTo("model not blessed, nothing pushed: rmse on overall failed");
    BlessingFile noted = BlessingFile.parse("{\"blessed\": false, \"note\": \"every slice too small\", \"checks\": []}", "b");
    assertThat(noted.refusal()).isEqualTo("model not blessed, nothing pushed: every slice too small");
  }

  @Test
  void aFileWithoutTheVerdictIsRefused() {
    assertThatThrownBy(() -> BlessingFile.parse("{\"checks\": []}", "e/blessing.json"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageEndingWith("e/blessing.json is not a blessing: it has no boolean 'blessed'");
    assertThatThrownBy(() -> BlessingFile.parse("{", "e/blessing.json"))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("e/blessing.json is not valid JSON: ");
  }
}
