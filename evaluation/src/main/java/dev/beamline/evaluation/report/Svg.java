package dev.beamline.evaluation.report;

import static com.google.common.base.Preconditions.checkState;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * An SVG document written element by element, for embedding in an HTML page. Coordinates print with at most one
 * decimal (a tenth of a pixel is below what a screen shows, and it keeps the page small); every text, tooltip
 * and label is escaped; the caller's {@code attributes} are trusted markup and must hold no user data.
 *
 * <pre>{@code
 * Svg svg = new Svg(200, 100, "an example");
 * svg.line(0, 50, 200, 50, "stroke=\"#999\"");
 * svg.text(100, 20, "middle", "A & B", "font-size=\"12\"");
 * String markup = svg.finish();
 * }</pre>
 */
final class Svg {
  /** The report's series colours, those of the statistics report (matplotlib's "tab10"). */
  static final List<String> COLORS =
      List.of("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728");

  private final StringBuilder out = new StringBuilder();
  private boolean finished;

  /** Opens a {@code width} by {@code height} pixel drawing; {@code label} is what a screen reader says of it. */
  Svg(double width, double height, String label) {
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(n(width)).append("\" height=\"").append(n(height))
        .append("\" viewBox=\"0 0 ").append(n(width)).append(' ').append(n(height)).append("\" role=\"img\" aria-label=\"")
        .append(Format.html(label)).append("\">");
  }

  /** The colour of the {@code i}-th series, cycling through {@link #COLORS}. */
  static String color(int i) {
    return COLORS.get(Math.floorMod(i, COLORS.size()));
  }

  /** A coordinate or length: rounded half up to one decimal, without a trailing {@code .0}. */
  static String n(double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("coordinate must be finite, got " + v);
    }
    BigDecimal d = BigDecimal.valueOf(v).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros();
    return d.signum() == 0 ? "0" : d.toPlainString();
  }

  Svg line(double x1, double y1, double x2, double y2, String attributes) {
    return element("<line x1=\"" + n(x1) + "\" y1=\"" + n(y1) + "\" x2=\"" + n(x2) + "\" y2=\"" + n(y2) + "\" " + attributes, null);
  }

  /** A rectangle; {@code tooltip} (may be null) shows when the pointer rests on it. */
  Svg rect(double x, double y, double width, double height, String attributes, String tooltip) {
    return element("<rect x=\"" + n(x) + "\" y=\"" + n(y) + "\" width=\"" + n(width) + "\" height=\"" + n(height) + "\" " + attributes,
        tooltip);
  }

  Svg circle(double cx, double cy, double r, String attributes, String tooltip) {
    return element("<circle cx=\"" + n(cx) + "\" cy=\"" + n(cy) + "\" r=\"" + n(r) + "\" " + attributes, tooltip);
  }

  /**
   * A polyline through {@code points} ({x, y} pairs in pixels); a non-finite coordinate breaks it in two rather
   * than joining its neighbours across the gap. Nothing is drawn without two finite points.
   */
  Svg path(List<double[]> points, String attributes, String tooltip) {
    StringBuilder d = new StringBuilder();
    boolean penDown = false;
    int drawn = 0;
    for (double[] p : points) {
      if (!Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
        penDown = false;
        continue;
      }
      d.append(d.length() == 0 ? "" : " ").append(penDown ? "L" : "M").append(n(p[0])).append(' ').append(n(p[1]));
      penDown = true;
      drawn++;
    }
    if (drawn < 2) {
      return this;
    }
    return element("<path d=\"" + d + "\" " + attributes, tooltip);
  }

  /** {@code content} at ({@code x}, {@code y}), its baseline there, aligned by {@code anchor} (start, middle, end). */
  Svg text(double x, double y, String anchor, String content, String attributes) {
    checkState(!finished, "the SVG is finished");
    out.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" text-anchor=\"").append(anchor).append('"')
        .append(attributes.isEmpty() ? "" : " " + attributes).append('>').append(Format.html(content)).append("</text>");
    return this;
  }

  /** Closes the drawing and returns its markup. */
  String finish() {
    checkState(!finished, "the SVG is finished");
    finished = true;
    return out.append("</svg>").toString();
  }

  private Svg element(String open, String tooltip) {
    checkState(!finished, "the SVG is finished");
    if (tooltip == null) {
      out.append(open).append("/>");
    } else {
      String tag = open.substring(1, open.indexOf(' '));
      out.append(open).append("><title>").append(Format.html(tooltip)).append("</title></").append(tag).append('>');
    }
    return this;
  }
}
