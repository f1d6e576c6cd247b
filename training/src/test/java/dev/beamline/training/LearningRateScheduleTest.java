package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FittedFeature;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keras' exponential and cosine decay, by hand; fed to the optimizer step by step; and the {@code train:} keys. */
class LearningRateScheduleTest {
  @Test
  void exponentialDecayIsTheRateTimesTheDecayRateToTheStepsOverTheDecaySteps() {
    LearningRateSchedule smooth = LearningRateSchedule.exponential(1000, 0.5, false);
    assertThat(smooth.rate(0.1, 0)).isEqualTo(0.1);
    assertThat(smooth.rate(0.1, 1000)).isCloseTo(0.05, within(1e-15));
    assertThat(smooth.rate(0.1, 1500)).isCloseTo(0.1 / Math.pow(2, 1.5), within(1e-15)); // 0.0353553...
    assertThat(smooth.rate(0.1, 250)).isCloseTo(0.1 * Math.pow(0.5, 0.25), within(1e-15));
    LearningRateSchedule stairs = LearningRateSchedule.exponential(1000, 0.5, true);
    assertThat(stairs.rate(0.1, 999)).isEqualTo(0.1);
    assertThat(stairs.rate(0.1, 1500)).isCloseTo(0.05, within(1e-15));
    assertThat(stairs.rate(0.1, 2000)).isCloseTo(0.025, within(1e-15));
  }

  @Test
  void cosineDecayFallsFromTheRateToAlphaTimesItThenStays() {
    LearningRateSchedule toZero = LearningRateSchedule.cosine(100, 0);
    assertThat(toZero.rate(0.1, 0)).isEqualTo(0.1);
    assertThat(toZero.rate(0.1, 50)).isCloseTo(0.05, within(1e-15));
    assertThat(toZero.rate(0.1, 100)).isCloseTo(0.0, within(1e-15));
    assertThat(toZero.rate(0.1, 1000)).isCloseTo(0.0, within(1e-15));
    LearningRateSchedule floor = LearningRateSchedule.cosine(100, 0.1);
    // 0.1 * ((1 - 0.1) * 0.5 * (1 + cos(π / 4)) + 0.1) = 0.1 * (0.9 * 0.853553390593 + 0.1)
    assertThat(floor.rate(0.1, 25)).isCloseTo(0.0868198051533946, within(1e-15));
    assertThat(floor.rate(0.1, 50)).isCloseTo(0.055, within(1e-15));
    assertThat(floor.rate(0.1, 100)).isCloseTo(0.01, within(1e-15));
    assertThat(floor.rate(0.1, 5000)).isCloseTo(0.01, within(1e-15));
  }

  @Test
  void badSchedulesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> LearningRateSchedule.exponential(0, 0.5, false)).hasMessage("decay_steps must be at least 1, got 0");
    assertThatThrownBy(() -> LearningRateSchedule.exponential(10, 1.5, false)).hasMessage("decay_rate must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> LearningRateSchedule.cosine(10, -0.5)).hasMessage("alpha must be in [0, 1], got -0.5");
  }

  @Test
  void eachSgdStepUsesTheScheduledRate() {
    // Linear regression from zero weights, plain gradient descent: w -= lr_t * dL/dw with L the batch's
    // mean squared error, lr_t = 0.1 * 0.5^(t / 2), t = 0, 1, 2.
    FittedFeature x = Fitted.passThrough("x", 0);
    FittedFeature v = Fitted.passThrough("v", 0);
    LearningRateSchedule schedule = LearningRateSchedule.exponential(2, 0.5, false);
    TrainConfig c = TrainConfig.defaults("v").withModel(ModelType.LINEAR).withOptimizer(Optimizer.SGD, 0.1).withLearningRateSchedule(schedule);
    ModelSpec spec = ModelSpec.resolve(c, List.of(x, v));
    float[] xs = {1f, -2f, 0.5f};
    float[] ys = {2f, 1f, -1f};
    double w = 0;
    double b = 0;
    try (TrainingGraph g = TrainingGraph.build(spec)) {
      g.load(Weights.initial(spec, 1));
      for (int t = 0; t < 3; t++) {
        double rate = (float) (0.1 * Math.pow(0.5, t / 2.0));
        assertThat(g.learningRate(t)).isEqualTo(0.1 * Math.pow(0.5, t / 2.0));
        double gw = 0;
        double gb = 0;
        for (int i = 0; i < 3; i++) {
          double e = w * xs[i] + b - ys[i];
          gw += 2 * e * xs[i] / 3;
          gb += 2 * e / 3;
        }
        w -= rate * gw;
        b -= rate * gb;
        g.step(new Batch(3, new Object[] {xs.clone(), ys.clone()}));
        Weights after = g.read();
        assertThat((double) after.get("logits/kernel")[0]).as("step %s", t).isCloseTo(w, within(1e-6));
        assertThat((double) after.get("logits/bias")[0]).as("step %s", t).isCloseTo(b, within(1e-6));
      }
    }
    // Adam takes the fed rate too (one step moves each weight by about the rate: Adam's first step is lr * sign(g)).
    try (TrainingGraph g = TrainingGraph.build(ModelSpec.resolve(c.withOptimizer(Optimizer.ADAM, 0.1), List.of(x, v)))) {
      g.load(Weights.initial(spec, 1));
      g.step(new Batch(3, new Object[] {xs.clone(), ys.clone()}));
      assertThat((double) g.read().get("logits/bias")[0]).isCloseTo(0.1, within(1e-6));
    }
  }

  private static TrainConfig bind(String yaml) throws Exception {
    return TrainStageFactory.bind(TrainStageFactoryTest.section(yaml));
  }

  @Test
  void theTrainSectionBindsSchedulesBatchNormAndTheWideAndDeepFeatures() throws Exception {
    assertThat(bind("train:\n  label: y\n  learning_rate_schedule: {exponential: {decay_steps: 100, decay_rate: 0.9}}\n").learningRateSchedule())
        .isEqualTo(LearningRateSchedule.exponential(100, 0.9, false));
    assertThat(bind("train:\n  label: y\n  learning_rate_schedule:\n    exponential: {decay_steps: 100, decay_rate: 0.9, staircase: true}\n")
        .learningRateSchedule()).isEqualTo(LearningRateSchedule.exponential(100, 0.9, true));
    assertThat(bind("train:\n  label: y\n  learning_rate_schedule: {cosine: {decay_steps: 1000}}\n").learningRateSchedule())
        .isEqualTo(LearningRateSchedule.cosine(1000, 0));
    TrainConfig all = bind("train:\n  label: y\n  model: wide_deep\n  batch_norm: true\n  wide_features: [a_x_b]\n"
        + "  learning_rate_schedule: {cosine: {decay_steps: 10, alpha: 0.5}}\n");
    assertThat(all).isEqualTo(TrainConfig.defaults("y").withModel(ModelType.WIDE_DEEP).withBatchNorm(true)
        .withWideAndDeepFeatures(List.of("a_x_b"), List.of()).withLearningRateSchedule(LearningRateSchedule.cosine(10, 0.5)));
    for (TrainConfig c : List.of(all, all.withLearningRateSchedule(LearningRateSchedule.exponential(7, 0.25, true)))) {
      String canonical = TrainStageFactory.parameters(c).toString();
      ConfigSection s = new ConfigSection("train", new ObjectMapper().readTree(canonical), "store", Map.of(), Paths.get("."));
      assertThat(TrainStageFactory.bind(s)).isEqualTo(c);
      assertThat(TrainStageFactory.parameters(TrainStageFactory.bind(s)).toString()).isEqualTo(canonical);
    }
    assertThat(TrainStageFactory.parameters(all.withLearningRateSchedule(LearningRateSchedule.exponential(7, 0.25, true)))
        .get("learning_rate_schedule").toString())
        .isEqualTo("{\"exponential\":{\"decay_steps\":7,\"decay_rate\":0.25,\"staircase\":true},\"cosine\":null}");
  }

  private static void rejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void badKeysAreNamedWithTheirFileLineAndKey() {
    rejected("train:\n  label: y\n  learning_rate_schedule: {}\n",
        "p.yaml line 3: 'train.learning_rate_schedule' needs exactly one of exponential ({decay_steps, decay_rate, staircase})"
            + " and cosine ({decay_steps, alpha})");
    rejected("train:\n  label: y\n  learning_rate_schedule:\n    exponential: {decay_steps: 10}\n",
        "p.yaml line 4: 'train.learning_rate_schedule.exponential' needs decay_steps and decay_rate");
    rejected("train:\n  label: y\n  learning_rate_schedule:\n    cosine: {decay_steps: 10, alpha: 2}\n",
        "p.yaml line 4: bad value for 'train.learning_rate_schedule.cosine': alpha must be in [0, 1], got 2.0");
    rejected("train:\n  label: y\n  learning_rate_schedule:\n    exponential: {decay_steps: 0, decay_rate: 0.5}\n",
        "p.yaml line 4: bad value for 'train.learning_rate_schedule.exponential': decay_steps must be at least 1, got 0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  model: wide\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: unknown value 'wide' for 'train.model'")
        .hasMessageEndingWith("(one of: linear, dnn, wide_deep)");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  learning_rate_schedule: {cosine: {decay_step: 10}}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: unknown key 'train.learning_rate_schedule.cosine.decay_step'; did you mean 'decay_steps'?");
  }
}
