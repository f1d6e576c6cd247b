package dev.beamline.tuning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.training.TrainingHistory;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One trained trial as the tune stage records it: what the search asked for ({@link TrialSpec}), the
 * objective's metric as the trainer reported it (the best epoch's; {@code null} when the trial failed)
 * and as the search minimises it, why it failed, its training history (metrics per epoch) and its wall
 * time. One element of {@code trials.json}.
 */
public record TrialOutcome(TrialSpec spec, Double metric, TrialResult result, String historyJson, long startMillis, long endMillis)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Best first: the trials that finished by their objective (the metric as the search minimises it, so
   * the best metric whatever its direction), then the failed ones; ties by id. The order of the report's
   * table and of {@code beamline tune-report}.
   */
  public static final Comparator<TrialOutcome> BY_OBJECTIVE = Comparator.comparing(TrialOutcome::failed)
      .thenComparingDouble((TrialOutcome t) -> t.failed() ? 0 : t.result().objective())
      .thenComparingInt(t -> t.spec().id());

  public boolean failed() {
    return result.failed();
  }

  public double wallSeconds() {
    return (endMillis - startMillis) / 1000.0;
  }

  /** Seconds from the first trial's start to the last one's end (0 for none): the search's wall time. */
  public static double wallSeconds(List<TrialOutcome> trials) {
    return trials.isEmpty() ? 0
        : (trials.stream().mapToLong(TrialOutcome::endMillis).max().getAsLong()
            - trials.stream().mapToLong(TrialOutcome::startMillis).min().getAsLong()) / 1000.0;
  }

  /** The trials' own wall times summed: the training time, whatever ran at once. */
  public static double trainingSeconds(List<TrialOutcome> trials) {
    return trials.stream().mapToDouble(TrialOutcome::wallSeconds).sum();
  }

  /** The training history, or null for a trial that failed before its first epoch. */
  public TrainingHistory history() {
    return historyJson == null ? null : TrainingHistory.fromJson(historyJson);
  }

  /** The trial's values as JSON, by name, in the search space's order. */
  public ObjectNode valuesJson() {
    return valuesJson(spec);
  }

  /** A trial's values as JSON, by name, in the search space's order. */
  static ObjectNode valuesJson(TrialSpec spec) {
    ObjectNode o = JSON.createObjectNode();
    spec.values().forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
    return o;
  }

  /** The trial as one object of {@code trials.json}. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", spec.id());
    o.set("values", valuesJson());
    o.put("epochs", spec.epochs());
    o.put("seed", spec.seed());
    o.put("bracket", spec.bracket());
    o.put("rung", spec.rung());
    o.put("state", failed() ? "FAILED" : "COMPLETE");
    if (metric != null) {
      o.put("metric", metric);
    }
    if (!failed()) {
      o.put("objective", result.objective());
    } else {
      o.put("error", result.error());
    }
    o.put("start_millis", startMillis);
    o.put("end_millis", endMillis);
    o.put("wall_seconds", wallSeconds());
    if (historyJson != null) {
      try {
        o.set("history", JSON.readTree(historyJson));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return o;
  }

  /** A trial read back from its {@link #toJson} form. */
  public static TrialOutcome fromJson(JsonNode o) {
    Map<String, Object> values = new LinkedHashMap<>();
    o.get("values").fields().forEachRemaining(e -> values.put(e.getKey(), plain(e.getValue())));
    TrialSpec spec = new TrialSpec(o.get("id").asInt(), values, o.get("epochs").asInt(), o.get("seed").asLong(),
        o.get("bracket").asInt(), o.get("rung").asInt());
    boolean failed = "FAILED".equals(o.path("state").asText());
    TrialResult r = failed ? TrialResult.failed(spec, o.path("error").asText()) : TrialResult.of(spec, o.get("objective").asDouble());
    Double metric = o.has("metric") ? o.get("metric").asDouble() : null;
    String history = o.has("history") ? o.get("history").toString() : null;
    return new TrialOutcome(spec, metric, r, history, o.get("start_millis").asLong(), o.get("end_millis").asLong());
  }

  /** A JSON value as the plain Java value a search space holds (numbers, strings, booleans, lists). */
  static Object plain(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.canConvertToInt() ? (Object) v.asInt() : (Object) v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isArray()) {
      List<Object> l = new ArrayList<>();
      v.forEach(x -> l.add(plain(x)));
      return l;
    }
    return v.isNull() ? null : v.asText();
  }

  /** Every trial, as {@code trials.json} holds them. */
  public static String toJson(List<TrialOutcome> trials) {
    ArrayNode a = JSON.createArrayNode();
    trials.forEach(t -> a.add(t.toJson()));
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(a) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The trials of a {@code trials.json}. */
  public static List<TrialOutcome> listFromJson(String json) {
    try {
      List<TrialOutcome> out = new ArrayList<>();
      JSON.readTree(json).forEach(n -> out.add(fromJson(n)));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("trials.json is not valid JSON: " + e.getMessage(), e);
    }
  }
}
