package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How the blessing and the bias gaps write numbers: in their one-line messages, short enough to read and never so
 * short that a failing value prints like its bound; in their JSON, exactly, with an undefined value ({@code NaN})
 * as {@code null}, since JSON has no NaN.
 *
 * <pre>{@code
 * Numbers.text(0.41);                    // "0.41"
 * Numbers.text(2.0 / 3);                 // "0.666667"
 * Numbers.text(0.8999999999, 0.9);       // "0.8999999999", not "0.9"
 * Numbers.put(node, "gap", Double.NaN);  // "gap": null
 * }</pre>
 */
final class Numbers {
  private static final MathContext SIX_DIGITS = new MathContext(6);

  private Numbers() {}

  /** {@code v} to six significant digits, integers whole, without trailing zeros. */
  static String text(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    if (v == 0) {
      return "0";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    BigDecimal d = new BigDecimal(v).round(SIX_DIGITS).stripTrailingZeros();
    return Math.abs(v) >= 1e-6 ? d.toPlainString() : d.toString();
  }

  /**
   * {@code v} as {@link #text(double)} writes it, unless that reads the same as {@code other} while the two differ:
   * then with every digit of its shortest representation, so that "0.9 is below the lower bound 0.9" is never
   * written.
   */
  static String text(double v, double other) {
    String s = text(v);
    if (Double.compare(v, other) != 0 && s.equals(text(other)) && Double.isFinite(v)) {
      return new BigDecimal(Double.toString(v)).toPlainString();
    }
    return s;
  }

  /** {@code v} with an explicit sign: {@code "+0.02"}, {@code "-0.05"}, {@code "0"}. */
  static String signed(double v) {
    return v > 0 ? "+" + text(v) : text(v);
  }

  /** Puts {@code v} under {@code key}; {@code null} when it is {@code NaN} or infinite. */
  static void put(ObjectNode node, String key, double v) {
    if (Double.isFinite(v)) {
      node.put(key, v);
    } else {
      node.putNull(key);
    }
  }
}
