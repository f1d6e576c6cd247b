package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The class-weighted training loss through the TensorFlow graph, against the same loss computed here by
 * hand: {@code sum(w[y_i] * ce_i) / n} (Keras' {@code class_weight}), while the eval loss stays the
 * plain cross-entropy.
 */
class WeightedLossTest {
  static final FittedFeature ABC = Fitted.vocabulary("label", List.of("a", "b", "c"), 0, null, FeatureTransform.Encoding.ID, false);
  static final List<FittedFeature> FEATURES = List.of(TrainerTest.X1, TrainerTest.X2, ABC);

  // A linear model over (x1, x2): kernel [2 inputs, 3 classes] row-major, bias [3].
  static final float[] KERNEL = {0.5f, -1.0f, 0.25f, 2.0f, 0.75f, -0.5f};
  static final float[] BIAS = {0.1f, -0.2f, 0.3f};
  static final float[] X1 = {1.0f, -0.5f, 0.25f, 2.0f, 0.0f};
  static final float[] X2 = {0.5f, 1.5f, -1.0f, 0.0f, -0.25f};
  static final long[] Y = {0, 1, 2, 1, 0};

  private static Batch batch() {
    return new Batch(Y.length, new Object[] {X1.clone(), X2.clone(), Y.clone()});
  }

  /** The cross-entropy of each row, in double precision: log-sum-exp of the logits minus the label's logit. */
  private static double[] crossEntropy() {
    double[] ce = new double[Y.length];
    for (int i = 0; i < Y.length; i++) {
      double[] logits = new double[3];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < 3; j++) {
        logits[j] = X1[i] * (double) KERNEL[j] + X2[i] * (double) KERNEL[3 + j] + BIAS[j];
        max = Math.max(max, logits[j]);
      }
      double sum = 0;
      for (double l : logits) {
        sum += Math.exp(l - max);
      }
      ce[i] = max + Math.log(sum) - logits[(int) Y[i]];
    }
    return ce;
  }

  private static float stepLoss(TrainConfig config, long[] counts) {
    ModelSpec spec = ModelSpec.resolve(config, FEATURES);
    ClassBalance balance = ClassBalance.resolve(spec, counts);
    try (TrainingGraph g = TrainingGraph.build(spec, balance.graphWeights())) {
      Map<String, float[]> values = new LinkedHashMap<>();
      values.put("logits/kernel", KERNEL.clone());
      values.put("logits/bias", BIAS.clone());
      g.load(new Weights(Weights.layout(spec), values));
      // The eval loss of the same graph is the plain cross-entropy of each row, unweighted.
      float[] evalLosses = g.evaluate(batch()).losses();
      double[] ce = crossEntropy();
      for (int i = 0; i < Y.length; i++) {
        assertThat((double) evalLosses[i]).as("eval loss of row %s", i).isCloseTo(ce[i], within(1e-6));
      }
      return g.step(batch());
    }
  }

  private static TrainConfig linear() {
    return TrainConfig.defaults("label").withModel(ModelType.LINEAR).withOptimizer(Optimizer.SGD, 0.1);
  }

  @Test
  void withoutClassWeightsTheLossIsTheMeanCrossEntropy() {
    double[] ce = crossEntropy();
    double mean = (ce[0] + ce[1] + ce[2] + ce[3] + ce[4]) / 5;
    assertThat((double) stepLoss(linear(), null)).isCloseTo(mean, within(1e-6));
  }

  @Test
  void classWeightsScaleEachExamplesLossAndTheBatchMeanIsOverItsSize() {
    double[] ce = crossEntropy();
    // a: 1 (not named), b: 3, c: 0.5; averaged over the 5 examples, not over the weights' sum (7.5).
    double expected = (1 * ce[0] + 3 * ce[1] + 0.5 * ce[2] + 3 * ce[3] + 1 * ce[4]) / 5;
    TrainConfig c = linear().withClassWeights(ClassRates.of(Map.of("b", 3.0, "c", 0.5)));
    assertThat((double) stepLoss(c, null)).isCloseTo(expected, within(1e-6));
    // Distinct from the unweighted loss by far more than the tolerance.
    assertThat(Math.abs(expected - (ce[0] + ce[1] + ce[2] + ce[3] + ce[4]) / 5)).isGreaterThan(1e-2);
  }

  @Test
  void balancedClassWeightsComeFromTheLabelCounts() {
    double[] ce = crossEntropy();
    // The batch's own counts, a 2, b 2, c 1: weights 5 / (3 * count).
    double[] w = {5.0 / 6, 5.0 / 6, 5.0 / 3};
    double expected = 0;
    for (int i = 0; i < Y.length; i++) {
      expected += w[(int) Y[i]] * ce[i];
    }
    expected /= Y.length;
    assertThat((double) stepLoss(linear().withClassWeights(ClassRates.BALANCED), new long[] {2, 2, 1})).isCloseTo(expected, within(1e-6));
  }
}
