package dev.beamline.validation;

/**
 * The width a line of text takes in the report's font, estimated without a browser, so that the SVG
 * charts (which cannot wrap or clip text by themselves) can space axis labels and shorten long category
 * values with an ellipsis. The advance widths are Helvetica's (Adobe's AFM metrics), which Arial and
 * Liberation Sans share; the estimate is 10% above them, so that a somewhat wider fallback font still
 * fits.
 *
 * <pre>{@code
 * double w = TextWidth.of("Paramount Pictures", 11);             // about 105 px
 * String label = TextWidth.truncate(title, 11, 120);              // "The Chronicles of Na…"
 * }</pre>
 */
final class TextWidth {
  static final String ELLIPSIS = "…";
  private static final double MARGIN = 1.1;
  /** Advance widths of the printable ASCII characters, space (32) to tilde (126), in 1/1000 em. */
  private static final int[] ASCII = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584 // p to ~
  };

  private TextWidth() {}

  /** The estimated width in pixels of {@code text} set in {@code fontSize} pixels. */
  static double of(String text, double fontSize) {
    double em = 0;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      em += advance(c);
      i += Character.charCount(c);
    }
    return em / 1000 * fontSize * MARGIN;
  }

  /**
   * {@code text} when it fits in {@code maxWidth} pixels, else its longest start that fits with an
   * ellipsis after it (whole code points, trailing spaces dropped).
   */
  static String truncate(String text, double fontSize, double maxWidth) {
    if (of(text, fontSize) <= maxWidth) {
      return text;
    }
    double budget = maxWidth - of(ELLIPSIS, fontSize);
    double used = 0;
    int end = 0;
    while (end < text.length()) {
      int c = text.codePointAt(end);
      double w = advance(c) / 1000 * fontSize * MARGIN;
      if (used + w > budget) {
        break;
      }
      used += w;
      end += Character.charCount(c);
    }
    return text.substring(0, end).stripTrailing() + ELLIPSIS;
  }

  private static double advance(int c) {
    if (c >= 32 && c <= 126) {
      return ASCII[c - 32];
    }
    if (c == 0x2026) {
      return 1000;
    }
    // East Asian scripts and symbols are about square; other letters about as wide as Latin ones.
    return c >= 0x2E80 ? 1000 : 600;
  }
}
