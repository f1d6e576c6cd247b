/**
 * Hyperparameter tuning for the Beamline life cycle: the search algorithms behind the {@code tune:}
 * stage, as plain classes that need no pipeline. A search is unrolled into rounds known before the
 * pipeline runs; each round's trials are proposed from the results of the earlier ones and trained side
 * by side.
 *
 * <ul>
 *   <li>{@link dev.beamline.tuning.SearchSpace} and {@link dev.beamline.tuning.Parameter}: what is tuned
 *       ({@code choice}, {@code int} and {@code float} ranges, on a linear or log scale).
 *   <li>{@link dev.beamline.tuning.SearchAlgorithm}: the round-based contract, with {@link
 *       dev.beamline.tuning.RandomSearch}, {@link dev.beamline.tuning.BayesianSearch} (a Gaussian process
 *       with expected improvement) and {@link dev.beamline.tuning.Hyperband} (successive halving).
 *   <li>{@link dev.beamline.tuning.TrialSpec} and {@link dev.beamline.tuning.TrialResult}: a trial asked
 *       for, and what it gave or that it failed.
 *   <li>{@link dev.beamline.tuning.TuneConfig}, bound from the {@code tune:} section by {@link
 *       dev.beamline.tuning.TuneSpec}; {@link dev.beamline.tuning.FeatureChoices}: a trial's features
 *       when the search chooses among alternative transformed features.
 *   <li>{@link dev.beamline.tuning.TuningReport} (the HTML page) and {@link
 *       dev.beamline.tuning.TrialTable} (the terminal's table): the trials, best first.
 * </ul>
 *
 * <pre>{@code
 * TuneConfig config = TuneSpec.bind(section);
 * SearchAlgorithm search = SearchAlgorithm.create(config);
 * List<TrialResult> finished = new ArrayList<>();
 * for (int round = 0; round < search.rounds(); round++) {
 *   for (TrialSpec t : search.propose(round, finished)) {
 *     finished.add(TrialResult.of(t, config.objective().minimized(train(t))));
 *   }
 * }
 * }</pre>
 */
package dev.beamline.tuning;
