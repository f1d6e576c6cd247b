package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;

/** A single masked update y_u is uniform in Z_{2^k}^d whatever x_u is: Bonawitz et al. §4, the role of b_u. */
class MaskedInputUniformityTest {
  private static final int N = 5;
  private static final int D = 2000;

  private static SecureRandom seeded(long seed) throws Exception {
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(seed);
    return random;
  }

  /** Rounds 0 to 2 for every client; returns the masked inputs the server receives. */
  private static List<MaskedInput> mask(SecAggConfig config, List<double[]> updates) throws Exception {
    List<SecAggClient> clients = new ArrayList<>();
    SecAggServer server = SecAggServer.create(config);
    for (int id = 0; id < config.numClients(); id++) {
      clients.add(SecAggClient.create(config, id, seeded(42 + id)));
      server.receive(clients.get(id).advertiseKeys());
    }
    KeyDirectory keys = server.endAdvertiseKeys();
    for (SecAggClient client : clients) {
      server.receive(client.shareKeys(keys));
    }
    server.endShareKeys();
    List<MaskedInput> out = new ArrayList<>();
    for (SecAggClient client : clients) {
      out.add(client.maskInput(updates.get(client.clientId()), server.sharesFor(client.clientId())));
    }
    return out;
  }

  @Test
  void maskedUpdatesLookUniformAndUncorrelatedWithTheInput() throws Exception {
    SecAggConfig config = SecAggConfig.of(N, 3, D).withModulusBits(48).withFractionalBits(16).withClipRange(8.0);
    Random random = new Random(5);
    List<double[]> updates = new ArrayList<>();
    for (int c = 0; c < N; c++) {
      double[] x = new double[D];
      for (int i = 0; i < D; i++) {
        // Client 0 sends a constant, the most structured input; the others a ramp plus noise.
        x[i] = c == 0 ? 1.0 : (i % 100) / 25.0 - 2 + random.nextGaussian() * 0.01;
      }
      updates.add(x);
    }
    List<MaskedInput> masked = mask(config, updates);
    ChiSquareTest chiSquare = new ChiSquareTest();
    double[] expected = new double[256];
    Arrays.fill(expected, D / 256.0);
    PearsonsCorrelation pearson = new PearsonsCorrelation();
    for (MaskedInput input : masked) {
      long[] y = input.maskedVector();
      long[] top = new long[256];
      long[] low = new long[256];
      double[] asFraction = new double[D];
      for (int i = 0; i < D; i++) {
        top[(int) (y[i] >>> 40)]++;       // bits 40..47 of a residue mod 2^48
        low[(int) (y[i] & 0xff)]++;
        asFraction[i] = y[i] / Math.pow(2, 48);
      }
      assertThat(chiSquare.chiSquareTest(expected, top)).as("top byte, client %s", input.clientId())
          .isGreaterThan(0.001);
      assertThat(chiSquare.chiSquareTest(expected, low)).as("low byte, client %s", input.clientId())
          .isGreaterThan(0.001);
      if (input.clientId() != 0) {
        // 4/sqrt(D) ≈ 0.09 is four standard errors of a correlation between independent samples.
        double r = pearson.correlation(updates.get(input.clientId()), asFraction);
        assertThat(Math.abs(r)).as("correlation, client %s", input.clientId()).isLessThan(4 / Math.sqrt(D));
      }
    }
    // The input itself is far from uniform: the test would notice an unmasked vector.
    long[] x0 = config.fixedPoint().encode(updates.get(1));
    long[] top = new long[256];
    for (long v : x0) {
      top[(int) (v >>> 40)]++;
    }
    assertThat(chiSquare.chiSquareTest(expected, top)).isLessThan(1e-10);
  }
}
