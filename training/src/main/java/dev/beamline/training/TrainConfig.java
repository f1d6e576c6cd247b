package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * How a model is trained on transformed examples: the task, the model, the optimizer and the schedule.
 * Immutable; {@link #defaults(String)} sets every default and the {@code withX} methods check their
 * argument. Every default lives here: the YAML binding ({@link TrainStageFactory}) only applies what the
 * file sets.
 *
 * <pre>{@code
 * TrainConfig c = TrainConfig.defaults("species")
 *     .withModel(ModelType.DNN).withHiddenUnits(List.of(16, 8)).withEpochs(50).withSeed(7);
 * }</pre>
 *
 * @param label the transformed feature to predict: an ID output means classification (its cardinality
 *     is the number of classes), a FLOAT output regression
 * @param features the transformed features the model reads; empty for all but the label
 * @param task the task; AUTO derives it from the label's kind
 * @param model linear (logistic or linear regression) or DNN
 * @param hiddenUnits DNN hidden layer sizes
 * @param activation DNN hidden activation
 * @param dropout DNN dropout rate in [0, 1) during training
 * @param embeddingDim embedding size for ID and IDS features; 0 feeds ID features one-hot (IDS features
 *     then use 8)
 * @param embeddingDims per-feature embedding sizes, overriding {@code embeddingDim}
 * @param batchSize examples per step
 * @param epochs passes over the training split (when {@code steps} is null)
 * @param steps total training steps instead of epochs; null to use epochs
 * @param optimizer ADAM or SGD
 * @param learningRate the optimizer's learning rate (by default {@link #defaultLearningRate} of the optimizer)
 * @param l2 L2 penalty on the weights (not biases)
 * @param earlyStoppingPatience stop after this many epochs without an eval-loss improvement of at least
 *     {@code minDelta}, keeping the best epoch's weights; null (the default) to train all epochs
 * @param minDelta the smallest eval-loss decrease that counts as an improvement; 0 without early stopping
 * @param shuffleBuffer examples held for shuffling (the bound on examples in memory)
 * @param seed the seed of initialization, shuffling and dropout
 * @param trainSplit the split trained on
 * @param evalSplit the split for eval loss and early stopping
 */
public record TrainConfig(
    String label,
    List<String> features,
    Task task,
    ModelType model,
    List<Integer> hiddenUnits,
    Activation activation,
    double dropout,
    int embeddingDim,
    Map<String, Integer> embeddingDims,
    int batchSize,
    int epochs,
    Long steps,
    Optimizer optimizer,
    double learningRate,
    double l2,
    Integer earlyStoppingPatience,
    double minDelta,
    int shuffleBuffer,
    long seed,
    String trainSplit,
    String evalSplit)
    implements Serializable {

  public enum Task {
    AUTO,
    CLASSIFICATION,
    REGRESSION
  }

  public enum ModelType {
    LINEAR,
    DNN
  }

  public enum Activation {
    RELU,
    TANH,
    SIGMOID,
    ELU
  }

  public enum Optimizer {
    ADAM,
    SGD
  }

  /** The patience of early stopping when it is turned on without one. */
  public static final int DEFAULT_EARLY_STOPPING_PATIENCE = 3;
  /** The smallest improvement of early stopping when it is turned on without one. */
  public static final double DEFAULT_MIN_DELTA = 0.0;

  public TrainConfig {
    features = List.copyOf(features);
    hiddenUnits = List.copyOf(hiddenUnits);
    embeddingDims = Map.copyOf(embeddingDims);
  }

  /** A DNN with hidden layers [64, 32], ReLU, Adam at 0.001, batches of 64, 10 epochs, seed 42. */
  public static TrainConfig defaults(String label) {
    return new TrainConfig(label, List.of(), Task.AUTO, ModelType.DNN, List.of(64, 32), Activation.RELU, 0.0, 0, Map.of(), 64, 10, null, Optimizer.ADAM, defaultLearningRate(Optimizer.ADAM), 0.0, null, DEFAULT_MIN_DELTA, 10_000, 42L, "train", "eval");
  }

  /** The learning rate of {@code optimizer} unless told otherwise: 0.01 for SGD, 0.001 for Adam. */
  public static double defaultLearningRate(Optimizer optimizer) {
    return optimizer == Optimizer.SGD ? 0.01 : 0.001;
  }

  public TrainConfig withFeatures(List<String> features) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withTask(Task task) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withModel(ModelType model) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withHiddenUnits(List<Integer> hiddenUnits) {
    checkArgument(hiddenUnits.stream().allMatch(u -> u != null && u > 0), "hidden_units must be positive sizes, got %s", hiddenUnits);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withActivation(Activation activation) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withDropout(double dropout) {
    checkArgument(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got %s", dropout);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withEmbeddingDim(int embeddingDim) {
    checkArgument(embeddingDim >= 0, "embedding_dim must be 0 (one-hot) or more, got %s", embeddingDim);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withEmbeddingDims(Map<String, Integer> embeddingDims) {
    checkArgument(embeddingDims.values().stream().allMatch(d -> d != null && d > 0), "embedding sizes must be positive, got %s", embeddingDims);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withBatchSize(int batchSize) {
    checkArgument(batchSize >= 1, "batch_size must be at least 1, got %s", batchSize);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withEpochs(int epochs) {
    checkArgument(epochs >= 1, "epochs must be at least 1, got %s", epochs);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withSteps(Long steps) {
    checkArgument(steps == null || steps >= 1, "steps must be at least 1, got %s", steps);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  /** Trains with {@code optimizer} at its {@link #defaultLearningRate}. */
  public TrainConfig withOptimizer(Optimizer optimizer) {
    return withOptimizer(optimizer, defaultLearningRate(optimizer));
  }

  /** Keeps the optimizer, at {@code learningRate}. */
  public TrainConfig withLearningRate(double learningRate) {
    return withOptimizer(optimizer, learningRate);
  }

  public TrainConfig withOptimizer(Optimizer optimizer, double learningRate) {
    checkArgument(learningRate > 0, "learning_rate must be positive, got %s", learningRate);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withL2(double l2) {
    checkArgument(l2 >= 0, "l2 must be 0 or more, got %s", l2);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  /** Stops early with the default patience ({@value #DEFAULT_EARLY_STOPPING_PATIENCE}) and min_delta (0). */
  public TrainConfig withEarlyStopping() {
    return withEarlyStopping(DEFAULT_EARLY_STOPPING_PATIENCE, DEFAULT_MIN_DELTA);
  }

  /** Stops early after {@code patience} epochs without an improvement of {@code minDelta}; a null patience trains all epochs. */
  public TrainConfig withEarlyStopping(Integer patience, double minDelta) {
    checkArgument(patience == null || patience >= 1, "early_stopping patience must be at least 1, got %s", patience);
    checkArgument(minDelta >= 0, "early_stopping min_delta must be 0 or more, got %s", minDelta);
    // Without early stopping min_delta means nothing: one configuration, one form.
    double delta = patience == null ? DEFAULT_MIN_DELTA : minDelta;
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, patience, delta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withShuffleBuffer(int shuffleBuffer) {
    checkArgument(shuffleBuffer >= 1, "shuffle_buffer must be at least 1, got %s", shuffleBuffer);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withSeed(long seed) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }

  public TrainConfig withSplits(String trainSplit, String evalSplit) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit);
  }
}
