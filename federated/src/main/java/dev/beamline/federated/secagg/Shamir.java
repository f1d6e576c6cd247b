package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir's t-out-of-n secret sharing (Shamir, "How to share a secret", CACM 1979) over the prime field GF(p) with
 * the Mersenne prime p = 2^127 − 1.
 *
 * <p>A secret of any length is cut into chunks of {@value #CHUNK_BYTES} bytes (each below 2^120 &lt; p); each chunk
 * is the constant term of its own random polynomial of degree t − 1, and share i holds the values of all those
 * polynomials at x = i. Any t shares give the chunks back by Lagrange interpolation at 0; t − 1 shares are refused
 * by {@link #reconstruct}, and carry no information about the secret: for every candidate secret there is exactly
 * one polynomial of degree t − 1 through the candidate at 0 and the t − 1 shares ({@link #interpolate} finds it).
 *
 * <pre>{@code
 * List<Shamir.Share> shares = Shamir.split(secret, 5, 3, new SecureRandom());  // x = 1..5
 * byte[] back = Shamir.reconstruct(shares.subList(2, 5), 3, secret.length);
 * }</pre>
 */
public final class Shamir {
  /** The field's modulus, 2^127 − 1. */
  public static final BigInteger PRIME = BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE);
  /** Bytes of secret per field element: 15 bytes = 120 bits, below p. */
  public static final int CHUNK_BYTES = 15;

  /**
   * One participant's share: its evaluation point x ≥ 1 and one field element per chunk of the secret.
   *
   * @param x the evaluation point, in 1 to n
   * @param values the polynomials' values at x, one per chunk, each in [0, p)
   */
  public record Share(int x, List<BigInteger> values) implements Serializable {
    public Share {
      checkArgument(x >= 1, "share x is %s; allowed: >= 1", x);
      values = List.copyOf(values);
      for (BigInteger v : values) {
        checkArgument(v.signum() >= 0 && v.compareTo(PRIME) < 0, "share value %s is outside [0, p)", v);
      }
    }
  }

  private Shamir() {}

  /** The number of field elements that carry a secret of {@code secretLength} bytes. */
  public static int chunks(int secretLength) {
    return Math.max(1, (secretLength + CHUNK_BYTES - 1) / CHUNK_BYTES);
  }

  /** Shares of {@code secret} for x = 1..numShares; any {@code threshold} of them reconstruct it. */
  public static List<Share> split(byte[] secret, int numShares, int threshold, SecureRandom random) {
    checkNotNull(secret, "secret");
    checkArgument(threshold >= 1, "threshold is %s; allowed: 1 <= threshold <= numShares", threshold);
    checkArgument(
        numShares >= threshold,
        "numShares is %s; allowed: >= threshold = %s",
        numShares,
        threshold);
    int chunks = chunks(secret.length);
    // coefficients[c][j] is the coefficient of x^j in chunk c's polynomial; the constant term is the chunk.
    BigInteger[][] coefficients = new BigInteger[chunks][threshold];
    for (int c = 0; c < chunks; c++) {
      int from = c * CHUNK_BYTES;
      int to = Math.min(secret.length, from + CHUNK_BYTES);
      byte[] chunk = java.util.Arrays.copyOfRange(secret, from, Math.max(from, to));
      coefficients[c][0] = new BigInteger(1, chunk);
      for (int j = 1; j < threshold; j++) {
        coefficients[c][j] = randomElement(random);
      }
    }
    List<Share> shares = new ArrayList<>(numShares);
    for (int x = 1; x <= numShares; x++) {
      List<BigInteger> values = new ArrayList<>(chunks);
      BigInteger bx = BigInteger.valueOf(x);
      for (int c = 0; c < chunks; c++) {
        // Horner's rule, mod p.
        BigInteger y = BigInteger.ZERO;
        for (int j = threshold - 1; j >= 0; j--) {
          y = y.multiply(bx).add(coefficients[c][j]).mod(PRIME);
        }
        values.add(y);
      }
      shares.add(new Share(x, values));
    }
    return shares;
  }

  /**
   * The secret of {@code secretLength} bytes from at least {@code threshold} shares with distinct x; throws
   * {@link IllegalArgumentException} for fewer, since fewer than t shares determine nothing.
   */
  public static byte[] reconstruct(List<Share> shares, int threshold, int secretLength) {
    checkNotNull(shares, "shares");
    checkArgument(threshold >= 1, "threshold is %s; allowed: >= 1", threshold);
    checkArgument(
        shares.size() >= threshold,
        "got %s shares; at least threshold t = %s are needed to reconstruct a secret (t - 1 shares are consistent "
            + "with every secret)",
        shares.size(),
        threshold);
    int chunks = chunks(secretLength);
    List<Share> used = shares.subList(0, threshold);
    Set<Integer> xs = new HashSet<>();
    for (Share share : used) {
      checkArgument(xs.add(share.x()), "two shares have the same x = %s", share.x());
      checkArgument(
          share.values().size() == chunks,
          "share x = %s has %s values; a secret of %s bytes needs %s",
          share.x(),
          share.values().size(),
          secretLength,
          chunks);
    }
    List<BigInteger> points = new ArrayList<>(threshold);
    for (Share share : used) {
      points.add(BigInteger.valueOf(share.x()));
    }
    byte[] out = new byte[secretLength];
    for (int c = 0; c < chunks; c++) {
      List<BigInteger> values = new ArrayList<>(threshold);
      for (Share share : used) {
        values.add(share.values().get(c));
      }
      BigInteger chunk = interpolate(points, values, BigInteger.ZERO);
      int from = c * CHUNK_BYTES;
      int length = Math.min(secretLength, from + CHUNK_BYTES) - from;
      if (length <= 0) {
        continue;
      }
      if (chunk.bitLength() > 8 * length) {
        throw new SecAggException(
            "reconstructed chunk " + c + " does not fit in " + length + " bytes: the shares are inconsistent");
      }
      byte[] bytes = chunk.toByteArray();
      // toByteArray may carry a leading sign byte or be shorter than the chunk: right-align it.
      int copy = Math.min(bytes.length, length);
      System.arraycopy(bytes, bytes.length - copy, out, from + length - copy, copy);
    }
    return out;
  }

  /**
   * The value at {@code at} of the unique polynomial of degree below {@code xs.size()} through the points (xs[i],
   * ys[i]) over GF(p), by Lagrange's formula: Σ_i y_i Π_{j≠i} (at − x_j)/(x_i − x_j).
   */
  public static BigInteger interpolate(List<BigInteger> xs, List<BigInteger> ys, BigInteger at) {
    checkArgument(xs.size() == ys.size(), "%s points but %s values", xs.size(), ys.size());
    checkArgument(!xs.isEmpty(), "no points to interpolate");
    BigInteger result = BigInteger.ZERO;
    for (int i = 0; i < xs.size(); i++) {
      BigInteger numerator = BigInteger.ONE;
      BigInteger denominator = BigInteger.ONE;
      for (int j = 0; j < xs.size(); j++) {
        if (i == j) {
          continue;
        }
        BigInteger difference = xs.get(i).subtract(xs.get(j)).mod(PRIME);
        checkArgument(difference.signum() != 0, "two points have the same x = %s", xs.get(i));
        numerator = numerator.multiply(at.subtract(xs.get(j))).mod(PRIME);
        denominator = denominator.multiply(difference).mod(PRIME);
      }
      BigInteger term = ys.get(i).multiply(numerator).mod(PRIME).multiply(denominator.modInverse(PRIME));
      result = result.add(term).mod(PRIME);
    }
    return result;
  }

  private static BigInteger randomElement(SecureRandom random) {
    // Rejection sampling keeps the coefficient uniform in [0, p).
    BigInteger candidate;
    do {
      candidate = new BigInteger(127, random);
    } while (candidate.compareTo(PRIME) >= 0);
    return candidate;
  }
}
