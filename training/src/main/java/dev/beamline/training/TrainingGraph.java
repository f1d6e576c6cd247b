package dev.beamline.training;

import dev.beamline.training.ModelSpec.Input;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.framework.optimizers.GradientDescent;
import org.tensorflow.framework.optimizers.Optimizer.GradAndVar;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The training-time graph of a model: placeholders for the transformed features (as the Parquet
 * shards hold them) and the label, the network, the loss with its L2 penalty, and the optimizer step.
 * A training pass uses dropout and batch normalization's batch statistics (and moves its moving
 * statistics); evaluation and prediction run the same network without dropout, on the moving
 * statistics. Under a {@link LearningRateSchedule} each step is fed its learning rate.
 *
 * <pre>{@code
 * try (TrainingGraph g = TrainingGraph.build(spec)) {
 *   g.load(Weights.initial(spec, seed));
 *   float loss = g.step(batch);
 * }
 * }</pre>
 */
final class TrainingGraph implements AutoCloseable {
  private final ModelSpec spec;
  private final Graph graph;
  private final Session session;
  private final ModelGraph model;
  private final List<Placeholder<?>> inputs = new ArrayList<>();
  private final Placeholder<?> label;
  private final Operand<TFloat32> trainLoss;
  private final Op trainOp;
  private final Operand<TFloat32> evalLoss;
  private final ModelGraph.Outputs evalOutputs;
  /** Regression: the eval predictions in the label's own units (see {@link LabelUnits}); else null. */
  private final Operand<TFloat32> rawPredictions;
  /** The learning rate fed to each step under a {@link LearningRateSchedule}; null for a constant rate. */
  private final Placeholder<TFloat32> learningRate;
  /** The optimizer steps taken, the schedule's step. */
  private long steps;
  /** DP-SGD's plan, or null without differential privacy. */
  private final DpSgd.Plan dp;
  /** DP-SGD: the seed of each step's noise, fed from {@link DpSgd.Plan#seeds()}; else null. */
  private final Placeholder<TInt64> noiseSeed;
  /** DP-SGD: each example's gradient norm before clipping; else null. */
  private final Operand<TFloat32> gradientNorms;

  private TrainingGraph(ModelSpec spec, float[] classWeights, int threads, DpSgd.Plan dp) {
    this.dp = dp;
    this.spec = spec;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      Map<String, Operand<?>> features = new LinkedHashMap<>();
      for (Input in : spec.inputs()) {
        FittedFeature f = in.feature();
        Placeholder<?> p = tf.withSubScope("features").withName(f.name())
            .placeholder(TransformOps.transformedType(f.kind()), Placeholder.shape(TransformOps.transformedShape(f)));
        inputs.add(p);
        features.put(f.name(), p);
      }
      label = tf.withName("label").placeholder(TransformOps.transformedType(spec.label().kind()),
          Placeholder.shape(TransformOps.transformedShape(spec.label())));
      model = ModelGraph.create(tf, spec);
      TrainConfig c = spec.config();
      ModelGraph.Outputs train = model.forward(tf.withSubScope("train"), features, c.dropout(), c.seed(), true);
      Operand<TFloat32> perExample = model.perExampleLoss(tf, train, label);
      if (classWeights != null) {
        // Keras' class_weight: each example's loss times its class's weight, then the batch mean (ClassBalance).
        perExample = tf.math.mul(perExample, weightOfClass(tf.withSubScope("class_weights"), classWeights, label));
      }
      trainLoss = tf.math.mean(perExample, tf.constant(0));
      Operand<TFloat32> total = c.l2() > 0 ? tf.math.add(trainLoss, model.l2Penalty(tf, c.l2())) : trainLoss;
      // Evaluation without dropout, and with batch normalization's moving statistics.
      evalOutputs = c.dropout() > 0 || c.batchNorm() ? model.forward(tf.withSubScope("eval"), features, 0, 0) : train;
      evalLoss = model.perExampleLoss(tf.withSubScope("eval_loss"), evalOutputs, label);
      rawPredictions = spec.classification() ? null : spec.labelUnits().toRaw(tf.withSubScope("label_units"), evalOutputs.predictions());
      // With a schedule, the learning rate is fed each step (see step()).
      learningRate = c.learningRateSchedule() == null ? null
          : tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      org.tensorflow.framework.optimizers.Optimizer optimizer = c.optimizer() == Optimizer.ADAM
          ? (learningRate == null ? new OrderedAdam(graph, (float) c.learningRate()) : new OrderedAdam(graph, learningRate))
          : (learningRate == null ? new GradientDescent(graph, (float) c.learningRate()) : new ScheduledGradientDescent(graph, learningRate));
      List<GradAndVar<?>> gradients;
      if (dp == null) {
        gradients = gradients(total);
        noiseSeed = null;
        gradientNorms = null;
      } else {
        // DP-SGD: clipped per-example gradients and noise (the L2 penalty's gradient added without either).
        List<Output<?>> variables = trainableVariables();
        List<String> names = variables.stream().map(v -> v.op().name()).toList();
        DpSgd.Gradients noisy = DpSgd.build(tf, graph, model, perExample, variables, names, dp, c.l2());
        gradients = new ArrayList<>();
        for (int i = 0; i < variables.size(); i++) {
          gradients.add(gradAndVar(noisy.gradients().get(i), variables.get(i)));
        }
        noiseSeed = noisy.noiseSeed();
        gradientNorms = noisy.norms();
      }
      Op applied = optimizer.applyGradients(afterAllGradients(tf, gradients), "train");
      List<Op> updates = new ArrayList<>(model.movingAverageUpdates());
      if (updates.isEmpty()) {
        trainOp = applied;
      } else {
        updates.add(applied);
        trainOp = tf.withControlDependencies(updates).withName("train_and_update_moving_statistics").noOp();
      }
      // threads > 0 bounds TensorFlow's thread pools, e.g. when several models train at once (a tuner's trials).
      session = threads > 0
          ? new Session(graph, org.tensorflow.proto.ConfigProto.newBuilder()
              .setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads).build())
          : new Session(graph);
      // Runs the optimizer's slot initializers; the model's own variables are assigned by load().
      session.initialize();
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /**
   * The gradients of {@code loss} with respect to the model's trainable variables, in the graph's order
   * (as the optimizer's {@code computeGradients}, which takes every variable: batch normalization's
   * moving statistics are assigned, not trained, and TensorFlow refuses a gradient they do not have).
   */
  private List<GradAndVar<?>> gradients(Operand<TFloat32> loss) {
    Output<?>[] x = trainableVariables().toArray(new Output<?>[0]);
    Output<?>[] dx = graph.addGradients(loss.asOutput(), x);
    List<GradAndVar<?>> out = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      out.add(gradAndVar(dx[i], x[i]));
    }
    return out;
  }

  /** The model's trainable variables, in the graph's order. */
  private List<Output<?>> trainableVariables() {
    List<Output<?>> variables = new ArrayList<>();
    graph.operations().forEachRemaining(op -> {
      if (op.type().equals("VariableV2") && model.trainable(op.name())) {
        variables.add(op.output(0));
      }
    });
    return variables;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> GradAndVar<T> gradAndVar(Output<?> gradient, Output<?> variable) {
    return new GradAndVar<>((Output<T>) gradient, (Output<T>) variable);
  }

  /**
   * The same gradients, each made to wait until all of them are computed. The variables are updated in
   * place, and backpropagation reads them (the input gradient of a dense layer multiplies by its
   * kernel): without this barrier an update may run before a read of the same variable, and training
   * is no longer deterministic.
   */
  private static List<GradAndVar<? extends TType>> afterAllGradients(Ops tf, List<GradAndVar<?>> gradients) {
    List<Op> computed = new ArrayList<>();
    for (GradAndVar<?> g : gradients) {
      computed.add(tf.identity(g.getGradient()));
    }
    Ops after = tf.withSubScope("all_gradients").withControlDependencies(computed);
    List<GradAndVar<? extends TType>> out = new ArrayList<>();
    for (GradAndVar<?> g : gradients) {
      out.add(barrier(after, g));
    }
    return out;
  }

  private static <T extends TType> GradAndVar<T> barrier(Ops after, GradAndVar<T> g) {
    return new GradAndVar<>(after.identity(g.getGradient()).output(), g.getVariable());
  }

  static TrainingGraph build(ModelSpec spec) {
    return new TrainingGraph(spec, null, 0, null);
  }

  /**
   * The graph of {@code spec} whose training loss weights each example by its class: {@code
   * classWeights[label]} (by class id; null for none). The eval loss stays unweighted.
   */
  static TrainingGraph build(ModelSpec spec, float[] classWeights) {
    return build(spec, classWeights, 0);
  }

  /** The same, the session's intra- and inter-op thread pools of {@code threads} each (0: TensorFlow's default, one per core). */
  static TrainingGraph build(ModelSpec spec, float[] classWeights, int threads) {
    if (classWeights != null && classWeights.length != spec.numClasses()) {
      throw new IllegalArgumentException("class weights for " + classWeights.length + " classes; the label has " + spec.numClasses());
    }
    return build(spec, classWeights, threads, null);
  }

  /** The same, trained with DP-SGD by {@code dp} (null: without differential privacy). */
  static TrainingGraph build(ModelSpec spec, float[] classWeights, int threads, DpSgd.Plan dp) {
    if (classWeights != null && classWeights.length != spec.numClasses()) {
      throw new IllegalArgumentException("class weights for " + classWeights.length + " classes; the label has " + spec.numClasses());
    }
    if (dp != null && spec.config().batchNorm()) {
      throw new IllegalArgumentException("DP-SGD cannot train batch normalization");
    }
    return new TrainingGraph(spec, classWeights, threads, dp);
  }

  /** The weight of each example's class: {@code weights[label]}, float32 {@code [batch]}. */
  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> weightOfClass(Ops tf, float[] weights, Operand<?> label) {
    return tf.gather(tf.constant(weights), (Operand<TInt64>) label, tf.constant(0));
  }

  /**
   * The learning rate of optimizer step {@code step} (0 for the first): the configured rate, or its
   * {@link LearningRateSchedule} value at that step.
   */
  double learningRate(long step) {
    TrainConfig c = spec.config();
    return c.learningRateSchedule() == null ? c.learningRate() : c.learningRateSchedule().rate(c.learningRate(), step);
  }

  /** The columns a batch must hold for this graph: the inputs in order, then the label when {@code withLabel}. */
  static List<Column> columns(ModelSpec spec, boolean withLabel) {
    List<Column> columns = new ArrayList<>();
    for (Input in : spec.inputs()) {
      columns.add(column(in.feature()));
    }
    if (withLabel) {
      columns.add(column(spec.label()));
    }
    return columns;
  }

  private static Column column(FittedFeature f) {
    return new Column(f.name(), f.kind(), f.width());
  }

  void load(Weights weights) {
    model.load(session, weights);
  }

  /**
   * Restarts the optimizer: its slots (Adam's moments and powers) back to their initial values and the
   * schedule's step to 0, as for a fresh graph; the model's weights are left for {@link #load}. Federated
   * clients start each round's local training so ({@link FedAvg#localUpdate}).
   */
  void resetOptimizer() {
    session.forceInitialize();
    steps = 0;
  }

  Weights read() {
    return model.read(session);
  }

  /**
   * One optimizer step on {@code batch} (with its label column last); returns the batch's mean loss
   * before the step (each example's loss times its class weight, when the graph has class weights).
   */
  float step(Batch batch) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), batch, true, feeds);
      if (learningRate != null) {
        Tensor rate = TFloat32.scalarOf((float) learningRate(steps));
        feeds.add(rate);
        runner.feed(learningRate, rate);
      }
      if (noiseSeed != null) {
        Tensor seed = TInt64.vectorOf(dp.seeds().nextLong(), dp.seeds().nextLong());
        feeds.add(seed);
        runner.feed(noiseSeed, seed);
      }
      try (Result r = runner.addTarget(trainOp).fetch(trainLoss).run()) {
        steps++;
        return ((TFloat32) r.get(0)).getFloat();
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /** DP-SGD: each example's gradient norm of {@code batch} (with its label), before clipping, as the step computes it. */
  float[] gradientNorms(Batch batch) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      try (Result r = feed(session.runner(), batch, true, feeds).fetch(gradientNorms).run()) {
        return Tensors.toFloats(r.get(0));
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /**
   * The per-example losses on {@code batch} (in the label's transformed units) and, for classification,
   * the predicted class ids and the class probabilities (row-major); for regression, the predictions
   * in the label's own units.
   */
  record Evaluation(float[] losses, long[] classIds, float[] probabilities, float[] rawPredictions) {}

  Evaluation evaluate(Batch batch) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), batch, true, feeds).fetch(evalLoss);
      if (spec.classification()) {
        runner.fetch(evalOutputs.classIds()).fetch(evalOutputs.probabilities());
      } else {
        runner.fetch(rawPredictions);
      }
      try (Result r = runner.run()) {
        return spec.classification()
            ? new Evaluation(Tensors.toFloats(r.get(0)), Tensors.toLongs(r.get(1)), Tensors.toFloats(r.get(2)), null)
            : new Evaluation(Tensors.toFloats(r.get(0)), null, null, Tensors.toFloats(r.get(1)));
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /**
   * The model's outputs on {@code batch} (inputs only, no label needed); regression values in the
   * label's own units, with the transformed-unit values beside them.
   */
  Predictions predict(Batch batch) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), batch, false, feeds);
      // A label already in its own units has one regression output; otherwise the transformed-unit values come second.
      boolean inverted = !spec.classification() && rawPredictions != evalOutputs.predictions();
      if (spec.classification()) {
        runner.fetch(evalOutputs.probabilities()).fetch(evalOutputs.classIds());
      } else {
        runner.fetch(rawPredictions);
        if (inverted) {
          runner.fetch(evalOutputs.predictions());
        }
      }
      try (Result r = runner.run()) {
        if (spec.classification()) {
          return Predictions.classes(spec.classNames(), Tensors.toFloats(r.get(0)), Tensors.toLongs(r.get(1)));
        }
        float[] raw = Tensors.toFloats(r.get(0));
        return Predictions.values(raw, inverted ? Tensors.toFloats(r.get(1)) : raw);
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  private Session.Runner feed(Session.Runner runner, Batch batch, boolean withLabel, List<Tensor> feeds) {
    List<Input> ins = spec.inputs();
    for (int c = 0; c < ins.size(); c++) {
      Tensor t = tensor(ins.get(c).feature(), batch, c);
      feeds.add(t);
      runner.feed(inputs.get(c), t);
    }
    if (withLabel) {
      Tensor t = tensor(spec.label(), batch, ins.size());
      feeds.add(t);
      runner.feed(label, t);
    }
    return runner;
  }

  private static Tensor tensor(FittedFeature f, Batch batch, int column) {
    boolean matrix = f.kind() == OutputKind.VECTOR || f.kind() == OutputKind.IDS;
    long[] shape = matrix ? new long[] {batch.size, f.width()} : new long[] {batch.size};
    Class<? extends TType> type = TransformOps.transformedType(f.kind());
    return type == TInt64.class ? Tensors.longs(batch.longs(column), shape) : Tensors.floats(batch.floats(column), shape);
  }

  @Override
  public void close() {
    try {
      session.close();
    } finally {
      graph.close();
    }
  }
}
