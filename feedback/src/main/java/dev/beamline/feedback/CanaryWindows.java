package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.feedback.CanaryComparison.Arm;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The canary comparison of a live metrics document ({@value LiveMetricsDocument#FILE}): each arm is the
 * overall slice of the rows its server label answered, counted only in the windows where both labels
 * have scored rows (the same traffic period for both, so a daily pattern does not favour either), and
 * pooled over those windows. An arm's correct answers are the diagonal of its confusion counts, exact
 * integers; an entry without them (a regression model, a version whose folder is gone) counts nothing,
 * and a document without any is compared as having no examples ({@code keep}).
 *
 * <pre>{@code
 * ObjectNode canaryJson = CanaryWindows.compare(liveMetricsJson, CanaryConfig.of());
 * }</pre>
 */
public final class CanaryWindows {
  /** The artifact's document. */
  public static final String FILE = "canary.json";

  private CanaryWindows() {}

  /** The comparison document: model, labels, the versions behind each, every window's arms, the pooled verdict. */
  public static ObjectNode compare(JsonNode liveMetrics, CanaryConfig config) {
    checkNotNull(liveMetrics, "liveMetrics");
    checkNotNull(config, "config");
    TreeMap<String, Arm> stable = new TreeMap<>();
    TreeMap<String, Arm> canary = new TreeMap<>();
    TreeSet<Long> stableVersions = new TreeSet<>();
    TreeSet<Long> canaryVersions = new TreeSet<>();
    for (JsonNode e : liveMetrics.path("series")) {
      if (!SliceSpec.OVERALL.equals(e.path("slice").asText()) || !e.path("confusion_counts").isArray()) {
        continue;
      }
      String label = e.path("server_label").isTextual() ? e.get("server_label").asText() : null;
      TreeMap<String, Arm> arms = config.stableLabel().equals(label) ? stable : config.canaryLabel().equals(label) ? canary : null;
      if (arms == null) {
        continue;
      }
      (arms == stable ? stableVersions : canaryVersions).add(e.path("version").asLong());
      long correct = 0;
      long total = 0;
      JsonNode rows = e.get("confusion_counts");
      for (int i = 0; i < rows.size(); i++) {
        for (int j = 0; j < rows.get(i).size(); j++) {
          long n = rows.get(i).get(j).asLong();
          total += n;
          correct += i == j ? n : 0;
        }
      }
      arms.merge(e.path("window_start").asText(), new Arm(correct, total), Arm::plus);
    }
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("model", liveMetrics.path("model").asText());
    doc.put("metric", config.metric());
    doc.put("test", "two-proportion z-test; Wald interval of the difference");
    doc.put("stable_label", config.stableLabel());
    doc.put("canary_label", config.canaryLabel());
    ArrayNode sv = doc.putArray("stable_versions");
    stableVersions.forEach(sv::add);
    ArrayNode cv = doc.putArray("canary_versions");
    canaryVersions.forEach(cv::add);
    doc.put("window", liveMetrics.path("window").asText());
    Arm s = new Arm(0, 0);
    Arm c = new Arm(0, 0);
    ArrayNode windows = doc.putArray("windows");
    TreeSet<String> all = new TreeSet<>(stable.keySet());
    all.addAll(canary.keySet());
    for (String w : all) {
      Arm ws = stable.getOrDefault(w, new Arm(0, 0));
      Arm wc = canary.getOrDefault(w, new Arm(0, 0));
      boolean both = ws.examples() > 0 && wc.examples() > 0;
      ObjectNode o = windows.addObject().put("window_start", w).put("compared", both);
      o.putObject("stable").put("examples", ws.examples()).put("correct", ws.correct());
      o.putObject("canary").put("examples", wc.examples()).put("correct", wc.correct());
      if (both) {
        s = s.plus(ws);
        c = c.plus(wc);
      }
    }
    CanaryComparison.Result r = CanaryComparison.compare(s, c, config);
    doc.setAll(r.toJson());
    if (s.examples() == 0 || c.examples() == 0) {
      doc.put("reason", "not enough data: no window in which both '" + config.stableLabel() + "' and '" + config.canaryLabel()
          + "' have scored examples (" + stable.size() + " window(s) of " + config.stableLabel() + ", " + canary.size() + " of "
          + config.canaryLabel() + ")");
    }
    return doc;
  }

  /** The verdict in a comparison document. */
  public static CanaryComparison.Verdict verdict(JsonNode doc) {
    return CanaryComparison.Verdict.valueOf(doc.path("verdict").asText().toUpperCase(java.util.Locale.ROOT));
  }
}
