package dev.beamline.validation.privacy;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import dev.beamline.validation.privacy.DpQueryPlan.Query;
import dev.beamline.validation.privacy.DpQueryPlan.Withheld;
import dev.beamline.validation.privacy.DpStatistics.CategoricalRelease;
import dev.beamline.validation.privacy.DpStatistics.NumericRelease;
import dev.beamline.validation.privacy.DpStatistics.SplitRelease;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML page of a differentially private release ({@code dp_report.html}, beside
 * {@code dp_statistics.json}): the guarantee, the budget of every query, the columns withheld, and the
 * released values with their noise, histograms drawn as inline bars. It shows only what the release
 * holds, so it may be shared with it.
 *
 * <pre>{@code
 * Files.writeString(dir.resolve(DpReport.FILE), DpReport.render("penguins", dp));
 * }</pre>
 */
public final class DpReport {
  /** The page's file, beside {@link DpStatistics#FILE}. */
  public static final String FILE = "dp_report.html";
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();
  private static final String CSS =
      "body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em;color:#222}"
          + "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}"
          + "th{background:#f4f4f4}td.l,th.l{text-align:left}.meta{color:#555}.note{background:#fff8e1;padding:.6em;border-left:4px solid #f0b400}"
          + ".bar{display:inline-block;height:.8em;background:#1f77b4;vertical-align:middle}\n";

  private DpReport() {}

  /** The page of {@code dp}, titled {@code title}. */
  public static String render(String title, DpStatistics dp) {
    DpQueryPlan plan = dp.plan();
    PrivacyConfig c = plan.config();
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(e(title))
        .append(" — differentially private statistics</title>\n<style>").append(CSS).append("</style></head><body>\n");
    h.append("<h1>").append(e(title)).append(" — differentially private statistics</h1>\n");
    h.append("<p class=\"note\">").append(c.mechanism() == PrivacyConfig.Mechanism.LAPLACE
            ? "Laplace mechanism: (ε = " + num(c.epsilon()) + ")-differential privacy"
            : "Gaussian mechanism: (ε = " + num(c.epsilon()) + ", δ = " + num(c.delta()) + ")-differential privacy, ρ = " + num(plan.totalRho()) + " zCDP")
        .append(", unit of privacy: ").append(e(plan.unitOfPrivacy()))
        .append(". Every value below is noisy; its noise's standard deviation is beside it. This page and dp_statistics.json may be shared;"
            + " statistics.json and report.html are exact and are not private.</p>\n");

    h.append("<h2>Budget</h2>\n<p class=\"meta\">").append(plan.k()).append(plan.parallel() ? " queries per split" : " queries")
        .append(" share the budget equally (").append(c.mechanism() == PrivacyConfig.Mechanism.LAPLACE ? "basic composition" : "zCDP composition")
        .append(plan.parallel() ? "; the splits hold disjoint rows and compose in parallel" : "").append("); total ε ")
        .append(num(plan.totalEpsilon())).append(".</p>\n");
    h.append("<table><tr><th class=\"l\">Query</th><th>Values</th><th>L1 sens.</th><th>L2 sens.</th><th>")
        .append(c.mechanism() == PrivacyConfig.Mechanism.LAPLACE ? "ε" : "ρ").append("</th><th>Noise scale</th><th>Noise std</th></tr>\n");
    for (Query q : plan.queries()) {
      h.append("<tr><td class=\"l\">").append(e(q.id())).append("</td><td>").append(q.size()).append("</td><td>").append(num(q.l1Sensitivity()))
          .append("</td><td>").append(num(q.l2Sensitivity())).append("</td><td>").append(num(q.epsilon() != null ? q.epsilon() : q.rho()))
          .append("</td><td>").append(num(q.noiseScale())).append("</td><td>").append(num(q.noiseStd())).append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (!plan.withheld().isEmpty()) {
      h.append("<h2>Withheld columns</h2>\n<table><tr><th class=\"l\">Column</th><th class=\"l\">Why</th></tr>\n");
      for (Withheld w : plan.withheld()) {
        h.append("<tr><td class=\"l\">").append(e(w.column())).append("</td><td class=\"l\">").append(e(w.reason())).append("</td></tr>\n");
      }
      h.append("</table>\n");
    }
    for (SplitRelease s : dp.splits()) {
      h.append("<h2>Split ").append(e(s.split())).append(": ").append(s.rows()).append(" rows ± ").append(num(s.rowsStd())).append("</h2>\n");
      for (NumericRelease r : s.numeric()) {
        h.append("<h3>").append(e(r.column())).append(" <span class=\"meta\">bounds [").append(num(r.bounds().lower())).append(", ")
            .append(num(r.bounds().upper())).append("]</span></h3>\n<p>count ").append(r.count()).append(" ± ").append(num(r.countStd()))
            .append("; mean ").append(r.mean() == null ? "—" : num(r.mean()));
        if (r.quantiles() != null) {
          List<String> qs = new ArrayList<>();
          r.quantiles().forEach((p, v) -> qs.add("p" + Math.round(p * 100) + " " + num(v)));
          h.append("; ").append(String.join(", ", qs));
        }
        h.append("</p>\n");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i + 1 < r.edges().size(); i++) {
          labels.add("[" + num(r.edges().get(i)) + ", " + num(r.edges().get(i + 1)) + (i + 2 == r.edges().size() ? "]" : ")"));
        }
        bars(h, labels, r.histogram(), r.histogramStd());
      }
      for (CategoricalRelease r : s.categorical()) {
        h.append("<h3>").append(e(r.column())).append("</h3>\n");
        List<String> labels = new ArrayList<>(r.values());
        labels.add("(other)");
        List<Long> counts = new ArrayList<>(r.counts());
        counts.add(r.other());
        bars(h, labels, counts, r.countStd());
      }
    }
    return h.append("</body></html>\n").toString();
  }

  private static void bars(StringBuilder h, List<String> labels, List<Long> counts, double std) {
    long max = Math.max(1, counts.stream().mapToLong(Long::longValue).max().orElse(1));
    h.append("<table><tr><th class=\"l\">Value</th><th>Count (± ").append(num(std)).append(")</th><th class=\"l\"></th></tr>\n");
    for (int i = 0; i < labels.size(); i++) {
      long n = counts.get(i);
      h.append("<tr><td class=\"l\">").append(e(labels.get(i))).append("</td><td>").append(n).append("</td><td class=\"l\"><span class=\"bar\" style=\"width:")
          .append(String.format(Locale.ROOT, "%.1f", 20.0 * Math.max(0, n) / max)).append("em\"></span></td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? "%.4g" : "%.3e", v);
  }

  private static String e(String s) {
    return HTML.escape(s);
  }
}
