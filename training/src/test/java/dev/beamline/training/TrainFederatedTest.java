package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.StageOutput;
import dev.beamline.core.privacy.RdpAccountant;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat64;

/**
 * Federated averaging in a Beam pipeline: a model learns from clients whose label mixes differ, is
 * published like any other, and no collection after the clients' grouping holds rows. JUnit 4, for
 * {@link TestPipeline}'s rule (abandoned-node enforcement; the DirectRunner's immutability and
 * encodability checks).
 */
public class TrainFederatedTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private Path dir;

  private static final FittedFeature SITE = Fitted.vocabulary("site", List.of("a", "b", "c", "d"), 0, null, Encoding.ID, false);
  private static final List<FittedFeature> FEATURES = List.of(TrainerTest.X1, TrainerTest.X2, SITE, TrainerTest.CLASS);

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    dir = tmp.getRoot().toPath();
  }

  /**
   * Separable rows split over 4 sites, not identically: site 0 holds mostly positive rows, site 1
   * mostly negative ones, sites 2 and 3 the rest.
   */
  private static List<Map<String, Object>> nonIid(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed + 100);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> row : TrainerTest.separable(n, seed)) {
      Map<String, Object> out = new LinkedHashMap<>(row);
      boolean pos = (Long) row.get("label") == 1L;
      double u = r.nextDouble();
      out.put("site", u < 0.7 ? (pos ? 0L : 1L) : u < 0.85 ? 2L : 3L);
      rows.add(out);
    }
    return rows;
  }

  private Path data() throws IOException {
    Path data = dir.resolve("transform");
    List<Map<String, Object>> train = nonIid(600, 1);
    TransformedData.write(data, "train", "part-0.parquet", FEATURES, train.subList(0, 300));
    TransformedData.write(data, "train", "part-1.parquet", FEATURES, train.subList(300, 600));
    TransformedData.write(data, "eval", "part-0.parquet", FEATURES, nonIid(200, 2));
    return data;
  }

  private static TrainConfig config(int rounds) {
    return TrainerTest.linear().withFeatures(List.of("x1", "x2"))
        .withFederated(FederatedConfig.defaults("site").withRounds(rounds).withClientsPerRound(4).withLocalEpochs(2).withLocalBatchSize(16));
  }

  @Test
  public void learnsFromNonIidClientsAndPublishesTheModelLikeAnyOther() throws IOException {
    Path data = data();
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-1").toString(), "run-1", "{\"runner\": \"DirectRunner\"}");
    PCollection<String> model = p.apply(Create.of(data.toString(), data.toString()))
        .apply(Train.of(config(6), output).withFittedFeatures(FEATURES));
    PAssert.that(model).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    Path published = output.path();
    assertThat(published.resolve("saved_model.pb")).exists();
    TrainingHistory h = TrainingHistory.fromJson(Files.readString(published.resolve(Train.HISTORY_FILE)));
    assertThat(h.epochs()).hasSize(6);
    assertThat(h.bestEpoch()).isEqualTo(6);
    assertThat(h.epochs()).extracting(TrainingHistory.Epoch::epoch).containsExactly(1, 2, 3, 4, 5, 6);
    // Every client takes part (q = 4 / 4): 600 rows, two local epochs a round.
    assertThat(h.epochs()).allSatisfy(e -> assertThat(e.examples()).isEqualTo(1200));
    assertThat(h.best().evalAccuracy()).isGreaterThan(0.93);
    assertThat(h.epochs().get(5).evalLoss()).isLessThan(h.epochs().get(0).evalLoss());

    JsonNode rounds = new ObjectMapper().readTree(Files.readString(published.resolve(TrainFederated.ROUNDS_FILE)));
    assertThat(rounds.get("clients").asLong()).isEqualTo(4);
    assertThat(rounds.get("rounds")).hasSize(6);
    assertThat(rounds.at("/rounds/0/clients").asLong()).isEqualTo(4);
    assertThat(rounds.at("/rounds/0/rows").asLong()).isEqualTo(600);
    assertThat(PrivacyGuarantee.ofModel(published.toString())).isEqualTo(PrivacyGuarantee.NONE);
    // Every round's global model is recorded: the distance between consecutive ones is the server's step
    // that the round recorded, computed there from the averaged updates.
    assertThat(rounds.at("/rounds/2/weights").asText()).isEqualTo("rounds/round-0003.weights");
    for (int k = 2; k <= 6; k++) {
      double step = RoundWeights.distance(RoundWeights.read(published.toString(), k), RoundWeights.read(published.toString(), k - 1));
      assertThat(step).as("round %d", k).isCloseTo(rounds.at("/rounds/" + (k - 1) + "/step_norm").asDouble(), org.assertj.core.api.Assertions.withinPercentage(0.01));
      assertThat(step).isGreaterThan(0);
    }

    try (ServingModel served = ServingModel.load(published.toString());
        TFloat64 x1 = TFloat64.vectorOf(0.9, -0.9);
        TFloat64 x2 = TFloat64.vectorOf(0.5, -0.5);
        Result r = served.call(SavedModelExport.SERVING, Map.<String, Tensor>of("x1", x1, "x2", x2))) {
      assertThat(Tensors.toStrings(r.get("classes").get())).containsExactly("pos", "neg");
    }
  }

  @Test
  public void sampledClientsAndPatienceKeepTheBestRoundOfThoseRun() throws IOException {
    Path data = data();
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-q").toString(), "run-q", null);
    TrainConfig c = config(8).withFederated(config(8).federated().withClientsPerRound(2).withPatience(2).withSeed(5));
    PCollection<String> model = p.apply(Create.of(data.toString())).apply(Train.of(c, output).withFittedFeatures(FEATURES));
    PAssert.that(model).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    TrainingHistory h = TrainingHistory.fromJson(Files.readString(output.path().resolve(Train.HISTORY_FILE)));
    // Every round ran and is recorded; the kept one is patience's choice among their eval losses.
    assertThat(h.epochs()).hasSize(8);
    FedAvg.Kept kept = FedAvg.keptRound(h.epochs().stream().map(TrainingHistory.Epoch::evalLoss).toList(), 2);
    assertThat(h.bestEpoch()).isEqualTo(kept.round());
    assertThat(h.stoppedEarly()).isEqualTo(kept.stoppedEarly());
    JsonNode rounds = new ObjectMapper().readTree(Files.readString(output.path().resolve(TrainFederated.ROUNDS_FILE)));
    assertThat(rounds.get("sampling_rate").asDouble()).isEqualTo(0.5);
    assertThat(rounds.get("kept_round").asInt()).isEqualTo(kept.round());
    // The participants of each round are the clients whose coin (seed 5, q = 1/2) came up.
    for (int r = 1; r <= 8; r++) {
      int round = r;
      long expected = java.util.stream.LongStream.range(0, 4).filter(k -> FedAvg.participates(5, round, k, 0.5)).count();
      assertThat(rounds.at("/rounds/" + (r - 1) + "/clients").asLong()).as("round %s", r).isEqualTo(expected);
    }
  }

  @Test
  public void dpFedAvgRecordsTheClientLevelEpsilonOnTheModel() throws IOException {
    Path data = data();
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-dp").toString(), "run-dp", null);
    TrainConfig c = config(3).withPrivacy(DpSgdConfig.noise(0.5, 0.8, 0.01));
    PCollection<String> model = p.apply(Create.of(data.toString()))
        .apply(TrainFederated.of(c, output, new Fixed(FEATURES), null).withDpSeedForTests(11));
    PAssert.that(model).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    PrivacyGuarantee g = PrivacyGuarantee.ofModel(output.dir());
    assertThat(g.mechanism()).isEqualTo("dp-fedavg");
    assertThat(g.unit()).isEqualTo("client");
    assertThat(g.samplingRate()).isEqualTo(1.0);
    assertThat(g.steps()).isEqualTo(3);
    assertThat(g.trainingRows()).isEqualTo(4);
    assertThat(g.epsilon()).isEqualTo(RdpAccountant.epsilon(1.0, 0.8, 3, 0.01, RdpAccountant.Conversion.TIGHT).epsilon());
    JsonNode rounds = new ObjectMapper().readTree(Files.readString(output.path().resolve(TrainFederated.ROUNDS_FILE)));
    // Each clipped update has norm at most 0.5; the step is (Σ clipped + noise) / 4.
    assertThat(rounds.at("/rounds/0/step_norm").asDouble()).isPositive();
  }

  private static TrainConfig secure(TrainConfig c, SecureAggregationConfig a) {
    return c.withFederated(c.federated().withSecureAggregation(a));
  }

  @Test
  public void secureAggregationTrainsTheModelThePlainSumTrains() throws IOException {
    Path data = data();
    StageOutput plain = new StageOutput(dir.resolve("train").resolve("plain").toString(), "plain", null);
    StageOutput masked = new StageOutput(dir.resolve("train").resolve("secure").toString(), "secure", null);
    // A clip range no local update reaches, so that only the fixed point (2^-20) separates the two sums.
    TrainConfig c = secure(config(3), SecureAggregationConfig.defaults().withClipRange(100.0));
    PCollection<String> in = p.apply(Create.of(data.toString()));
    PAssert.that(in.apply("Plain", TrainFederated.of(config(3), plain, new Fixed(FEATURES), null))).containsInAnyOrder(plain.dir());
    PAssert.that(in.apply("Secure", TrainFederated.of(c, masked, new Fixed(FEATURES), null))).containsInAnyOrder(masked.dir());
    p.run().waitUntilFinish();

    TrainingHistory a = TrainingHistory.fromJson(Files.readString(plain.path().resolve(Train.HISTORY_FILE)));
    TrainingHistory b = TrainingHistory.fromJson(Files.readString(masked.path().resolve(Train.HISTORY_FILE)));
    JsonNode ra = new ObjectMapper().readTree(Files.readString(plain.path().resolve(TrainFederated.ROUNDS_FILE)));
    JsonNode rb = new ObjectMapper().readTree(Files.readString(masked.path().resolve(TrainFederated.ROUNDS_FILE)));
    for (int r = 0; r < 3; r++) {
      assertThat(b.epochs().get(r).examples()).isEqualTo(a.epochs().get(r).examples());
      assertThat(b.epochs().get(r).evalLoss()).as("round %s", r + 1).isCloseTo(a.epochs().get(r).evalLoss(), within(1e-4));
      assertThat(b.epochs().get(r).trainLoss()).isCloseTo(a.epochs().get(r).trainLoss(), within(1e-4));
      assertThat(rb.at("/rounds/" + r + "/step_norm").asDouble()).isCloseTo(ra.at("/rounds/" + r + "/step_norm").asDouble(), within(1e-4));
      assertThat(rb.at("/rounds/" + r + "/rows").asLong()).isEqualTo(600);
      assertThat(ra.at("/rounds/" + r + "/secure_aggregation").asBoolean()).isFalse();
      assertThat(rb.at("/rounds/" + r + "/secure_aggregation").asBoolean()).isTrue();
      assertThat(rb.at("/rounds/" + r + "/participants").asInt()).isEqualTo(4);
      assertThat(rb.at("/rounds/" + r + "/dropped").asInt()).isZero();
      assertThat(rb.at("/rounds/" + r + "/threshold").asInt()).isEqualTo(3);
    }
  }

  @Test
  public void dpFedAvgWithSecureAggregationTrainsTheModelTheClearSumTrains() throws IOException {
    Path data = data();
    StageOutput plain = new StageOutput(dir.resolve("train").resolve("dp-plain").toString(), "dp-plain", null);
    StageOutput masked = new StageOutput(dir.resolve("train").resolve("dp-secure").toString(), "dp-secure", null);
    TrainConfig c = config(3).withPrivacy(DpSgdConfig.noise(0.5, 0.8, 0.01));
    // Under DP the clip range defaults to l2_norm_clip: an update clipped to L2 norm 0.5 has no coordinate beyond it.
    TrainConfig s = secure(c, SecureAggregationConfig.defaults());
    PCollection<String> in = p.apply(Create.of(data.toString()));
    PAssert.that(in.apply("Plain", TrainFederated.of(c, plain, new Fixed(FEATURES), null).withDpSeedForTests(11)))
        .containsInAnyOrder(plain.dir());
    PAssert.that(in.apply("Secure", TrainFederated.of(s, masked, new Fixed(FEATURES), null).withDpSeedForTests(11)))
        .containsInAnyOrder(masked.dir());
    p.run().waitUntilFinish();

    // The same seed draws the same clients and the same noise: only the fixed point separates the two sums.
    TrainingHistory a = TrainingHistory.fromJson(Files.readString(plain.path().resolve(Train.HISTORY_FILE)));
    TrainingHistory b = TrainingHistory.fromJson(Files.readString(masked.path().resolve(Train.HISTORY_FILE)));
    for (int r = 0; r < 3; r++) {
      assertThat(b.epochs().get(r).evalLoss()).as("round %s", r + 1).isCloseTo(a.epochs().get(r).evalLoss(), within(1e-4));
    }
    PrivacyGuarantee g = PrivacyGuarantee.ofModel(masked.dir());
    assertThat(g.mechanism()).isEqualTo("dp-fedavg");
    assertThat(g).isEqualTo(PrivacyGuarantee.ofModel(plain.dir()));
    JsonNode rounds = new ObjectMapper().readTree(Files.readString(masked.path().resolve(TrainFederated.ROUNDS_FILE)));
    assertThat(rounds.at("/rounds/0/secure_aggregation").asBoolean()).isTrue();
  }

  /** The run secret {@link TrainFederated#withDpSeedForTests} fixes for secure aggregation. */
  private static byte[] secretForTests(long seed) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.ByteBuffer.allocate(8).putLong(seed).array());
  }

  /** The clients 0..3 that drop out of {@code round} under {@code seed}. */
  private static long dropped(long seed, int round, double p) throws Exception {
    byte[] secret = secretForTests(seed);
    return java.util.stream.LongStream.range(0, 4).filter(k -> SecureSum.dropsOut(secret, round, k, p)).count();
  }

  @Test
  public void clientsThatDropOutAfterSharingTheirKeysLeaveTheSumOfTheOthers() throws Exception {
    Path data = data();
    // A seed under which some clients drop out, never more than 2 of 4 in a round (t = 2).
    long seed = 1;
    while (dropped(seed, 1, 0.3) + dropped(seed, 2, 0.3) == 0 || dropped(seed, 1, 0.3) > 2 || dropped(seed, 2, 0.3) > 2) {
      seed++;
    }
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-drop").toString(), "run-drop", null);
    TrainConfig c = secure(config(2), SecureAggregationConfig.defaults().withThreshold(0.5).withSimulatedDropout(0.3).withClipRange(100.0));
    PCollection<String> model = p.apply(Create.of(data.toString()))
        .apply(TrainFederated.of(c, output, new Fixed(FEATURES), null).withDpSeedForTests(seed));
    PAssert.that(model).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    JsonNode rounds = new ObjectMapper().readTree(Files.readString(output.path().resolve(TrainFederated.ROUNDS_FILE)));
    for (int r = 1; r <= 2; r++) {
      long d = dropped(seed, r, 0.3);
      assertThat(rounds.at("/rounds/" + (r - 1) + "/participants").asInt()).isEqualTo(4);
      assertThat(rounds.at("/rounds/" + (r - 1) + "/dropped").asLong()).as("round %s", r).isEqualTo(d);
      assertThat(rounds.at("/rounds/" + (r - 1) + "/clients").asLong()).isEqualTo(4 - d);
      assertThat(rounds.at("/rounds/" + (r - 1) + "/threshold").asInt()).isEqualTo(2);
    }
    assertThat(TrainingHistory.fromJson(Files.readString(output.path().resolve(Train.HISTORY_FILE))).epochs()).hasSize(2);
  }

  @Test
  public void fewerSurvivorsThanTheThresholdFailTheRunNamingTheRound() throws Exception {
    Path data = data();
    long seed = 1;
    while (dropped(seed, 1, 0.3) == 0) {
      seed++;
    }
    StageOutput output = new StageOutput(dir.resolve("train").resolve("run-t").toString(), "run-t", null);
    TrainConfig c = secure(config(1), SecureAggregationConfig.defaults().withThreshold(4).withSimulatedDropout(0.3));
    p.apply(Create.of(data.toString())).apply(TrainFederated.of(c, output, new Fixed(FEATURES), null).withDpSeedForTests(seed));
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .hasMessageContaining("federated round 1, secure aggregation: only " + (4 - dropped(seed, 1, 0.3)) + " clients sent masked inputs;"
            + " threshold t = 4 are needed");
    assertThat(output.path().resolve("saved_model.pb")).doesNotExist();
  }

  @Test
  public void withSecureAggregationNoUpdateInTheClearExistsAndTheServerTakesOnlyProtocolMessages() {
    StageOutput output = new StageOutput(dir.resolve("out").toString(), "r", null);
    Pipeline built = Pipeline.create();
    built.apply(Create.of("/data")).apply(Train.of(secure(config(2), SecureAggregationConfig.defaults()), output).withFittedFeatures(FEATURES));
    List<String> updates = new ArrayList<>();
    Map<String, List<Coder<?>>> serverInputs = new HashMap<>();
    built.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitValue(PValue value, TransformHierarchy.Node producer) {
        if (value instanceof PCollection<?> pc && carries(pc.getCoder(), FedAvg.ClientUpdate.class)) {
          updates.add(producer.getFullName());
        }
      }

      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        // CreateVoid is Combine.globally's own source of the default for an empty input: it reads nothing a client sent.
        if (node.getFullName().contains("/SecureSum/Server") && !node.getFullName().contains("/CreateVoid/")) {
          node.getInputs().values().forEach(v -> serverInputs.computeIfAbsent(node.getFullName(), k -> new ArrayList<>())
              .add(((PCollection<?>) v).getCoder()));
        }
      }
    });
    assertThat(updates).isEmpty();
    assertThat(serverInputs.keySet()).anyMatch(n -> n.startsWith("Train/TrainFederated/Round 2/SecureSum/ServerAggregate/"))
        .anyMatch(n -> n.startsWith("Train/TrainFederated/Round 1/SecureSum/ServerKeys/"))
        .anyMatch(n -> n.startsWith("Train/TrainFederated/Round 1/SecureSum/ServerRelay/"))
        .anyMatch(n -> n.startsWith("Train/TrainFederated/Round 1/SecureSum/ServerRequest/"));
    serverInputs.forEach((name, coders) -> assertThat(coders).as(name).isNotEmpty().allSatisfy(c ->
        assertThat(carriesSecAgg(c)).as("%s takes %s", name, c).isTrue()));
  }

  /** Whether {@code coder} encodes, inside whatever wraps it, only a secure-aggregation message or parameter. */
  private static boolean carriesSecAgg(Coder<?> coder) {
    if (coder instanceof org.apache.beam.sdk.coders.VoidCoder) {
      return true;
    }
    if (coder instanceof SerializableCoder<?> s) {
      return s.getRecordType().getPackageName().equals("dev.beamline.federated.secagg");
    }
    List<? extends Coder<?>> args = coder.getCoderArguments();
    return args.stream().anyMatch(c -> c != null && carriesSecAgg(c))
        && args.stream().allMatch(c -> c == null || carriesSecAgg(c));
  }

  /** The fitted features, fixed. */
  private record Fixed(List<FittedFeature> features) implements org.apache.beam.sdk.transforms.SerializableFunction<String, List<FittedFeature>> {
    @Override
    public List<FittedFeature> apply(String dataDir) {
      return features;
    }
  }

  @Test
  public void noCollectionAfterTheClientsGroupingHoldsRows() {
    StageOutput output = new StageOutput(dir.resolve("out").toString(), "r", null);
    // Only the graph is inspected, nothing runs: a plain pipeline, not the rule's.
    Pipeline built = Pipeline.create();
    built.apply(Create.of("/data")).apply(Train.of(config(3), output).withFittedFeatures(FEATURES));
    Map<String, List<String>> producersByKind = new HashMap<>();
    built.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitValue(PValue value, TransformHierarchy.Node producer) {
        if (value instanceof PCollection<?> pc) {
          String kind = carriesRows(pc.getCoder()) ? "rows" : carries(pc.getCoder(), FedAvg.ClientUpdate.class) ? "updates"
              : carries(pc.getCoder(), RoundModel.class) ? "models" : "other";
          producersByKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(producer.getFullName());
        }
      }
    });
    // Rows are read, keyed by client and grouped; nothing else holds them.
    assertThat(producersByKind.get("rows")).isNotEmpty().allSatisfy(name ->
        assertThat(name).matches("Train/TrainFederated/(ReadClientRows|GroupByClient)(/.*)?"));
    // What leaves a client is its update, one collection per round, which the server's sum takes in.
    assertThat(producersByKind.get("updates")).allSatisfy(name ->
        assertThat(name).matches("Train/TrainFederated/Round [123]/(LocalUpdate|SumUpdates)/.*"));
    assertThat(producersByKind.get("updates")).filteredOn(name -> name.contains("LocalUpdate")).containsExactly(
        "Train/TrainFederated/Round 1/LocalUpdate/ParMultiDo(LocalUpdate)", "Train/TrainFederated/Round 2/LocalUpdate/ParMultiDo(LocalUpdate)",
        "Train/TrainFederated/Round 3/LocalUpdate/ParMultiDo(LocalUpdate)");
    assertThat(producersByKind.get("models")).contains("Train/TrainFederated/Round 3/ServerStep/ParMultiDo(ServerStep)");
  }

  private static boolean carriesRows(Coder<?> coder) {
    return carries(coder, ClientRows.class);
  }

  /** Whether {@code coder}, or a coder inside it, encodes {@code type} by Java serialization. */
  private static boolean carries(Coder<?> coder, Class<?> type) {
    if (coder instanceof SerializableCoder<?> s && s.getRecordType().equals(type)) {
      return true;
    }
    return coder.getCoderArguments().stream().anyMatch(c -> c != null && carries(c, type));
  }
}
