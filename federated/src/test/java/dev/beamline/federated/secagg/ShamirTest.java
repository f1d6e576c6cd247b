package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShamirTest {

  private static SecureRandom seeded(long seed) throws NoSuchAlgorithmException {
    SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
    random.setSeed(seed);
    return random;
  }

  @Test
  void anyTSharesReconstructTheSecret() throws Exception {
    SecureRandom random = seeded(1);
    int n = 7;
    for (int t = 2; t <= n; t++) {
      byte[] secret = new byte[32];   // 3 chunks of 15 bytes
      random.nextBytes(secret);
      secret[0] = (byte) 0x80;        // a leading high bit must survive the BigInteger round trip
      List<Shamir.Share> shares = Shamir.split(secret, n, t, random);
      for (List<Shamir.Share> subset : subsets(shares, t)) {
        assertThat(Shamir.reconstruct(subset, t, secret.length)).containsExactly(secret);
      }
      assertThat(Shamir.reconstruct(shares, t, secret.length)).containsExactly(secret);
    }
  }

  @Test
  void reconstructsShortAndZeroSecrets() throws Exception {
    SecureRandom random = seeded(2);
    for (byte[] secret : new byte[][] {new byte[0], new byte[1], {0, 0, 0, 5}, new byte[15], new byte[16]}) {
      List<Shamir.Share> shares = Shamir.split(secret, 4, 3, random);
      assertThat(Shamir.reconstruct(shares.subList(1, 4), 3, secret.length)).containsExactly(secret);
    }
  }

  @Test
  void refusesFewerThanTShares() throws Exception {
    byte[] secret = new byte[32];
    SecureRandom random = seeded(3);
    random.nextBytes(secret);
    List<Shamir.Share> shares = Shamir.split(secret, 6, 4, random);
    assertThatThrownBy(() -> Shamir.reconstruct(shares.subList(0, 3), 4, 32))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("got 3 shares; at least threshold t = 4 are needed to reconstruct a secret (t - 1 shares are "
            + "consistent with every secret)");
  }

  @Test
  void tMinusOneSharesAreConsistentWithEveryCandidateSecret() throws Exception {
    SecureRandom random = seeded(4);
    int n = 6;
    int t = 4;
    byte[] secret = new byte[15];     // one field element
    random.nextBytes(secret);
    BigInteger trueSecret = new BigInteger(1, secret);
    List<Shamir.Share> shares = Shamir.split(secret, n, t, random);
    List<Shamir.Share> seen = shares.subList(0, t - 1);

    for (BigInteger candidate :
        List.of(BigInteger.ZERO, BigInteger.ONE, trueSecret.add(BigInteger.ONE), new BigInteger(120, random))) {
      // The unique polynomial of degree <= t - 1 through (0, candidate) and the t - 1 seen shares ...
      List<BigInteger> xs = new ArrayList<>();
      List<BigInteger> ys = new ArrayList<>();
      xs.add(BigInteger.ZERO);
      ys.add(candidate);
      for (Shamir.Share share : seen) {
        xs.add(BigInteger.valueOf(share.x()));
        ys.add(share.values().get(0));
      }
      // ... passes through every seen share: they cannot tell the candidate from the true secret.
      for (Shamir.Share share : seen) {
        assertThat(Shamir.interpolate(xs, ys, BigInteger.valueOf(share.x()))).isEqualTo(share.values().get(0));
      }
      // It is a complete t-out-of-n sharing of the candidate: a t-th share taken from it reconstructs the candidate.
      BigInteger atFive = Shamir.interpolate(xs, ys, BigInteger.valueOf(5));
      List<Shamir.Share> completed = new ArrayList<>(seen);
      completed.add(new Shamir.Share(5, List.of(atFive)));
      byte[] reconstructed = Shamir.reconstruct(completed, t, 15);
      assertThat(new BigInteger(1, reconstructed)).isEqualTo(candidate);
    }
    // Only the real t-th share gives the real secret.
    List<Shamir.Share> real = new ArrayList<>(seen);
    real.add(shares.get(4));
    assertThat(Shamir.reconstruct(real, t, 15)).containsExactly(secret);
  }

  @Test
  void interpolatesAKnownPolynomial() {
    // f(x) = 3 + 2x + x^2 through x = 1, 2, 3: f(0) = 3, f(4) = 27.
    List<BigInteger> xs = List.of(BigInteger.ONE, BigInteger.TWO, BigInteger.valueOf(3));
    List<BigInteger> ys = List.of(BigInteger.valueOf(6), BigInteger.valueOf(11), BigInteger.valueOf(18));
    assertThat(Shamir.interpolate(xs, ys, BigInteger.ZERO)).isEqualTo(BigInteger.valueOf(3));
    assertThat(Shamir.interpolate(xs, ys, BigInteger.valueOf(4))).isEqualTo(BigInteger.valueOf(27));
    assertThat(Shamir.PRIME.isProbablePrime(64)).isTrue();
  }

  private static List<List<Shamir.Share>> subsets(List<Shamir.Share> shares, int size) {
    List<List<Shamir.Share>> out = new ArrayList<>();
    collect(shares, size, 0, new ArrayList<>(), out);
    return out;
  }

  private static void collect(
      List<Shamir.Share> shares, int size, int from, List<Shamir.Share> current, List<List<Shamir.Share>> out) {
    if (current.size() == size) {
      out.add(new ArrayList<>(current));
      return;
    }
    for (int i = from; i < shares.size(); i++) {
      current.add(shares.get(i));
      collect(shares, size, i + 1, current, out);
      current.remove(current.size() - 1);
    }
  }
}
