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
 * @param batchNorm batch normalization of each hidden layer's output before its activation (Ioffe and
 *     Szegedy 2015): batch statistics while training, moving averages in evaluation and serving
 * @param learningRateSchedule how the learning rate decays with the step; null for a constant rate
 * @param wideFeatures wide and deep: the features of the linear (wide) part; empty for the default (the
 *     crosses and the other categorical features)
 * @param deepFeatures wide and deep: the features of the DNN (deep) part; empty for the default (every
 *     feature but the crosses)
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
 * @param classWeights classification: each training example's loss times its class's weight (by class
 *     name, others 1, or balanced from the training split's label counts; see {@link ClassBalance})
 * @param resample classification: the rate at which each class's training examples enter the stream
 *     (by class name, others 1, or balanced to the largest class; see {@link ClassBalance})
 * @param onLabelDrift what to do when data validation reports drift of the label: nothing, or train with
 *     balanced class weights
 * @param privacy differentially private training (DP-SGD, see {@link DpSgdConfig}); null to train without
 * @param federated federated averaging over the clients of a column ({@link FederatedConfig}, {@link TrainFederated}); null to
 *     train centrally. With {@code privacy} set too, the privacy is at the client level (DP-FedAvg, {@link DpFedAvg})
 */
public record TrainConfig(
    String label,
    List<String> features,
    Task task,
    ModelType model,
    List<Integer> hiddenUnits,
    Activation activation,
    boolean batchNorm,
    LearningRateSchedule learningRateSchedule,
    List<String> wideFeatures,
    List<String> deepFeatures,
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
    String evalSplit,
    ClassRates classWeights,
    ClassRates resample,
    LabelDriftAction onLabelDrift,
    DpSgdConfig privacy,
    FederatedConfig federated)
    implements Serializable {

  public enum Task {
    AUTO,
    CLASSIFICATION,
    REGRESSION
  }

  public enum ModelType {
    LINEAR,
    DNN,
    /** A linear model and a DNN whose logits are summed, as TensorFlow's {@code DNNLinearCombinedClassifier}. */
    WIDE_DEEP
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

  /** What training does when data validation reports drift of the label's raw feature. */
  public enum LabelDriftAction {
    /** Nothing: train as configured. */
    NONE,
    /** Train with balanced class weights from the new training split's label counts. */
    REWEIGHT
  }

  /** The patience of early stopping when it is turned on without one. */
  public static final int DEFAULT_EARLY_STOPPING_PATIENCE = 3;
  /** The smallest improvement of early stopping when it is turned on without one. */
  public static final double DEFAULT_MIN_DELTA = 0.0;

  public TrainConfig {
    features = List.copyOf(features);
    hiddenUnits = List.copyOf(hiddenUnits);
    wideFeatures = List.copyOf(wideFeatures);
    deepFeatures = List.copyOf(deepFeatures);
    embeddingDims = Map.copyOf(embeddingDims);
    classWeights = classWeights == null ? ClassRates.NONE : classWeights;
    resample = resample == null ? ClassRates.NONE : resample;
    onLabelDrift = onLabelDrift == null ? LabelDriftAction.NONE : onLabelDrift;
  }

  /** A DNN with hidden layers [64, 32], ReLU, Adam at 0.001, batches of 64, 10 epochs, seed 42. */
  public static TrainConfig defaults(String label) {
    return new TrainConfig(label, List.of(), Task.AUTO, ModelType.DNN, List.of(64, 32), Activation.RELU, false, null, List.of(), List.of(), 0.0, 0, Map.of(), 64, 10, null, Optimizer.ADAM, defaultLearningRate(Optimizer.ADAM), 0.0, null, DEFAULT_MIN_DELTA, 10_000, 42L, "train", "eval", ClassRates.NONE, ClassRates.NONE, LabelDriftAction.NONE, null, null);
  }

  /** The learning rate of {@code optimizer} unless told otherwise: 0.01 for SGD, 0.001 for Adam. */
  public static double defaultLearningRate(Optimizer optimizer) {
    return optimizer == Optimizer.SGD ? 0.01 : 0.001;
  }

  public TrainConfig withFeatures(List<String> features) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withTask(Task task) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withModel(ModelType model) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withHiddenUnits(List<Integer> hiddenUnits) {
    checkArgument(hiddenUnits.stream().allMatch(u -> u != null && u > 0), "hidden_units must be positive sizes, got %s", hiddenUnits);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withActivation(Activation activation) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withBatchNorm(boolean batchNorm) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /** Decays the learning rate with this schedule; null for a constant rate. */
  public TrainConfig withLearningRateSchedule(LearningRateSchedule learningRateSchedule) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /** Wide and deep: the features of the linear part and of the DNN part (empty for the defaults). */
  public TrainConfig withWideAndDeepFeatures(List<String> wideFeatures, List<String> deepFeatures) {
    checkArgument(wideFeatures != null && wideFeatures.stream().allMatch(f -> f != null), "wide_features must list feature names, got %s", wideFeatures);
    checkArgument(deepFeatures != null && deepFeatures.stream().allMatch(f -> f != null), "deep_features must list feature names, got %s", deepFeatures);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withDropout(double dropout) {
    checkArgument(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got %s", dropout);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withEmbeddingDim(int embeddingDim) {
    checkArgument(embeddingDim >= 0, "embedding_dim must be 0 (one-hot) or more, got %s", embeddingDim);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withEmbeddingDims(Map<String, Integer> embeddingDims) {
    checkArgument(embeddingDims.values().stream().allMatch(d -> d != null && d > 0), "embedding sizes must be positive, got %s", embeddingDims);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withBatchSize(int batchSize) {
    checkArgument(batchSize >= 1, "batch_size must be at least 1, got %s", batchSize);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withEpochs(int epochs) {
    checkArgument(epochs >= 1, "epochs must be at least 1, got %s", epochs);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withSteps(Long steps) {
    checkArgument(steps == null || steps >= 1, "steps must be at least 1, got %s", steps);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
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
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withL2(double l2) {
    checkArgument(l2 >= 0, "l2 must be 0 or more, got %s", l2);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
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
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, patience, delta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withShuffleBuffer(int shuffleBuffer) {
    checkArgument(shuffleBuffer >= 1, "shuffle_buffer must be at least 1, got %s", shuffleBuffer);
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withSeed(long seed) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withSplits(String trainSplit, String evalSplit) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /** Weights each training example's loss by its class ({@link ClassRates#NONE} for none); see {@link ClassBalance}. */
  public TrainConfig withClassWeights(ClassRates classWeights) {
    checkArgument(classWeights != null, "class_weights must not be null (ClassRates.NONE for none)");
    classWeights.checked("class_weights");
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /** Resamples each class's training examples at its rate ({@link ClassRates#NONE} for none); see {@link ClassBalance}. */
  public TrainConfig withResample(ClassRates resample) {
    checkArgument(resample != null, "resample must not be null (ClassRates.NONE for none)");
    resample.checked("resample");
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  public TrainConfig withOnLabelDrift(LabelDriftAction onLabelDrift) {
    checkArgument(onLabelDrift != null, "on_label_drift must not be null (NONE for nothing)");
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /** Trains with DP-SGD ({@link DpSgdConfig}); null trains without differential privacy. */
  public TrainConfig withPrivacy(DpSgdConfig privacy) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }

  /**
   * Trains by federated averaging over the clients of {@code federated.clientColumn()} ({@link
   * TrainFederated}); null trains centrally.
   */
  public TrainConfig withFederated(FederatedConfig federated) {
    return new TrainConfig(label, features, task, model, hiddenUnits, activation, batchNorm, learningRateSchedule, wideFeatures, deepFeatures, dropout, embeddingDim, embeddingDims, batchSize, epochs, steps, optimizer, learningRate, l2, earlyStoppingPatience, minDelta, shuffleBuffer, seed, trainSplit, evalSplit, classWeights, resample, onLabelDrift, privacy, federated);
  }
}
