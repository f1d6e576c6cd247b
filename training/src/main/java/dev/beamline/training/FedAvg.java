package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.FittedFeature;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Federated averaging (FedAvg; McMahan et al., "Communication-Efficient Learning of Deep Networks from
 * Decentralized Data", AISTATS 2017, Algorithm 1) as plain functions, without a pipeline: which clients
 * take part in a round ({@link #participates}), a client's local training and the update it sends
 * ({@link #localUpdate}), the sum of the updates ({@link SumUpdates}), and the server's step ({@link
 * #serverStep}). {@link TrainFederated} wires them into a Beam pipeline.
 *
 * <p>Weighting. Without differential privacy the server averages the updates weighted by the clients'
 * rows, FedAvg's {@code n_k / n} over the round's participants: {@code w ← w + η Σ n_k Δ_k / Σ n_k}.
 * With DP-FedAvg ({@link DpFedAvg}) every clipped update weighs 1 and the sum (with its noise) is
 * divided by the fixed expected number of participants {@code q·K}, so that one client's influence on
 * the result is bounded whatever the others do.
 *
 * <pre>{@code
 * if (FedAvg.participates(seed, round, client, q)) {
 *   FedAvg.ClientUpdate u = FedAvg.localUpdate(graph, global, rows, layout, labelColumn, epochs, batch, shuffleSeed);
 * }
 * Weights next = FedAvg.serverStep(global, sum.sum(), sum.weight(), serverLearningRate);
 * }</pre>
 */
final class FedAvg {
  private FedAvg() {}

  /** The probability that a client takes part in a round: {@code clientsPerRound / clients}, at most 1. */
  static double samplingRate(int clientsPerRound, long clients) {
    checkArgument(clients >= 1, "clients must be at least 1, got %s", clients);
    return Math.min(1.0, (double) clientsPerRound / clients);
  }

  /**
   * Whether {@code client} takes part in {@code round}: a coin with probability {@code q} drawn from a
   * hash of the seed, the round and the client (SplitMix64's finalizer, Steele et al. 2014), so each
   * client's coin is independent of every other's, as the accountant of DP-FedAvg assumes (Poisson
   * sampling of clients), and a client decides without knowing who else takes part.
   */
  static boolean participates(long seed, int round, long client, double q) {
    checkArgument(q >= 0 && q <= 1, "sampling rate must be in [0, 1], got %s", q);
    if (q >= 1) {
      return true;
    }
    long z = mix(mix(seed + round * 0x9E3779B97F4A7C15L) ^ (client * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L));
    // The top 53 bits as a double uniform in [0, 1).
    return (z >>> 11) * 0x1.0p-53 < q;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Refuses what federated averaging cannot train, naming the keys: batch normalization (its moving
   * statistics are not averaged updates), resampling and class weights computed from the whole
   * training split's label counts (no one sees them all), early stopping over epochs (use {@code
   * federated.patience}: rounds are the epochs) and label-drift reweighting.
   */
  static void check(TrainConfig c) {
    if (c.federated() == null) {
      return;
    }
    List<String> problems = new ArrayList<>();
    if (c.batchNorm()) {
      problems.add("train.batch_norm: batch normalization's moving statistics are not trained by the optimizer, so they would not be averaged");
    }
    if (!c.resample().none()) {
      problems.add("train.resample: resampling rates come from the label counts of the whole training split, which no one holds");
    }
    if (c.classWeights().balanced()) {
      problems.add("train.class_weights: balanced weights come from the label counts of the whole training split; give the weights by class");
    }
    if (c.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT) {
      problems.add("train.on_label_drift: reweight computes class weights from the whole training split's label counts");
    }
    if (c.earlyStoppingPatience() != null) {
      problems.add("train.early_stopping: a round is an epoch here; use train.federated.patience");
    }
    if (c.steps() != null) {
      problems.add("train.steps: a client trains train.federated.local_epochs over its own rows each round");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException("train.federated cannot be used with " + String.join("; ", problems));
    }
  }

  /** Checks the client column against the transformed features ({@link ClientKey#of(String, List)}). */
  static void check(TrainConfig c, List<FittedFeature> features) {
    check(c);
    if (c.federated() != null) {
      ClientKey.of(c.federated().clientColumn(), features);
    }
  }

  /**
   * The update one client sends: its weights after local training less the global weights it started
   * from ({@code delta}, flattened over the trainable slots in layout order, see {@link #flatten}), its
   * weight in the average ({@code rows}, or 1 under DP-FedAvg), and how its training went. No row is in it.
   */
  record ClientUpdate(float[] delta, double weight, long rows, double lossSum, long examples, long steps, double seconds) implements Serializable {}

  /**
   * Trains {@code graph}, loaded with {@code global} and a fresh optimizer state, on a client's {@code
   * rows} for {@code epochs} passes in batches of {@code batchSize}, shuffled each pass by a generator
   * seeded with {@code shuffleSeed}; returns the change of the trainable weights, weighted by the
   * client's rows.
   *
   * @throws DataCheckException when the local loss is not finite
   */
  static ClientUpdate localUpdate(TrainingGraph graph, Weights global, ClientRows rows, List<Column> layout, int epochs, int batchSize,
      long shuffleSeed) {
    long start = System.nanoTime();
    graph.resetOptimizer();
    graph.load(global);
    SplittableRandom random = new SplittableRandom(shuffleSeed);
    int n = rows.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    double lossSum = 0;
    long examples = 0;
    long steps = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      // Fisher-Yates over the client's rows; the client holds them all.
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int from = 0; from < n; from += batchSize) {
        int to = Math.min(n, from + batchSize);
        float loss = graph.step(rows.pick(layout, order, from, to));
        if (!Float.isFinite(loss)) {
          throw new DataCheckException("federated training diverged: a client's local loss is " + loss
              + " (lower the learning rate or check the features' scaling)");
        }
        lossSum += (double) loss * (to - from);
        examples += to - from;
        steps++;
      }
    }
    float[] delta = flatten(graph.read());
    float[] before = flatten(global);
    for (int i = 0; i < delta.length; i++) {
      delta[i] -= before[i];
    }
    return new ClientUpdate(delta, n, n, lossSum, examples, steps, (System.nanoTime() - start) / 1e9);
  }

  /** The trainable slots' values, one after the other in layout order (frozen rows and moving statistics left out). */
  static float[] flatten(Weights w) {
    int size = 0;
    for (Weights.Slot s : w.slots()) {
      if (s.trainable()) {
        size += s.size();
      }
    }
    float[] out = new float[size];
    int at = 0;
    for (Weights.Slot s : w.slots()) {
      if (s.trainable()) {
        float[] v = w.valuesOf(s.name());
        System.arraycopy(v, 0, out, at, v.length);
        at += v.length;
      }
    }
    return out;
  }

  /**
   * The server's step: {@code global + serverLearningRate × sum / denominator} on the trainable slots,
   * the other slots unchanged; {@code global} itself when the denominator is 0 (nobody took part, without
   * differential privacy).
   */
  static Weights serverStep(Weights global, double[] sum, double denominator, double serverLearningRate) {
    checkArgument(denominator >= 0, "denominator must be 0 or more, got %s", denominator);
    if (denominator == 0 || sum == null) {
      return global;
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    int at = 0;
    double scale = serverLearningRate / denominator;
    for (Weights.Slot s : global.slots()) {
      float[] v = global.get(s.name());
      if (s.trainable()) {
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (v[i] + scale * sum[at + i]);
        }
        at += v.length;
      }
      values.put(s.name(), v);
    }
    checkArgument(at == sum.length, "the sum has %s values; the model's trainable slots have %s", sum.length, at);
    return new Weights(global.slots(), values);
  }

  /** The round whose global model is kept, and whether later rounds were left unused. */
  record Kept(int round, boolean stoppedEarly) {}

  /**
   * The round to keep, given each round's eval loss in order ({@code evalLosses.get(r - 1)} for round
   * r): without {@code patience} the last; with it, the round of the lowest loss before the loss went
   * {@code patience} rounds without improving (as early stopping over epochs, {@link Trainer}). The
   * rounds are unrolled in the graph, so the later ones have run; they are only not used.
   *
   * @throws DataCheckException when a loss is missing (null) under patience
   */
  static Kept keptRound(List<Double> evalLosses, Integer patience) {
    int rounds = evalLosses.size();
    if (patience == null) {
      return new Kept(rounds, false);
    }
    double best = Double.POSITIVE_INFINITY;
    int bestRound = 0;
    int sinceBest = 0;
    for (int r = 1; r <= rounds; r++) {
      Double loss = evalLosses.get(r - 1);
      if (loss == null) {
        throw new DataCheckException("train.federated.patience needs the eval loss of every round; round " + r + " has none (no eval"
            + " examples with a label class)");
      }
      if (loss < best) {
        best = loss;
        bestRound = r;
        sinceBest = 0;
      } else if (++sinceBest >= patience) {
        return new Kept(bestRound, r < rounds);
      }
    }
    return new Kept(bestRound, false);
  }

  /**
   * The sum of a round's client updates, each times its weight, with the total weight and how the
   * clients' training went. Mergeable in any order.
   */
  static final class UpdateSum implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Σ weight_k Δ_k; null before the first update. */
    double[] sum;
    double weight;
    long clients;
    long rows;
    double lossSum;
    long examples;
    long steps;
    double seconds;
    /** What secure aggregation did, when it made this sum; null when the updates were summed in the clear. */
    SecureSum.Outcome secure;

    void add(ClientUpdate u) {
      if (sum == null) {
        sum = new double[u.delta().length];
      }
      checkArgument(u.delta().length == sum.length, "an update of %s values; the others have %s", u.delta().length, sum.length);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += u.weight() * u.delta()[i];
      }
      weight += u.weight();
      clients++;
      rows += u.rows();
      lossSum += u.lossSum();
      examples += u.examples();
      steps += u.steps();
      seconds += u.seconds();
    }

    void merge(UpdateSum o) {
      if (o.sum != null) {
        if (sum == null) {
          sum = new double[o.sum.length];
        }
        checkArgument(o.sum.length == sum.length, "a sum of %s values; the others have %s", o.sum.length, sum.length);
        for (int i = 0; i < sum.length; i++) {
          sum[i] += o.sum[i];
        }
      }
      weight += o.weight;
      clients += o.clients;
      rows += o.rows;
      lossSum += o.lossSum;
      examples += o.examples;
      steps += o.steps;
      seconds += o.seconds;
    }
  }

  /**
   * The server's aggregation of a round: the sum of the clients' weighted updates. This is the one
   * place where updates meet; secure aggregation (Bonawitz et al., CCS 2017), which reveals only the
   * sum, would replace this combine.
   */
  static final class SumUpdates extends Combine.CombineFn<ClientUpdate, UpdateSum, UpdateSum> {
    private static final long serialVersionUID = 1L;

    @Override
    public UpdateSum createAccumulator() {
      return new UpdateSum();
    }

    @Override
    public UpdateSum addInput(UpdateSum acc, ClientUpdate u) {
      acc.add(u);
      return acc;
    }

    @Override
    public UpdateSum mergeAccumulators(Iterable<UpdateSum> accs) {
      UpdateSum out = new UpdateSum();
      for (UpdateSum a : accs) {
        out.merge(a);
      }
      return out;
    }

    @Override
    public UpdateSum extractOutput(UpdateSum acc) {
      return acc;
    }

    @Override
    public Coder<UpdateSum> getAccumulatorCoder(CoderRegistry registry, Coder<ClientUpdate> inputCoder) {
      return SerializableCoder.of(UpdateSum.class);
    }

    @Override
    public Coder<UpdateSum> getDefaultOutputCoder(CoderRegistry registry, Coder<ClientUpdate> inputCoder) {
      return SerializableCoder.of(UpdateSum.class);
    }
  }
}
