package dev.beamline.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * The differential-privacy guarantee of a trained model: (ε, δ)-DP with respect to one training row
 * for a model trained with DP-SGD ({@link DpSgdConfig}), with the mechanism's parameters the
 * accountant computed it from; ε = ∞ for a model trained without. Recorded in the model's {@code
 * assets.extra/model.json} and {@code training_history.json}, on the MODEL artifact, in provenance,
 * and enforced by {@code push.max_epsilon}.
 *
 * <p>In JSON an infinite ε is the string {@code "inf"} (JSON has no infinity).
 *
 * <pre>{@code
 * PrivacyGuarantee g = PrivacyGuarantee.fromJson(node.get("privacy"));
 * if (g.epsilon() > budget) { ... }
 * }</pre>
 *
 * @param mechanism {@code dp-sgd}, {@code dp-fedavg} (client-level DP of federated averaging, {@link DpFedAvg}: the unit
 *     is a client, q the client sampling rate, the steps the rounds and the training rows the clients), or {@code none}
 * @param epsilon ε by the accountant's tighter conversion (Balle et al. 2020); +∞ without DP
 * @param delta δ; 0 without DP
 * @param epsilonClassic ε by the classic conversion (Mironov 2017), for comparison; +∞ without DP
 * @param order the Rényi order at which {@code epsilon} was reached
 * @param noiseMultiplier σ
 * @param l2NormClip C
 * @param samplingRate q, the probability of each row being in a batch
 * @param steps the steps taken
 * @param trainingRows N, the rows of the training split
 */
public record PrivacyGuarantee(String mechanism, double epsilon, double delta, double epsilonClassic, double order, double noiseMultiplier,
    double l2NormClip, double samplingRate, long steps, long trainingRows) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The accountant, as recorded. */
  public static final String ACCOUNTANT = "Renyi DP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang 2019),"
      + " converted to (epsilon, delta) by Balle et al. 2020";

  /** A model trained without differential privacy: ε = ∞. */
  /** The mechanism of client-level DP-FedAvg. */
  static final String DP_FEDAVG = "dp-fedavg";

  public static final PrivacyGuarantee NONE = new PrivacyGuarantee("none", Double.POSITIVE_INFINITY, 0, Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0);

  static PrivacyGuarantee dpSgd(double epsilon, double delta, double epsilonClassic, double order, double noiseMultiplier, double l2NormClip,
      double samplingRate, long steps, long trainingRows) {
    return new PrivacyGuarantee("dp-sgd", epsilon, delta, epsilonClassic, order, noiseMultiplier, l2NormClip, samplingRate, steps, trainingRows);
  }

  /** DP-FedAvg ({@link DpFedAvg}): per client, over {@code rounds} rounds of {@code clients} clients sampled at rate {@code samplingRate}. */
  static PrivacyGuarantee dpFedAvg(double epsilon, double delta, double epsilonClassic, double order, double noiseMultiplier, double l2NormClip,
      double samplingRate, long rounds, long clients) {
    return new PrivacyGuarantee(DP_FEDAVG, epsilon, delta, epsilonClassic, order, noiseMultiplier, l2NormClip, samplingRate, rounds, clients);
  }

  /** What the guarantee protects: {@code client} for DP-FedAvg, else {@code training row}. */
  public String unit() {
    return DP_FEDAVG.equals(mechanism) ? "client" : "training row";
  }

  /** Whether the model was trained with differential privacy (a finite ε). */
  public boolean isPrivate() {
    return Double.isFinite(epsilon);
  }

  /** One line for a run summary. */
  public String describe() {
    if (!isPrivate()) {
      return "not differentially private (epsilon = inf)";
    }
    if (DP_FEDAVG.equals(mechanism)) {
      return String.format(Locale.ROOT, "differentially private: epsilon = %.4g at delta = %.3g per client (DP-FedAvg: noise multiplier %.4g,"
          + " clip %.4g, client sampling rate %.4g, %d rounds over %d clients; classic conversion %.4g)", epsilon, delta, noiseMultiplier,
          l2NormClip, samplingRate, steps, trainingRows, epsilonClassic);
    }
    return String.format(Locale.ROOT, "differentially private: epsilon = %.4g at delta = %.3g per training row (DP-SGD: noise multiplier %.4g,"
        + " clip %.4g, sampling rate %.4g, %d steps on %d rows; classic conversion %.4g)", epsilon, delta, noiseMultiplier, l2NormClip,
        samplingRate, steps, trainingRows, epsilonClassic);
  }

  /** The JSON object of this guarantee. */
  public ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("mechanism", mechanism);
    putNumber(n, "epsilon", epsilon);
    n.put("delta", delta);
    n.put("unit", unit());
    if (isPrivate()) {
      putNumber(n, "epsilon_classic", epsilonClassic);
      n.put("order", order);
      n.put("noise_multiplier", noiseMultiplier);
      n.put("l2_norm_clip", l2NormClip);
      n.put("sampling_rate", samplingRate);
      n.put("steps", steps);
      n.put("training_rows", trainingRows);
      n.put("accountant", ACCOUNTANT);
    }
    return n;
  }

  /** The guarantee of {@link #toJson}; a missing node is a model trained before privacy was recorded, hence without it. */
  public static PrivacyGuarantee fromJson(JsonNode n) {
    String mechanism = n == null ? null : n.path("mechanism").asText();
    if (n == null || n.isNull() || !("dp-sgd".equals(mechanism) || DP_FEDAVG.equals(mechanism))) {
      return NONE;
    }
    return new PrivacyGuarantee(mechanism, number(n.get("epsilon")), n.path("delta").asDouble(), number(n.get("epsilon_classic")),
        n.path("order").asDouble(), n.path("noise_multiplier").asDouble(), n.path("l2_norm_clip").asDouble(),
        n.path("sampling_rate").asDouble(), n.path("steps").asLong(), n.path("training_rows").asLong());
  }

  /**
   * The guarantee of the exported model in {@code modelDir} (a SavedModel folder: its {@code
   * assets.extra/model.json}); {@link #NONE} for a model exported before privacy was recorded, or without that file.
   */
  public static PrivacyGuarantee ofModel(String modelDir) {
    String file = dev.beamline.core.Storage.resolve(dev.beamline.core.Storage.resolve(modelDir, SavedModelExport.EXTRA), "model.json");
    // A folder without model.json was exported before it was written, long before privacy was recorded.
    return dev.beamline.core.Storage.exists(file) ? fromJson(dev.beamline.core.Storage.readJson(file).get("privacy")) : NONE;
  }

  /** ε as text: {@code inf}, or the number. */
  public static String epsilonText(double epsilon) {
    return Double.isInfinite(epsilon) ? "inf" : String.format(Locale.ROOT, "%.4g", epsilon);
  }

  /** ε in a JSON node: a number, or the string {@code "inf"}; +∞ for a missing node. */
  public static double number(JsonNode n) {
    if (n == null || n.isNull()) {
      return Double.POSITIVE_INFINITY;
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    String s = n.asText().trim().toLowerCase(Locale.ROOT);
    if (s.equals("inf") || s.equals("infinity")) {
      return Double.POSITIVE_INFINITY;
    }
    return Double.parseDouble(s);
  }

  private static void putNumber(ObjectNode n, String key, double value) {
    if (Double.isInfinite(value)) {
      n.put(key, "inf");
    } else {
      n.put(key, value);
    }
  }
}
