package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * The parameters of one secure-aggregation round: the number of clients n (ids 0 to n−1), the threshold t of Shamir
 * secret sharing (the fewest clients that must survive to the end, and one more than the most colluders the
 * protocol tolerates), the length of the update vectors, and the fixed-point encoding in Z_{2^k}.
 *
 * <p>Each {@code withX} checks its own argument; the combination (t ≤ n and the overflow bound n·R·2^f &lt;
 * 2^(k−1) of {@link FixedPoint}) is checked by {@link #validate()}, which the client, the server and
 * {@link SecAggRound} call. Bonawitz et al. recommend t &gt; n/2; that is not enforced, since a smaller t only lowers
 * the number of colluders the protocol tolerates.
 *
 * <pre>{@code
 * SecAggConfig config = SecAggConfig.of(10, 6, 4096)     // n, t, vector length
 *     .withFractionalBits(20)
 *     .withClipRange(8.0)
 *     .validate();
 * }</pre>
 *
 * @param numClients n, at least 2
 * @param threshold t, with 1 &lt; t ≤ n
 * @param vectorLength the number of coordinates in every update, at least 1
 * @param modulusBits k: updates are added in Z_{2^k}, 32 ≤ k ≤ 62
 * @param fractionalBits f: the encoding's scale is 2^f
 * @param clipRange R: values are clipped to [−R, R] before encoding
 */
public record SecAggConfig(
    int numClients, int threshold, int vectorLength, int modulusBits, int fractionalBits, double clipRange)
    implements Serializable {

  /** Default k: the largest ring, which leaves the most room for n·R·2^f. */
  public static final int DEFAULT_MODULUS_BITS = 62;
  /** Default f: a resolution of 2^−24 ≈ 6·10^−8, finer than a float's at 1.0. */
  public static final int DEFAULT_FRACTIONAL_BITS = 24;
  /** Default R: with the defaults above, up to 2^27 clients before the sum could wrap. */
  public static final double DEFAULT_CLIP_RANGE = 1024.0;

  public SecAggConfig {
    checkArgument(numClients >= 2, "numClients is %s; allowed: >= 2", numClients);
    checkArgument(threshold > 1, "threshold is %s; allowed: 1 < threshold <= numClients", threshold);
    checkArgument(vectorLength >= 1, "vectorLength is %s; allowed: >= 1", vectorLength);
    checkArgument(
        modulusBits >= FixedPoint.MIN_MODULUS_BITS && modulusBits <= FixedPoint.MAX_MODULUS_BITS,
        "modulusBits is %s; allowed: %s to %s",
        modulusBits,
        FixedPoint.MIN_MODULUS_BITS,
        FixedPoint.MAX_MODULUS_BITS);
    checkArgument(fractionalBits >= 0, "fractionalBits is %s; allowed: >= 0", fractionalBits);
    checkArgument(
        Double.isFinite(clipRange) && clipRange > 0, "clipRange is %s; allowed: a finite value > 0", clipRange);
  }

  /** n clients, threshold t, vectors of {@code vectorLength}, and the default encoding (k = 62, f = 24, R = 1024). */
  public static SecAggConfig of(int numClients, int threshold, int vectorLength) {
    return new SecAggConfig(
        numClients, threshold, vectorLength, DEFAULT_MODULUS_BITS, DEFAULT_FRACTIONAL_BITS, DEFAULT_CLIP_RANGE);
  }

  public SecAggConfig withNumClients(int value) {
    return new SecAggConfig(value, threshold, vectorLength, modulusBits, fractionalBits, clipRange);
  }

  public SecAggConfig withThreshold(int value) {
    return new SecAggConfig(numClients, value, vectorLength, modulusBits, fractionalBits, clipRange);
  }

  public SecAggConfig withVectorLength(int value) {
    return new SecAggConfig(numClients, threshold, value, modulusBits, fractionalBits, clipRange);
  }

  public SecAggConfig withModulusBits(int value) {
    return new SecAggConfig(numClients, threshold, vectorLength, value, fractionalBits, clipRange);
  }

  public SecAggConfig withFractionalBits(int value) {
    return new SecAggConfig(numClients, threshold, vectorLength, modulusBits, value, clipRange);
  }

  public SecAggConfig withClipRange(double value) {
    return new SecAggConfig(numClients, threshold, vectorLength, modulusBits, fractionalBits, value);
  }

  /** Checks the combination of parameters and returns this configuration. */
  public SecAggConfig validate() {
    checkArgument(
        threshold <= numClients,
        "threshold is %s; allowed: 1 < threshold <= numClients = %s",
        threshold,
        numClients);
    fixedPoint();
    return this;
  }

  /** The encoding: Z_{2^k}, scale 2^f, clip ±R, exact for sums of up to n vectors. */
  public FixedPoint fixedPoint() {
    return FixedPoint.of(modulusBits, fractionalBits, clipRange, numClients);
  }

  /** The most clients that may drop out after sharing their keys with the sum still recovered: n − t. */
  public int maxDropouts() {
    return numClients - threshold;
  }
}
