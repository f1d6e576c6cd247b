package dev.beamline.tuning;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A hyperparameter search unrolled into rounds known before the pipeline runs: the trials of round r are
 * proposed from the results of every earlier round, then trained side by side. Implementations are
 * immutable and hold no state between calls, so that a proposal can be made in any worker (inside a
 * {@code DoFn}), retried, and repeated: the same seed and results give the same trials, value for value.
 *
 * <pre>{@code
 * SearchAlgorithm search = SearchAlgorithm.create(config);
 * List<TrialResult> finished = new ArrayList<>();
 * for (int round = 0; round < search.rounds(); round++) {
 *   for (TrialSpec t : search.propose(round, finished)) {
 *     finished.add(train(t));
 *   }
 * }
 * TrialResult best = search.best(finished).orElseThrow();
 * }</pre>
 *
 * <p>Implementations: {@link RandomSearch}, {@link BayesianSearch} (a Gaussian process with expected
 * improvement) and {@link Hyperband} (successive halving over brackets of budgets).
 */
public interface SearchAlgorithm extends Serializable {

  /** The search for {@code config}. */
  static SearchAlgorithm create(TuneConfig config) {
    return switch (config.algorithm()) {
      case RANDOM -> new RandomSearch(config.searchSpace(), config.maxTrials(), config.seed());
      case BAYESIAN -> new BayesianSearch(config.searchSpace(), config.maxTrials(), config.maxParallelTrials(), config.seed())
          .withInitialTrials(config.initialTrials());
      case HYPERBAND -> new Hyperband(config.searchSpace(), config.maxEpochs(), config.eta(), config.seed());
    };
  }

  /** How many rounds at most: the number the pipeline unrolls. */
  int rounds();

  /** How many trials at most over all rounds. */
  int maxTrials();

  /**
   * The trials of round {@code round} (0-based), given every finished trial of the earlier rounds, in any
   * order. May be empty when the search has ended early. Deterministic; trial ids are unique across the
   * search.
   *
   * @throws IllegalArgumentException for a round outside [0, {@link #rounds()})
   */
  List<TrialSpec> propose(int round, List<TrialResult> finished);

  /**
   * The best of {@code finished}: the lowest objective among the trials that succeeded (the lowest id on
   * a tie); empty when none did. {@link Hyperband} only counts trials trained with the most epochs.
   */
  default Optional<TrialResult> best(List<TrialResult> finished) {
    return finished.stream().filter(TrialResult::succeeded).min(BY_OBJECTIVE);
  }

  /** Lowest objective first, then lowest id: the order in which trials are ranked. */
  Comparator<TrialResult> BY_OBJECTIVE = Comparator.comparingDouble(TrialResult::objective).thenComparingInt(TrialResult::id);

  /** {@code finished} sorted by trial id: the order every search reads results in. */
  static List<TrialResult> byId(List<TrialResult> finished) {
    List<TrialResult> sorted = new ArrayList<>(finished);
    sorted.sort(Comparator.comparingInt(TrialResult::id));
    return sorted;
  }
}
