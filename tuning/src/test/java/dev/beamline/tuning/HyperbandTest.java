package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.tuning.Hyperband.Bracket;
import dev.beamline.tuning.Hyperband.Rung;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** Hyperband: the bracket arithmetic of Li et al. 2018, and successive halving round by round. */
class HyperbandTest {
  private static final SearchSpace SPACE = SearchSpace.of(Map.of("lr", new Parameter.FloatRange(1e-4, 1, true)));

  private static Bracket bracket(int s, int... configsAndEpochs) {
    List<Rung> rungs = new ArrayList<>();
    for (int i = 0; i < configsAndEpochs.length; i += 2) {
      rungs.add(new Rung(configsAndEpochs[i], configsAndEpochs[i + 1]));
    }
    return new Bracket(s, rungs);
  }

  @Test
  void theBracketsOfR81Eta3AreThePapersTable() {
    // Li et al. 2018, table 1: (n_i, r_i) for each bracket s.
    assertThat(Hyperband.brackets(81, 3)).containsExactly(
        bracket(4, 81, 1, 27, 3, 9, 9, 3, 27, 1, 81),
        bracket(3, 34, 3, 11, 9, 3, 27, 1, 81),
        bracket(2, 15, 9, 5, 27, 1, 81),
        bracket(1, 8, 27, 2, 81),
        bracket(0, 5, 81));
    Hyperband h = new Hyperband(SPACE, 81, 3, 0);
    assertThat(h.rounds()).isEqualTo(5);
    assertThat(h.maxTrials()).isEqualTo(121 + 49 + 21 + 10 + 5);
  }

  @Test
  void theBracketsOfOtherBudgetsWorkedByHand() {
    // R = 27, eta = 3: s_max = 3, n = ceil(4/4 * 27) = 27, ceil(4/3 * 9) = 12, ceil(4/2 * 3) = 6, ceil(4/1 * 1) = 4.
    assertThat(Hyperband.brackets(27, 3)).containsExactly(
        bracket(3, 27, 1, 9, 3, 3, 9, 1, 27),
        bracket(2, 12, 3, 4, 9, 1, 27),
        bracket(1, 6, 9, 2, 27),
        bracket(0, 4, 27));
    // R = 9, eta = 3: n = ceil(3/3 * 9) = 9, ceil(3/2 * 3) = 5, 3.
    assertThat(Hyperband.brackets(9, 3)).containsExactly(
        bracket(2, 9, 1, 3, 3, 1, 9),
        bracket(1, 5, 3, 1, 9),
        bracket(0, 3, 9));
    // R = 10, eta = 2, not a power of eta: s_max = 3; epochs 10/8 = 1.25 -> 1, 10/4 = 2.5 -> 3 (halves up), 10/2 = 5.
    // n = ceil(4/4 * 8) = 8, ceil(4/3 * 4) = 6, ceil(4/2 * 2) = 4, 4.
    assertThat(Hyperband.brackets(10, 2)).containsExactly(
        bracket(3, 8, 1, 4, 3, 2, 5, 1, 10),
        bracket(2, 6, 3, 3, 5, 1, 10),
        bracket(1, 4, 5, 2, 10),
        bracket(0, 4, 10));
    // R = eta: two brackets.
    assertThat(Hyperband.brackets(3, 3)).containsExactly(bracket(1, 3, 1, 1, 3), bracket(0, 2, 3));
  }

  @Test
  void roundsHoldEveryBracketsRungWithIdsFixedInAdvance() {
    Hyperband h = new Hyperband(SPACE, 81, 3, 5);
    List<TrialSpec> round0 = h.propose(0, List.of());
    assertThat(round0).hasSize(81 + 34 + 15 + 8 + 5);
    assertThat(round0).extracting(TrialSpec::id).containsExactlyElementsOf(IntStream.range(0, 143).boxed().toList());
    assertThat(round0.subList(0, 81)).allSatisfy(t -> assertThat(List.of(t.bracket(), t.rung(), t.epochs())).containsExactly(4, 0, 1));
    assertThat(round0.subList(81, 115)).allSatisfy(t -> assertThat(List.of(t.bracket(), t.rung(), t.epochs())).containsExactly(3, 0, 3));
    assertThat(round0.get(142)).satisfies(t -> assertThat(List.of(t.bracket(), t.rung(), t.epochs())).containsExactly(0, 0, 81));
    // Configurations are random search's.
    assertThat(round0.get(7).values()).isEqualTo(new RandomSearch(SPACE, 8, 5).propose(0, List.of()).get(7).values());

    // Every trial succeeds with objective = its id: the lowest ids go on. Ids of later rounds follow on.
    List<TrialResult> finished = new ArrayList<>();
    round0.forEach(t -> finished.add(TrialResult.of(t, t.id())));
    List<TrialSpec> round1 = h.propose(1, finished);
    assertThat(round1).hasSize(27 + 11 + 5 + 2);
    assertThat(round1).extracting(TrialSpec::id).containsExactlyElementsOf(IntStream.range(143, 188).boxed().toList());
    assertThat(round1.get(0)).isEqualTo(new TrialSpec(143, round0.get(0).values(), 3, round0.get(0).seed(), 4, 1));
    assertThat(round1.get(27)).isEqualTo(new TrialSpec(170, round0.get(81).values(), 9, round0.get(81).seed(), 3, 1));
    assertThat(round1.get(44)).isEqualTo(new TrialSpec(187, round0.get(131).values(), 81, round0.get(131).seed(), 1, 1));
    round1.forEach(t -> finished.add(TrialResult.of(t, t.id())));
    List<TrialSpec> round2 = h.propose(2, finished);
    assertThat(round2).extracting(TrialSpec::id).containsExactlyElementsOf(IntStream.range(188, 201).boxed().toList());
    round2.forEach(t -> finished.add(TrialResult.of(t, t.id())));
    List<TrialSpec> round3 = h.propose(3, finished);
    assertThat(round3).extracting(TrialSpec::id).containsExactly(201, 202, 203, 204);
    round3.forEach(t -> finished.add(TrialResult.of(t, t.id())));
    List<TrialSpec> round4 = h.propose(4, finished);
    assertThat(round4).containsExactly(new TrialSpec(205, round0.get(0).values(), 81, round0.get(0).seed(), 4, 4));
    assertThatThrownBy(() -> h.propose(5, finished)).hasMessage("this search has 5 rounds, asked for round 5");
  }

  @Test
  void successiveHalvingPromotesTheBestAndNeverAFailedTrial() {
    // R = 9, eta = 3. Round 0: bracket 2 is ids 0-8 at 1 epoch, bracket 1 ids 9-13 at 3, bracket 0 ids 14-16 at 9.
    Hyperband h = new Hyperband(SPACE, 9, 3, 1);
    List<TrialSpec> round0 = h.propose(0, List.of());
    assertThat(round0).hasSize(17);
    double[] objectives = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0.5, 0.4, Double.NaN, 0.3, 0.6, 0.2, 0.1, 0.3};
    List<TrialResult> finished = new ArrayList<>();
    for (TrialSpec t : round0) {
      // Trial 3, the best of bracket 2, ran out of memory; trial 11 gave a NaN loss.
      finished.add(t.id() == 3 ? TrialResult.failed(t, "OutOfMemoryError") : TrialResult.of(t, objectives[t.id()]));
    }
    Collections.reverse(finished); // any order
    List<TrialSpec> round1 = h.propose(1, finished);
    // Bracket 2 keeps floor(9/3) = 3: trials 5 (2), 1 (3), 7 (4), best first; bracket 1 keeps floor(5/3) = 1: trial 12 (0.3).
    assertThat(round1).containsExactly(
        new TrialSpec(17, round0.get(5).values(), 3, round0.get(5).seed(), 2, 1),
        new TrialSpec(18, round0.get(1).values(), 3, round0.get(1).seed(), 2, 1),
        new TrialSpec(19, round0.get(7).values(), 3, round0.get(7).seed(), 2, 1),
        new TrialSpec(20, round0.get(12).values(), 9, round0.get(12).seed(), 1, 1));
    finished.add(TrialResult.of(round1.get(0), 0.9));
    finished.add(TrialResult.of(round1.get(1), 0.2));
    finished.add(TrialResult.of(round1.get(2), 0.2)); // a tie: the lower id goes on
    finished.add(TrialResult.failed(round1.get(3), "NaN loss"));
    assertThat(h.propose(2, finished)).containsExactly(new TrialSpec(21, round0.get(1).values(), 9, round0.get(1).seed(), 2, 2));
    assertThat(h.propose(2, finished)).isEqualTo(SerializableUtils.clone(h).propose(2, finished));

    // The best counts only the trials with the most epochs (9): trials 14-16 (0.2, 0.1, 0.3) and 21 once it has run.
    assertThat(h.best(finished).orElseThrow().id()).isEqualTo(15);
    finished.add(TrialResult.of(h.propose(2, finished).get(0), 0.05));
    assertThat(h.best(finished).orElseThrow().id()).isEqualTo(21);
  }

  @Test
  void aRungWithoutSuccessesEndsItsBracketAndFewerSuccessesPromoteFewer() {
    Hyperband h = new Hyperband(SPACE, 9, 3, 1);
    List<TrialResult> finished = new ArrayList<>();
    for (TrialSpec t : h.propose(0, List.of())) {
      // Bracket 2: only trials 0 and 1 succeed; bracket 1: none.
      finished.add(t.id() <= 1 || t.bracket() == 0 ? TrialResult.of(t, -t.id()) : TrialResult.failed(t, "diverged"));
    }
    List<TrialSpec> round1 = h.propose(1, finished);
    assertThat(round1).extracting(TrialSpec::id, TrialSpec::bracket).containsExactly(
        org.assertj.core.groups.Tuple.tuple(17, 2), org.assertj.core.groups.Tuple.tuple(18, 2));
    assertThat(round1.get(0).values()).isEqualTo(finished.stream().filter(r -> r.id() == 1).findFirst().orElseThrow().spec().values());
    // Nothing succeeded: the search goes on to its last round with nothing to train.
    assertThat(h.propose(1, finished.stream().map(r -> TrialResult.failed(r.spec(), "x")).toList())).isEmpty();
    assertThat(h.best(List.of())).isEmpty();
  }

  @Test
  void theSameSeedAndResultsGiveTheSameTrials() {
    Hyperband a = new Hyperband(SPACE, 27, 3, 11);
    List<TrialResult> ra = Searches.run(a, t -> (Double) t.values().get("lr") * 100 / t.epochs());
    List<TrialResult> rb = Searches.run(new Hyperband(SPACE, 27, 3, 11), t -> (Double) t.values().get("lr") * 100 / t.epochs());
    assertThat(ra).isEqualTo(rb).hasSize(a.maxTrials());
    assertThat(ra.stream().map(TrialResult::id).distinct()).hasSize(ra.size());
    assertThat(Searches.run(new Hyperband(SPACE, 27, 3, 12), t -> 1.0)).isNotEqualTo(ra);
  }

  @Test
  void badBudgetsAreRefused() {
    assertThatThrownBy(() -> new Hyperband(SPACE, 2, 3, 0)).hasMessage("max_epochs must be at least eta (3) for Hyperband to stop a trial early, got 2");
    assertThatThrownBy(() -> new Hyperband(SPACE, 81, 1, 0)).hasMessage("eta must be at least 2, got 1");
  }
}
