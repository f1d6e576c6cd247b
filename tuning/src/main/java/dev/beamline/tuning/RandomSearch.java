package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Random search (Bergstra and Bengio, "Random search for hyper-parameter optimization", JMLR 2012):
 * {@code maxTrials} points drawn independently from the search space, all in one round.
 *
 * <p>One round, because no trial's values depend on another's result: splitting them into rounds would
 * only make every round wait for its slowest trial. How many train at once is the stage's business
 * ({@code max_parallel_trials}). Trial i's values and seed depend only on the search's seed and i, so a
 * search with more trials begins with the same ones.
 *
 * <pre>{@code
 * SearchAlgorithm search = new RandomSearch(space, 20, 7);
 * List<TrialSpec> trials = search.propose(0, List.of());   // all 20
 * }</pre>
 */
public final class RandomSearch implements SearchAlgorithm {
  private static final long serialVersionUID = 1L;

  private final SearchSpace space;
  private final int maxTrials;
  private final long seed;

  /**
   * @param space what to draw from
   * @param maxTrials how many trials, at least 1
   * @param seed the search's seed
   */
  public RandomSearch(SearchSpace space, int maxTrials, long seed) {
    checkArgument(maxTrials >= 1, "max_trials must be at least 1, got %s", maxTrials);
    this.space = checkNotNull(space, "space");
    this.maxTrials = maxTrials;
    this.seed = seed;
  }

  @Override
  public int rounds() {
    return 1;
  }

  @Override
  public int maxTrials() {
    return maxTrials;
  }

  @Override
  public List<TrialSpec> propose(int round, List<TrialResult> finished) {
    checkArgument(round == 0, "random search has 1 round, asked for round %s", round);
    List<TrialSpec> trials = new ArrayList<>();
    for (int id = 0; id < maxTrials; id++) {
      trials.add(randomTrial(space, seed, id));
    }
    return trials;
  }

  /** Trial {@code id} drawn at random: its values from its own stream of the search's seed. */
  static TrialSpec randomTrial(SearchSpace space, long seed, int id) {
    return TrialSpec.of(id, space.sample(Seeds.random(seed, id, Seeds.VALUES)), Seeds.trialSeed(seed, id));
  }

  @Override
  public String toString() {
    return "RandomSearch{maxTrials=" + maxTrials + ", seed=" + seed + ", space=" + space + "}";
  }
}
