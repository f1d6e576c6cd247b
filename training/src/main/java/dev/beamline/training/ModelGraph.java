package dev.beamline.training;

import dev.beamline.training.ModelSpec.Input;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.Weights.Slot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The network of a {@link ModelSpec} in one graph: its variables, a way to copy {@link Weights} in and
 * out, and the forward pass from transformed features to logits and predictions. The same code builds
 * the training graph and the exported model, so both compute the same function.
 *
 * <p>Variables have no initializer in the graph: weights are always assigned from Java (initial ones
 * from {@link Weights#initial}, trained ones when exporting), so an exported model's init op never
 * overwrites the restored values.
 */
final class ModelGraph {
  /** The outputs of one forward pass; {@code probabilities} and {@code classIds} are null for regression, {@code predictions} for classification. */
  record Outputs(Operand<TFloat32> logits, Operand<TFloat32> probabilities, Operand<TInt64> classIds, Operand<TFloat32> predictions) {}

  private final ModelSpec spec;
  private final List<Slot> slots;
  private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
  private final Map<String, Placeholder<TFloat32>> assignFeeds = new LinkedHashMap<>();
  private final List<Op> assigns = new ArrayList<>();
  /** The updates of batch normalization's moving statistics made by the training-mode forward passes. */
  private final List<Op> movingAverageUpdates = new ArrayList<>();
  /** The layers of the training-mode forward passes, from which DP-SGD computes each example's gradient norm. */
  private final List<GradientPart> gradientParts = new ArrayList<>();
  /** Whether the pass being built is a training pass, whose layers are recorded in {@link #gradientParts}. */
  private boolean recording;

  /**
   * A layer through which an example's gradient reaches trainable variables, as DP-SGD needs it to
   * compute each example's gradient norm without a pass per example ({@link DpSgd}).
   */
  sealed interface GradientPart permits DenseLayer, Lookup {
    /** The layer's output, whose per-example gradient the norms are computed from. */
    Operand<TFloat32> output();
  }

  /** {@code output = input W (+ b)}, {@code input} {@code [batch, in]}, {@code output} {@code [batch, out]}. */
  record DenseLayer(Operand<TFloat32> input, Operand<TFloat32> output, boolean bias) implements GradientPart {}

  /**
   * Rows gathered from a table: {@code output} {@code [batch, d]} by {@code ids} {@code [batch]}, or, {@code pooled},
   * {@code [batch, tokens, d]} by {@code [batch, tokens]}; {@code trained}, when not null, is 1 for the tokens whose
   * row is a trained one (0 for frozen pretrained rows).
   */
  record Lookup(Operand<TFloat32> output, Operand<TInt64> ids, boolean pooled, Operand<TFloat32> trained) implements GradientPart {}

  /** Batch normalization's momentum and epsilon: Keras' defaults. */
  static final float BATCH_NORM_MOMENTUM = 0.99f;
  static final float BATCH_NORM_EPSILON = 1e-3f;

  private ModelGraph(ModelSpec spec) {
    this.spec = spec;
    this.slots = Weights.layout(spec);
  }

  /** Creates the model's variables, and the assignments that load weights into them, in {@code tf}'s graph. */
  static ModelGraph create(Ops tf, ModelSpec spec) {
    ModelGraph m = new ModelGraph(spec);
    for (Slot s : m.slots) {
      // The optimizers name their slots after the variable's op name, which may not hold a '/'.
      String opName = s.name().replace('/', '.');
      Variable<TFloat32> v = tf.withName(opName).variable(Shape.of(s.shape()), TFloat32.class);
      Placeholder<TFloat32> p = tf.withSubScope("assign").withName(opName)
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(s.shape())));
      m.variables.put(s.name(), v);
      m.assignFeeds.put(s.name(), p);
      m.assigns.add(tf.assign(v, p));
    }
    return m;
  }

  /** Copies {@code weights} into the variables. */
  void load(Session session, Weights weights) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (Slot s : slots) {
        Tensor t = Tensors.floats(weights.valuesOf(s.name()), s.shape());
        tensors.add(t);
        runner.feed(assignFeeds.get(s.name()), t);
      }
      assigns.forEach(runner::addTarget);
      runner.run().close();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  /** A snapshot of the variables' current values. */
  Weights read(Session session) {
    Session.Runner runner = session.runner();
    slots.forEach(s -> runner.fetch(variables.get(s.name())));
    Map<String, float[]> values = new LinkedHashMap<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < slots.size(); i++) {
        values.put(slots.get(i).name(), Tensors.toFloats(r.get(i)));
      }
    }
    return new Weights(slots, values);
  }

  /** {@code l2 * sum(w^2)} over kernels and embeddings. */
  Operand<TFloat32> l2Penalty(Ops tf, double l2) {
    Operand<TFloat32> sum = tf.constant(0f);
    for (Slot s : slots) {
      if (s.regularized()) {
        // Read through Identity: the C++ gradient of Square crashes on a reference-typed variable output.
        Operand<TFloat32> w = tf.identity(variables.get(s.name()));
        sum = tf.math.add(sum, tf.sum(tf.math.square(w), tf.constant(new int[] {0, 1})));
      }
    }
    return tf.math.mul(tf.constant((float) l2), sum);
  }

  /** The forward pass for evaluation and serving: {@link #forward(Ops, Map, double, long, boolean)} in inference mode. */
  Outputs forward(Ops tf, Map<String, ? extends Operand<?>> features, double dropout, long seed) {
    return forward(tf, features, dropout, seed, false);
  }

  /**
   * Whether the variable of this op name is trained by the optimizer: all but batch normalization's
   * moving statistics (see {@link Weights.Slot#trainable()}).
   */
  boolean trainable(String variableOpName) {
    return slots.stream().filter(s -> s.name().replace('/', '.').equals(variableOpName)).allMatch(Slot::trainable);
  }

  /**
   * The assignments that move batch normalization's statistics towards those of the batch, made by
   * the training-mode passes built so far; run them with each training step. Empty without batch
   * normalization.
   */
  List<Op> movingAverageUpdates() {
    return List.copyOf(movingAverageUpdates);
  }

  /**
   * The forward pass on transformed features (by name: float32 {@code [batch]} or {@code [batch, w]},
   * int64 {@code [batch]} or {@code [batch, maxTokens]}). With {@code dropout > 0} each hidden layer's
   * output is dropped at that rate with the given seed (inverted dropout: kept units scaled by {@code
   * 1 / (1 - rate)}); serving and evaluation pass 0.
   *
   * <p>With batch normalization each hidden layer's {@code x = h W + b} becomes {@code gamma (x - mean)
   * / sqrt(var + 1e-3) + beta} before its activation (Ioffe and Szegedy, "Batch Normalization", ICML
   * 2015; Keras' {@code BatchNormalization} after a {@code Dense}). In {@code training} mode mean and var
   * are the batch's (the population variance, as Keras), and the pass records the updates {@code
   * moving -= (moving - batch) * (1 - 0.99)} of the moving mean and variance ({@link
   * #movingAverageUpdates}); otherwise (evaluation, serving) they are the moving statistics.
   *
   * <p>A wide-and-deep model adds to the network's logits those of its linear part: per wide feature,
   * a number times its weight row, a vector times its weight matrix, an id's row of weights (none for
   * id -1), or the sum of the rows of a list of ids (as TensorFlow's {@code DNNLinearCombinedClassifier}
   * sums {@code dnn_logits} and {@code linear_logits}).
   */
  Outputs forward(Ops tf, Map<String, ? extends Operand<?>> features, double dropout, long seed, boolean training) {
    recording = training;
    try {
      return pass(tf, features, dropout, seed, training);
    } finally {
      recording = false;
    }
  }

  /** The layers of the training passes built so far (see {@link GradientPart}). */
  List<GradientPart> gradientParts() {
    return List.copyOf(gradientParts);
  }

  /** Whether the variable of this op name has an L2 penalty ({@link #l2Penalty}). */
  boolean regularized(String variableOpName) {
    return slots.stream().anyMatch(s -> s.regularized() && s.name().replace('/', '.').equals(variableOpName));
  }

  @SuppressWarnings("unchecked")
  private Outputs pass(Ops tf, Map<String, ? extends Operand<?>> features, double dropout, long seed, boolean training) {
    List<Operand<TFloat32>> parts = new ArrayList<>();
    for (Input in : spec.deepInputs()) {
      Operand<?> x = features.get(in.name());
      switch (in.encoding()) {
        case SCALAR:
          parts.add(tf.reshape((Operand<TFloat32>) x, tf.constant(new long[] {-1, 1})));
          break;
        case VECTOR:
          parts.add(tf.reshape((Operand<TFloat32>) x, tf.constant(new long[] {-1, in.columns()})));
          break;
        case ONE_HOT:
          parts.add(tf.oneHot((Operand<TInt64>) x, tf.constant(in.columns()), tf.constant(1f), tf.constant(0f)));
          break;
        case EMBEDDING:
          parts.add(embed(tf, in, (Operand<TInt64>) x));
          break;
        case MEAN_EMBEDDING:
          parts.add(pooledEmbedding(tf, in, (Operand<TInt64>) x, true));
          break;
        case SUM_EMBEDDING:
          parts.add(pooledEmbedding(tf, in, (Operand<TInt64>) x, false));
          break;
        default:
          throw new AssertionError(in.encoding());
      }
    }
    Operand<TFloat32> h = parts.size() == 1 ? parts.get(0) : tf.concat(parts, tf.constant(1));
    if (spec.config().model() != ModelType.LINEAR) {
      for (int i = 0; i < spec.config().hiddenUnits().size(); i++) {
        Operand<TFloat32> x = dense(tf, h, "dense_" + i);
        if (spec.config().batchNorm()) {
          x = batchNorm(tf.withSubScope("batch_norm_" + i), x, "batch_norm_" + i, training);
        }
        h = activation(tf, x);
        if (dropout > 0) {
          Operand<TFloat32> u = tf.random.randomUniform(tf.shape(h), TFloat32.class,
              RandomUniform.seed(seed), RandomUniform.seed2(i + 1L));
          float keep = (float) (1 - dropout);
          // floor(keep + u) is 1 with probability keep, else 0.
          Operand<TFloat32> mask = tf.math.floor(tf.math.add(u, tf.constant(keep)));
          h = tf.math.mul(h, tf.math.div(mask, tf.constant(keep)));
        }
      }
    }
    Operand<TFloat32> logits = dense(tf, h, "logits");
    if (!spec.wideInputs().isEmpty()) {
      logits = tf.math.add(logits, wide(tf.withSubScope("linear"), features));
    }
    if (spec.classification()) {
      Operand<TFloat32> probabilities = tf.nn.softmax(logits);
      return new Outputs(logits, probabilities, tf.math.argMax(probabilities, tf.constant(1)), null);
    }
    return new Outputs(logits, null, null, tf.reshape(logits, tf.constant(new long[] {-1})));
  }

  /** Batch normalization of {@code x} {@code [batch, units]} with the variables of {@code layer}; see {@link #forward}. */
  private Operand<TFloat32> batchNorm(Ops tf, Operand<TFloat32> x, String layer, boolean training) {
    Variable<TFloat32> movingMean = variables.get(layer + "/moving_mean");
    Variable<TFloat32> movingVariance = variables.get(layer + "/moving_variance");
    Operand<TFloat32> mean;
    Operand<TFloat32> variance;
    if (training) {
      mean = tf.math.mean(x, tf.constant(0));
      variance = tf.math.mean(tf.math.square(tf.math.sub(x, mean)), tf.constant(0));
      Operand<TFloat32> rate = tf.constant(1 - BATCH_NORM_MOMENTUM);
      movingAverageUpdates.add(tf.assignSub(movingMean, tf.math.mul(tf.math.sub(movingMean, mean), rate)));
      movingAverageUpdates.add(tf.assignSub(movingVariance, tf.math.mul(tf.math.sub(movingVariance, variance), rate)));
    } else {
      mean = tf.identity(movingMean);
      variance = tf.identity(movingVariance);
    }
    Operand<TFloat32> normalized = tf.math.mul(tf.math.sub(x, mean), tf.math.rsqrt(tf.math.add(variance, tf.constant(BATCH_NORM_EPSILON))));
    // Read through Identity, as l2Penalty does: a reference-typed variable output trips some C++ gradients.
    return tf.math.add(tf.math.mul(normalized, tf.identity(variables.get(layer + "/gamma"))), tf.identity(variables.get(layer + "/beta")));
  }

  /** The linear part's logits of a wide-and-deep model, {@code [batch, outputs]}; see {@link #forward}. */
  @SuppressWarnings("unchecked")
  private Operand<TFloat32> wide(Ops tf, Map<String, ? extends Operand<?>> features) {
    Operand<TFloat32> sum = null;
    for (Input in : spec.wideInputs()) {
      Operand<?> x = features.get(in.name());
      Variable<TFloat32> w = variables.get("linear/" + in.name());
      Operand<TFloat32> part;
      switch (in.feature().kind()) {
        case FLOAT:
        case VECTOR: {
          long width = in.feature().kind() == dev.beamline.transform.OutputKind.FLOAT ? 1 : in.feature().width();
          Operand<TFloat32> input = tf.reshape((Operand<TFloat32>) x, tf.constant(new long[] {-1, width}));
          part = tf.linalg.matMul(input, w);
          if (recording) {
            gradientParts.add(new DenseLayer(input, part, false));
          }
          break;
        }
        case ID: {
          Operand<TInt64> ids = (Operand<TInt64>) x;
          Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(ids, tf.constant(0L)), TFloat32.class);
          Operand<TInt64> rowIds = tf.math.maximum(ids, tf.constant(0L));
          Operand<TFloat32> rows = tf.gather(w, rowIds, tf.constant(0));
          if (recording) {
            gradientParts.add(new Lookup(rows, rowIds, false, null));
          }
          part = tf.math.mul(rows, tf.expandDims(mask, tf.constant(1)));
          break;
        }
        case IDS: {
          Operand<TInt64> ids = (Operand<TInt64>) x;
          Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(ids, tf.constant(0L)), TFloat32.class);
          Operand<TInt64> rowIds = tf.math.maximum(ids, tf.constant(0L));
          Operand<TFloat32> rows = tf.gather(w, rowIds, tf.constant(0));
          if (recording) {
            gradientParts.add(new Lookup(rows, rowIds, true, null));
          }
          part = tf.sum(tf.math.mul(rows, tf.expandDims(mask, tf.constant(2))), tf.constant(1));
          break;
        }
        default:
          throw new AssertionError(in.feature().kind());
      }
      sum = sum == null ? part : tf.math.add(sum, part);
    }
    return sum;
  }

  private Operand<TFloat32> embed(Ops tf, Input in, Operand<TInt64> ids) {
    // Id -1 (no id) looks up row 0 and is multiplied by 0: the zero vector.
    Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(ids, tf.constant(0L)), TFloat32.class);
    Operand<TInt64> rowIds = tf.math.maximum(ids, tf.constant(0L));
    Operand<TFloat32> rows = tf.gather(embeddingTable(tf, in), rowIds, tf.constant(0));
    recordLookup(tf, in, rows, rowIds, false);
    return tf.math.mul(rows, tf.expandDims(mask, tf.constant(1)));
  }

  /** Records a lookup in an embedding table, whose frozen pretrained rows (if any) have no trained weights. */
  private void recordLookup(Ops tf, Input in, Operand<TFloat32> rows, Operand<TInt64> rowIds, boolean pooled) {
    if (!recording) {
      return;
    }
    Slot frozen = slots.stream().filter(s -> s.name().equals(Weights.frozenEmbedding(in))).findFirst().orElse(null);
    Operand<TFloat32> trained = frozen == null ? null
        : tf.dtypes.cast(tf.math.greaterEqual(rowIds, tf.constant((long) frozen.shape()[0])), TFloat32.class);
    gradientParts.add(new Lookup(rows, rowIds, pooled, trained));
  }

  /**
   * The sum ({@code mean} false) or the mean of the embeddings of each row's ids {@code [batch,
   * maxTokens]}, ids -1 left out; the zero vector for a row without ids.
   */
  private Operand<TFloat32> pooledEmbedding(Ops tf, Input in, Operand<TInt64> ids, boolean mean) {
    Operand<TFloat32> mask = tf.dtypes.cast(tf.math.greaterEqual(ids, tf.constant(0L)), TFloat32.class);
    Operand<TInt64> rowIds = tf.math.maximum(ids, tf.constant(0L));
    Operand<TFloat32> rows = tf.gather(embeddingTable(tf, in), rowIds, tf.constant(0));
    recordLookup(tf, in, rows, rowIds, true);
    Operand<TFloat32> sum = tf.sum(tf.math.mul(rows, tf.expandDims(mask, tf.constant(2))), tf.constant(1));
    if (!mean) {
      return sum;
    }
    Operand<TFloat32> count = tf.math.maximum(tf.sum(mask, tf.constant(1)), tf.constant(1f));
    return tf.math.div(sum, tf.expandDims(count, tf.constant(1)));
  }

  /**
   * The embedding table of {@code in}, one row per id: its variable, or, with frozen pretrained rows,
   * those rows (not trained) on top of the OOV buckets' rows (trained), so that ids keep their rows.
   */
  private Operand<TFloat32> embeddingTable(Ops tf, Input in) {
    Variable<TFloat32> trained = variables.get("embedding/" + in.name());
    Variable<TFloat32> frozen = variables.get(Weights.frozenEmbedding(in));
    if (frozen == null) {
      return trained;
    }
    // Read through Identity, as l2Penalty does: a reference-typed variable output trips some C++ gradients.
    return tf.concat(List.of(tf.identity(frozen), tf.identity(trained)), tf.constant(0));
  }

  private Operand<TFloat32> dense(Ops tf, Operand<TFloat32> x, String layer) {
    Operand<TFloat32> out = tf.nn.biasAdd(tf.linalg.matMul(x, variables.get(layer + "/kernel")), variables.get(layer + "/bias"));
    if (recording) {
      gradientParts.add(new DenseLayer(x, out, true));
    }
    return out;
  }

  private Operand<TFloat32> activation(Ops tf, Operand<TFloat32> x) {
    switch (spec.config().activation()) {
      case RELU:
        return tf.nn.relu(x);
      case TANH:
        return tf.math.tanh(x);
      case SIGMOID:
        return tf.math.sigmoid(x);
      case ELU:
        return tf.nn.elu(x);
      default:
        throw new AssertionError(spec.config().activation());
    }
  }

  /** The per-example loss: softmax cross-entropy against int64 class ids, or the squared error against float32 targets. */
  @SuppressWarnings("unchecked")
  Operand<TFloat32> perExampleLoss(Ops tf, Outputs out, Operand<?> label) {
    if (spec.classification()) {
      // -log softmax(logits)[label], written with LogSoftmax (stable) and a one-hot mask: TensorFlow's
      // C++ gradient registry, which graph-mode training uses, has no gradient for
      // SparseSoftmaxCrossEntropyWithLogits.
      Operand<TFloat32> oneHot = tf.oneHot((Operand<TInt64>) label, tf.constant(spec.numClasses()), tf.constant(1f), tf.constant(0f));
      return tf.math.neg(tf.sum(tf.math.mul(oneHot, tf.nn.logSoftmax(out.logits())), tf.constant(1)));
    }
    return tf.math.square(tf.math.sub(out.predictions(), (Operand<TFloat32>) label));
  }
}
