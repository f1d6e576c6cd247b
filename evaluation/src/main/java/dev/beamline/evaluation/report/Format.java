package dev.beamline.evaluation.report;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * How the report writes numbers and text: metric values with at most four significant digits, counts with
 * thousands separators, negative values with a true minus sign (U+2212, as the statistics report's axes: as wide
 * as a plus and easier to see than a hyphen), and every piece of user data HTML-escaped (the same escaper serves
 * inline SVG).
 *
 * <pre>{@code
 * Format.number(0.98123);   // "0.9812"
 * Format.number(12345.0);   // "12,345"
 * Format.signed(-0.02);     // "−0.02"
 * Format.html("<b> & co");  // "&lt;b&gt; &amp; co"
 * }</pre>
 */
final class Format {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final MathContext FOUR_DIGITS = new MathContext(4);
  private static final String MINUS = "\u2212";

  private Format() {}

  /** {@code v} for a reader: integers exactly, other values to four significant digits, tiny ones in e-notation. */
  static String number(double v) {
    String s = unsigned(v);
    return s.startsWith("-") ? MINUS + s.substring(1) : s;
  }

  private static String unsigned(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "-∞";
    }
    if (v == 0) {
      // Also turns -0.0 into "0".
      return "0";
    }
    double abs = Math.abs(v);
    if (v == Math.rint(v) && abs < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    if (abs >= 1000) {
      // Four significant digits would round 153421.4 to 153400: keep the integer part whole instead.
      return String.format(Locale.ROOT, "%,.1f", v);
    }
    if (abs < 1e-4) {
      return String.format(Locale.ROOT, "%.3e", v);
    }
    return new BigDecimal(v).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
  }

  /** A difference: {@link #number} with an explicit {@code +} on positive values. */
  static String signed(double v) {
    String s = number(v);
    return v > 0 ? "+" + s : s;
  }

  /** {@code fraction} as a percentage with one decimal: {@code 0.4567} is {@code "45.7%"}. */
  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
  }

  /** {@code s} safe inside HTML or SVG text and attribute values. */
  static String html(String s) {
    return HTML.escape(s);
  }

  /** {@code s} cut to {@code max} characters, the last one an ellipsis when it was longer. */
  static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
