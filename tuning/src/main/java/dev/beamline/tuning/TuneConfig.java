package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;

/**
 * How to tune: the algorithm, the search space, the budget and the objective. Immutable; one factory per
 * algorithm sets every default and the {@code withX} methods check their argument. The YAML binding is
 * {@link TuneSpec}; {@link SearchAlgorithm#create} makes the search.
 *
 * <pre>{@code
 * TuneConfig c = TuneConfig.bayesian(space, 30).withMaxParallelTrials(4).withSeed(7)
 *     .withObjective(new TuneConfig.Objective("eval_auc", TuneConfig.Direction.MAXIMIZE));
 * SearchAlgorithm search = SearchAlgorithm.create(c);
 * }</pre>
 *
 * @param algorithm random, bayesian or hyperband
 * @param searchSpace the parameters tuned
 * @param maxTrials how many trials in all (random, bayesian); 0 for hyperband, whose brackets decide
 * @param maxParallelTrials how many trials train at once (default 1); the Bayesian search's trials per round
 * @param seed the search's seed (default 0): the same seed and results give the same trials
 * @param objective the metric to optimise and in which direction (default eval_loss, minimised)
 * @param initialTrials the Bayesian search's random first trials; 0 for its default, max(parallel, 4); 0 for the others
 * @param maxEpochs Hyperband's R, the most epochs a trial trains; 0 for the others
 * @param eta Hyperband's η (default 3); 0 for the others
 */
public record TuneConfig(
    Algorithm algorithm,
    SearchSpace searchSpace,
    int maxTrials,
    int maxParallelTrials,
    long seed,
    Objective objective,
    int initialTrials,
    int maxEpochs,
    int eta) implements Serializable {

  /** The search algorithms. */
  public enum Algorithm {
    RANDOM,
    BAYESIAN,
    HYPERBAND
  }

  /** Whether the objective's metric is better low or high. */
  public enum Direction {
    MINIMIZE,
    MAXIMIZE
  }

  /**
   * The metric a trial is judged by: one the trainer reports ({@code eval_loss}, {@code eval_accuracy},
   * {@code eval_auc}, {@code eval_rmse}), and whether to minimise or maximise it.
   */
  public record Objective(String metric, Direction direction) implements Serializable {
    /** The default: the eval loss, minimised. */
    public static final Objective EVAL_LOSS = new Objective("eval_loss", Direction.MINIMIZE);

    public Objective {
      checkArgument(metric != null && !metric.isBlank(), "an objective needs a metric");
      checkNotNull(direction, "direction");
    }

    /** The value the searches minimise for {@code metric}: itself, or its negation for a metric to maximise. */
    public double minimized(double metricValue) {
      return direction == Direction.MAXIMIZE ? -metricValue : metricValue;
    }
  }

  public TuneConfig {
    checkNotNull(algorithm, "algorithm");
    checkNotNull(searchSpace, "searchSpace");
    checkNotNull(objective, "objective");
    checkArgument(maxParallelTrials >= 1, "max_parallel_trials must be at least 1, got %s", maxParallelTrials);
    if (algorithm == Algorithm.HYPERBAND) {
      checkArgument(maxTrials == 0, "hyperband's trials follow from max_epochs and eta: max_trials must be 0, got %s", maxTrials);
      checkArgument(eta >= 2, "eta must be at least 2, got %s", eta);
      checkArgument(maxEpochs >= eta, "max_epochs must be at least eta (%s) for Hyperband to stop a trial early, got %s", eta, maxEpochs);
    } else {
      checkArgument(maxTrials >= 1, "max_trials must be at least 1, got %s", maxTrials);
      checkArgument(maxEpochs == 0 && eta == 0, "max_epochs and eta apply to hyperband only, got %s and %s", maxEpochs, eta);
    }
    checkArgument(initialTrials >= 0, "initial_trials must be at least 1, got %s", initialTrials);
    checkArgument(initialTrials == 0 || algorithm == Algorithm.BAYESIAN, "initial_trials applies to bayesian only");
  }

  /** Random search over {@code searchSpace} with {@code maxTrials} trials. */
  public static TuneConfig random(SearchSpace searchSpace, int maxTrials) {
    return new TuneConfig(Algorithm.RANDOM, searchSpace, maxTrials, 1, 0, Objective.EVAL_LOSS, 0, 0, 0);
  }

  /** The Bayesian search over {@code searchSpace} with {@code maxTrials} trials. */
  public static TuneConfig bayesian(SearchSpace searchSpace, int maxTrials) {
    return new TuneConfig(Algorithm.BAYESIAN, searchSpace, maxTrials, 1, 0, Objective.EVAL_LOSS, 0, 0, 0);
  }

  /** Hyperband over {@code searchSpace}, trials training at most {@code maxEpochs} epochs, η = 3. */
  public static TuneConfig hyperband(SearchSpace searchSpace, int maxEpochs) {
    return new TuneConfig(Algorithm.HYPERBAND, searchSpace, 0, 1, 0, Objective.EVAL_LOSS, 0, maxEpochs, Hyperband.DEFAULT_ETA);
  }

  /** How many trials in all (random, bayesian), at least 1. */
  public TuneConfig withMaxTrials(int n) {
    checkArgument(algorithm != Algorithm.HYPERBAND, "hyperband's trials follow from max_epochs and eta, not from max_trials");
    return new TuneConfig(algorithm, searchSpace, n, maxParallelTrials, seed, objective, initialTrials, maxEpochs, eta);
  }

  /** Hyperband's R, the most epochs a trial trains: at least eta. */
  public TuneConfig withMaxEpochs(int r) {
    checkArgument(algorithm == Algorithm.HYPERBAND, "max_epochs applies to hyperband only, not to %s", algorithm);
    return new TuneConfig(algorithm, searchSpace, maxTrials, maxParallelTrials, seed, objective, initialTrials, r, eta);
  }

  public TuneConfig withMaxParallelTrials(int n) {
    return new TuneConfig(algorithm, searchSpace, maxTrials, n, seed, objective, initialTrials, maxEpochs, eta);
  }

  public TuneConfig withSeed(long s) {
    return new TuneConfig(algorithm, searchSpace, maxTrials, maxParallelTrials, s, objective, initialTrials, maxEpochs, eta);
  }

  public TuneConfig withObjective(Objective o) {
    return new TuneConfig(algorithm, searchSpace, maxTrials, maxParallelTrials, seed, o, initialTrials, maxEpochs, eta);
  }

  public TuneConfig withSearchSpace(SearchSpace s) {
    return new TuneConfig(algorithm, s, maxTrials, maxParallelTrials, seed, objective, initialTrials, maxEpochs, eta);
  }

  /** The Bayesian search's random first trials, at least 1. */
  public TuneConfig withInitialTrials(int n) {
    checkArgument(algorithm == Algorithm.BAYESIAN, "initial_trials applies to bayesian only, not to %s", algorithm);
    checkArgument(n >= 1, "initial_trials must be at least 1, got %s", n);
    return new TuneConfig(algorithm, searchSpace, maxTrials, maxParallelTrials, seed, objective, n, maxEpochs, eta);
  }

  /** Hyperband's η, at least 2. */
  public TuneConfig withEta(int e) {
    checkArgument(algorithm == Algorithm.HYPERBAND, "eta applies to hyperband only, not to %s", algorithm);
    return new TuneConfig(algorithm, searchSpace, maxTrials, maxParallelTrials, seed, objective, initialTrials, maxEpochs, e);
  }
}
