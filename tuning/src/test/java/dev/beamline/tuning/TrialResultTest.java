package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** Trials and their results: a NaN or infinite objective is a failure. */
class TrialResultTest {
  private static final TrialSpec SPEC = TrialSpec.of(3, Map.of("lr", 0.1), 99);

  @Test
  void aNonFiniteObjectiveIsAFailure() {
    assertThat(TrialResult.of(SPEC, 0.5)).isEqualTo(new TrialResult(SPEC, 0.5, false, null));
    assertThat(TrialResult.of(SPEC, 0.5).succeeded()).isTrue();
    TrialResult nan = TrialResult.of(SPEC, Double.NaN);
    assertThat(nan.failed()).isTrue();
    assertThat(nan.error()).isEqualTo("the objective is NaN");
    assertThat(TrialResult.of(SPEC, Double.NEGATIVE_INFINITY).error()).isEqualTo("the objective is -Infinity");
    TrialResult oom = TrialResult.failed(SPEC, "OutOfMemoryError: Java heap space");
    assertThat(oom.objective()).isNaN();
    assertThat(oom.id()).isEqualTo(3);
    assertThat(new TrialResult(SPEC, 0.2, true, null).objective()).isNaN();
    assertThat(new TrialResult(SPEC, 0.2, true, null).error()).isEqualTo("failed");
    assertThat(SerializableUtils.clone(oom)).isEqualTo(oom);
  }

  @Test
  void aTrialKeepsItsValuesInOrderAndChecksItsNumbers() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("b", 1);
    values.put("a", null); // a choice may hold null
    TrialSpec t = new TrialSpec(0, values, 3, 5, 1, 1);
    assertThat(t.values().keySet()).containsExactly("b", "a");
    assertThat(SerializableUtils.clone(t)).isEqualTo(t);
    assertThatThrownBy(() -> t.values().put("c", 1)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new TrialSpec(-1, values, 0, 0, 0, 0)).hasMessage("a trial id must be 0 or more, got -1");
    assertThatThrownBy(() -> new TrialSpec(0, values, -1, 0, 0, 0)).hasMessage("epochs must be 0 (the training configuration's own) or more, got -1");
    assertThat(Arrays.asList(TrialSpec.of(1, values, 2).epochs(), TrialSpec.of(1, values, 2).bracket())).containsExactly(0, 0);
  }
}
