package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.evaluation.SliceSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Whether to retrain, and why: each configured condition ({@link RetrainConfig.Condition}) tested on what
 * the feedback stages published since the last retraining (the {@code cutoff}), with its value,
 * threshold and a sentence. A plain class, tested without a pipeline.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>Only windows that start at or after the cutoff count (all of them before the first retraining).
 *   <li>The measured version is the one the stable label answered with in the newest such window; a
 *       metric is pooled over that version's overall entries under the stable label in those windows:
 *       accuracy from the summed confusion counts, the other pooled metrics as means weighted by the
 *       scored rows. It holds only with at least {@code min_examples} scored rows.
 *   <li>A baseline is the measured version's own evaluation (its push record's overall metrics).
 *   <li>Drift holds when a window of the serving skew (all versions together) has a drifting feature.
 *   <li>New labels: the labelled rows whose request came after the cutoff.
 *   <li>It holds back, whatever the conditions say, while a canary is being compared (verdict {@code
 *       keep} with another version than the stable's) or when this run's comparison has just promoted
 *       one (its live metrics start now), and when there is no labelled row to retrain with.
 * </ul>
 *
 * <pre>{@code
 * RetrainDecision.Outcome o = RetrainDecision.decide(config, liveMetrics, skew, canary, newLabels, cutoff, baselines);
 * o.fired(); o.reason();
 * }</pre>
 */
public final class RetrainDecision {
  private RetrainDecision() {}

  /**
   * One condition tested.
   *
   * @param value the measured value (the metric, the number of new labels, the drifting windows); null when there is none
   * @param threshold what it was compared with; null for drift
   * @param detail the sentence that explains it
   */
  public record Check(RetrainConfig.Condition condition, boolean met, Double value, Double threshold, String detail) {
    ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("condition", condition.text());
      o.put("met", met);
      o.put("value", value);
      o.put("threshold", threshold);
      o.put("detail", detail);
      return o;
    }
  }

  /**
   * The decision.
   *
   * @param fired whether to retrain
   * @param hold why not although a condition holds; null when none held it back
   * @param version the version measured (the stable label's in the newest window after the cutoff); null without traffic
   * @param checks every condition, in the configured order
   */
  public record Outcome(boolean fired, String hold, Long version, List<Check> checks) {
    /** The reason in one sentence: the conditions that hold, or why nothing fired. */
    public String reason() {
      List<String> met = checks.stream().filter(Check::met).map(c -> c.condition().text() + ": " + c.detail()).toList();
      if (fired) {
        return "retrain: " + String.join("; ", met);
      }
      if (hold != null) {
        return "no retraining: " + hold + (met.isEmpty() ? "" : " (although " + String.join("; ", met) + ")");
      }
      return "no retraining: no condition holds";
    }

    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("fired", fired);
      o.put("reason", reason());
      o.put("hold", hold);
      o.put("version", version);
      var list = o.putArray("checks");
      checks.forEach(c -> list.add(c.toJson()));
      return o;
    }
  }

  /**
   * Decides.
   *
   * @param liveMetrics the live metrics' {@value LiveMetricsDocument#FILE}
   * @param skew the serving skew's document, or null when the pipeline has none
   * @param canary this run's canary comparison ({@value CanaryWindows#FILE}), or null
   * @param newLabels labelled rows whose request came after {@code cutoff}
   * @param cutoff the newest request exported by the last retraining; null before the first
   * @param baselines per pushed version, its evaluation's overall metrics
   */
  public static Outcome decide(RetrainConfig config, JsonNode liveMetrics, JsonNode skew, JsonNode canary, long newLabels, Instant cutoff,
      Map<Long, JsonNode> baselines) {
    checkNotNull(config, "config");
    checkNotNull(liveMetrics, "liveMetrics");
    List<JsonNode> stable = new ArrayList<>();
    Long version = null;
    Instant newest = null;
    for (JsonNode e : liveMetrics.path("series")) {
      if (!SliceSpec.OVERALL.equals(e.path("slice").asText()) || !config.stableLabel().equals(e.path("server_label").asText(null))
          || !inScope(e, cutoff)) {
        continue;
      }
      Instant start = Instant.parse(e.path("window_start").asText());
      if (newest == null || start.isAfter(newest) || start.equals(newest) && e.path("scored").asLong() > 0) {
        newest = start;
        version = e.path("version").asLong();
      }
      stable.add(e);
    }
    String since = cutoff == null ? "" : " since " + cutoff;
    List<Check> checks = new ArrayList<>();
    for (RetrainConfig.Condition c : config.when()) {
      checks.add(switch (c.kind()) {
        case DRIFT -> drift(c, skew, cutoff);
        case NEW_LABELS -> new Check(c, newLabels >= c.value(), (double) newLabels, c.value(),
            newLabels + " labelled row(s)" + (cutoff == null ? "" : " since the last retraining (" + cutoff + ")") + ", threshold " + c.value().longValue());
        default -> metric(c, config, stable, version, since, baselines);
      });
    }
    String hold = hold(canary, config);
    boolean anyMet = checks.stream().anyMatch(Check::met);
    if (hold == null && anyMet && newLabels == 0) {
      hold = "no labelled row" + since + " to retrain with";
    }
    return new Outcome(hold == null && anyMet, hold, version, List.copyOf(checks));
  }

  private static boolean inScope(JsonNode entry, Instant cutoff) {
    return cutoff == null || !Instant.parse(entry.path("window_start").asText()).isBefore(cutoff);
  }

  private static Check metric(RetrainConfig.Condition c, RetrainConfig config, List<JsonNode> stable, Long version, String since,
      Map<Long, JsonNode> baselines) {
    if (version == null) {
      return new Check(c, false, null, null, "no traffic answered under label '" + config.stableLabel() + "'" + since);
    }
    long scored = 0;
    double weighted = 0;
    double sum = 0;
    long right = 0;
    long total = 0;
    for (JsonNode e : stable) {
      JsonNode m = e.path("metrics");
      if (e.path("version").asLong() != version || !m.isObject()) {
        continue;
      }
      scored += e.path("scored").asLong();
      if (c.metric().equals("accuracy")) {
        JsonNode rows = e.path("confusion_counts");
        for (int i = 0; i < rows.size(); i++) {
          for (int j = 0; j < rows.get(i).size(); j++) {
            long n = rows.get(i).get(j).asLong();
            total += n;
            right += i == j ? n : 0;
          }
        }
      } else if (m.path(c.metric()).isNumber()) {
        double w = m.path("weighted_count").asDouble(e.path("scored").asDouble());
        weighted += w;
        sum += w * m.get(c.metric()).asDouble();
      }
    }
    String who = "version " + version + " under '" + config.stableLabel() + "'";
    if (scored < config.minExamples()) {
      return new Check(c, false, null, null, who + " scored " + scored + " row(s)" + since + ", fewer than min_examples " + config.minExamples());
    }
    Double value = c.metric().equals("accuracy") ? (total == 0 ? null : (double) right / total) : (weighted == 0 ? null : sum / weighted);
    if (value == null) {
      return new Check(c, false, null, null, who + ": no " + c.metric() + " in its live metrics");
    }
    double threshold;
    String against;
    switch (c.kind()) {
      case BELOW, ABOVE -> {
        threshold = c.value();
        against = "";
      }
      default -> {
        JsonNode base = baselines.get(version);
        if (base == null || !base.path(c.metric()).isNumber()) {
          return new Check(c, false, value, null, String.format(Locale.ROOT, "%s %s %.4f over %d row(s)%s; no evaluation of version %d to compare with",
              who, c.metric(), value, scored, since, version));
        }
        double b = base.get(c.metric()).asDouble();
        threshold = c.kind() == RetrainConfig.Kind.BELOW_BASELINE ? b - c.value() : b + c.value();
        against = String.format(Locale.ROOT, " (its evaluation %.4f %s margin %s)", b, c.kind() == RetrainConfig.Kind.BELOW_BASELINE ? "minus" : "plus",
            RetrainConfig.Condition.number(c.value()));
      }
    }
    boolean below = c.kind() == RetrainConfig.Kind.BELOW || c.kind() == RetrainConfig.Kind.BELOW_BASELINE;
    boolean met = below ? value < threshold : value > threshold;
    String relation = met ? (below ? "<" : ">") : (below ? ">=" : "<=");
    return new Check(c, met, value, threshold, String.format(Locale.ROOT, "%s %s %.4f over %d row(s)%s %s %.4f%s", who, c.metric(), value, scored, since,
        relation, threshold, against));
  }

  private static Check drift(RetrainConfig.Condition c, JsonNode skew, Instant cutoff) {
    if (skew == null) {
      return new Check(c, false, null, null, "no serving skew in this pipeline (feedback.skew)");
    }
    List<String> windows = new ArrayList<>();
    int count = 0;
    for (JsonNode w : skew.path("windows")) {
      if (!w.path("version").isMissingNode() && !w.path("version").isNull() || !inScope(w, cutoff) || w.path("drifting").isEmpty()) {
        continue;
      }
      count++;
      if (windows.size() < 3) {
        List<String> features = new ArrayList<>();
        w.path("drifting").forEach(f -> features.add(f.asText()));
        windows.add(String.join(", ", features) + " in " + w.path("window").asText());
      }
    }
    if (count == 0) {
      return new Check(c, false, 0.0, null, "no feature drifts in the serving skew's windows" + (cutoff == null ? "" : " since " + cutoff));
    }
    return new Check(c, true, (double) count, null, count + " window(s) drift: " + String.join("; ", windows) + (count > 3 ? "; ..." : ""));
  }

  private static String hold(JsonNode canary, RetrainConfig config) {
    if (canary == null) {
      return null;
    }
    String verdict = canary.path("verdict").asText();
    List<Long> stable = versions(canary.path("stable_versions"));
    List<Long> candidate = versions(canary.path("canary_versions"));
    if (verdict.equals("promote")) {
      return "this run's canary comparison promoted version(s) " + candidate + ": their live metrics start now";
    }
    if (verdict.equals("keep") && !candidate.isEmpty() && !Objects.equals(stable, candidate)) {
      return "canary version(s) " + candidate + " are still being compared with " + config.stableLabel() + " " + stable + " ("
          + canary.path("reason").asText() + ")";
    }
    return null;
  }

  private static List<Long> versions(JsonNode list) {
    List<Long> out = new ArrayList<>();
    list.forEach(v -> out.add(v.asLong()));
    return out;
  }
}
