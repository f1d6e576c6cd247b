package dev.beamline.evaluation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A sum of doubles kept exactly, so that the metrics' accumulators give bit-identical results in any
 * order of adding and merging. The running value is a double plus the exact rounding errors of the
 * additions (Knuth's TwoSum, TAOCP vol. 2, 4.2.2). The errors go into a fixed-point accumulator over
 * the whole range of doubles (a "superaccumulator", as in Neal 2015, "Fast exact summation using small
 * and large superaccumulators"): 67 limbs of 32 bits, each held in a {@code long} so that carries can
 * wait, allocated only when an addition was inexact, so sums of integer weights never allocate. {@link
 * #value()} is the exact sum rounded once to the nearest double.
 *
 * <pre>{@code
 * ExactSum s = new ExactSum();
 * s.add(1e100); s.add(1.0); s.add(-1e100);
 * s.value(); // 1.0
 * }</pre>
 */
final class ExactSum implements Serializable {
  private static final long serialVersionUID = 2L;
  /** Bit 0 of limb 0 weighs 2^-1074, the smallest subnormal double. */
  private static final int MIN_EXPONENT = -1074;
  /** 2098 bits of doubles, 53 more of headroom for the mantissa's span, in 32-bit limbs. */
  private static final int LIMBS = 67;
  private static final long LOW32 = 0xFFFFFFFFL;
  /**
   * Additions the limbs take before their carries must be propagated: each adds less than 2^33 to a
   * limb, so 2^28 of them stay far from a long's 2^63.
   */
  private static final int CARRY_EVERY = 1 << 28;
  /** 5^1074: 2^-1074 is 5^1074 / 10^1074. */
  private static final BigInteger FIVE_TO_1074 = BigInteger.valueOf(5).pow(-MIN_EXPONENT);
  /** 2^1074, to express a double in units of 2^-1074. */
  private static final BigDecimal TWO_TO_1074 = new BigDecimal(BigInteger.ONE.shiftLeft(-MIN_EXPONENT));

  private double head;
  private long[] limbs;
  private int pending;

  /** Adds a finite double exactly. */
  void add(double x) {
    double s = head + x;
    double bb = s - head;
    double err = (head - (s - bb)) + (x - bb);
    head = s;
    if (err != 0) {
      addToLimbs(err);
    }
  }

  /**
   * Adds the exact product {@code a * b}: the rounded product and its rounding error, which {@link
   * Math#fma} gives exactly (Dekker's TwoProduct; exact unless the product underflows).
   */
  void addProduct(double a, double b) {
    double p = a * b;
    add(p);
    add(Math.fma(a, b, -p));
  }

  /** Adds the exact product {@code a * b * c}, as two exact products. */
  void addProduct(double a, double b, double c) {
    double p = a * b;
    addProduct(p, c);
    addProduct(Math.fma(a, b, -p), c);
  }

  /**
   * Adds the product of the exact sum {@code w} and {@code x}: its head's product and each of its
   * limbs' (a limb, below 2^32 after normalising, times its power of two is a double), exact unless a
   * product underflows.
   */
  void addProduct(ExactSum w, double x) {
    addProduct(w.head, x);
    if (w.limbs != null) {
      // The limbs as one signed integer, in 32-bit parts of its magnitude, each times its power of two.
      BigInteger total = w.limbTotal();
      int sign = total.signum();
      BigInteger magnitude = total.abs();
      for (int i = 0; magnitude.signum() != 0; i++, magnitude = magnitude.shiftRight(32)) {
        long part = magnitude.longValue() & LOW32;
        if (part != 0) {
          addProduct(sign * Math.scalb((double) part, 32 * i + MIN_EXPONENT), x);
        }
      }
    }
  }

  /** Adds everything {@code other} holds. */
  void add(ExactSum other) {
    add(other.head);
    if (other.limbs != null) {
      if (limbs == null) {
        limbs = new long[LIMBS];
      }
      // A normalised copy of the other's limbs: it may be an input element, which must not change.
      long[] theirs = other.limbs.clone();
      normalize(theirs);
      normalize(limbs);
      for (int i = 0; i < LIMBS; i++) {
        limbs[i] += theirs[i];
      }
      pending = 2;
    }
  }

  /** Adds the finite double {@code x} to the limbs: its mantissa, shifted to its exponent's place. */
  private void addToLimbs(double x) {
    if (limbs == null) {
      limbs = new long[LIMBS];
    }
    if (++pending >= CARRY_EVERY) {
      normalize(limbs);
      pending = 1;
    }
    long bits = Double.doubleToRawLongBits(x);
    int biased = (int) ((bits >>> 52) & 0x7FF);
    long mantissa = bits & 0xFFFFFFFFFFFFFL;
    int exponent;
    if (biased == 0) {
      exponent = MIN_EXPONENT; // subnormal
    } else {
      mantissa |= 1L << 52;
      exponent = biased - 1075;
    }
    if (bits < 0) {
      mantissa = -mantissa;
    }
    int p = exponent - MIN_EXPONENT;
    int i = p >>> 5;
    int shift = p & 31;
    // mantissa * 2^shift spans at most 85 bits: split it in 32-bit parts, each added to its limb with its sign.
    long low = mantissa >= 0 ? mantissa & LOW32 : -((-mantissa) & LOW32);
    long high = mantissa >= 0 ? mantissa >>> 32 : -((-mantissa) >>> 32);
    long lowShifted = low << shift; // |low| < 2^32: fits in 63 bits with its sign
    long highShifted = high << shift; // |high| < 2^21
    limbs[i] += lowShifted % (1L << 32);
    limbs[i + 1] += lowShifted / (1L << 32) + highShifted % (1L << 32);
    limbs[i + 2] += highShifted / (1L << 32);
  }

  /** Propagates carries so that every limb but the last is in [0, 2^32); the value stays the same. */
  private static void normalize(long[] limbs) {
    long carry = 0;
    for (int i = 0; i < LIMBS - 1; i++) {
      long v = limbs[i] + carry;
      carry = Math.floorDiv(v, 1L << 32);
      limbs[i] = v - (carry << 32);
    }
    limbs[LIMBS - 1] += carry;
  }

  /** The exact sum. */
  BigDecimal exact() {
    BigDecimal h = new BigDecimal(head);
    if (limbs == null) {
      return h;
    }
    BigInteger total = limbTotal();
    if (total.signum() == 0) {
      return h;
    }
    // total * 2^-1074, exactly: 2^-1074 = 5^1074 / 10^1074.
    return h.add(new BigDecimal(total.multiply(FIVE_TO_1074), -MIN_EXPONENT));
  }

  /** The limbs' value in units of 2^-1074. */
  private BigInteger limbTotal() {
    BigInteger total = BigInteger.ZERO;
    for (int i = LIMBS - 1; i >= 0; i--) {
      total = total.shiftLeft(32).add(BigInteger.valueOf(limbs[i]));
    }
    return total;
  }

  /**
   * The exact sum, rounded once to the nearest double (ties to even): head and limbs as one integer
   * in units of 2^-1074, cut to 53 significant bits.
   */
  double value() {
    if (limbs == null) {
      return head;
    }
    BigInteger total = limbTotal();
    if (total.signum() == 0) {
      return head;
    }
    total = total.add(new BigDecimal(head).multiply(TWO_TO_1074).toBigIntegerExact());
    int sign = total.signum();
    BigInteger m = total.abs();
    int drop = Math.max(0, m.bitLength() - 53);
    if (drop > 0) {
      boolean half = m.testBit(drop - 1);
      boolean sticky = m.getLowestSetBit() < drop - 1;
      m = m.shiftRight(drop);
      if (half && (sticky || m.testBit(0))) {
        m = m.add(BigInteger.ONE);
      }
    }
    return sign * Math.scalb(m.doubleValue(), drop + MIN_EXPONENT);
  }

  /** Writes the sum compactly (its head, and its limbs when any addition was inexact). */
  void write(DataOutput out) throws IOException {
    out.writeDouble(head);
    if (limbs == null) {
      out.writeByte(0);
      return;
    }
    long[] limbs = this.limbs.clone();
    normalize(limbs);
    int used = LIMBS;
    while (used > 0 && limbs[used - 1] == 0) {
      used--;
    }
    int first = 0;
    while (first < used && limbs[first] == 0) {
      first++;
    }
    out.writeByte(1);
    out.writeByte(first);
    out.writeByte(used);
    for (int i = first; i < used; i++) {
      out.writeLong(limbs[i]);
    }
  }

  /** Reads what {@link #write} wrote. */
  static ExactSum read(DataInput in) throws IOException {
    ExactSum s = new ExactSum();
    s.head = in.readDouble();
    if (in.readByte() != 0) {
      s.limbs = new long[LIMBS];
      int first = in.readByte();
      int used = in.readByte();
      for (int i = first; i < used; i++) {
        s.limbs[i] = in.readLong();
      }
    }
    return s;
  }
}
