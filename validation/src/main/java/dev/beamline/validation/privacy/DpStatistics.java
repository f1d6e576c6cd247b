package dev.beamline.validation.privacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.beamline.validation.privacy.DpQueryPlan.Query;
import dev.beamline.validation.privacy.DpQueryPlan.Withheld;
import dev.beamline.validation.privacy.PrivacyConfig.Bounds;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;


/**
 * A differentially private release of a dataset's statistics, as written to {@code
 * dp_statistics.json}: the mechanism, the unit of privacy, ε and δ, the budget of every query, the
 * columns withheld, and per split the noisy values with the standard deviation of their noise, so that
 * a reader knows their error. Unlike {@code statistics.json} beside it, this release may be shared.
 *
 * <p>Noisy counts are released as drawn (they may be negative, and are unbiased); means and quantiles
 * are computed from them (post-processing), with negative counts taken as 0.
 *
 * <pre>{@code
 * DpStatistics dp = NoisyRelease.of(plan, sums);
 * Files.writeString(dir.resolve(DpStatistics.FILE), dp.toJson());
 * }</pre>
 */
public record DpStatistics(DpQueryPlan plan, String noiseSource, ImmutableList<SplitRelease> splits) implements Serializable {
  /** The file of a differentially private release, beside {@code statistics.json}. */
  public static final String FILE = "dp_statistics.json";
  /** The quantiles released for every numeric column, from its noisy histogram. */
  public static final ImmutableList<Double> QUANTILES = ImmutableList.of(0.1, 0.25, 0.5, 0.75, 0.9);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The noisy number of rows of a split, and the released columns. */
  public record SplitRelease(String split, long rows, double rowsStd, ImmutableList<NumericRelease> numeric,
      ImmutableList<CategoricalRelease> categorical) implements Serializable {}

  /**
   * A numeric column: the noisy count of present values, the noisy sum of its clamped values centred
   * on the midpoint, and its noisy histogram over {@code edges}; the mean (null when the noisy count is
   * not positive) and the quantiles (null when the histogram is empty after clamping) are derived.
   */
  public record NumericRelease(String column, Bounds bounds, long count, double countStd, double centredSum, double sumStd,
      Double mean, ImmutableList<Double> edges, ImmutableList<Long> histogram, double histogramStd,
      ImmutableMap<Double, Double> quantiles) implements Serializable {}

  /** A categorical column: the noisy counts of its declared values in order, and of all other values. */
  public record CategoricalRelease(String column, ImmutableList<String> values, ImmutableList<Long> counts, long other,
      double countStd) implements Serializable {}

  /** The release as JSON. */
  public String toJson() {
    PrivacyConfig c = plan.config();
    ObjectNode root = JSON.createObjectNode();
    root.put("note", "Differentially private statistics: safe to share within the stated budget. statistics.json beside it is exact and NOT private.");
    root.put("mechanism", c.mechanism().configName());
    root.put("unit_of_privacy", plan.unitOfPrivacy());
    root.put("epsilon", c.epsilon());
    root.put("delta", c.effectiveDelta());
    if (c.mechanism() == PrivacyConfig.Mechanism.GAUSSIAN) {
      root.put("rho", plan.totalRho());
    }
    root.put("noise_source", noiseSource);
    ObjectNode budget = root.putObject("budget");
    String among = plan.parallel() ? "the queries of each split (a row lies in one split: the splits compose in parallel)" : "all the queries";
    budget.put("composition", c.mechanism() == PrivacyConfig.Mechanism.LAPLACE
        ? "basic composition: epsilon split equally among " + among
        : "zCDP: rho = rho_for(epsilon, delta) split equally among " + among + ", (epsilon, delta) from their sum");
    budget.put("queries_count", plan.queries().size());
    budget.put("budget_shares", plan.k());
    budget.put("total_epsilon", plan.totalEpsilon());
    ArrayNode queries = budget.putArray("queries");
    for (Query q : plan.queries()) {
      ObjectNode n = queries.addObject();
      n.put("id", q.id());
      n.put("kind", q.kind().configName());
      n.put("values", q.size());
      n.put("l1_sensitivity", q.l1Sensitivity());
      n.put("l2_sensitivity", q.l2Sensitivity());
      if (q.epsilon() != null) {
        n.put("epsilon", q.epsilon());
      }
      if (q.rho() != null) {
        n.put("rho", q.rho());
      }
      n.put("noise_scale", q.noiseScale());
      n.put("noise_std", q.noiseStd());
    }
    ArrayNode withheld = root.putArray("withheld");
    for (Withheld w : plan.withheld()) {
      withheld.addObject().put("column", w.column()).put("reason", w.reason());
    }
    ArrayNode splitsNode = root.putArray("splits");
    for (SplitRelease s : splits) {
      ObjectNode sn = splitsNode.addObject();
      sn.put("split", s.split());
      sn.putObject("rows").put("value", s.rows()).put("noise_std", s.rowsStd());
      ObjectNode numeric = sn.putObject("numeric");
      for (NumericRelease r : s.numeric()) {
        ObjectNode n = numeric.putObject(r.column());
        n.putArray("bounds").add(r.bounds().lower()).add(r.bounds().upper());
        n.putObject("count").put("value", r.count()).put("noise_std", r.countStd());
        n.putObject("centred_sum").put("value", r.centredSum()).put("noise_std", r.sumStd()).put("centre", r.bounds().mid());
        if (r.mean() == null) {
          n.putNull("mean");
        } else {
          n.put("mean", r.mean());
        }
        ObjectNode h = n.putObject("histogram");
        r.edges().forEach(h.putArray("edges")::add);
        r.histogram().forEach(h.putArray("counts")::add);
        h.put("noise_std", r.histogramStd());
        if (r.quantiles() == null) {
          n.putNull("quantiles");
        } else {
          ObjectNode q = n.putObject("quantiles");
          r.quantiles().forEach((p, v) -> q.put("p" + Math.round(p * 100), v));
        }
      }
      ObjectNode categorical = sn.putObject("categorical");
      for (CategoricalRelease r : s.categorical()) {
        ObjectNode n = categorical.putObject(r.column());
        ObjectNode counts = n.putObject("counts");
        for (int i = 0; i < r.values().size(); i++) {
          counts.put(r.values().get(i), r.counts().get(i));
        }
        n.put("other", r.other());
        n.put("noise_std", r.countStd());
      }
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The release of split {@code split}. */
  public SplitRelease split(String split) {
    return splits.stream().filter(s -> s.split().equals(split)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no split '" + split + "'"));
  }

  /** Short lines for a console or a run summary. */
  public List<String> summary() {
    PrivacyConfig c = plan.config();
    String head = "differentially private release: " + c.mechanism().configName() + ", epsilon " + c.epsilon()
        + (c.effectiveDelta() > 0 ? ", delta " + c.effectiveDelta() : "") + ", unit " + plan.unitOfPrivacy() + ", " + plan.queries().size() + " queries ("
        + (plan.parallel() ? plan.k() + " per split, splits in parallel" : "sharing the budget") + "), "
        + plan.numeric().size() + " numeric and " + plan.categorical().size() + " categorical columns released, " + plan.withheld().size() + " withheld";
    return List.of(head);
  }

}
