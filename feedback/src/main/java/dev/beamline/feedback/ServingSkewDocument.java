package dev.beamline.feedback;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.validation.Anomaly;
import dev.beamline.validation.AnomalyDetector;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@value #FILE}, the serving skew stage's findings: the model, the training statistics and split compared
 * with, the window, the thresholds, which logged columns were compared, which were ignored and which training
 * features the log lacks; then per window (all versions, then each version) its rows, every feature compared
 * with its distance, threshold and whether it drifts, the missing and uncomparable features and validation's
 * {@code SKEW} anomalies.
 *
 * <pre>{@code
 * ObjectNode doc = ServingSkewDocument.of(header, windows);
 * List<String> lines = ServingSkewDocument.summary(doc);
 * }</pre>
 */
public final class ServingSkewDocument {
  public static final String FILE = "serving_skew.json";
  /** The most windows with skew that the summary names one by one. */
  static final int SUMMARY_WINDOWS = 10;

  private ServingSkewDocument() {}

  /**
   * What is known before the windows: the model, where the training statistics are and which split, the
   * window, the thresholds, the training features, the logged input columns, the logged columns that are not
   * training features, the training features the log lacks and those not expected in it (the label).
   */
  public record Header(String model, String statistics, String baselineSplit, String window, double categorical, double numeric,
      List<String> trainingFeatures, List<String> loggedInputs, List<String> ignored, List<String> notInLog, List<String> notExpected)
      implements Serializable {
    public Header {
      trainingFeatures = List.copyOf(trainingFeatures);
      loggedInputs = List.copyOf(loggedInputs);
      ignored = List.copyOf(ignored);
      notInLog = List.copyOf(notInLog);
      notExpected = List.copyOf(notExpected);
    }
  }

  public static ObjectNode of(Header h, List<ServingSkew.WindowSkew> windows, long windowSeconds) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("model", h.model());
    doc.put("training_statistics", h.statistics());
    doc.put("baseline_split", h.baselineSplit());
    doc.put("window", h.window());
    doc.putObject("thresholds").put("categorical", h.categorical()).put("numeric", h.numeric());
    strings(doc.putArray("training_features"), h.trainingFeatures());
    strings(doc.putArray("logged_inputs"), h.loggedInputs());
    strings(doc.putArray("ignored_columns"), h.ignored());
    strings(doc.putArray("missing_features"), h.notInLog());
    strings(doc.putArray("not_expected"), h.notExpected());
    long withSkew = 0;
    long anomalies = 0;
    ArrayNode list = doc.putArray("windows");
    for (ServingSkew.WindowSkew w : windows) {
      ObjectNode o = list.addObject();
      o.put("window", w.window());
      o.put("split", w.name());
      o.put("window_start", Instant.ofEpochSecond(w.key().windowStart()).toString());
      o.put("window_end", Instant.ofEpochSecond(w.key().windowStart() + windowSeconds).toString());
      if (w.key().version() == null) {
        o.putNull("version");
      } else {
        o.put("version", w.key().version());
      }
      o.put("rows", w.rows());
      ArrayNode features = o.putArray("features");
      for (AnomalyDetector.Comparison c : w.compared()) {
        features.addObject().put("feature", c.feature()).put("distance", c.distance()).put("value", c.value())
            .put("threshold", c.threshold()).put("drift", c.anomalous());
      }
      strings(o.putArray("drifting"), w.drifting().stream().map(AnomalyDetector.Comparison::feature).toList());
      strings(o.putArray("missing"), w.missing());
      ArrayNode un = o.putArray("not_compared");
      w.uncompared().forEach(u -> un.addObject().put("feature", u.feature()).put("reason", u.reason()));
      ArrayNode an = o.putArray("anomalies");
      for (Anomaly a : w.anomalies()) {
        an.addObject().put("type", a.type().name()).put("severity", a.severity().name()).put("feature", a.feature())
            .put("split", a.split()).put("description", a.description());
      }
      if (w.key().version() == null) {
        withSkew += w.anomalies().isEmpty() ? 0 : 1;
        anomalies += w.anomalies().size();
      }
    }
    ObjectNode totals = doc.putObject("totals");
    totals.put("windows", windows.stream().filter(w -> w.key().version() == null).count());
    totals.put("windows_with_skew", withSkew);
    totals.put("anomalies", anomalies);
    return doc;
  }

  /**
   * The run's summary: a line per window (of all versions) with skew, naming its drifting features with
   * their distances, then the totals; the missing training features when there are some.
   */
  public static List<String> summary(ObjectNode doc) {
    List<String> lines = new ArrayList<>();
    int named = 0;
    for (var w : doc.path("windows")) {
      if (!w.path("version").isNull() || w.path("drifting").isEmpty()) {
        continue;
      }
      if (named++ == SUMMARY_WINDOWS) {
        lines.add("... and more windows with skew: see " + FILE);
        break;
      }
      List<String> drifting = new ArrayList<>();
      for (var f : w.path("features")) {
        if (f.path("drift").asBoolean()) {
          String measure = f.path("distance").asText().equals(AnomalyDetector.Comparison.L_INFINITY) ? "L∞" : "JS";
          drifting.add(String.format(Locale.ROOT, "%s (%s %.2f > %s)", f.path("feature").asText(), measure, f.path("value").asDouble(),
              f.path("threshold").asDouble()));
        }
      }
      lines.add(String.format(Locale.ROOT, "serving skew: %d of %d features drift in %s: %s", drifting.size(), w.path("features").size(),
          w.path("window").asText(), String.join(", ", drifting)));
    }
    JsonTotals t = new JsonTotals(doc.path("totals").path("windows").asLong(), doc.path("totals").path("windows_with_skew").asLong());
    lines.add(String.format(Locale.ROOT, "serving skew: %d of %d %s window(s) drift from the %s statistics (%d logged input(s) compared, %d column(s) ignored)",
        t.withSkew(), t.windows(), doc.path("window").asText(), doc.path("baseline_split").asText(), doc.path("logged_inputs").size(),
        doc.path("ignored_columns").size()));
    if (!doc.path("missing_features").isEmpty()) {
      List<String> missing = new ArrayList<>();
      doc.path("missing_features").forEach(m -> missing.add(m.asText()));
      lines.add("training features not in the request log: " + String.join(", ", missing));
    }
    return lines;
  }

  private record JsonTotals(long windows, long withSkew) {}

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
