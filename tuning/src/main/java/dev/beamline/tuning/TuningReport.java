package dev.beamline.tuning;

import dev.beamline.training.TrainingHistory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The tuner's HTML page ({@value Tune#REPORT_FILE} beside the chosen values): the trials in a table
 * sorted by objective (failed ones last, with their error), the objective's metric against each
 * parameter (a log axis for a log-scale range, one column per value of a choice), and the best trial's
 * curves (train loss and the objective's metric per epoch). Self-contained: inline SVG, no script.
 */
public final class TuningReport {
  private static final int W = 320;
  private static final int H = 200;
  private static final int PAD = 40;

  private TuningReport() {}

  public static String render(TuneConfig tune, List<TrialOutcome> trials, int bestId) {
    String metric = tune.objective().metric();
    StringBuilder s = new StringBuilder();
    s.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Tuning: ").append(esc(metric)).append("</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}")
        .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}tr.best{background:#e6f4ea}")
        .append("td.err{color:#a00;text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}")
        .append("figcaption{font-size:13px;text-align:center}</style></head><body>");
    long failed = trials.stream().filter(TrialOutcome::failed).count();
    double wall = TrialOutcome.wallSeconds(trials);
    double busy = TrialOutcome.trainingSeconds(trials);
    s.append("<h1>Tuning</h1><p>").append(esc(tune.algorithm().name().toLowerCase(Locale.ROOT))).append(" search, ")
        .append(trials.size()).append(" trial(s), ").append(failed).append(" failed, at most ").append(tune.maxParallelTrials())
        .append(" at a time; objective: ").append(esc(tune.objective().direction().name().toLowerCase(Locale.ROOT))).append(' ')
        .append(esc(metric)).append(String.format(Locale.ROOT, "; trials trained for %.1f s in %.1f s of wall time.</p>", busy, wall));

    List<String> names = new ArrayList<>(tune.searchSpace().names());
    List<TrialOutcome> sorted = new ArrayList<>(trials);
    sorted.sort(TrialOutcome.BY_OBJECTIVE);
    s.append("<h2>Trials</h2><table><tr><th>trial</th>");
    names.forEach(n -> s.append("<th>").append(esc(n)).append("</th>"));
    s.append("<th>epochs</th><th>").append(esc(metric)).append("</th><th>seconds</th><th>state</th></tr>");
    for (TrialOutcome t : sorted) {
      s.append(t.spec().id() == bestId ? "<tr class=\"best\">" : "<tr>").append("<td>").append(t.spec().id()).append("</td>");
      for (String n : names) {
        s.append("<td>").append(esc(show(t.spec().values().get(n)))).append("</td>");
      }
      TrainingHistory h = t.history();
      s.append("<td>").append(h == null ? "-" : h.epochs().size()).append("</td><td>")
          .append(t.metric() == null ? "-" : String.format(Locale.ROOT, "%.5f", t.metric())).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f", t.wallSeconds())).append("</td>");
      s.append(t.failed() ? "<td class=\"err\">FAILED: " + esc(t.result().error()) + "</td>" : "<td>" + (t.spec().id() == bestId ? "best" : "") + "</td>");
      s.append("</tr>");
    }
    s.append("</table>");

    List<TrialOutcome> ok = trials.stream().filter(t -> !t.failed() && t.metric() != null).toList();
    if (!ok.isEmpty()) {
      s.append("<h2>").append(esc(metric)).append(" against each parameter</h2><div class=\"charts\">");
      for (String n : names) {
        s.append(scatter(tune.searchSpace().parameters().get(n), n, metric, ok, bestId));
      }
      s.append("</div>");
    }
    trials.stream().filter(t -> t.spec().id() == bestId && t.history() != null).findFirst().ifPresent(best -> {
      TrainingHistory h = best.history();
      s.append("<h2>Best trial (").append(bestId).append(")</h2><div class=\"charts\">");
      List<double[]> loss = new ArrayList<>();
      List<double[]> evalMetric = new ArrayList<>();
      for (TrainingHistory.Epoch e : h.epochs()) {
        loss.add(new double[] {e.epoch(), e.trainLoss()});
        Double m = e.evalMetrics().get(metric);
        if (m != null) {
          evalMetric.add(new double[] {e.epoch(), m});
        }
      }
      s.append(line("train loss per epoch", loss)).append(line(metric + " per epoch", evalMetric)).append("</div>");
    });
    return s.append("</body></html>\n").toString();
  }

  /** A value as the report and the table show it: a double to six significant digits, anything else as text. */
  static String show(Object v) {
    if (v instanceof Double d) {
      return String.format(Locale.ROOT, "%.6g", d);
    }
    return String.valueOf(v);
  }

  private static String scatter(Parameter p, String name, String metric, List<TrialOutcome> ok, int bestId) {
    boolean choice = p instanceof Parameter.Choice;
    boolean log = p instanceof Parameter.FloatRange f ? f.log() : p instanceof Parameter.IntRange i && i.log();
    List<String> categories = new ArrayList<>();
    if (choice) {
      ((Parameter.Choice) p).values().forEach(v -> categories.add(show(v)));
    }
    ToDoubleFunction<TrialOutcome> x = t -> {
      Object v = t.spec().values().get(name);
      if (choice) {
        return categories.indexOf(show(v)) + 0.5;
      }
      double d = ((Number) v).doubleValue();
      return log ? Math.log10(d) : d;
    };
    double x0 = choice ? 0 : ok.stream().mapToDouble(x).min().getAsDouble();
    double x1 = choice ? categories.size() : ok.stream().mapToDouble(x).max().getAsDouble();
    double y0 = ok.stream().mapToDouble(TrialOutcome::metric).min().getAsDouble();
    double y1 = ok.stream().mapToDouble(TrialOutcome::metric).max().getAsDouble();
    StringBuilder s = frame(x0, x1, y0, y1);
    for (TrialOutcome t : ok) {
      s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>trial %d: %s</title></circle>",
          px(x.applyAsDouble(t), x0, x1), py(t.metric(), y0, y1), t.spec().id() == bestId ? 5 : 3,
          t.spec().id() == bestId ? "#d93025" : "#1a73e8", t.spec().id(), esc(show(t.spec().values().get(name)))));
    }
    if (choice) {
      for (int i = 0; i < categories.size(); i++) {
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
            px(i + 0.5, x0, x1), H - PAD + 14, esc(abbreviate(categories.get(i)))));
      }
    } else {
      s.append(axisX(x0, x1, log));
    }
    s.append(axisY(y0, y1)).append("</svg>");
    return "<figure>" + s + "<figcaption>" + esc(metric) + " against " + esc(name) + (log ? " (log scale)" : "") + "</figcaption></figure>";
  }

  private static String line(String title, List<double[]> points) {
    if (points.isEmpty()) {
      return "";
    }
    double x0 = points.get(0)[0];
    double x1 = points.get(points.size() - 1)[0];
    double y0 = points.stream().mapToDouble(p -> p[1]).min().getAsDouble();
    double y1 = points.stream().mapToDouble(p -> p[1]).max().getAsDouble();
    StringBuilder s = frame(x0, x1, y0, y1);
    StringBuilder path = new StringBuilder();
    for (double[] p : points) {
      path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px(p[0], x0, x1), py(p[1], y0, y1)));
    }
    s.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#1a73e8\" stroke-width=\"2\"/>");
    s.append(axisX(x0, x1, false)).append(axisY(y0, y1)).append("</svg>");
    return "<figure>" + s + "<figcaption>" + esc(title) + "</figcaption></figure>";
  }

  private static StringBuilder frame(double x0, double x1, double y0, double y1) {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H).append("\">");
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>", PAD, 10, W - PAD - 10, H - PAD - 10));
    return s;
  }

  private static String axisX(double x0, double x1, boolean log) {
    Map<Double, String> ticks = new LinkedHashMap<>();
    ticks.put(x0, label(log ? Math.pow(10, x0) : x0));
    ticks.put(x1, label(log ? Math.pow(10, x1) : x1));
    StringBuilder s = new StringBuilder();
    ticks.forEach((v, l) -> s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", px(v, x0, x1), H - PAD + 14, l)));
    return s.toString();
  }

  private static String axisY(double y0, double y1) {
    return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text><text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
        PAD - 3, py(y0, y0, y1) + 3, label(y0), PAD - 3, py(y1, y0, y1) + 3, label(y1));
  }

  private static String label(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static double px(double v, double x0, double x1) {
    double span = x1 - x0;
    double u = span == 0 ? 0.5 : (v - x0) / span;
    return PAD + 8 + u * (W - PAD - 26);
  }

  private static double py(double v, double y0, double y1) {
    double span = y1 - y0;
    double u = span == 0 ? 0.5 : (v - y0) / span;
    return H - PAD - 8 - u * (H - PAD - 26);
  }

  private static String abbreviate(String s) {
    return s.length() <= 14 ? s : s.substring(0, 13) + "…";
  }

  private static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
