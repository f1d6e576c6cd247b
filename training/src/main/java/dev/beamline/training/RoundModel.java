package dev.beamline.training;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The global model after one round of federated averaging ({@link TrainFederated}): its weights by
 * slot, the transformed-data folder it is trained on (whose fitted features give the model's layout),
 * and what the round did: the clients that took part, their rows and local training, and the L2 norm of
 * the server's step. Round 0 is the initial model. Serializable: it is the side input of the next round.
 *
 * <pre>{@code
 * RoundModel next = RoundModel.of(round, dataDir, weights, stats);
 * Weights w = next.weights(spec);
 * }</pre>
 *
 * @param round 0 for the initial weights, else the 1-based round
 * @param dataDir the transformed-data folder
 * @param values the weights by slot name, in layout order
 * @param stats what the round did (zeros for round 0)
 */
record RoundModel(int round, String dataDir, LinkedHashMap<String, float[]> values, Stats stats) implements Serializable {
  /**
   * What one round did.
   *
   * @param clients the clients that took part
   * @param rows their rows
   * @param lossSum their local training losses times batch sizes, summed
   * @param examples the examples of their local steps
   * @param steps their local optimizer steps
   * @param clientSeconds their local training wall times, summed
   * @param stepNorm the L2 norm of the server's change of the weights
   * @param secure what secure aggregation did in the round, or null when the updates were summed in the clear
   */
  record Stats(long clients, long rows, double lossSum, long examples, long steps, double clientSeconds, double stepNorm,
      SecureSum.Outcome secure) implements Serializable {
    static final Stats NONE = new Stats(0, 0, 0, 0, 0, 0, 0);

    Stats(long clients, long rows, double lossSum, long examples, long steps, double clientSeconds, double stepNorm) {
      this(clients, rows, lossSum, examples, steps, clientSeconds, stepNorm, null);
    }
  }

  static RoundModel of(int round, String dataDir, Weights weights, Stats stats) {
    LinkedHashMap<String, float[]> values = new LinkedHashMap<>();
    for (Weights.Slot s : weights.slots()) {
      values.put(s.name(), weights.get(s.name()));
    }
    return new RoundModel(round, dataDir, values, stats);
  }

  /** The weights in the layout of {@code spec}. */
  Weights weights(ModelSpec spec) {
    return new Weights(Weights.layout(spec), values);
  }

  /** The values (for tests and logs). */
  Map<String, float[]> valuesView() {
    return java.util.Collections.unmodifiableMap(values);
  }
}
