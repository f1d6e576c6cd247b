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
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
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
 * A training pass uses dropout; evaluation and prediction run the same network without it.
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

  private TrainingGraph(ModelSpec spec) {
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
      ModelGraph.Outputs train = model.forward(tf.withSubScope("train"), features, c.dropout(), c.seed());
      trainLoss = tf.math.mean(model.perExampleLoss(tf, train, label), tf.constant(0));
      Operand<TFloat32> total = c.l2() > 0 ? tf.math.add(trainLoss, model.l2Penalty(tf, c.l2())) : trainLoss;
      evalOutputs = c.dropout() > 0 ? model.forward(tf.withSubScope("eval"), features, 0, 0) : train;
      evalLoss = model.perExampleLoss(tf.withSubScope("eval_loss"), evalOutputs, label);
      rawPredictions = spec.classification() ? null : spec.labelUnits().toRaw(tf.withSubScope("label_units"), evalOutputs.predictions());
      org.tensorflow.framework.optimizers.Optimizer optimizer = c.optimizer() == Optimizer.ADAM
          ? new OrderedAdam(graph, (float) c.learningRate())
          : new GradientDescent(graph, (float) c.learningRate());
      trainOp = optimizer.applyGradients(afterAllGradients(tf, optimizer.computeGradients(total)), "train");
      session = new Session(graph);
      // Runs the optimizer's slot initializers; the model's own variables are assigned by load().
      session.initialize();
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
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
    return new TrainingGraph(spec);
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

  Weights read() {
    return model.read(session);
  }

  /** One optimizer step on {@code batch} (with its label column last); returns the batch's mean loss before the step. */
  float step(Batch batch) {
    List<Tensor> feeds = new ArrayList<>();
    try {
      Session.Runner runner = feed(session.runner(), batch, true, feeds);
      try (Result r = runner.addTarget(trainOp).fetch(trainLoss).run()) {
        return ((TFloat32) r.get(0)).getFloat();
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
