package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.training.TrainConfig.Activation;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FittedFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Batch normalization on a layer of two units, by hand: evaluation uses the moving statistics (a row's
 * prediction does not depend on its batch), a training step normalizes with the batch's statistics
 * and moves the moving ones towards them at momentum 0.99, and the optimizer never changes them.
 */
class BatchNormTest {
  private static final FittedFeature X = Fitted.passThrough("x", 0);
  private static final FittedFeature V = Fitted.passThrough("v", 0);
  private static final double EPSILON = 1e-3;

  private static final float[] KERNEL = {0.5f, -1.0f};
  private static final float[] BIAS = {0.1f, 0.2f};
  private static final float[] GAMMA = {1.5f, 0.5f};
  private static final float[] BETA = {0.1f, -0.2f};
  private static final float[] MOVING_MEAN = {0.3f, -0.4f};
  private static final float[] MOVING_VARIANCE = {2.0f, 0.5f};
  private static final float[] OUT_KERNEL = {1.0f, -2.0f};
  private static final float[] OUT_BIAS = {0.05f};

  private static ModelSpec spec() {
    TrainConfig c = TrainConfig.defaults("v").withHiddenUnits(List.of(2)).withActivation(Activation.TANH).withBatchNorm(true)
        .withOptimizer(Optimizer.SGD, 0.1);
    return ModelSpec.resolve(c, List.of(X, V));
  }

  private static Weights weights(ModelSpec spec) {
    Map<String, float[]> v = new LinkedHashMap<>();
    v.put("dense_0/kernel", KERNEL);
    v.put("dense_0/bias", BIAS);
    v.put("batch_norm_0/gamma", GAMMA);
    v.put("batch_norm_0/beta", BETA);
    v.put("batch_norm_0/moving_mean", MOVING_MEAN);
    v.put("batch_norm_0/moving_variance", MOVING_VARIANCE);
    v.put("logits/kernel", OUT_KERNEL);
    v.put("logits/bias", OUT_BIAS);
    return new Weights(Weights.layout(spec), v);
  }

  /** The network's output for {@code x} with the given normalization statistics, in double. */
  private static double output(double x, double[] mean, double[] variance) {
    double out = OUT_BIAS[0];
    for (int j = 0; j < 2; j++) {
      double z = x * KERNEL[j] + BIAS[j];
      double n = (z - mean[j]) / Math.sqrt(variance[j] + EPSILON) * GAMMA[j] + BETA[j];
      out += Math.tanh(n) * OUT_KERNEL[j];
    }
    return out;
  }

  private static final float[] XS = {1f, 2f, 3f, 6f};

  @Test
  void evaluationUsesTheMovingStatisticsAndTrainingTheBatchsWhichItMovesThemTowards() {
    ModelSpec spec = spec();
    assertThat(Weights.layout(spec)).filteredOn(s -> !s.trainable()).extracting(Weights.Slot::name)
        .containsExactly("batch_norm_0/moving_mean", "batch_norm_0/moving_variance");
    Weights initial = Weights.initial(spec, 1);
    assertThat(initial.get("batch_norm_0/gamma")).containsExactly(1f, 1f);
    assertThat(initial.get("batch_norm_0/beta")).containsExactly(0f, 0f);
    assertThat(initial.get("batch_norm_0/moving_mean")).containsExactly(0f, 0f);
    assertThat(initial.get("batch_norm_0/moving_variance")).containsExactly(1f, 1f);
    double[] movingMean = {MOVING_MEAN[0], MOVING_MEAN[1]};
    double[] movingVariance = {MOVING_VARIANCE[0], MOVING_VARIANCE[1]};
    try (TrainingGraph g = TrainingGraph.build(spec)) {
      g.load(weights(spec));
      // Evaluation: the moving statistics, whatever the batch; each row alone gives the same value.
      float[] predicted = g.predict(new Batch(4, new Object[] {XS.clone()})).values();
      for (int i = 0; i < 4; i++) {
        double expected = output(XS[i], movingMean, movingVariance);
        assertThat((double) predicted[i]).as("row %s", i).isCloseTo(expected, within(1e-5));
        assertThat(g.predict(new Batch(1, new Object[] {new float[] {XS[i]}})).values()[0]).isEqualTo(predicted[i]);
      }
      // A training step: the batch's mean and (population) variance of each unit before its activation.
      double[] mean = new double[2];
      double[] variance = new double[2];
      for (int j = 0; j < 2; j++) {
        for (float x : XS) {
          mean[j] += (x * KERNEL[j] + BIAS[j]) / 4.0;
        }
        for (float x : XS) {
          double d = x * KERNEL[j] + BIAS[j] - mean[j];
          variance[j] += d * d / 4.0;
        }
      }
      float[] labels = {0.5f, -0.5f, 1f, 0f};
      double loss = 0;
      for (int i = 0; i < 4; i++) {
        double e = output(XS[i], mean, variance) - labels[i];
        loss += e * e / 4;
      }
      float trainLoss = g.step(new Batch(4, new Object[] {XS.clone(), labels.clone()}));
      assertThat((double) trainLoss).isCloseTo(loss, within(1e-5));
      Weights after = g.read();
      for (int j = 0; j < 2; j++) {
        // Keras: moving -= (moving - batch) * (1 - momentum).
        assertThat((double) after.get("batch_norm_0/moving_mean")[j]).isCloseTo(movingMean[j] - (movingMean[j] - mean[j]) * 0.01, within(1e-6));
        assertThat((double) after.get("batch_norm_0/moving_variance")[j])
            .isCloseTo(movingVariance[j] - (movingVariance[j] - variance[j]) * 0.01, within(1e-6));
      }
      // The trainable variables moved; the evaluation output is that of the new weights and moving statistics.
      assertThat(after.get("batch_norm_0/gamma")).isNotEqualTo(GAMMA);
      assertThat(after.get("dense_0/kernel")).isNotEqualTo(KERNEL);
      // The same batch a second time: the moving statistics move from where they are, the batch's are the new kernel's.
      g.step(new Batch(4, new Object[] {XS.clone(), labels.clone()}));
      float[] twice = g.read().get("batch_norm_0/moving_mean");
      assertThat(twice[0]).isNotEqualTo(after.get("batch_norm_0/moving_mean")[0]);
    }
  }
}
