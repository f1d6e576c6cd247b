package dev.beamline.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

/** The Bayesian search: rounds, reproducibility, failures, and Branin against random search. */
class BayesianSearchTest {
  private static final int SEEDS = 10;
  private static final int TRIALS = 30;

  /** The best Branin value each seed's search found in {@value #TRIALS} evaluations. */
  private static double[] bestOnBranin(int parallel, boolean bayesian) {
    double[] best = new double[SEEDS];
    for (int seed = 0; seed < SEEDS; seed++) {
      SearchAlgorithm search = bayesian
          ? new BayesianSearch(Searches.braninSpace(), TRIALS, parallel, seed)
          : new RandomSearch(Searches.braninSpace(), TRIALS, seed);
      List<TrialResult> results = Searches.run(search, t -> Searches.branin(t.values()));
      assertThat(results).hasSize(TRIALS);
      best[seed] = Searches.best(results);
    }
    return best;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return (s[(s.length - 1) / 2] + s[s.length / 2]) / 2;
  }

  private static int wins(double[] a, double[] b) {
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      n += a[i] < b[i] ? 1 : 0;
    }
    return n;
  }

  @Test
  void findsBraninsMinimumInFewerEvaluationsThanRandomSearch() {
    double[] random = bestOnBranin(1, false);
    double[] bayesian = bestOnBranin(1, true);
    System.out.printf("Branin, %d trials one at a time, median best of %d seeds: bayesian %.4f, random %.4f (minimum %.6f)%n",
        TRIALS, SEEDS, median(bayesian), median(random), Searches.BRANIN_MIN);
    assertThat(median(bayesian)).isLessThan(median(random));
    assertThat(wins(bayesian, random)).isGreaterThanOrEqualTo(8);
    assertThat(median(bayesian)).isCloseTo(Searches.BRANIN_MIN, within(0.1));
    assertThat(Arrays.stream(bayesian).min().orElseThrow()).isGreaterThanOrEqualTo(Searches.BRANIN_MIN - 1e-9);
  }

  @Test
  void roundsOfSeveralTrialsStillBeatRandomSearch() {
    double[] random = bestOnBranin(3, false);
    double[] bayesian = bestOnBranin(3, true);
    System.out.printf("Branin, %d trials 3 at a time, median best of %d seeds: bayesian %.4f, random %.4f%n",
        TRIALS, SEEDS, median(bayesian), median(random));
    assertThat(median(bayesian)).isLessThan(median(random));
    assertThat(wins(bayesian, random)).isGreaterThanOrEqualTo(8);
    assertThat(median(bayesian)).isCloseTo(Searches.BRANIN_MIN, within(0.1));
  }

  @Test
  void theRoundsAreKnownInAdvance() {
    SearchSpace s = Searches.braninSpace();
    assertThat(new BayesianSearch(s, 30, 1, 0).rounds()).isEqualTo(1 + 26); // 4 random, then 26 one by one
    assertThat(new BayesianSearch(s, 30, 4, 0).rounds()).isEqualTo(1 + 7); // 4 random, then 26 in rounds of 4 (the last of 2)
    assertThat(new BayesianSearch(s, 30, 8, 0).rounds()).isEqualTo(1 + 3); // 8 random, then 22 in rounds of 8
    assertThat(new BayesianSearch(s, 3, 1, 0).rounds()).isEqualTo(1); // fewer trials than the random start
    assertThat(new BayesianSearch(s, 30, 4, 0).withInitialTrials(10).rounds()).isEqualTo(1 + 5);
    assertThat(new BayesianSearch(s, 30, 4, 0).initialTrials()).isEqualTo(4);
    assertThat(new BayesianSearch(s, 30, 6, 0).initialTrials()).isEqualTo(6);

    BayesianSearch search = new BayesianSearch(s, 30, 4, 3);
    List<TrialResult> results = Searches.run(search, t -> Searches.branin(t.values()));
    assertThat(results).extracting(TrialResult::id).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 30).boxed().toList());
    assertThat(results.stream().map(r -> r.spec().values()).distinct()).hasSize(30);
    // The random start is random search's first trials, seeds and all.
    assertThat(search.propose(0, List.of())).isEqualTo(new RandomSearch(s, 4, 3).propose(0, List.of()));
    assertThat(search.propose(7, results.subList(0, 28))).extracting(TrialSpec::id).containsExactly(28, 29);
    assertThatThrownBy(() -> search.propose(8, results)).hasMessage("this search has 8 rounds, asked for round 8");
  }

  @Test
  void theSameSeedAndResultsGiveTheSameTrials() {
    BayesianSearch search = new BayesianSearch(Searches.braninSpace(), 20, 3, 9);
    List<TrialResult> results = Searches.run(search, t -> Searches.branin(t.values()));
    List<TrialResult> earlier = new ArrayList<>(results.subList(0, 10));
    List<TrialSpec> next = search.propose(3, earlier);
    assertThat(next).extracting(TrialSpec::id).containsExactly(10, 11, 12);
    assertThat(next).isEqualTo(results.subList(10, 13).stream().map(TrialResult::spec).toList());
    Collections.reverse(earlier); // the order results arrive in does not matter
    assertThat(search.propose(3, earlier)).isEqualTo(next);
    assertThat(SerializableUtils.clone(search).propose(3, earlier)).isEqualTo(next);
    assertThat(Searches.run(new BayesianSearch(Searches.braninSpace(), 20, 3, 9), t -> Searches.branin(t.values()))).isEqualTo(results);
  }

  @Test
  void failedTrialsDoNotStopTheSearchAndItSteersAwayFromThem() {
    // Trials with x1 > 5 "run out of memory": a third of the space, so a third of random trials. The
    // minima at x1 = -pi and pi remain.
    double[] best = new double[SEEDS];
    int laterFailures = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      SearchAlgorithm search = new BayesianSearch(Searches.braninSpace(), TRIALS, 2, seed);
      List<TrialResult> finished = new ArrayList<>();
      for (int round = 0; round < search.rounds(); round++) {
        for (TrialSpec t : search.propose(round, List.copyOf(finished))) {
          finished.add((Double) t.values().get("x1") > 5 ? TrialResult.failed(t, "OutOfMemoryError") : TrialResult.of(t, Searches.branin(t.values())));
        }
      }
      assertThat(finished).hasSize(TRIALS);
      laterFailures += (int) finished.stream().filter(r -> r.id() >= TRIALS / 2 && r.failed()).count();
      best[seed] = Searches.best(finished);
    }
    System.out.printf("failing region: %d of the last %d trials (%d per seed) failed; median best %.4f%n",
        laterFailures, SEEDS * TRIALS / 2, TRIALS / 2, median(best));
    // Random search would fail a third of them: 50 of 150.
    assertThat(laterFailures).isLessThan(SEEDS * TRIALS / 2 / 3 / 2);
    assertThat(median(best)).isCloseTo(Searches.BRANIN_MIN, within(0.1));
  }

  @Test
  void whileNoTrialHasSucceededProposalsAreRandom() {
    SearchSpace s = Searches.braninSpace();
    BayesianSearch search = new BayesianSearch(s, 10, 2, 1);
    List<TrialResult> failed = search.propose(0, List.of()).stream().map(t -> TrialResult.failed(t, "NaN loss")).toList();
    assertThat(search.propose(1, failed)).isEqualTo(new RandomSearch(s, 6, 1).propose(0, List.of()).subList(4, 6));
  }

  @Test
  void aSmallSpaceIsSearchedWithoutRepeatsAndEndsWhenTried() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("layers", new Parameter.IntRange(1, 3, false));
    p.put("model", new Parameter.Choice(List.of("dnn", "linear")));
    SearchSpace s = SearchSpace.of(p);
    BayesianSearch search = new BayesianSearch(s, 10, 2, 0).withInitialTrials(2);
    List<TrialResult> results = Searches.run(search, t -> (Integer) t.values().get("layers") + ("dnn".equals(t.values().get("model")) ? 0.5 : 0));
    // Random draws may repeat in the first round; after it, every untried point once, then nothing.
    List<Map<String, Object>> points = results.stream().map(r -> r.spec().values()).toList();
    assertThat(points.subList(2, points.size())).doesNotHaveDuplicates().doesNotContainAnyElementsOf(points.subList(0, 2));
    assertThat(points.stream().distinct()).hasSize(6);
    assertThat(search.propose(search.rounds() - 1, results)).isEmpty();
  }

  @Test
  void badArgumentsAreRefused() {
    SearchSpace s = Searches.braninSpace();
    assertThatThrownBy(() -> new BayesianSearch(s, 0, 1, 0)).hasMessage("max_trials must be at least 1, got 0");
    assertThatThrownBy(() -> new BayesianSearch(s, 5, 0, 0)).hasMessage("max_parallel_trials must be at least 1, got 0");
  }
}
