package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.privacy.RdpAccountant;
import dev.beamline.training.FedAvg.ClientUpdate;
import dev.beamline.training.FedAvg.UpdateSum;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FittedFeature;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.hamcrest.Description;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.Test;

/** Federated averaging's plain parts, without a pipeline: client sampling, local update, sum, server step, DP-FedAvg's clip and noise. */
class FedAvgTest {
  private static final List<FittedFeature> FEATURES = List.of(TrainerTest.X1, TrainerTest.X2, TrainerTest.CLASS);

  @Test
  void theSamplingRateIsClientsPerRoundOverClientsAtMostOne() {
    assertThat(FedAvg.samplingRate(3, 30)).isEqualTo(0.1);
    assertThat(FedAvg.samplingRate(10, 3)).isEqualTo(1.0);
    assertThatThrownBy(() -> FedAvg.samplingRate(3, 0)).hasMessage("clients must be at least 1, got 0");
  }

  @Test
  void eachClientTakesPartWithProbabilityQIndependentlyOfTheOthers() {
    double q = 0.2;
    int rounds = 400;
    int clients = 500;
    long taken = 0;
    long both = 0;
    for (int r = 1; r <= rounds; r++) {
      boolean previous = false;
      for (long k = 0; k < clients; k++) {
        boolean in = FedAvg.participates(7, r, k, q);
        taken += in ? 1 : 0;
        both += in && previous ? 1 : 0;
        previous = in;
      }
    }
    double n = (double) rounds * clients;
    // Binomial: standard deviation sqrt(q(1-q)/n) = 0.0009; the bounds are 5 of them.
    assertThat(taken / n).isCloseTo(q, within(0.0045));
    // Neighbouring clients' coins are independent: both in with probability q².
    assertThat(both / (rounds * (clients - 1.0))).isCloseTo(q * q, within(0.003));
    // The same seed, round and client: the same coin; q = 1: everyone.
    assertThat(FedAvg.participates(7, 3, 11, q)).isEqualTo(FedAvg.participates(7, 3, 11, q));
    assertThat(FedAvg.participates(7, 3, 11, 1.0)).isTrue();
    assertThat(FedAvg.participates(7, 3, 11, 0.0)).isFalse();
  }

  /** Two slots: a trainable vector and a moving statistic, which the server leaves alone. */
  private static Weights twoSlots(float[] a, float[] m) {
    List<Weights.Slot> slots = List.of(new Weights.Slot("a", new long[] {2}, true), new Weights.Slot("bn/moving_mean", new long[] {1}, false));
    Map<String, float[]> values = new LinkedHashMap<>();
    values.put("a", a);
    values.put("bn/moving_mean", m);
    return new Weights(slots, values);
  }

  @Test
  void theServerStepAddsTheLearningRateTimesTheSumOverTheDenominatorToTrainableSlotsOnly() {
    Weights global = twoSlots(new float[] {1, 2}, new float[] {5});
    assertThat(FedAvg.flatten(global)).containsExactly(1f, 2f);
    // 1 + 0.5 * 2 / 2 = 1.5; 2 + 0.5 * -4 / 2 = 1.
    Weights next = FedAvg.serverStep(global, new double[] {2, -4}, 2, 0.5);
    assertThat(next.get("a")).containsExactly(1.5f, 1f);
    assertThat(next.get("bn/moving_mean")).containsExactly(5f);
    // Nobody took part: the global model stays.
    assertThat(FedAvg.serverStep(global, null, 0, 1.0)).isEqualTo(global);
    assertThatThrownBy(() -> FedAvg.serverStep(global, new double[] {1, 2, 3}, 1, 1.0))
        .hasMessage("the sum has 3 values; the model's trainable slots have 2");
  }

  private static ClientUpdate update(double weight, float... delta) {
    return new ClientUpdate(delta, weight, (long) weight, 0.5 * weight, (long) weight, 1, 0.1);
  }

  @Test
  void theSumWeighsEachUpdateAndMergesInAnyOrder() throws Exception {
    List<ClientUpdate> updates = List.of(update(3, 1, -1), update(1, 4, 0), update(2, 0.5f, 2));
    // 3 (1, -1) + 1 (4, 0) + 2 (0.5, 2) = (8, 1), weight 6: FedAvg's mean (8/6, 1/6) weighted by rows.
    CombineFnTester.testCombineFn(new FedAvg.SumUpdates(), updates, new TypeSafeMatcher<UpdateSum>() {
      @Override
      protected boolean matchesSafely(UpdateSum s) {
        return Arrays.equals(s.sum, new double[] {8, 1}) && s.weight == 6 && s.clients == 3 && s.rows == 6 && s.steps == 3 && s.lossSum == 3;
      }

      @Override
      public void describeTo(Description d) {
        d.appendText("the sum (8, 1) of weight 6 over 3 clients");
      }
    });
    UpdateSum none = new FedAvg.SumUpdates().apply(List.of());
    assertThat(none.sum).isNull();
    assertThat(none.clients).isZero();
  }

  @Test
  void aClientsUpdateIsItsLocalWeightsLessTheGlobalOnesWithAFreshOptimizerEachTime() {
    TrainConfig c = TrainerTest.linear().withOptimizer(Optimizer.ADAM, 0.1).withHiddenUnits(List.of(4)).withModel(TrainConfig.ModelType.DNN);
    ModelSpec spec = ModelSpec.resolve(c, FEATURES);
    List<Column> layout = TrainingGraph.columns(spec, true);
    List<Map<String, Object>> rows = TrainerTest.separable(40, 3);
    float[] x1 = new float[40];
    float[] x2 = new float[40];
    long[] y = new long[40];
    for (int i = 0; i < 40; i++) {
      x1[i] = (Float) rows.get(i).get("x1");
      x2[i] = (Float) rows.get(i).get("x2");
      y[i] = (Long) rows.get(i).get("label");
    }
    ClientRows client = new ClientRows(40, new Object[] {x1, x2, y});
    Weights global = Weights.initial(spec, 5);
    try (TrainingGraph g = TrainingGraph.build(spec); TrainingGraph reference = TrainingGraph.build(spec)) {
      ClientUpdate u = FedAvg.localUpdate(g, global, client, layout, 2, 16, 9);
      // 40 rows in batches of 16: 3 steps a pass, 2 passes.
      assertThat(u.steps()).isEqualTo(6);
      assertThat(u.examples()).isEqualTo(80);
      assertThat(u.weight()).isEqualTo(40);
      // The same batches by hand on a fresh graph: the same weights, hence the same update.
      reference.load(global);
      SplittableRandom random = new SplittableRandom(9);
      int[] order = new int[40];
      for (int i = 0; i < 40; i++) {
        order[i] = i;
      }
      for (int e = 0; e < 2; e++) {
        for (int i = 39; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        for (int from = 0; from < 40; from += 16) {
          reference.step(client.pick(layout, order, from, Math.min(40, from + 16)));
        }
      }
      float[] local = FedAvg.flatten(reference.read());
      float[] start = FedAvg.flatten(global);
      for (int i = 0; i < local.length; i++) {
        assertThat(u.delta()[i]).isEqualTo(local[i] - start[i]);
      }
      // Again on the same graph (Adam's moments reset): exactly the same update.
      assertThat(FedAvg.localUpdate(g, global, client, layout, 2, 16, 9).delta()).containsExactly(u.delta());
    }
  }

  @Test
  void clippingBoundsTheUpdatesNormOverAllWeights() {
    float[] d = {3, 4};
    assertThat(DpFedAvg.norm(d)).isEqualTo(5.0);
    assertThat(DpFedAvg.clip(d, 1.0)).containsExactly(0.6f, 0.8f);
    assertThat(DpFedAvg.clip(d, 10.0)).containsExactly(3f, 4f);
    assertThat(d).containsExactly(3f, 4f);
  }

  @Test
  void theNoiseIsGaussianWithStandardDeviationSigmaTimesClip() {
    double[] sum = new double[200_000];
    DpFedAvg.addNoise(sum, 1.5, new SplittableRandom(3));
    double mean = Arrays.stream(sum).average().orElseThrow();
    double var = Arrays.stream(sum).map(x -> (x - mean) * (x - mean)).sum() / sum.length;
    assertThat(mean).isCloseTo(0, within(0.02));
    assertThat(Math.sqrt(var)).isCloseTo(1.5, within(0.015));
  }

  @Test
  void theClientLevelGuaranteeIsTheAccountantsOverRoundsAtTheClientSamplingRate() {
    DpFedAvg.Plan p = DpFedAvg.plan(DpSgdConfig.noise(0.5, 1.2, 1e-3), 300, 30, 40);
    assertThat(p.samplingRate()).isEqualTo(0.1);
    assertThat(p.expectedClients()).isCloseTo(30, within(1e-9));
    assertThat(p.noiseStddev()).isCloseTo(0.6, within(1e-12));
    PrivacyGuarantee g = p.guarantee(40);
    assertThat(g.epsilon()).isEqualTo(RdpAccountant.epsilon(0.1, 1.2, 40, 1e-3, RdpAccountant.Conversion.TIGHT).epsilon());
    ObjectNode json = g.toJson();
    assertThat(json.get("mechanism").asText()).isEqualTo("dp-fedavg");
    assertThat(json.get("unit").asText()).isEqualTo("client");
    assertThat(json.get("steps").asLong()).isEqualTo(40);
    assertThat(json.get("training_rows").asLong()).isEqualTo(300);
    assertThat(PrivacyGuarantee.fromJson(json)).isEqualTo(g);
    assertThat(g.describe()).contains("per client (DP-FedAvg", "40 rounds over 300 clients");
    // DP-SGD's record is as it was.
    assertThat(PrivacyGuarantee.dpSgd(1, 1e-5, 2, 8, 1, 1, 0.01, 10, 100).toJson().get("unit").asText()).isEqualTo("training row");
    assertThat(PrivacyGuarantee.NONE.toJson().get("unit").asText()).isEqualTo("training row");

    DpFedAvg.Plan target = DpFedAvg.plan(DpSgdConfig.targetEpsilon(1.0, 3.0, 1e-3), 300, 30, 40);
    assertThat(target.guarantee(40).epsilon()).isLessThanOrEqualTo(3.0 + 1e-9).isGreaterThan(2.9);
    assertThatThrownBy(() -> DpFedAvg.plan(DpSgdConfig.noise(1.0, 1.0, 1e-2), 300, 30, 40)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("train.privacy.delta 0.01 is not below 1/K = 1/300 clients");
  }

  @Test
  void patienceKeepsTheBestRoundBeforeTheLossStoppedImprovingAndLeavesTheLaterOnesUnused() {
    List<Double> losses = java.util.Arrays.asList(0.9, 0.5, 0.6, 0.4, 0.45, 0.47, 0.3, 0.2);
    assertThat(FedAvg.keptRound(losses, null)).isEqualTo(new FedAvg.Kept(8, false));
    // Round 4 is best; rounds 5 and 6 do not improve: patience 2 stops there, round 7's 0.3 is not used.
    assertThat(FedAvg.keptRound(losses, 2)).isEqualTo(new FedAvg.Kept(4, true));
    assertThat(FedAvg.keptRound(losses, 3)).isEqualTo(new FedAvg.Kept(8, false));
    assertThat(FedAvg.keptRound(List.of(0.5, 0.6, 0.7), 2)).isEqualTo(new FedAvg.Kept(1, false));
    assertThatThrownBy(() -> FedAvg.keptRound(java.util.Arrays.asList(0.5, null), 1))
        .hasMessageStartingWith("train.federated.patience needs the eval loss of every round; round 2 has none");
  }

  @Test
  void whatFederatedTrainingCannotDoIsRefusedByKey() {
    TrainConfig c = TrainerTest.linear().withFederated(FederatedConfig.defaults("label"));
    FedAvg.check(c);
    assertThatThrownBy(() -> FedAvg.check(c.withBatchNorm(true).withEarlyStopping())).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("train.federated cannot be used with train.batch_norm")
        .hasMessageContaining("train.early_stopping: a round is an epoch here; use train.federated.patience");
    assertThatThrownBy(() -> FedAvg.check(c.withClassWeights(ClassRates.BALANCED)))
        .hasMessageContaining("train.class_weights: balanced weights");
    assertThatThrownBy(() -> FedAvg.check(TrainerTest.linear().withFederated(FederatedConfig.defaults("site")), FEATURES))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.federated.client_column 'site' is not a transformed feature (transformed features: x1, x2, label)");
    // The centralized trainer (a tuner's trials too) would pool the clients' rows.
    assertThatThrownBy(() -> Trainer.of(c).train("/nowhere", FEATURES)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("train.federated: this trainer pools the training rows in one place");
  }
}
