package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.math.BigInteger;

/**
 * Fixed-point encoding of real-valued updates into the ring Z_{2^k} in which secure aggregation adds them.
 *
 * <p>A value x is clipped to [−R, R], scaled by 2^f and rounded to the nearest integer q, and q is stored as its
 * two's-complement residue mod 2^k. Because residues add like integers, the sum of n encodings decodes to the
 * exact sum of the n quantized values provided that sum never leaves (−2^(k−1), 2^(k−1)): {@link #of} refuses any
 * parameters for which n·⌈R·2^f⌉ ≥ 2^(k−1), so {@link #decodeSum} is exact for up to {@code maxSummands} vectors.
 * The quantization error of one value is at most 2^−(f+1) (before clipping), so a decoded sum of n values is within
 * n·2^−(f+1) of the real sum.
 *
 * <pre>{@code
 * FixedPoint fp = FixedPoint.of(62, 24, 1024.0, 1000);   // k, f, R, at most 1000 summands
 * long[] a = fp.encode(new double[] {0.5, -1.25});
 * long[] b = fp.encode(new double[] {0.25, 2.0});
 * double[] sum = fp.decodeSum(fp.add(a, b));              // {0.75, 0.75}
 * }</pre>
 */
public final class FixedPoint {
  /** The smallest ring the protocol accepts. */
  public static final int MIN_MODULUS_BITS = 32;
  /** The largest ring: 2^62 keeps every intermediate sum of two residues inside a signed long. */
  public static final int MAX_MODULUS_BITS = 62;

  private final int modulusBits;
  private final int fractionalBits;
  private final double clipRange;
  private final int maxSummands;
  private final long mask;
  private final double scale;

  private FixedPoint(int modulusBits, int fractionalBits, double clipRange, int maxSummands) {
    this.modulusBits = modulusBits;
    this.fractionalBits = fractionalBits;
    this.clipRange = clipRange;
    this.maxSummands = maxSummands;
    this.mask = (1L << modulusBits) - 1;
    this.scale = Math.scalb(1.0, fractionalBits);
  }

  /**
   * An encoding in Z_{2^modulusBits} with {@code fractionalBits} bits after the binary point, clipping at
   * ±{@code clipRange}, whose sums of up to {@code maxSummands} encodings decode exactly.
   */
  public static FixedPoint of(int modulusBits, int fractionalBits, double clipRange, int maxSummands) {
    checkArgument(
        modulusBits >= MIN_MODULUS_BITS && modulusBits <= MAX_MODULUS_BITS,
        "modulusBits k is %s; allowed: %s to %s",
        modulusBits,
        MIN_MODULUS_BITS,
        MAX_MODULUS_BITS);
    checkArgument(
        fractionalBits >= 0 && fractionalBits < modulusBits - 1,
        "fractionalBits f is %s; allowed: 0 to modulusBits - 2 = %s",
        fractionalBits,
        modulusBits - 2);
    checkArgument(
        Double.isFinite(clipRange) && clipRange > 0,
        "clipRange R is %s; allowed: a finite value > 0",
        clipRange);
    checkArgument(maxSummands >= 1, "maxSummands n is %s; allowed: >= 1", maxSummands);
    // Exact integer check: the largest |q| is ceil(R·2^f); n of them must stay below 2^(k-1).
    double scaled = Math.ceil(Math.scalb(clipRange, fractionalBits));
    BigInteger maxMagnitude = new java.math.BigDecimal(scaled).toBigInteger();
    BigInteger worstSum = maxMagnitude.multiply(BigInteger.valueOf(maxSummands));
    BigInteger bound = BigInteger.ONE.shiftLeft(modulusBits - 1);
    checkArgument(
        worstSum.compareTo(bound) < 0,
        "a sum of maxSummands n = %s values clipped at clipRange R = %s with fractionalBits f = %s can reach "
            + "n·ceil(R·2^f) = %s, which must be < 2^(modulusBits - 1) = 2^%s = %s so that the sum never wraps; "
            + "lower clipRange or fractionalBits, or raise modulusBits (at most %s)",
        maxSummands,
        clipRange,
        fractionalBits,
        worstSum,
        modulusBits - 1,
        bound,
        MAX_MODULUS_BITS);
    return new FixedPoint(modulusBits, fractionalBits, clipRange, maxSummands);
  }

  public int modulusBits() {
    return modulusBits;
  }

  public int fractionalBits() {
    return fractionalBits;
  }

  public double clipRange() {
    return clipRange;
  }

  public int maxSummands() {
    return maxSummands;
  }

  /** 2^k − 1: a residue is reduced mod 2^k by {@code value & mask()}. */
  public long mask() {
    return mask;
  }

  /** The signed integer q = round(clip(x)·2^f) that {@link #encode} stores; throws on NaN or infinity. */
  public long quantize(double x) {
    checkArgument(Double.isFinite(x), "value is %s; only finite values can be encoded", x);
    double clipped = Math.max(-clipRange, Math.min(clipRange, x));
    return Math.round(clipped * scale);
  }

  /** Encodes each value: its quantized integer as a residue mod 2^k. */
  public long[] encode(double[] values) {
    checkNotNull(values, "values");
    long[] out = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      checkArgument(
          Double.isFinite(values[i]),
          "values[%s] is %s; only finite values can be encoded",
          i,
          Double.valueOf(values[i]));
      out[i] = quantize(values[i]) & mask;
    }
    return out;
  }

  /** Encodes each value: its quantized integer as a residue mod 2^k. */
  public long[] encode(float[] values) {
    checkNotNull(values, "values");
    double[] widened = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      widened[i] = values[i];
    }
    return encode(widened);
  }

  /** The element-wise sum of two residue vectors mod 2^k. */
  public long[] add(long[] a, long[] b) {
    checkArgument(a.length == b.length, "vector lengths differ: %s and %s", a.length, b.length);
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (a[i] + b[i]) & mask;
    }
    return out;
  }

  /** The signed integer in [−2^(k−1), 2^(k−1)) that a residue stands for. */
  public long toSigned(long residue) {
    long v = residue & mask;
    return v >= (1L << (modulusBits - 1)) ? v - (1L << modulusBits) : v;
  }

  /** The signed integers that a sum of at most {@code maxSummands} encodings stands for: exact sums of the q's. */
  public long[] toSigned(long[] residues) {
    long[] out = new long[residues.length];
    for (int i = 0; i < residues.length; i++) {
      out[i] = toSigned(residues[i]);
    }
    return out;
  }

  /** Decodes a sum of at most {@code maxSummands} encodings to real values (one rounding, in the division). */
  public double[] decodeSum(long[] residues) {
    double[] out = new double[residues.length];
    for (int i = 0; i < residues.length; i++) {
      out[i] = toSigned(residues[i]) / scale;
    }
    return out;
  }

  @Override
  public String toString() {
    return "FixedPoint{k=" + modulusBits + ", f=" + fractionalBits + ", R=" + clipRange + ", n<=" + maxSummands + "}";
  }
}
