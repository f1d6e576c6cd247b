package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ConfigException;
import dev.beamline.core.privacy.RdpAccountant;
import java.io.Serializable;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * Client-level differential privacy for federated averaging, DP-FedAvg (McMahan, Ramage, Talwar and
 * Zhang, "Learning Differentially Private Recurrent Language Models", ICLR 2018): each client's update
 * is clipped to L2 norm C over all its weights ({@link #clip}), each client takes part in a round
 * independently with probability q = clients_per_round / clients, the server adds Gaussian noise N(0,
 * (σC)²) to every coordinate of the sum of the clipped updates ({@link #addNoise}) and divides by the
 * expected participants q·K. Each round is one step of the Poisson-subsampled Gaussian mechanism over
 * clients, so ε follows from the same Rényi-DP accountant as DP-SGD's ({@link RdpAccountant}), with
 * q and the rounds in place of the batch rate and the steps; the guarantee is per client (all of a
 * client's rows at once), not per row.
 *
 * <p>{@code train.privacy} keeps its keys: {@code l2_norm_clip} is C on a client's update, {@code
 * noise_multiplier} σ (or {@code target_epsilon}, σ then found by the accountant), {@code delta} δ,
 * which must be below 1 / (number of clients).
 *
 * <pre>{@code
 * DpFedAvg.Plan p = DpFedAvg.plan(config.privacy(), clients, clientsPerRound, rounds);
 * float[] sent = DpFedAvg.clip(delta, p.l2NormClip());
 * DpFedAvg.addNoise(sum, p.noiseStddev(), random);
 * }</pre>
 */
final class DpFedAvg {
  private DpFedAvg() {}

  /** The resolved mechanism: C, σ, q, the clients K and the rounds the accountant counts, δ. */
  record Plan(double l2NormClip, double noiseMultiplier, double samplingRate, long clients, int rounds, double delta) implements Serializable {
    /** σ·C, the standard deviation of the noise on each coordinate of the sum. */
    double noiseStddev() {
      return noiseMultiplier * l2NormClip;
    }

    /** q·K, the expected participants of a round: the fixed denominator of the average. */
    double expectedClients() {
      return samplingRate * clients;
    }

    /** The guarantee after {@code rounds} rounds, per client. */
    PrivacyGuarantee guarantee(int rounds) {
      RdpAccountant.Epsilon tight = RdpAccountant.epsilon(samplingRate, noiseMultiplier, rounds, delta, RdpAccountant.Conversion.TIGHT);
      RdpAccountant.Epsilon classic = RdpAccountant.epsilon(samplingRate, noiseMultiplier, rounds, delta, RdpAccountant.Conversion.CLASSIC);
      return PrivacyGuarantee.dpFedAvg(tight.epsilon(), delta, classic.epsilon(), tight.order(), noiseMultiplier, l2NormClip, samplingRate,
          rounds, clients);
    }
  }

  /**
   * The plan for {@code clients} clients, {@code clientsPerRound} expected per round, {@code rounds} rounds.
   *
   * @throws ConfigException when δ is not below 1/K, or no noise reaches the target ε
   */
  static Plan plan(DpSgdConfig p, long clients, int clientsPerRound, int rounds) {
    if (p.delta() >= 1.0 / clients) {
      throw new ConfigException(String.format(Locale.ROOT,
          "train.privacy.delta %s is not below 1/K = 1/%d clients: with DP-FedAvg the guarantee is per client, and a δ that large allows"
              + " publishing a client's data outright; use a δ well below %.3g (or more clients)", p.delta(), clients, 1.0 / clients));
    }
    double q = FedAvg.samplingRate(clientsPerRound, clients);
    double sigma;
    if (p.noiseMultiplier() != null) {
      sigma = p.noiseMultiplier();
    } else {
      try {
        sigma = RdpAccountant.noiseMultiplier(q, rounds, p.targetEpsilon(), p.delta(), RdpAccountant.Conversion.TIGHT);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("train.privacy.target_epsilon " + p.targetEpsilon() + " cannot be reached in " + rounds
            + " federated rounds at client sampling rate q = " + q + ": " + e.getMessage());
      }
    }
    return new Plan(p.l2NormClip(), sigma, q, clients, rounds, p.delta());
  }

  /** The L2 norm of {@code v}. */
  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  /** {@code delta} scaled by {@code min(1, clip / |delta|)}: its L2 norm over all weights at most {@code clip}; a new array. */
  static float[] clip(float[] delta, double clip) {
    checkArgument(clip > 0, "clip must be positive, got %s", clip);
    double norm = norm(delta);
    float[] out = delta.clone();
    if (norm > clip) {
      double f = clip / norm;
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (out[i] * f);
      }
    }
    return out;
  }

  /** Adds N(0, stddev²) to each value of {@code sum}, in place, drawn from {@code random} (secret in training). */
  static void addNoise(double[] sum, double stddev, RandomGenerator random) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += stddev * random.nextGaussian();
    }
  }
}
