package dev.beamline.training;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.federated.secagg.EncryptedShare;
import dev.beamline.federated.secagg.EncryptedShares;
import dev.beamline.federated.secagg.KeyAdvertisement;
import dev.beamline.federated.secagg.KeyDirectory;
import dev.beamline.federated.secagg.MaskedInput;
import dev.beamline.federated.secagg.SecAggClient;
import dev.beamline.federated.secagg.SecAggConfig;
import dev.beamline.federated.secagg.SecAggException;
import dev.beamline.federated.secagg.SecAggSum;
import dev.beamline.federated.secagg.UnmaskingRequest;
import dev.beamline.federated.secagg.UnmaskingResponse;
import dev.beamline.training.FedAvg.ClientUpdate;
import dev.beamline.training.FedAvg.UpdateSum;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Federated averaging as a Beam pipeline ({@link FederatedConfig}; McMahan et al. 2017): the training
 * stage's graph when {@code train.federated} is set. {@link Train} applies it; the published folder is
 * the same as centralized training's (a SavedModel on raw features, {@code training_history.json},
 * {@code provenance.json}), with {@value #ROUNDS_FILE} beside it, so evaluation, push and serving need
 * nothing new.
 *
 * <p>The graph:
 * <ol>
 *   <li>{@code ReadClientRows}: one DoFn call per shard of the training split reads its rows with
 *       {@link ShardReader} and keys them by client ({@link ClientKey}); {@code GroupByClient} gathers each
 *       client's rows. In this simulation the grouping stands for the data already living at each
 *       client: the grouped collection is the clients' places, and rows never go further.
 *   <li>Round r, unrolled in the graph ({@code Round r}): {@code LocalUpdate} runs once per client with
 *       the global model of round r−1 as a side input; a client takes part with probability q =
 *       clients_per_round / clients ({@link FedAvg#participates}), trains {@code local_epochs} over its
 *       own rows, and emits only its update Δ and its row count ({@link FedAvg.ClientUpdate});
 *       {@code SumUpdates} sums them (the one place where updates meet); with
 *       {@code federated.secure_aggregation} ({@link SecureAggregationConfig}) {@code SecureSum} replaces both
 *       {@code LocalUpdate} and {@code SumUpdates}: the participants run the secure-aggregation protocol
 *       ({@link SecureSum}, Bonawitz et al. 2017) as client steps ({@code AdvertiseKeys}, {@code ShareKeys},
 *       {@code MaskInput}, which trains, {@code Unmask}) and server steps ({@code ServerKeys},
 *       {@code ServerRelay}, {@code ServerRequest}, {@code ServerAggregate}) that take only the protocol's
 *       messages, so no update in the clear exists in the graph; {@code ServerStep} makes the global model of round r ({@link FedAvg#serverStep},
 *       with DP-FedAvg's noise, {@link DpFedAvg}).
 *   <li>{@code EvaluateAndPublish}: every round's global model is evaluated on the eval split (each
 *       round is one "epoch" of the {@link TrainingHistory}); with {@code federated.patience} the round
 *       with the lowest eval loss before the loss stopped improving is kept (the later rounds have run:
 *       an unrolled graph cannot stop, it only leaves them unused), else the last; the kept model is
 *       exported as any other.
 * </ol>
 *
 * <p>The rounds are fixed when the graph is built ({@code federated.rounds} of the configuration, not
 * of tuned values); the graph holds a few transforms per round, fine for tens of rounds.
 *
 * <pre>{@code
 * PCollection<String> model = dataDirs.apply(TrainFederated.of(config, output, fitted, null));
 * }</pre>
 */
public final class TrainFederated extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TrainFederated.class);
  /** The file, beside the SavedModel, with what each round did and its global model's eval metrics. */
  public static final String ROUNDS_FILE = "federated_rounds.json";
  /** Rows of one client gathered from a shard before they are emitted as one block. */
  private static final int BLOCK_ROWS = 8192;
  private static final int SLICE_ROWS = 4096;

  private final Configured setup;
  private final StageOutput output;
  /**
   * Tests only: the seed of DP-FedAvg's client sampling and noise, and of secure aggregation's run secret, otherwise
   * secret; null in production.
   */
  private final Long dpSeedForTests;

  private TrainFederated(Configured setup, StageOutput output, Long dpSeedForTests) {
    this.setup = setup;
    this.output = output;
    this.dpSeedForTests = dpSeedForTests;
  }

  /**
   * Trains {@code config} (whose {@code federated} is set) on the transformed data whose folder arrives
   * as the input element, with the fitted features {@code fitted} reads from it and the tuned values in
   * {@code hyperparametersDir} (or null), and publishes to {@code output}.
   */
  public static TrainFederated of(TrainConfig config, StageOutput output, SerializableFunction<String, List<FittedFeature>> fitted,
      String hyperparametersDir) {
    checkNotNull(config, "config");
    checkState(config.federated() != null, "TrainFederated needs train.federated");
    return new TrainFederated(new Configured(config, checkNotNull(fitted, "fitted"), hyperparametersDir), checkNotNull(output, "output"), null);
  }

  /**
   * Tests only: DP-FedAvg's client sampling and noise, and secure aggregation's client secrets and simulated
   * dropouts, drawn from {@code seed}, so that a test is reproducible. Whoever knows the seed can subtract the
   * noise and remove the masks: such a model has no privacy.
   */
  TrainFederated withDpSeedForTests(long seed) {
    return new TrainFederated(setup, output, seed);
  }

  @Override
  public PCollection<String> expand(PCollection<String> dataDirs) {
    FedAvg.check(setup.config);
    int rounds = setup.config.federated().rounds();
    PCollection<String> dir = dataDirs
        .apply("OneKey", WithKeys.of("model"))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("Gather", GroupByKey.create())
        .apply("OneFolder", ParDo.of(new OneFolder()))
        .setCoder(StringUtf8Coder.of());
    PCollection<KV<Long, Iterable<ClientRows>>> clients = dir
        .apply("ListShards", ParDo.of(new ListShards(setup)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("ReadClientRows", ParDo.of(new ReadClientRows(setup)))
        .setCoder(KvCoder.of(VarLongCoder.of(), SerializableCoder.of(ClientRows.class)))
        .apply("GroupByClient", GroupByKey.create());
    PCollectionView<RoundModel> global = dir
        .apply("InitialModel", ParDo.of(new InitialModel(setup)))
        .setCoder(SerializableCoder.of(RoundModel.class))
        .apply("InitialModelView", View.asSingleton());
    PCollectionView<Plan> plan = clients
        // Each client says only that it is there; counting the grouped collection itself would move its rows.
        .apply("ClientPresent", ParDo.of(new ClientPresent()))
        .setCoder(VarLongCoder.of())
        .apply("CountClients", Sum.longsGlobally())
        .apply("Plan", ParDo.of(new MakePlan(setup, global, rounds, dpSeedForTests)).withSideInputs(global))
        .setCoder(SerializableCoder.of(Plan.class))
        .apply("PlanView", View.asSingleton());
    PCollectionList<RoundModel> all = PCollectionList.empty(dataDirs.getPipeline());
    for (int r = 1; r <= rounds; r++) {
      PCollection<RoundModel> next = clients.apply("Round " + r, new Round(setup, r, global, plan));
      all = all.and(next);
      global = next.apply("Round " + r + " view", View.asSingleton());
    }
    return all
        .apply("AllRounds", Flatten.pCollections())
        .apply("RoundsOneKey", WithKeys.of("model"))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(RoundModel.class)))
        .apply("GatherRounds", GroupByKey.create())
        .apply("EvaluateAndPublish", ParDo.of(new EvaluateAndPublish(setup, output, plan)).withSideInputs(plan))
        .setCoder(StringUtf8Coder.of());
  }

  /**
   * The run's plan, fixed once the clients are counted: the clients K, the sampling rate q, the seed of
   * the sampling (the configured one, or a secret one under DP-FedAvg), DP-FedAvg's mechanism (or null),
   * the tests' noise seed (null: noise from {@link SecureRandom}), and the run secret that secure aggregation's
   * client secrets are derived from (null without secure aggregation; drawn at run time, never recorded).
   */
  record Plan(long clients, double samplingRate, long samplingSeed, DpFedAvg.Plan dp, Long noiseSeedForTests, byte[] secret)
      implements Serializable {}

  /** One round: local updates, their sum, the server's step. */
  private static final class Round extends PTransform<PCollection<KV<Long, Iterable<ClientRows>>>, PCollection<RoundModel>> {
    private static final long serialVersionUID = 1L;
    private final Configured setup;
    private final int round;
    private final PCollectionView<RoundModel> global;
    private final PCollectionView<Plan> plan;

    Round(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan) {
      this.setup = setup;
      this.round = round;
      this.global = global;
      this.plan = plan;
    }

    @Override
    public PCollection<RoundModel> expand(PCollection<KV<Long, Iterable<ClientRows>>> clients) {
      PCollection<UpdateSum> sum;
      if (setup.config.federated().secureAggregation() != null) {
        // The server sees masked updates and their sum only; no update in the clear exists in the graph.
        sum = clients.apply("SecureSum", new SecureRound(setup, round, global, plan));
      } else {
        sum = clients
            .apply("LocalUpdate", ParDo.of(new LocalUpdate(setup, round, global, plan)).withSideInputs(global, plan))
            .setCoder(SerializableCoder.of(ClientUpdate.class))
            // The server's sum of the updates in the clear.
            .apply("SumUpdates", Combine.globally(new FedAvg.SumUpdates()))
            .setCoder(SerializableCoder.of(UpdateSum.class));
      }
      return sum
          .apply("ServerStep", ParDo.of(new ServerStep(setup, round, global, plan)).withSideInputs(global, plan))
          .setCoder(SerializableCoder.of(RoundModel.class));
    }
  }

  /**
   * One round's sum by secure aggregation ({@link SecureSum}), in place of {@code SumUpdates}: the client steps run
   * in the clients' places over the grouped collection; the server steps ({@code Server…}) take only the protocol's
   * messages, never an update in the clear.
   */
  private static final class SecureRound extends PTransform<PCollection<KV<Long, Iterable<ClientRows>>>, PCollection<UpdateSum>> {
    private static final long serialVersionUID = 1L;
    private final Configured setup;
    private final int round;
    private final PCollectionView<RoundModel> global;
    private final PCollectionView<Plan> plan;

    SecureRound(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan) {
      this.setup = setup;
      this.round = round;
      this.global = global;
      this.plan = plan;
    }

    @Override
    public PCollection<UpdateSum> expand(PCollection<KV<Long, Iterable<ClientRows>>> clients) {
      PCollectionView<SecureSum.Roster> roster = clients
          .apply("Participate", ParDo.of(new Participate(round, plan)).withSideInputs(plan))
          .setCoder(VarLongCoder.of())
          .apply("Roster", Combine.globally(new MakeRoster()))
          .setCoder(SerializableCoder.of(SecureSum.Roster.class))
          .apply("RosterView", View.asSingleton());
      PCollectionView<SecAggConfig> protocol = clients.getPipeline()
          .apply("Start", Create.of(round))
          .apply("Protocol", ParDo.of(new MakeProtocol(setup, round, global, roster)).withSideInputs(global, roster))
          .setCoder(SerializableCoder.of(SecAggConfig.class))
          .apply("ProtocolView", View.asSingleton());
      ClientSide side = new ClientSide(setup, round, global, plan, roster, protocol);

      PCollectionView<KeyDirectory> directory = clients
          .apply("AdvertiseKeys", ParDo.of(new ClientStep<KeyAdvertisement>(side, 0)).withSideInputs(side.views()))
          .setCoder(SerializableCoder.of(KeyAdvertisement.class))
          .apply("ServerKeys", SecureRound.<KeyAdvertisement, KeyDirectory>server(round, protocol, List.of(), (p, m, c) -> SecureSum.directory(p, m)))
          .setCoder(SerializableCoder.of(KeyDirectory.class))
          .apply("KeyDirectoryView", View.asSingleton());
      side = side.with(directory, null, null);

      PCollectionView<List<EncryptedShares>> relayed = clients
          .apply("ShareKeys", ParDo.of(new ClientStep<EncryptedShares>(side, 1)).withSideInputs(side.views()))
          .setCoder(SerializableCoder.of(EncryptedShares.class))
          .apply("ServerRelay", SecureRound.<EncryptedShares, List<EncryptedShares>>server(round, protocol, List.of(directory), (p, m, c) -> SecureSum.relay(p, c.sideInput(directory), m)))
          .setCoder(ListCoder.of(SerializableCoder.of(EncryptedShares.class)))
          .apply("RelayView", View.asSingleton());
      side = side.with(directory, relayed, null);

      PCollection<List<MaskedInput>> masked = clients
          .apply("MaskInput", ParDo.of(new ClientStep<MaskedInput>(side, 2)).withSideInputs(side.views()))
          .setCoder(SerializableCoder.of(MaskedInput.class))
          .apply("ServerCollectMasked", Combine.globally(new Gather<MaskedInput>()));
      PCollectionView<List<MaskedInput>> maskedView = masked.apply("MaskedView", View.asSingleton());
      PCollectionView<UnmaskingRequest> request = masked
          .apply("ServerRequest", ParDo.of(new ServerFn<MaskedInput, UnmaskingRequest>(round, protocol,
              (p, m, c) -> SecureSum.request(p, c.sideInput(directory), c.sideInput(relayed), m))).withSideInputs(protocol, directory, relayed))
          .setCoder(SerializableCoder.of(UnmaskingRequest.class))
          .apply("RequestView", View.asSingleton());
      side = side.with(directory, relayed, request);

      return clients
          .apply("Unmask", ParDo.of(new ClientStep<UnmaskingResponse>(side, 3)).withSideInputs(side.views()))
          .setCoder(SerializableCoder.of(UnmaskingResponse.class))
          .apply("ServerAggregate", SecureRound.<UnmaskingResponse, UpdateSum>server(round, protocol, List.of(directory, relayed, maskedView, request), (p, m, c) -> {
            SecAggSum sum = SecureSum.aggregate(p, c.sideInput(directory), c.sideInput(relayed), c.sideInput(maskedView), m);
            return SecureSum.decode(sum, p, c.sideInput(directory).keys().size());
          }))
          .setCoder(SerializableCoder.of(UpdateSum.class));
    }

    /** Gathers one kind of message and hands the list to {@code step}, with the protocol and {@code sides}. */
    private static <M extends Serializable, O> PTransform<PCollection<M>, PCollection<O>> server(int round, PCollectionView<SecAggConfig> protocol,
        List<PCollectionView<?>> sides, ServerStepFn<M, O> step) {
      return new PTransform<>() {
        private static final long serialVersionUID = 1L;

        @Override
        public PCollection<O> expand(PCollection<M> messages) {
          List<PCollectionView<?>> all = new ArrayList<>(sides);
          all.add(protocol);
          return messages
              .apply("Gather", Combine.globally(new Gather<M>()))
              .apply("Run", ParDo.of(new ServerFn<M, O>(round, protocol, step)).withSideInputs(all));
        }
      };
    }
  }

  /** One server step of secure aggregation: the protocol, this step's gathered messages, and the context for side inputs. */
  private interface ServerStepFn<M, O> extends Serializable {
    O apply(SecAggConfig protocol, List<M> messages, DoFn<List<M>, O>.ProcessContext c);
  }

  /** Runs a {@link ServerStepFn} on the gathered messages. */
  private static final class ServerFn<M, O> extends DoFn<List<M>, O> {
    private static final long serialVersionUID = 1L;
    private final int round;
    private final PCollectionView<SecAggConfig> protocol;
    private final ServerStepFn<M, O> step;

    ServerFn(int round, PCollectionView<SecAggConfig> protocol, ServerStepFn<M, O> step) {
      this.round = round;
      this.protocol = protocol;
      this.step = step;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      try {
        c.output(step.apply(c.sideInput(protocol), c.element(), c));
      } catch (SecAggException e) {
        // Exact sums or none: a round the protocol aborts fails the run, naming the round.
        throw new SecAggException("federated round " + round + ", secure aggregation: " + e.getMessage());
      }
    }
  }

  /** All the messages of one kind, in one list (the server's inbox for a protocol round). */
  private static final class Gather<M> extends Combine.CombineFn<M, List<M>, List<M>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<M> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<M> addInput(List<M> acc, M m) {
      acc.add(m);
      return acc;
    }

    @Override
    public List<M> mergeAccumulators(Iterable<List<M>> accs) {
      List<M> out = new ArrayList<>();
      accs.forEach(out::addAll);
      return out;
    }

    @Override
    public List<M> extractOutput(List<M> acc) {
      return acc;
    }

    @Override
    public Coder<List<M>> getAccumulatorCoder(CoderRegistry registry, Coder<M> inputCoder) {
      return ListCoder.of(inputCoder);
    }

    @Override
    public Coder<List<M>> getDefaultOutputCoder(CoderRegistry registry, Coder<M> inputCoder) {
      return ListCoder.of(inputCoder);
    }
  }

  /** The key of each client that takes part in the round: all the server learns before the keys are advertised. */
  private static final class Participate extends DoFn<KV<Long, Iterable<ClientRows>>, Long> {
    private static final long serialVersionUID = 1L;
    private final int round;
    private final PCollectionView<Plan> plan;

    Participate(int round, PCollectionView<Plan> plan) {
      this.round = round;
      this.plan = plan;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      Plan p = c.sideInput(plan);
      long client = c.element().getKey();
      if (FedAvg.participates(p.samplingSeed(), round, client, p.samplingRate())) {
        c.output(client);
      }
    }
  }

  /** The round's participants, numbered 0..n−1 by sorted client key. */
  private static final class MakeRoster extends Combine.CombineFn<Long, TreeSet<Long>, SecureSum.Roster> {
    private static final long serialVersionUID = 1L;

    @Override
    public TreeSet<Long> createAccumulator() {
      return new TreeSet<>();
    }

    @Override
    public TreeSet<Long> addInput(TreeSet<Long> acc, Long client) {
      acc.add(client);
      return acc;
    }

    @Override
    public TreeSet<Long> mergeAccumulators(Iterable<TreeSet<Long>> accs) {
      TreeSet<Long> out = new TreeSet<>();
      accs.forEach(out::addAll);
      return out;
    }

    @Override
    public SecureSum.Roster extractOutput(TreeSet<Long> acc) {
      return new SecureSum.Roster(acc.stream().mapToLong(Long::longValue).toArray());
    }
  }

  /** The protocol's parameters for the round: n from the roster, t, the vector length from the model. */
  private static final class MakeProtocol extends ResolvingFn<Integer, SecAggConfig> {
    private static final long serialVersionUID = 1L;
    private final int round;
    private final PCollectionView<RoundModel> global;
    private final PCollectionView<SecureSum.Roster> roster;

    MakeProtocol(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<SecureSum.Roster> roster) {
      super(setup);
      this.round = round;
      this.global = global;
      this.roster = roster;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      RoundModel g = c.sideInput(global);
      Resolved r = resolved(g.dataDir());
      int parameters = FedAvg.flatten(g.weights(r.spec())).length;
      c.output(SecureSum.protocol(r.federated().secureAggregation(), round, c.sideInput(roster).size(), SecureSum.vectorLength(parameters)));
    }
  }

  /** What every client step reads: the round's views, and those of the protocol rounds already closed. */
  private record ClientSide(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan,
      PCollectionView<SecureSum.Roster> roster, PCollectionView<SecAggConfig> protocol, PCollectionView<KeyDirectory> directory,
      PCollectionView<List<EncryptedShares>> relayed, PCollectionView<UnmaskingRequest> request) implements Serializable {
    ClientSide(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan,
        PCollectionView<SecureSum.Roster> roster, PCollectionView<SecAggConfig> protocol) {
      this(setup, round, global, plan, roster, protocol, null, null, null);
    }

    ClientSide with(PCollectionView<KeyDirectory> directory, PCollectionView<List<EncryptedShares>> relayed,
        PCollectionView<UnmaskingRequest> request) {
      return new ClientSide(setup, round, global, plan, roster, protocol, directory, relayed, request);
    }

    List<PCollectionView<?>> views() {
      List<PCollectionView<?>> out = new ArrayList<>(List.of(global, plan, roster, protocol));
      for (PCollectionView<?> v : java.util.Arrays.asList(directory, relayed, request)) {
        if (v != null) {
          out.add(v);
        }
      }
      return out;
    }
  }

  /**
   * A participant's step of the protocol, in the client's place: re-creates the client from its seed, replays the
   * rounds it has already sent, and sends the message of round {@code step} (0: keys, 1: shares, 2: masked update,
   * 3: unmasking shares). Only step 2 trains; a simulated dropout sends nothing from step 2 on.
   */
  private static final class ClientStep<O> extends ResolvingFn<KV<Long, Iterable<ClientRows>>, O> {
    private static final long serialVersionUID = 1L;
    private final ClientSide side;
    private final int step;
    private transient TrainingGraph graph;

    ClientStep(ClientSide side, int step) {
      super(side.setup());
      this.side = side;
      this.step = step;
    }

    @ProcessElement
    @SuppressWarnings("unchecked")
    public void process(ProcessContext c) {
      long client = c.element().getKey();
      Plan p = c.sideInput(side.plan());
      int round = side.round();
      if (!FedAvg.participates(p.samplingSeed(), round, client, p.samplingRate())) {
        return;
      }
      RoundModel g = c.sideInput(side.global());
      Resolved r = resolved(g.dataDir());
      SecureAggregationConfig s = r.federated().secureAggregation();
      if (step >= 2 && SecureSum.dropsOut(p.secret(), round, client, s.simulatedDropout())) {
        return;
      }
      SecAggConfig protocol = c.sideInput(side.protocol());
      SecureSum.Roster roster = c.sideInput(side.roster());
      SecAggClient me = SecureSum.client(protocol, p.secret(), round, roster, client);
      KeyAdvertisement keys = me.advertiseKeys();
      if (step == 0) {
        c.output((O) keys);
        return;
      }
      EncryptedShares shares = me.shareKeys(c.sideInput(side.directory()));
      if (step == 1) {
        c.output((O) shares);
        return;
      }
      List<EncryptedShare> forMe = SecureSum.sharesFor(me.clientId(), c.sideInput(side.relayed()));
      if (step == 2) {
        ClientUpdate u = localUpdate(r, g, p, client, c.element().getValue());
        Double dpClip = p.dp() == null ? null : p.dp().l2NormClip();
        c.output((O) me.maskEncodedInput(SecureSum.encode(u, s.clipRangeOr(dpClip), protocol), forMe));
        return;
      }
      me.maskEncodedInput(SecureSum.placeholder(protocol), forMe);
      UnmaskingRequest request = c.sideInput(side.request());
      if (request.survivors().contains(me.clientId())) {
        c.output((O) me.unmask(request));
      }
    }

    private ClientUpdate localUpdate(Resolved r, RoundModel g, Plan p, long client, Iterable<ClientRows> blocks) {
      if (graph == null) {
        graph = TrainingGraph.build(r.spec(), ClassBalance.resolve(r.spec(), null).graphWeights(), 1, null);
      }
      return LocalUpdate.train(graph, r, g, p, side.round(), client, blocks);
    }

    @Teardown
    public void teardown() {
      if (graph != null) {
        graph.close();
        graph = null;
      }
    }
  }

  /** The configuration, the fitted features and tuned values it is resolved with when the pipeline runs. */
  private static final class Configured implements Serializable {
    private static final long serialVersionUID = 1L;
    final TrainConfig config;
    final SerializableFunction<String, List<FittedFeature>> fitted;
    final String hyperparametersDir;

    Configured(TrainConfig config, SerializableFunction<String, List<FittedFeature>> fitted, String hyperparametersDir) {
      this.config = config;
      this.fitted = fitted;
      this.hyperparametersDir = hyperparametersDir;
    }

    Resolved resolve(String dataDir) {
      Hyperparameters tuned = hyperparametersDir == null ? null : Hyperparameters.read(hyperparametersDir);
      TrainConfig used = tuned == null ? config : tuned.applyTo(config);
      List<FittedFeature> features = fitted.apply(dataDir);
      ModelSpec spec = ModelSpec.resolve(used, features);
      ClassBalance.check(spec, true);
      FedAvg.check(used, features);
      return new Resolved(dataDir, used, tuned, spec, TrainingGraph.columns(spec, true), ClientKey.of(used.federated().clientColumn(), features));
    }
  }

  /** The configuration as trained, its model and the client key, for one transformed-data folder. */
  private record Resolved(String dataDir, TrainConfig used, Hyperparameters tuned, ModelSpec spec, List<Column> layout, ClientKey key) {
    int labelColumn() {
      return spec.classification() ? layout.size() - 1 : -1;
    }

    FederatedConfig federated() {
      return used.federated();
    }
  }

  /** A DoFn that resolves the configuration once per folder it sees. */
  private abstract static class ResolvingFn<I, O> extends DoFn<I, O> {
    private static final long serialVersionUID = 1L;
    final Configured setup;
    private transient Resolved resolved;

    ResolvingFn(Configured setup) {
      this.setup = setup;
    }

    Resolved resolved(String dataDir) {
      if (resolved == null || !resolved.dataDir().equals(dataDir)) {
        resolved = setup.resolve(dataDir);
      }
      return resolved;
    }
  }

  /** The one transformed-data folder of the gathered input elements. */
  private static final class OneFolder extends DoFn<KV<String, Iterable<String>>, String> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> dirs, OutputReceiver<String> out) {
      TreeSet<String> distinct = new TreeSet<>();
      dirs.getValue().forEach(distinct::add);
      checkState(distinct.size() == 1, "Train expects one transformed-data folder, got %s", distinct);
      out.output(distinct.first());
    }
  }

  /** The training split's shards, each with its folder. */
  private static final class ListShards extends ResolvingFn<String, KV<String, String>> {
    private static final long serialVersionUID = 1L;

    ListShards(Configured setup) {
      super(setup);
    }

    @ProcessElement
    public void process(@Element String dataDir, OutputReceiver<KV<String, String>> out) {
      Resolved r = resolved(dataDir);
      List<String> shards = Trainer.shards(dataDir, r.used().trainSplit());
      if (shards.isEmpty()) {
        throw new DataCheckException("no training data: " + dataDir + "/" + r.used().trainSplit() + "/ holds no Parquet shards");
      }
      for (String s : shards) {
        out.output(KV.of(dataDir, s));
      }
    }
  }

  /** The rows of one shard, in blocks by client; rows whose label has no class are skipped and counted. */
  private static final class ReadClientRows extends ResolvingFn<KV<String, String>, KV<Long, ClientRows>> {
    private static final long serialVersionUID = 1L;
    private final Counter skipped = Metrics.counter(TrainFederated.class, "skipped_train_rows");
    private final Counter rowsRead = Metrics.counter(TrainFederated.class, "train_rows");

    ReadClientRows(Configured setup) {
      super(setup);
    }

    @ProcessElement
    public void process(@Element KV<String, String> shard, OutputReceiver<KV<Long, ClientRows>> out) {
      Resolved r = resolved(shard.getKey());
      List<Column> layout = r.layout();
      List<Column> columns = new ArrayList<>(layout);
      int keyColumn = -1;
      for (int c = 0; c < layout.size(); c++) {
        if (layout.get(c).name().equals(r.key().column().name())) {
          keyColumn = c;
        }
      }
      if (keyColumn < 0) {
        // The model does not read the client column: read it beside the model's columns.
        columns.add(r.key().column());
        keyColumn = columns.size() - 1;
      }
      int label = r.labelColumn();
      Map<Long, RowsBuilder> byClient = new LinkedHashMap<>();
      Object[] slice = new Object[columns.size()];
      for (int c = 0; c < columns.size(); c++) {
        slice[c] = columns.get(c).newArray(SLICE_ROWS);
      }
      try (ShardReader reader = new ShardReader(shard.getValue(), columns)) {
        int n;
        while ((n = reader.read(slice, 0, SLICE_ROWS)) > 0) {
          for (int i = 0; i < n; i++) {
            if (label >= 0 && ((long[]) slice[label])[i] < 0) {
              skipped.inc();
              continue;
            }
            long client = r.key().of(slice[keyColumn], i);
            RowsBuilder b = byClient.computeIfAbsent(client, k -> new RowsBuilder(layout));
            b.add(slice, i);
            rowsRead.inc();
            if (b.size == BLOCK_ROWS) {
              out.output(KV.of(client, b.build()));
              byClient.remove(client);
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + shard.getValue() + ": " + e.getMessage(), e);
      }
      byClient.forEach((client, b) -> out.output(KV.of(client, b.build())));
    }
  }

  /** A growing block of rows in the model's column layout. */
  private static final class RowsBuilder {
    private final List<Column> layout;
    private Object[] arrays;
    private int capacity = 64;
    int size;

    RowsBuilder(List<Column> layout) {
      this.layout = layout;
      arrays = new Object[layout.size()];
      for (int c = 0; c < layout.size(); c++) {
        arrays[c] = layout.get(c).newArray(capacity);
      }
    }

    void add(Object[] from, int row) {
      if (size == capacity) {
        capacity *= 2;
        for (int c = 0; c < layout.size(); c++) {
          Object bigger = layout.get(c).newArray(capacity);
          System.arraycopy(arrays[c], 0, bigger, 0, size * layout.get(c).width());
          arrays[c] = bigger;
        }
      }
      for (int c = 0; c < layout.size(); c++) {
        int w = layout.get(c).width();
        System.arraycopy(from[c], row * w, arrays[c], size * w, w);
      }
      size++;
    }

    ClientRows build() {
      Object[] out = new Object[layout.size()];
      for (int c = 0; c < layout.size(); c++) {
        out[c] = layout.get(c).newArray(size);
        System.arraycopy(arrays[c], 0, out[c], 0, size * layout.get(c).width());
      }
      return new ClientRows(size, out);
    }
  }

  /** 1 for each client, in the client's place: what the server counts the clients by. */
  private static final class ClientPresent extends DoFn<KV<Long, Iterable<ClientRows>>, Long> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void process(OutputReceiver<Long> out) {
      out.output(1L);
    }
  }

  /** Round 0: the initial weights, as centralized training's ({@link Weights#initial}). */
  private static final class InitialModel extends ResolvingFn<String, RoundModel> {
    private static final long serialVersionUID = 1L;

    InitialModel(Configured setup) {
      super(setup);
    }

    @ProcessElement
    public void process(@Element String dataDir, OutputReceiver<RoundModel> out) {
      Resolved r = resolved(dataDir);
      out.output(RoundModel.of(0, dataDir, Weights.initial(r.spec(), r.used().seed()), RoundModel.Stats.NONE));
    }
  }

  /** The plan, once the clients are counted. */
  private static final class MakePlan extends ResolvingFn<Long, Plan> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<RoundModel> initial;
    private final int rounds;
    private final Long dpSeedForTests;

    MakePlan(Configured setup, PCollectionView<RoundModel> initial, int rounds, Long dpSeedForTests) {
      super(setup);
      this.initial = initial;
      this.rounds = rounds;
      this.dpSeedForTests = dpSeedForTests;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      long clients = c.element();
      Resolved r = resolved(c.sideInput(initial).dataDir());
      if (clients == 0) {
        throw new DataCheckException("no training examples in split '" + r.used().trainSplit() + "': federated training has no clients");
      }
      FederatedConfig f = r.federated();
      DpFedAvg.Plan dp = r.used().privacy() == null ? null : DpFedAvg.plan(r.used().privacy(), clients, f.clientsPerRound(), rounds);
      double q = FedAvg.samplingRate(f.clientsPerRound(), clients);
      // Under DP-FedAvg the sampling is secret, as DP-SGD's batches are: drawn now, never recorded.
      long seed = dp == null ? f.seed() : dpSeedForTests != null ? dpSeedForTests : new SecureRandom().nextLong();
      LOG.info("Federated averaging of '{}' by '{}': {} clients, {} rounds, each client taking part with probability {}, {} local epoch(s){}",
          r.spec().label().name(), f.clientColumn(), clients, rounds, String.format(Locale.ROOT, "%.4g", q), f.localEpochs(),
          dp == null ? "" : String.format(Locale.ROOT, "; DP-FedAvg: clip %s, noise multiplier %.4f, delta %s", dp.l2NormClip(),
              dp.noiseMultiplier(), dp.delta()));
      c.output(new Plan(clients, q, seed, dp, dp == null ? null : dpSeedForTests, f.secureAggregation() == null ? null : runSecret(dpSeedForTests)));
    }

    /** 32 secret bytes from {@link SecureRandom}; in tests, the SHA-256 of the tests' seed. */
    private static byte[] runSecret(Long seedForTests) {
      if (seedForTests == null) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
      }
      try {
        return MessageDigest.getInstance("SHA-256").digest(ByteBuffer.allocate(8).putLong(seedForTests).array());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is unavailable", e);
      }
    }
  }

  /**
   * A client's round, in the client's place: takes part or not, trains the global model on its own
   * rows and emits only the update. The training graph is built once per DoFn instance (TensorFlow
   * sessions are not serializable) and reused across clients and rounds.
   */
  private static final class LocalUpdate extends ResolvingFn<KV<Long, Iterable<ClientRows>>, ClientUpdate> {
    private static final long serialVersionUID = 1L;
    private final int round;
    private final PCollectionView<RoundModel> global;
    private final PCollectionView<Plan> plan;
    private transient TrainingGraph graph;

    LocalUpdate(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan) {
      super(setup);
      this.round = round;
      this.global = global;
      this.plan = plan;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      long client = c.element().getKey();
      Plan p = c.sideInput(plan);
      if (!FedAvg.participates(p.samplingSeed(), round, client, p.samplingRate())) {
        return;
      }
      RoundModel g = c.sideInput(global);
      Resolved r = resolved(g.dataDir());
      if (graph == null) {
        // One thread per session: the runner trains clients side by side.
        graph = TrainingGraph.build(r.spec(), ClassBalance.resolve(r.spec(), null).graphWeights(), 1, null);
      }
      c.output(train(graph, r, g, p, round, client, c.element().getValue()));
    }

    /** The client's update: {@code local_epochs} over its rows from the global model, clipped under DP-FedAvg. */
    static ClientUpdate train(TrainingGraph graph, Resolved r, RoundModel g, Plan p, int round, long client, Iterable<ClientRows> blocks) {
      ClientRows rows = ClientRows.concat(r.layout(), blocks);
      FederatedConfig f = r.federated();
      long shuffleSeed = Trainer.epochSeed(r.used().seed() ^ Trainer.epochSeed(client, 0), round);
      ClientUpdate u = FedAvg.localUpdate(graph, g.weights(r.spec()), rows, r.layout(), f.localEpochs(), f.localBatchSize(), shuffleSeed);
      if (p.dp() != null) {
        // DP-FedAvg: the client clips its own update; every clipped update weighs the same.
        u = new ClientUpdate(DpFedAvg.clip(u.delta(), p.dp().l2NormClip()), 1.0, u.rows(), u.lossSum(), u.examples(), u.steps(), u.seconds());
      }
      return u;
    }

    @Teardown
    public void teardown() {
      if (graph != null) {
        graph.close();
        graph = null;
      }
    }
  }

  /** The server's step of a round: the average update (with DP-FedAvg's noise) applied to the global model. */
  private static final class ServerStep extends ResolvingFn<UpdateSum, RoundModel> {
    private static final long serialVersionUID = 1L;
    private final int round;
    private final PCollectionView<RoundModel> global;
    private final PCollectionView<Plan> plan;

    ServerStep(Configured setup, int round, PCollectionView<RoundModel> global, PCollectionView<Plan> plan) {
      super(setup);
      this.round = round;
      this.global = global;
      this.plan = plan;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      UpdateSum s = c.element();
      Plan p = c.sideInput(plan);
      RoundModel g = c.sideInput(global);
      Resolved r = resolved(g.dataDir());
      Weights before = g.weights(r.spec());
      Weights after;
      if (p.dp() == null) {
        // FedAvg's weighting: by the participants' rows.
        after = FedAvg.serverStep(before, s.sum, s.weight, r.federated().serverLearningRate());
      } else {
        // DP-FedAvg: noise on the sum even when nobody took part, and the fixed denominator q·K.
        double[] sum = s.sum == null ? new double[FedAvg.flatten(before).length] : s.sum.clone();
        RandomGenerator random = p.noiseSeedForTests() == null
            ? new SecureRandom()
            : new SplittableRandom(Trainer.epochSeed(p.noiseSeedForTests(), round));
        DpFedAvg.addNoise(sum, p.dp().noiseStddev(), random);
        after = FedAvg.serverStep(before, sum, p.dp().expectedClients(), r.federated().serverLearningRate());
      }
      float[] step = FedAvg.flatten(after);
      float[] old = FedAvg.flatten(before);
      for (int i = 0; i < step.length; i++) {
        step[i] -= old[i];
      }
      c.output(RoundModel.of(round, g.dataDir(), after,
          new RoundModel.Stats(s.clients, s.rows, s.lossSum, s.examples, s.steps, s.seconds, DpFedAvg.norm(step), s.secure)));
    }
  }

  /** Evaluates every round's global model, keeps one, exports and publishes it. */
  private static final class EvaluateAndPublish extends ResolvingFn<KV<String, Iterable<RoundModel>>, String> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final StageOutput output;
    private final PCollectionView<Plan> plan;

    EvaluateAndPublish(Configured setup, StageOutput output, PCollectionView<Plan> plan) {
      super(setup);
      this.output = output;
      this.plan = plan;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      // A retried bundle finds the model already published: the output is complete, emit it again.
      if (output.isPublished()) {
        c.output(output.dir());
        return;
      }
      Storage.deleteRecursively(output.stagingDir());
      List<RoundModel> rounds = new ArrayList<>();
      c.element().getValue().forEach(rounds::add);
      rounds.sort(Comparator.comparingInt(RoundModel::round));
      Plan p = c.sideInput(plan);
      Resolved r = resolved(rounds.get(0).dataDir());
      TrainConfig used = r.used();
      FederatedConfig f = r.federated();
      String dataDir = r.dataDir();
      List<String> evalFiles = used.evalSplit() == null || used.evalSplit().isEmpty() ? List.of() : Trainer.shards(dataDir, used.evalSplit());
      if (f.patience() != null && evalFiles.isEmpty()) {
        throw new DataCheckException("train.federated.patience needs eval data, but " + dataDir + "/" + used.evalSplit() + "/ holds no Parquet shards");
      }
      ModelSpec spec = r.spec();
      TrainingGraph graph = TrainingGraph.build(spec, null, 0, null);
      try {
        TrainingHistory history = evaluate(graph, r, rounds, evalFiles);
        graph.load(rounds.get(history.bestEpoch() - 1).weights(spec));
        PrivacyGuarantee privacy = p.dp() == null ? PrivacyGuarantee.NONE : p.dp().guarantee(rounds.size());
        TrainingHistory.Epoch best = history.best();
        LOG.info("Trained '{}' by federated averaging: {} rounds over {} clients, kept round {} (eval loss {}); {}", spec.label().name(),
            rounds.size(), p.clients(), history.bestEpoch(), best.evalLoss(), privacy.describe());
        try (TrainedModel model = new TrainedModel(spec, graph, history, dataDir, ClassBalance.resolve(spec, null), privacy)) {
          graph = null;
          Train.export(model, output);
          // The global model of every round, beside the kept one.
          for (RoundModel m : rounds) {
            Storage.write(output.staged(RoundWeights.file(m.round())), RoundWeights.encode(m.valuesView()));
          }
          Map<String, String> files = new LinkedHashMap<>();
          files.put(Train.HISTORY_FILE, history.toJson());
          files.put(ROUNDS_FILE, roundsJson(rounds, history, p));
          if (r.tuned() != null) {
            files.put(Hyperparameters.FILE, "{\"values\": " + r.tuned().valuesJson() + "}\n");
          }
          if (model.classBalance().any()) {
            files.put(ClassBalance.FILE, model.classBalance().toJson());
          }
          output.publish(files);
        }
      } finally {
        if (graph != null) {
          graph.close();
        }
      }
      c.output(output.dir());
    }

    /** The history: one "epoch" per round, the kept round as its best epoch. */
    private static TrainingHistory evaluate(TrainingGraph graph, Resolved r, List<RoundModel> rounds, List<String> evalFiles) {
      long start = System.nanoTime();
      ModelSpec spec = r.spec();
      Trainer trainer = Trainer.of(r.used());
      List<TrainingHistory.Epoch> epochs = new ArrayList<>();
      long steps = 0;
      long skippedEval = 0;
      for (RoundModel m : rounds) {
        long evalStart = System.nanoTime();
        Double evalLoss = null;
        Double accuracy = null;
        Double auc = null;
        Double rmse = null;
        if (!evalFiles.isEmpty()) {
          graph.load(m.weights(spec));
          Trainer.EvalSums sums = trainer.evaluate(spec, graph, evalFiles, r.labelColumn());
          skippedEval += sums.skipped;
          if (sums.count > 0) {
            evalLoss = sums.loss / sums.count;
            if (spec.classification()) {
              accuracy = (double) sums.correct / sums.count;
              double a = sums.auc.estimate().auc();
              auc = Double.isNaN(a) ? null : a;
            } else {
              rmse = Math.sqrt(sums.squaredError / sums.count);
            }
          }
        }
        RoundModel.Stats s = m.stats();
        steps += s.steps();
        // A round no client took part in trained nothing: its training loss is recorded as 0.
        double trainLoss = s.examples() > 0 ? s.lossSum() / s.examples() : 0;
        epochs.add(new TrainingHistory.Epoch(m.round(), s.steps(), s.examples(), trainLoss, evalLoss, accuracy, auc, rmse,
            s.examples() / Math.max(s.clientSeconds(), 1e-9), s.clientSeconds() + (System.nanoTime() - evalStart) / 1e9));
      }
      FedAvg.Kept kept = FedAvg.keptRound(epochs.stream().map(TrainingHistory.Epoch::evalLoss).toList(), r.federated().patience());
      return new TrainingHistory(epochs, kept.round(), kept.stoppedEarly(), steps, 0, skippedEval, (System.nanoTime() - start) / 1e9);
    }

    /** What each round did, and the run's plan. */
    private static String roundsJson(List<RoundModel> rounds, TrainingHistory history, Plan p) {
      ObjectNode root = JSON.createObjectNode();
      root.put("clients", p.clients());
      root.put("sampling_rate", p.samplingRate());
      root.put("kept_round", history.bestEpoch());
      ArrayNode list = root.putArray("rounds");
      Map<Integer, TrainingHistory.Epoch> byRound = new HashMap<>();
      history.epochs().forEach(e -> byRound.put(e.epoch(), e));
      for (RoundModel m : rounds) {
        ObjectNode n = list.addObject();
        n.put("round", m.round());
        n.put("clients", m.stats().clients());
        n.put("rows", m.stats().rows());
        n.put("local_steps", m.stats().steps());
        n.put("step_norm", m.stats().stepNorm());
        n.put("weights", RoundWeights.file(m.round()));
        SecureSum.Outcome secure = m.stats().secure();
        n.put("secure_aggregation", secure != null);
        if (secure != null) {
          n.put("participants", secure.participants());
          n.put("dropped", secure.dropped());
          n.put("threshold", secure.threshold());
        }
        byRound.get(m.round()).evalMetrics().forEach(n::put);
      }
      try {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
