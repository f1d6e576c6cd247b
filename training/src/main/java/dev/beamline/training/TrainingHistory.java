package dev.beamline.training;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What happened during one training run, epoch by epoch: the mean training loss, the eval loss and
 * metric, the throughput, and where early stopping stopped and which epoch's weights were kept.
 * Written as {@code training_history.json} next to the exported model.
 *
 * <p>Units of a regression: the losses ({@code train_loss}, {@code eval_loss}, which early stopping
 * watches) are the mean squared error in the label's <em>transformed</em> units, what the network is
 * trained on (z-scores for a z-scored label); {@code eval_rmse} is in the label's <em>own</em> units,
 * those of the exported model's {@code predictions}: the predictions and the stored label both mapped
 * back through {@link LabelUnits} (exact for z-score, min-max and log; a clipped label is compared in
 * its clipped range). For a label with neither scale nor log step both agree: {@code eval_rmse} is the
 * square root of {@code eval_loss}.
 *
 * <pre>{@code
 * TrainingHistory h = model.history();
 * double last = h.epochs().get(h.epochs().size() - 1).evalLoss();
 * String json = h.toJson();
 * }</pre>
 *
 * @param epochs one entry per epoch run (the last one partial when {@code steps} ended it)
 * @param bestEpoch the epoch whose weights the model has (1-based): the lowest eval loss under early
 *     stopping, else the last
 * @param stoppedEarly whether early stopping ended training before the configured epochs or steps
 * @param steps optimizer steps taken
 * @param skippedTrainRows training rows skipped because their label had no class (id -1), all epochs
 * @param skippedEvalRows eval rows skipped for the same reason, all epochs
 * @param seconds wall time of the whole run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingHistory(
    List<Epoch> epochs,
    int bestEpoch,
    boolean stoppedEarly,
    long steps,
    long skippedTrainRows,
    long skippedEvalRows,
    double seconds) {

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public TrainingHistory {
    epochs = List.copyOf(epochs);
  }

  /**
   * One epoch.
   *
   * @param epoch 1-based
   * @param steps optimizer steps in this epoch
   * @param examples training examples seen in this epoch
   * @param trainLoss mean data loss (without the L2 penalty) over the epoch's batches, weighted by batch size, each measured before its step
   * @param evalLoss mean data loss on the eval split after the epoch (regression: in the label's transformed units); null without an eval split
   * @param evalAccuracy share of eval examples whose most probable class is the label (classification)
   * @param evalAuc area under the ROC curve on the eval split (classification; for more than two
   *     classes the mean one-against-the-rest AUC, see {@link Auc}; exact for eval splits of up to
   *     2^22 probabilities, else within a stated bound, see {@link StreamingAuc}); null when the eval split lacks a
   *     positive or a negative example
   * @param evalRmse root mean squared error on the eval split (regression), in the label's own units
   * @param examplesPerSecond training examples per second of this epoch's training (reading, feeding and stepping; evaluation excluded)
   * @param seconds wall time of the epoch including evaluation
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Epoch(
      int epoch,
      long steps,
      long examples,
      double trainLoss,
      Double evalLoss,
      Double evalAccuracy,
      Double evalAuc,
      Double evalRmse,
      double examplesPerSecond,
      double seconds) {

    /**
     * The eval metrics this epoch has, by their names in {@code training_history.json}, in the order
     * {@code eval_loss}, {@code eval_accuracy}, {@code eval_auc}, {@code eval_rmse}; empty without eval.
     */
    public Map<String, Double> evalMetrics() {
      Map<String, Double> m = new LinkedHashMap<>();
      if (evalLoss != null) {
        m.put("eval_loss", evalLoss);
      }
      if (evalAccuracy != null) {
        m.put("eval_accuracy", evalAccuracy);
      }
      if (evalAuc != null) {
        m.put("eval_auc", evalAuc);
      }
      if (evalRmse != null) {
        m.put("eval_rmse", evalRmse);
      }
      return m;
    }
  }

  /**
   * This history with every wall time and throughput set to 0: what two runs with the same seed,
   * configuration and data have in common, exactly.
   */
  public TrainingHistory withoutTimes() {
    List<Epoch> e = epochs.stream()
        .map(x -> new Epoch(x.epoch(), x.steps(), x.examples(), x.trainLoss(), x.evalLoss(), x.evalAccuracy(), x.evalAuc(), x.evalRmse(), 0, 0))
        .toList();
    return new TrainingHistory(e, bestEpoch, stoppedEarly, steps, skippedTrainRows, skippedEvalRows, 0);
  }

  /** The epoch entry of {@link #bestEpoch()}. */
  public Epoch best() {
    return epochs.get(bestEpoch - 1);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TrainingHistory fromJson(String json) {
    try {
      return JSON.readValue(json, TrainingHistory.class);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("not a training history: " + e.getOriginalMessage(), e);
    }
  }
}
