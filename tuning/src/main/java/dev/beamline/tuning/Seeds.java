package dev.beamline.tuning;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The seeds of a search, derived from its own seed by the SplitMix64 finaliser (Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014), so that a trial's values and seed depend
 * only on the search's seed and the trial's id, never on how many trials ran before it.
 */
final class Seeds {
  /** Stream of a trial's sampled values. */
  static final int VALUES = 1;
  /** Stream of a trial's training seed. */
  static final int TRIAL = 2;
  /** Stream of a round's proposals (the Bayesian search's candidates). */
  static final int ROUND = 3;

  private Seeds() {}

  /** A well-mixed 64-bit value of {@code seed}, {@code index} and {@code stream}. */
  static long mix(long seed, long index, int stream) {
    return finish(finish(finish(seed) + index * 0x9E3779B97F4A7C15L) ^ stream * 0xD1B54A32D192ED03L);
  }

  /** A generator for {@code stream} of item {@code index} of the search seeded {@code seed}. */
  static SplittableRandom random(long seed, long index, int stream) {
    return new SplittableRandom(mix(seed, index, stream));
  }

  /** The training seed of trial {@code id}: non-negative, so that it reads well in files. */
  static long trialSeed(long seed, int id) {
    return mix(seed, id, TRIAL) >>> 1;
  }

  /**
   * A standard normal number by the Box–Muller transform, with {@link StrictMath}: the same on every
   * machine and every Java version, unlike {@code nextGaussian}, whose algorithm is the JDK's to change.
   */
  static double gaussian(RandomGenerator random) {
    double u = 1 - random.nextDouble(); // in (0, 1]: the logarithm is finite
    return StrictMath.sqrt(-2 * StrictMath.log(u)) * StrictMath.cos(2 * Math.PI * random.nextDouble());
  }

  private static long finish(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
