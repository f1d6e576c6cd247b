package dev.beamline.feedback;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.evaluation.ClassificationMetrics;
import dev.beamline.evaluation.MetricValues;
import dev.beamline.evaluation.RegressionMetrics;
import dev.beamline.evaluation.SliceSpec;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live metrics as {@value #FILE}: what was measured (the model, the traffic, the window, the slices,
 * the served versions with their task and classes), the totals, and one entry per key ({@link LiveKey}:
 * version, server label, window, slice) in {@link LiveKey#ORDER}, each with its counts (rows, labelled,
 * unlabelled, scored, unscored, unknown label, the label coverage) and the evaluation's metrics by their
 * names ({@link MetricValues}), or {@code too_small} for a slice with fewer scored rows than the minimum.
 * A value that is not a finite number (an AUC where one class is absent) is {@code null}.
 *
 * <pre>{@code
 * ObjectNode doc = LiveMetricsDocument.of(header, perKey);
 * }</pre>
 */
public final class LiveMetricsDocument {
  /** The artifact's metrics file. */
  public static final String FILE = "live_metrics.json";

  private LiveMetricsDocument() {}

  /**
   * What every live metrics document says of how it was made.
   *
   * @param traffic the joined traffic's folder
   * @param models the served model of each version found, by version
   * @param missing the versions with no model folder, each with the folder looked at
   */
  public record Header(String model, String traffic, long windowSeconds, List<SliceSpec> slices, int minSliceSize,
      TreeMap<Long, ServedModel> models, TreeMap<Long, String> missing) implements Serializable {
    public Header {
      slices = List.copyOf(slices);
      models = new TreeMap<>(models);
      missing = new TreeMap<>(missing);
    }
  }

  /** The document of the tallies {@code perKey} (each key {@link LiveKey#encode encoded}). */
  public static ObjectNode of(Header h, Map<String, WindowTally> perKey) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("model", h.model());
    root.put("traffic", h.traffic());
    root.put("window", DurationText.format(java.time.Duration.ofSeconds(h.windowSeconds())));
    root.put("window_seconds", h.windowSeconds());
    ArrayNode specs = root.putArray("slice_specs");
    h.slices().forEach(s -> specs.add(s.toString()));
    root.put("min_slice_size", h.minSliceSize());
    ArrayNode versions = root.putArray("versions");
    TreeMap<Long, String> all = new TreeMap<>(h.missing());
    h.models().forEach((v, m) -> all.put(v, m.dir()));
    all.forEach((v, dir) -> {
      ObjectNode o = versions.addObject();
      o.put("version", v);
      o.put("model_dir", dir);
      ServedModel m = h.models().get(v);
      o.put("found", m != null);
      o.put("task", m == null ? null : m.task());
      ArrayNode classes = o.putArray("classes");
      if (m != null) {
        m.classes().forEach(classes::add);
      }
    });

    List<Map.Entry<LiveKey, WindowTally>> entries = new ArrayList<>();
    perKey.forEach((k, t) -> entries.add(Map.entry(LiveKey.decode(k), t)));
    entries.sort(Map.Entry.comparingByKey(LiveKey.ORDER));
    WindowTally totals = new WindowTally();
    ArrayNode series = f.arrayNode();
    for (Map.Entry<LiveKey, WindowTally> e : entries) {
      LiveKey k = e.getKey();
      WindowTally t = e.getValue();
      if (k.isOverall()) {
        totals.merge(t);
      }
      ObjectNode o = series.addObject();
      o.put("version", k.version());
      o.put("server_label", k.serverLabel());
      o.put("window_start", Instant.ofEpochSecond(k.windowStart()).toString());
      o.put("window_end", Instant.ofEpochSecond(k.windowStart() + h.windowSeconds()).toString());
      o.put("slice", k.slice());
      counts(o, t);
      boolean tooSmall = !k.isOverall() && t.scored() < h.minSliceSize();
      o.put("too_small", tooSmall);
      ArrayNode reasons = o.putArray("reasons");
      t.reasons().forEach(reasons::add);
      Serializable m = tooSmall ? null : t.metrics();
      if (m instanceof ClassificationMetrics c && h.models().containsKey(k.version())) {
        o.set("metrics", values(MetricValues.of(c, h.models().get(k.version()).classes())));
        ArrayNode confusion = o.putArray("confusion_counts");
        for (long[] row : c.confusionCounts()) {
          ArrayNode r = confusion.addArray();
          for (long n : row) {
            r.add(n);
          }
        }
      } else if (m instanceof RegressionMetrics r) {
        o.set("metrics", values(MetricValues.of(r)));
      } else {
        o.putNull("metrics");
      }
    }
    ObjectNode t = root.putObject("totals");
    counts(t, totals);
    root.set("series", series);
    return root;
  }

  private static void counts(ObjectNode o, WindowTally t) {
    o.put("rows", t.rows());
    o.put("labelled", t.labelled());
    o.put("unlabelled", t.unlabelled());
    o.put("scored", t.scored());
    o.put("unscored", t.unscored());
    o.put("unknown_label", t.unknownLabel());
    if (t.rows() == 0) {
      o.putNull("label_coverage");
    } else {
      o.put("label_coverage", (double) t.labelled() / t.rows());
    }
  }

  private static ObjectNode values(Map<String, Double> metrics) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    metrics.forEach((name, v) -> {
      if (v == null || !Double.isFinite(v)) {
        o.putNull(name);
      } else {
        o.put(name, v);
      }
    });
    return o;
  }
}
