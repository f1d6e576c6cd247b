package dev.beamline.evaluation.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A reliability diagram (DeGroot and Fienberg, "The comparison and evaluation of forecasters", 1983; the plot of
 * scikit-learn's {@code CalibrationDisplay}): per bin of predicted probability, the mean prediction against the
 * fraction of positives, with the diagonal of perfect calibration. Under the plot and on the same x axis, a
 * strip of bars shows each bin's weight, so that a point far off the diagonal can be told apart from one that
 * rests on three examples.
 *
 * <pre>{@code
 * String svg = new CalibrationChart("Adelie", 0, List.of(
 *     new CalibrationChart.Bin(0.0, 0.1, 60, 0.01, 0.0),
 *     new CalibrationChart.Bin(0.9, 1.0, 50, 0.97, 0.98))).render();
 * }</pre>
 *
 * @param name the class, for the accessible label and the tooltips
 * @param color the class's colour number, as in its ROC curve
 * @param bins the bins in order; an empty one has a NaN mean prediction and draws no point
 */
record CalibrationChart(String name, int color, List<Bin> bins) {
  static final double PLOT_WIDTH = 300;
  static final double PLOT_HEIGHT = 220;
  static final double TOP = 12;
  /** Between the plot and the weight strip: more than a tick label's height, so "0" and the strip's label never touch. */
  static final double GAP = 18;
  static final double STRIP_HEIGHT = 48;

  /**
   * One bin of predicted probability.
   *
   * @param lower its lowest probability
   * @param upper its highest
   * @param weight the weight of its examples
   * @param meanPrediction their mean predicted probability (NaN when empty)
   * @param fractionPositive the weighted fraction of them that are positive (NaN when empty)
   */
  record Bin(double lower, double upper, double weight, double meanPrediction, double fractionPositive) {}

  CalibrationChart {
    bins = List.copyOf(bins);
  }

  /** The largest bin weight: the top of the weight strip. */
  double maxWeight() {
    double max = bins.stream().mapToDouble(Bin::weight).filter(Double::isFinite).max().orElse(0);
    return max > 0 ? max : 1;
  }

  /** The reliability plot's axes, left enough for both its tick labels and the strip's. */
  Axes axes() {
    double left = Axes.leftMargin(List.of("0.2", Format.number(maxWeight())));
    return Axes.of(left, TOP, PLOT_WIDTH, PLOT_HEIGHT, 0, 1, 0, 1);
  }

  /** The weight strip's axes: the same x, weights from 0 to the largest. */
  Axes strip() {
    Axes plot = axes();
    return Axes.of(plot.left(), plot.bottom() + GAP, PLOT_WIDTH, STRIP_HEIGHT, 0, 1, 0, maxWeight());
  }

  String render() {
    Axes plot = axes();
    Axes strip = strip();
    String color = Svg.color(this.color);
    Svg svg = new Svg(plot.right() + 16, strip.bottom() + Axes.BOTTOM_MARGIN, "calibration of " + name);
    plot.draw(svg, plot.x().ticks(5), false, plot.y().ticks(5), null, "fraction of positives");
    svg.line(plot.x(0), plot.y(0), plot.x(1), plot.y(1), "stroke=\"#888\" stroke-dasharray=\"4 4\"");

    strip.draw(svg, strip.x().ticks(5), List.of(), "mean predicted probability", null);
    // The strip has one tick, its top, labelled like a y tick; its title stands where a y axis title would.
    String max = Format.number(maxWeight());
    svg.line(strip.left() - 4, strip.top(), strip.left(), strip.top(), "stroke=\"#999\"");
    svg.text(strip.left() - 7, strip.top() + 8, "end", max, Axes.TICK_TEXT);
    double tx = strip.left() - 7 - Axes.widest(List.of(max)) - 6;
    double ty = strip.top() + STRIP_HEIGHT / 2 + 4;
    svg.text(tx, ty, "middle", "weight", Axes.TICK_TEXT + " transform=\"rotate(-90 " + Svg.n(tx) + " " + Svg.n(ty) + ")\"");
    for (Bin b : bins) {
      if (b.weight() > 0 && Double.isFinite(b.weight())) {
        double top = strip.y(b.weight());
        svg.rect(strip.x(b.lower()), top, strip.x(b.upper()) - strip.x(b.lower()), strip.bottom() - top,
            "fill=\"" + color + "\" fill-opacity=\"0.45\" stroke=\"#fff\"",
            Format.number(b.lower()) + "–" + Format.number(b.upper()) + ": weight " + Format.number(b.weight()));
      }
    }

    // Empty bins are skipped, not gaps: the curve joins the bins that hold examples.
    List<double[]> points = new ArrayList<>();
    for (Bin b : bins) {
      if (Double.isFinite(b.meanPrediction()) && Double.isFinite(b.fractionPositive())) {
        points.add(new double[] {plot.x(b.meanPrediction()), plot.y(b.fractionPositive())});
      }
    }
    svg.path(points, "fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"", name);
    for (Bin b : bins) {
      if (Double.isFinite(b.meanPrediction()) && Double.isFinite(b.fractionPositive())) {
        svg.circle(plot.x(b.meanPrediction()), plot.y(b.fractionPositive()), 3.5, "fill=\"" + color + "\"",
            "predicted " + Format.number(b.meanPrediction()) + ", observed " + Format.number(b.fractionPositive()) + " (weight "
                + Format.number(b.weight()) + ")");
      }
    }
    return svg.finish();
  }
}
