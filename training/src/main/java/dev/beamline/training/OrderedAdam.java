package dev.beamline.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) on the optimizer
 * base of tensorflow-framework, with the bias-correction powers {@code beta1^t}, {@code beta2^t}
 * advanced only after every {@code ApplyAdam} has read them, as TensorFlow 1's Python optimizer
 * orders it. The {@code Adam} of tensorflow-framework 1.1.0 updates them with no such dependency, so
 * an update may race with the reads and training is not reproducible.
 *
 * <p>Hyperparameters are the framework's defaults: beta1 0.9, beta2 0.999, epsilon 1e-8.
 *
 * <pre>{@code
 * Op train = new OrderedAdam(graph, 0.001f).minimize(loss);
 * }</pre>
 */
final class OrderedAdam extends Optimizer {
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  /** The constant rate, or NaN when {@link #rate} gives it per step. */
  private final float learningRate;
  private final Operand<TFloat32> rate;
  private Variable<TFloat32> beta1Power;
  private Variable<TFloat32> beta2Power;

  OrderedAdam(Graph graph, float learningRate) {
    super(graph);
    this.learningRate = learningRate;
    this.rate = null;
  }

  /** Adam at the learning rate that {@code rate} holds at each step (a placeholder fed with a {@link LearningRateSchedule}'s value). */
  OrderedAdam(Graph graph, Operand<TFloat32> rate) {
    super(graph);
    this.learningRate = Float.NaN;
    this.rate = rate;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    for (Output<? extends TType> v : variables) {
      createMoments(v);
    }
    Ops init = tf.withInitScope();
    beta1Power = init.withName("beta1_power").variable(Shape.scalar(), TFloat32.class);
    init.assign(beta1Power, tf.constant(BETA1));
    beta2Power = init.withName("beta2_power").variable(Shape.scalar(), TFloat32.class);
    init.assign(beta2Power, tf.constant(BETA2));
  }

  private <T extends TType> void createMoments(Output<T> v) {
    Operand<T> zeros = tf.fill(tf.shape(v), tf.dtypes.cast(tf.constant(0f), v.type()));
    createSlot(v.asOutput(), "m", zeros);
    createSlot(v.asOutput(), "v", zeros);
  }

  @Override
  protected Optional<Op> prepare(String scopeName) {
    return Optional.empty();
  }

  @Override
  protected <T extends TType> Op applyDense(Ops tf, Output<T> gradient, Output<T> variable) {
    Class<T> type = variable.type();
    return tf.train.applyAdam(variable, getSlot(variable, "m").orElseThrow(), getSlot(variable, "v").orElseThrow(),
        tf.dtypes.cast(beta1Power, type), tf.dtypes.cast(beta2Power, type),
        tf.dtypes.cast(rate != null ? rate : tf.constant(learningRate), type), tf.dtypes.cast(tf.constant(BETA1), type),
        tf.dtypes.cast(tf.constant(BETA2), type), tf.dtypes.cast(tf.constant(EPSILON), type), gradient,
        ApplyAdam.useLocking(true));
  }

  @Override
  protected Op finish(List<Op> updates, String name) {
    Ops after = tf.withControlDependencies(updates);
    List<Op> all = new ArrayList<>(updates);
    all.add(after.assign(beta1Power, after.math.mul(beta1Power, after.constant(BETA1))));
    all.add(after.assign(beta2Power, after.math.mul(beta2Power, after.constant(BETA2))));
    return super.finish(all, name);
  }

  @Override
  public String getOptimizerName() {
    return "Adam";
  }
}
