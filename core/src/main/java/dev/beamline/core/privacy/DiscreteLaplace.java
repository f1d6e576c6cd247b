package dev.beamline.core.privacy;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.math.BigInteger;

/**
 * Exact sampler of the discrete Laplace distribution: P(x) ∝ exp(−|x|/t) over the integers, for a
 * rational scale t = scaleNumerator/scaleDenominator.
 *
 * <p>Canonne, Kamath and Steinke 2020, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
 * Algorithm 2, with Bernoulli(exp(−γ)) for rational γ by their Algorithm 1. Only integer arithmetic and
 * uniform integers from the {@link NoiseSource} are used, so the output has exactly this distribution:
 * no floating-point number is ever drawn, which closes the attack of Mironov 2012 ("On significance of
 * the least significant bits for differential privacy", CCS 2012) on textbook Laplace samplers.
 * Adding it to an integer query of L1 sensitivity Δ is (Δ/t)-DP.
 *
 * <pre>{@code
 * long noise = DiscreteLaplace.sample(NoiseSource.secure(), 5, 2); // scale 2.5
 * }</pre>
 */
public final class DiscreteLaplace {
  private DiscreteLaplace() {}

  /**
   * One sample with P(x) ∝ exp(−|x|·scaleDenominator/scaleNumerator) over the integers.
   *
   * @param scaleNumerator numerator of the scale t, ≥ 1
   * @param scaleDenominator denominator of the scale t, ≥ 1
   */
  public static long sample(NoiseSource source, long scaleNumerator, long scaleDenominator) {
    checkNotNull(source, "source");
    checkArgument(scaleNumerator >= 1, "scaleNumerator must be >= 1, got %s", scaleNumerator);
    checkArgument(scaleDenominator >= 1, "scaleDenominator must be >= 1, got %s", scaleDenominator);
    // CKS 2020 Algorithm 2 with t = scaleNumerator, s = scaleDenominator (their output is Lap_Z(t/s)).
    long t = scaleNumerator;
    long s = scaleDenominator;
    while (true) {
      long u = source.nextLong(t);
      if (!bernoulliExp(source, u, t)) {
        continue;
      }
      long v = 0;
      while (bernoulliExp(source, 1, 1)) {
        v++;
      }
      // X = U + t·V is geometric: P(X = x) ∝ exp(−x/t); Y = ⌊X/s⌋ then has P(Y = y) ∝ exp(−y·s/t).
      long y = floorOfSumOverS(u, t, v, s);
      boolean negative = source.nextBoolean();
      if (negative && y == 0) {
        continue; // so that 0 is not counted twice
      }
      return negative ? -y : y;
    }
  }

  /** ⌊(u + t·v)/s⌋, exact also where u + t·v does not fit in a long (a tail event). */
  private static long floorOfSumOverS(long u, long t, long v, long s) {
    try {
      return Math.addExact(u, Math.multiplyExact(t, v)) / s;
    } catch (ArithmeticException overflow) {
      BigInteger x = BigInteger.valueOf(t).multiply(BigInteger.valueOf(v)).add(BigInteger.valueOf(u));
      BigInteger y = x.divide(BigInteger.valueOf(s));
      checkArgument(y.bitLength() < Long.SIZE - 1, "discrete Laplace sample %s does not fit in a long", y);
      return y.longValue();
    }
  }

  /**
   * One draw of Bernoulli(exp(−n/d)) for n ≥ 0, d ≥ 1, exact (CKS 2020 Algorithm 1): exp(−1) once for each
   * whole unit of n/d, then the fractional part by the series of Bernoulli(γ/k) draws.
   */
  static boolean bernoulliExp(NoiseSource source, long n, long d) {
    checkArgument(n >= 0, "n must be >= 0, got %s", n);
    checkArgument(d >= 1, "d must be >= 1, got %s", d);
    if (n > d) {
      for (long k = n / d; k > 0; k--) {
        if (!bernoulliExpAtMostOne(source, 1, 1)) {
          return false;
        }
      }
      return bernoulliExpAtMostOne(source, n % d, d);
    }
    return bernoulliExpAtMostOne(source, n, d);
  }

  /**
   * Bernoulli(exp(−n/d)) for 0 ≤ n ≤ d: K = 1; while Bernoulli(γ/K) succeeds K++; succeed iff K is odd
   * (P(K > k) = γ^k/k!, so P(K odd) = Σ (−γ)^k/k! = exp(−γ)).
   */
  private static boolean bernoulliExpAtMostOne(NoiseSource source, long n, long d) {
    long k = 1;
    while (bernoulliFraction(source, n, d, k)) {
      k++;
    }
    return (k & 1) == 1;
  }

  /** Bernoulli(n/(d·k)) for 0 ≤ n ≤ d, from uniform integers. */
  private static boolean bernoulliFraction(NoiseSource source, long n, long d, long k) {
    if (d <= Long.MAX_VALUE / k) {
      return source.nextLong(d * k) < n;
    }
    // d·k would overflow: n/(d·k) = (n/d)·(1/k), two independent draws.
    return source.nextLong(d) < n && source.nextLong(k) == 0;
  }

  /** Bernoulli(exp(−n/d)) for n ≥ 0, d ≥ 1 of any size (the discrete Gaussian's exponent). */
  static boolean bernoulliExp(NoiseSource source, BigInteger n, BigInteger d) {
    checkArgument(n.signum() >= 0, "n must be >= 0, got %s", n);
    checkArgument(d.signum() > 0, "d must be >= 1, got %s", d);
    if (n.bitLength() < Long.SIZE - 1 && d.bitLength() < Long.SIZE - 1) {
      return bernoulliExp(source, n.longValue(), d.longValue());
    }
    BigInteger[] wholeAndRest = n.divideAndRemainder(d);
    for (BigInteger k = wholeAndRest[0]; k.signum() > 0; k = k.subtract(BigInteger.ONE)) {
      if (!bernoulliExpAtMostOne(source, 1, 1)) {
        return false;
      }
    }
    BigInteger rest = wholeAndRest[1];
    long k = 1;
    while (uniform(source, d.multiply(BigInteger.valueOf(k))).compareTo(rest) < 0) {
      k++;
    }
    return (k & 1) == 1;
  }

  /** A uniform integer in [0, bound) for bound ≥ 1, by rejection on bound.bitLength() random bits. */
  static BigInteger uniform(NoiseSource source, BigInteger bound) {
    if (bound.bitLength() < Long.SIZE) {
      return BigInteger.valueOf(source.nextLong(bound.longValue()));
    }
    int bits = bound.bitLength();
    int longs = (bits + Long.SIZE - 1) / Long.SIZE;
    while (true) {
      BigInteger x = BigInteger.ZERO;
      for (int i = 0; i < longs; i++) {
        x = x.shiftLeft(Long.SIZE).or(new BigInteger(1, toBytes(source.nextLong())));
      }
      x = x.shiftRight(longs * Long.SIZE - bits);
      if (x.compareTo(bound) < 0) {
        return x;
      }
    }
  }

  private static byte[] toBytes(long value) {
    byte[] bytes = new byte[Long.BYTES];
    for (int i = Long.BYTES - 1; i >= 0; i--) {
      bytes[i] = (byte) value;
      value >>>= 8;
    }
    return bytes;
  }
}
