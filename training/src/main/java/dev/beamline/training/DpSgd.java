package dev.beamline.training;

import dev.beamline.core.ConfigException;
import dev.beamline.core.privacy.NoiseSource;
import dev.beamline.core.privacy.RdpAccountant;
import dev.beamline.training.ModelGraph.DenseLayer;
import dev.beamline.training.ModelGraph.GradientPart;
import dev.beamline.training.ModelGraph.Lookup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", CCS 2016) in the training graph:
 * each example's gradient clipped to L2 norm C, the clipped gradients summed, Gaussian noise N(0, σ²C²)
 * added to every coordinate, and the sum divided by the expected batch size q·N (the fixed denominator
 * that Poisson sampling calls for, as TensorFlow Privacy's).
 *
 * <p>Per-example gradients are never materialised. Each example's gradient norm is computed from the
 * layers' inputs and the per-example gradients of their outputs (Goodfellow, "Efficient Per-Example
 * Gradient Computations", 2015): for a dense layer {@code z = a W + b}, example i's gradient of W is
 * the outer product {@code a_i g_iᵀ}, whose squared norm is {@code |a_i|² |g_i|²}, and that of b is
 * {@code |g_i|²}; for an embedding lookup, the rows' gradients go to the ids' rows, so a row looked up
 * twice by one example adds its two gradients: {@code Σ_{t,s: id_t = id_s} <g_t, g_s>}. A second
 * backward pass then differentiates {@code Σ_i c_i L_i} with the clip factors {@code c_i = min(1, C /
 * |∇L_i|)} held constant, which is exactly the sum of the clipped per-example gradients ("ghost
 * clipping", Li et al. 2022). The cost is two backward passes instead of one, whatever the batch size.
 *
 * <p>Layers whose per-example gradients are not separable cannot be trained this way: batch
 * normalization (every example's output depends on the whole batch) is refused, as are class weights
 * and resampling computed from the training data's label counts (they would reveal those counts).
 *
 * <p>The noise and the batches' sampling are drawn from seeds taken from {@link NoiseSource#secure()}, never
 * recorded: a model trained with DP-SGD is not reproducible from its configuration, by design (whoever
 * knows the noise can subtract it).
 *
 * <pre>{@code
 * DpSgd.check(config);
 * DpSgd.Plan plan = DpSgd.plan(config.privacy(), trainRows, config.batchSize(), totalSteps);
 * }</pre>
 */
final class DpSgd {
  private DpSgd() {}

  /**
   * The resolved mechanism of a training run: the clip C, the noise multiplier σ (given, or found for
   * the target ε), the sampling rate q = batch / N, the expected batch size, the steps the accountant
   * was planned for, and where randomness comes from.
   */
  record Plan(double l2NormClip, double noiseMultiplier, double samplingRate, double expectedBatchSize, long trainingRows, long plannedSteps,
      double delta, NoiseSource seeds) {
    /** σ·C, the standard deviation of the noise added to the sum of clipped gradients. */
    double noiseStddev() {
      return noiseMultiplier * l2NormClip;
    }

    /** The guarantee after {@code steps} steps: ε by the accountant's tighter conversion, the classic one beside it. */
    PrivacyGuarantee guarantee(long steps) {
      RdpAccountant.Epsilon tight = RdpAccountant.epsilon(samplingRate, noiseMultiplier, steps, delta, RdpAccountant.Conversion.TIGHT);
      RdpAccountant.Epsilon classic = RdpAccountant.epsilon(samplingRate, noiseMultiplier, steps, delta, RdpAccountant.Conversion.CLASSIC);
      return PrivacyGuarantee.dpSgd(tight.epsilon(), delta, classic.epsilon(), tight.order(), noiseMultiplier, l2NormClip, samplingRate,
          steps, trainingRows);
    }
  }

  /**
   * Refuses what DP-SGD cannot train privately, naming the key: batch normalization, resampling, and class
   * weights or reweighting computed from the data.
   */
  static void check(TrainConfig c) {
    if (c.privacy() == null) {
      return;
    }
    List<String> problems = new ArrayList<>();
    if (c.batchNorm()) {
      problems.add("train.batch_norm: batch statistics mix the examples of a batch, so an example's gradient cannot be clipped on its own");
    }
    if (!c.resample().none()) {
      problems.add("train.resample: DP-SGD samples each example independently (Poisson sampling), which its accountant assumes");
    }
    if (c.classWeights().balanced()) {
      problems.add("train.class_weights: balanced weights are computed from the training data's label counts, which would not be private;"
          + " give the weights by class instead");
    }
    if (c.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT) {
      problems.add("train.on_label_drift: reweight computes class weights from the training data's label counts");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("train.privacy (DP-SGD) cannot be used with " + String.join("; ", problems));
    }
  }

  /**
   * The plan of a run on {@code rows} training rows at expected batch size {@code batchSize} for {@code
   * steps} steps, with seeds from {@link NoiseSource#secure()}.
   *
   * @throws ConfigException when δ is not below 1/N, or no noise reaches the target ε
   */
  static Plan plan(DpSgdConfig p, long rows, int batchSize, long steps) {
    return plan(p, rows, batchSize, steps, NoiseSource.secure());
  }

  /** The same with seeds from {@code seeds} (tests: a seeded generator gives reproducible noise, and no privacy). */
  static Plan plan(DpSgdConfig p, long rows, int batchSize, long steps, NoiseSource seeds) {
    if (p.delta() >= 1.0 / rows) {
      throw new ConfigException(String.format(Locale.ROOT,
          "train.privacy.delta %s is not below 1/N = 1/%d: with δ that large the guarantee allows publishing a training row outright; use"
              + " a δ well below %.3g", p.delta(), rows, 1.0 / rows));
    }
    double q = Math.min(1.0, (double) batchSize / rows);
    double sigma;
    if (p.noiseMultiplier() != null) {
      sigma = p.noiseMultiplier();
    } else {
      try {
        sigma = RdpAccountant.noiseMultiplier(q, steps, p.targetEpsilon(), p.delta(), RdpAccountant.Conversion.TIGHT);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("train.privacy.target_epsilon " + p.targetEpsilon() + " cannot be reached in " + steps + " steps at q = "
            + q + ": " + e.getMessage());
      }
    }
    return new Plan(p.l2NormClip(), sigma, q, q * rows, rows, steps, p.delta(), seeds);
  }

  /** A generator for tests: reproducible, hence no privacy. */
  static NoiseSource seedsForTests(long seed) {
    return NoiseSource.deterministicForTests(seed);
  }

  /** The noisy, clipped gradients of a training graph, and the seed each step feeds. */
  record Gradients(List<Output<?>> gradients, Placeholder<TInt64> noiseSeed, Operand<TFloat32> norms) {}

  /**
   * The DP-SGD gradients of {@code variables}: the sum over the batch of each example's gradient of
   * {@code perExample} clipped to {@code clip}, plus noise N(0, (σ·clip)²) from a stateless generator
   * keyed by the fed seed, divided by {@code expectedBatch}; plus the L2 penalty's gradient {@code 2 λ w}
   * of the regularized variables (which depends on no example and needs no noise).
   */
  static Gradients build(Ops tf, Graph graph, ModelGraph model, Operand<TFloat32> perExample, List<Output<?>> variables, List<String> opNames,
      Plan plan, double l2) {
    Ops dp = tf.withSubScope("dp_sgd");
    Operand<TFloat32> norms = perExampleNorms(dp, graph, model.gradientParts(), perExample);
    Operand<TFloat32> clip = dp.constant((float) plan.l2NormClip());
    // c_i = C / max(|g_i|, C) = min(1, C / |g_i|), a constant for the second backward pass.
    Operand<TFloat32> factors = dp.stopGradient(dp.math.div(clip, dp.math.maximum(norms, clip)));
    Operand<TFloat32> clippedLoss = dp.sum(dp.math.mul(factors, perExample), dp.constant(0));
    Output<?>[] sums = graph.addGradients(clippedLoss.asOutput(), variables.toArray(new Output<?>[0]));
    Placeholder<TInt64> seed = dp.withName("noise_seed").placeholder(TInt64.class, Placeholder.shape(Shape.of(2)));
    Operand<TFloat32> stddev = dp.constant((float) plan.noiseStddev());
    Operand<TFloat32> denominator = dp.constant((float) plan.expectedBatchSize());
    List<Output<?>> out = new ArrayList<>();
    for (int k = 0; k < variables.size(); k++) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> sum = (Operand<TFloat32>) sums[k];
      @SuppressWarnings("unchecked")
      Operand<TFloat32> variable = (Operand<TFloat32>) variables.get(k);
      // Each variable's noise from its own stream: the step's seed with the variable's index added to its second word.
      Operand<TInt64> key = dp.math.add(seed, dp.constant(new long[] {0, k}));
      Operand<TFloat32> noise = dp.math.mul(dp.random.statelessRandomNormal(dp.shape(variable, TInt64.class), key), stddev);
      Operand<TFloat32> g = dp.math.div(dp.math.add(sum, noise), denominator);
      if (l2 > 0 && model.regularized(opNames.get(k))) {
        g = dp.math.add(g, dp.math.mul(dp.constant((float) (2 * l2)), dp.identity(variable)));
      }
      out.add(g.asOutput());
    }
    return new Gradients(out, seed, norms);
  }

  /** Each example's L2 norm of its gradient of the trainable variables, {@code [batch]} (see the class comment). */
  static Operand<TFloat32> perExampleNorms(Ops tf, Graph graph, List<GradientPart> parts, Operand<TFloat32> perExample) {
    Output<?>[] outputs = parts.stream().map(p -> p.output().asOutput()).toArray(Output<?>[]::new);
    // The gradient of the batch's summed loss with respect to a layer's output is, row by row, each example's own.
    Output<?>[] g = graph.addGradients(tf.sum(perExample, tf.constant(0)).asOutput(), outputs);
    Operand<TFloat32> squared = tf.zerosLike(perExample);
    for (int i = 0; i < parts.size(); i++) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> grad = (Operand<TFloat32>) g[i];
      squared = tf.math.add(squared, squaredNorm(tf, parts.get(i), grad));
    }
    return tf.math.sqrt(squared);
  }

  private static Operand<TFloat32> squaredNorm(Ops tf, GradientPart part, Operand<TFloat32> g) {
    if (part instanceof DenseLayer d) {
      Operand<TFloat32> gg = tf.sum(tf.math.square(g), tf.constant(1));
      Operand<TFloat32> aa = tf.sum(tf.math.square(d.input()), tf.constant(1));
      Operand<TFloat32> kernel = tf.math.mul(gg, aa);
      return d.bias() ? tf.math.add(kernel, gg) : kernel;
    }
    Lookup l = (Lookup) part;
    if (!l.pooled()) {
      Operand<TFloat32> rows = l.trained() == null ? g : tf.math.mul(g, tf.expandDims(l.trained(), tf.constant(1)));
      return tf.sum(tf.math.square(rows), tf.constant(1));
    }
    Operand<TFloat32> rows = l.trained() == null ? g : tf.math.mul(g, tf.expandDims(l.trained(), tf.constant(2)));
    // Tokens with the same id add their gradients into one row: |Σ|² = Σ_{t,s same id} <g_t, g_s>.
    Operand<TFloat32> gram = tf.train.batchMatMul(rows, rows, TFloat32.class, BatchMatMul.adjY(true));
    Operand<TFloat32> same = tf.dtypes.cast(tf.math.equal(tf.expandDims(l.ids(), tf.constant(2)), tf.expandDims(l.ids(), tf.constant(1))),
        TFloat32.class);
    return tf.sum(tf.math.mul(gram, same), tf.constant(new int[] {1, 2}));
  }
}
