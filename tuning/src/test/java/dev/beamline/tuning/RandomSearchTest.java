package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** Random search: one round, reproducible trials. */
class RandomSearchTest {
  @Test
  void allTrialsAreProposedInOneRound() throws Exception {
    SearchSpace space = SearchSpaceTest.space();
    RandomSearch search = new RandomSearch(space, 12, 7);
    assertThat(search.rounds()).isEqualTo(1);
    assertThat(search.maxTrials()).isEqualTo(12);
    List<TrialSpec> trials = search.propose(0, List.of());
    assertThat(trials).extracting(TrialSpec::id).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    assertThat(trials).allSatisfy(t -> {
      assertThat(t.epochs()).isZero();
      assertThat(t.bracket()).isZero();
      assertThat(t.rung()).isZero();
      assertThat(t.seed()).isNotNegative();
      assertThat(java.util.Arrays.stream(space.toUnit(t.values())).allMatch(u -> u >= 0 && u <= 1)).isTrue();
    });
    assertThat(trials.stream().map(TrialSpec::seed).distinct()).hasSize(12);
    assertThat(trials.stream().map(TrialSpec::values).distinct()).hasSize(12);
    assertThatThrownBy(() -> search.propose(1, List.of())).hasMessage("random search has 1 round, asked for round 1");
  }

  @Test
  void trialsDependOnlyOnTheSeedAndTheirId() throws Exception {
    SearchSpace space = SearchSpaceTest.space();
    List<TrialSpec> twelve = new RandomSearch(space, 12, 7).propose(0, List.of());
    assertThat(new RandomSearch(space, 12, 7).propose(0, List.of())).isEqualTo(twelve);
    assertThat(SerializableUtils.clone(new RandomSearch(space, 12, 7)).propose(0, List.of())).isEqualTo(twelve);
    // A longer search begins with the same trials; another seed gives others.
    assertThat(new RandomSearch(space, 20, 7).propose(0, List.of()).subList(0, 12)).isEqualTo(twelve);
    assertThat(new RandomSearch(space, 12, 8).propose(0, List.of()).get(0).values()).isNotEqualTo(twelve.get(0).values());
  }

  @Test
  void theDerivationOfValuesAndSeedsIsPinned() {
    // Reproducibility across versions: a change here changes every recorded search's trials. Worked out
    // apart from this code (in Python): trial i's values come from SplittableRandom(mix(42, i, 1)), its
    // seed is mix(42, i, 2) >>> 1, mix(s, i, k) = f(f(f(s) + i * 0x9E3779B97F4A7C15) ^ k * 0xD1B54A32D192ED03)
    // with f SplitMix64's finaliser; x = floor(-0.5 + u * 1000001 + 0.5) for the first double u.
    SearchSpace space = SearchSpace.of(Map.of("x", new Parameter.IntRange(0, 1_000_000, false)));
    List<TrialSpec> trials = new RandomSearch(space, 2, 42).propose(0, List.of());
    assertThat(trials).extracting(t -> t.values().get("x"), TrialSpec::seed)
        .containsExactly(tuple(570918, 202857982762890142L), tuple(250517, 6261646267018747765L));
  }
}
