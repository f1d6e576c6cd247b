package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.PausePoint;
import dev.beamline.training.Hyperparameters;
import dev.beamline.training.ProgressLine;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainedModel;
import dev.beamline.training.Trainer;
import dev.beamline.training.TrainingHistory;
import dev.beamline.transform.FittedFeature;
import java.io.Serializable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one trial: the base {@code train:} configuration with the trial's values, its seed and (for
 * Hyperband) its epochs, on the transformed data; the objective is the best epoch's metric. A choice
 * among features ({@link FeatureChoices}) becomes the trial's {@code features} list. A trial
 * that throws (a value the trainer refuses, out of memory) or whose metric is not finite (a loss that
 * diverged) is a failed trial, not an error: the search goes on.
 *
 * <pre>{@code
 * TrialOutcome t = new TrialRunner(trainConfig, tuneConfig).run(spec, dataDir, fittedFeatures);
 * }</pre>
 */
public final class TrialRunner implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);

  private final TrainConfig base;
  private final TuneConfig.Objective objective;
  private final FeatureChoices choices;
  private final int parallel;

  /** A runner of {@code tune}'s trials, starting from {@code base}, one at a time. */
  public TrialRunner(TrainConfig base, TuneConfig tune) {
    this(base, tune, 1);
  }

  /**
   * A runner for trials of which {@code parallel} train at once: each then gets the machine's cores
   * divided among them as TensorFlow threads, instead of every trial taking every core.
   */
  public TrialRunner(TrainConfig base, TuneConfig tune, int parallel) {
    this.base = base;
    this.objective = tune.objective();
    this.choices = FeatureChoices.of(tune.searchSpace());
    checkArgument(choices.isEmpty() || !base.features().isEmpty(),
        "a search among features needs the base features listed in train.features (the tune stage lists every transformed feature but the label)");
    this.parallel = parallel;
  }

  /**
   * The values {@code spec} sets on {@code train:} keys: its values by name and, when the search chooses
   * among features, the {@code features} list they make (a {@code features.<slot>} value stays as the
   * record of the choice; {@link Hyperparameters#applyTo} applies the list).
   */
  public ObjectNode trainValues(TrialSpec spec) {
    ObjectNode values = TrialOutcome.valuesJson(spec);
    if (!choices.isEmpty()) {
      ArrayNode features = values.putArray("features");
      choices.features(base.features(), spec.values()).forEach(features::add);
    }
    return values;
  }

  /** The training configuration of {@code spec}: the base with its values, seed and epochs. */
  public TrainConfig configOf(TrialSpec spec) {
    ObjectNode values = trainValues(spec);
    values.put("seed", spec.seed());
    if (spec.epochs() > 0) {
      values.put("epochs", spec.epochs());
    }
    return Hyperparameters.of(values).applyTo(base);
  }

  public TrialOutcome run(TrialSpec spec, String dataDir, List<FittedFeature> features) {
    long start = System.currentTimeMillis();
    TrainingHistory history = null;
    // A test hook: a test may kill the run here, while trials train.
    PausePoint.reach("trial:" + spec.id());
    try {
      TrainConfig config = configOf(spec);
      int threads = parallel > 1 ? Math.max(1, Runtime.getRuntime().availableProcessors() / parallel) : 0;
      try (TrainedModel model = Trainer.of(config).withProgress(ProgressLine.silent()).withThreads(threads).train(dataDir, features)) {
        history = model.history();
      }
      Double metric = history.best().evalMetrics().get(objective.metric());
      long end = System.currentTimeMillis();
      if (metric == null) {
        return failed(spec, history, start, end, "the trainer reported no " + objective.metric()
            + " (its eval metrics: " + String.join(", ", history.best().evalMetrics().keySet()) + ")");
      }
      if (!Double.isFinite(metric) || !Double.isFinite(history.best().trainLoss())) {
        return failed(spec, history, start, end, objective.metric() + " is " + metric + ", train loss " + history.best().trainLoss());
      }
      return new TrialOutcome(spec, metric, TrialResult.of(spec, objective.minimized(metric)), history.toJson(), start, end);
    } catch (RuntimeException | OutOfMemoryError e) {
      LOG.warn("trial {} failed: {}", spec.id(), e.toString());
      String why = e.getMessage() == null ? e.toString() : e.getMessage();
      int nl = why.indexOf('\n');
      return failed(spec, history, start, System.currentTimeMillis(), nl < 0 ? why : why.substring(0, nl));
    }
  }

  private static TrialOutcome failed(TrialSpec spec, TrainingHistory history, long start, long end, String error) {
    return new TrialOutcome(spec, null, TrialResult.failed(spec, error), history == null ? null : history.toJson(), start, end);
  }
}
