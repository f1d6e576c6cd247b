package dev.beamline.training;

import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.ApplyGradientDescent;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Plain gradient descent, {@code w -= lr * g}, at a learning rate read from a tensor each step (a
 * placeholder fed with a {@link LearningRateSchedule}'s value), where tensorflow-framework's {@code
 * GradientDescent} takes a constant.
 *
 * <pre>{@code
 * Placeholder<TFloat32> lr = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
 * Op train = new ScheduledGradientDescent(graph, lr).minimize(loss);
 * }</pre>
 */
final class ScheduledGradientDescent extends Optimizer {
  private final Operand<TFloat32> learningRate;

  ScheduledGradientDescent(Graph graph, Operand<TFloat32> learningRate) {
    super(graph);
    this.learningRate = learningRate;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {}

  @Override
  protected Optional<Op> prepare(String scopeName) {
    return Optional.empty();
  }

  @Override
  protected <T extends TType> Op applyDense(Ops tf, Output<T> gradient, Output<T> variable) {
    return tf.train.applyGradientDescent(variable, tf.dtypes.cast(learningRate, variable.type()), gradient,
        ApplyGradientDescent.useLocking(true));
  }

  @Override
  public String getOptimizerName() {
    return "GradientDescent";
  }
}
