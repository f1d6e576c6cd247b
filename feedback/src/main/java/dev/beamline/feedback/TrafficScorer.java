package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.evaluation.Prediction;
import dev.beamline.evaluation.RegressionPrediction;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.training.ServingModel;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns one row of joined traffic into what it adds to the live metrics: its keys (the model version and
 * server label that answered it, the time window its request fell in, the overall slice and one per
 * declared slice spec) and its {@link LiveExample}. The prediction is the logged output: for a
 * classifier {@value #PROBABILITIES} (the probability of every class, as JSON), its class the label
 * mapped by the served model ({@link ServedModel#classOf}); for a regression model {@value #PREDICTIONS}
 * and the label as a number. A plain class, tested without a pipeline.
 *
 * <pre>{@code
 * TrafficScorer s = new TrafficScorer(models, Duration.ofDays(1), slices);
 * for (Map.Entry<LiveKey, LiveExample> e : s.score(row).entrySet()) { ... }
 * }</pre>
 */
public final class TrafficScorer implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A classifier's logged output: the probability of each class, as a JSON array. */
  public static final String PROBABILITIES = "output_probabilities";
  /** A regression model's logged output: the predicted value. */
  public static final String PREDICTIONS = "output_predictions";

  private final TreeMap<Long, ServedModel> models;
  private final long windowSeconds;
  private final List<SliceSpec> slices;

  /**
   * @param models the served model of each version found; a version without one has its labelled rows unscored
   * @param window the length of the time windows, aligned to the epoch
   * @param slices the slices besides the overall one
   */
  public TrafficScorer(Map<Long, ServedModel> models, Duration window, List<SliceSpec> slices) {
    checkNotNull(window, "window");
    checkArgument(!window.isNegative() && !window.isZero(), "the window must be positive, got %s", window);
    this.models = new TreeMap<>(models);
    this.windowSeconds = window.getSeconds();
    this.slices = List.copyOf(slices);
  }

  /** The start of the window holding {@code micros}, in seconds since the epoch. */
  public long windowStart(long micros) {
    long seconds = Math.floorDiv(micros, 1_000_000L);
    return Math.floorDiv(seconds, windowSeconds) * windowSeconds;
  }

  /** The keys of {@code row} (a row of joined traffic), each with what the row adds to it; the overall slice first. */
  public Map<LiveKey, LiveExample> score(GenericRecord row) {
    long version = (Long) row.get(TrafficSchema.VERSION);
    Object label = row.get(TrafficSchema.SERVER_LABEL);
    String serverLabel = label == null ? null : label.toString();
    long window = windowStart((Long) row.get(TrafficSchema.TIME));
    LiveExample example = example(row, models.get(version), version);
    Map<LiveKey, LiveExample> out = new java.util.LinkedHashMap<>();
    out.put(new LiveKey(version, serverLabel, window, SliceSpec.OVERALL), example);
    for (SliceSpec spec : slices) {
      List<String> values = new ArrayList<>();
      for (SliceSpec.Feature f : spec.features()) {
        values.add(f.valueOf(row.getSchema().getField(f.name()) == null ? null : row.get(f.name())));
      }
      out.put(new LiveKey(version, serverLabel, window, spec.sliceName(values)), example);
    }
    return out;
  }

  /** What {@code row} adds to the metrics of {@code model} (null: its folder was not found). */
  static LiveExample example(GenericRecord row, ServedModel model, long version) {
    Object label = row.get(TrafficSchema.FEEDBACK_LABEL);
    if (label == null) {
      return LiveExample.unlabelled();
    }
    if (model == null) {
      return LiveExample.unscored("version " + version + " has no model folder with a model.json: its task and classes are unknown");
    }
    if (model.classification()) {
      double[] p;
      try {
        p = probabilities(field(row, PROBABILITIES), model.classes().size());
      } catch (IllegalArgumentException e) {
        return LiveExample.unscored(e.getMessage());
      }
      int c = model.classOf(label);
      if (c < 0) {
        return LiveExample.unknownLabel("label '" + ServingModel.text(label) + "' is not a class of version " + version + " (classes: "
            + String.join(", ", model.classes()) + ")");
      }
      return LiveExample.scored(Prediction.of(c, p));
    }
    Object predicted = field(row, PREDICTIONS);
    if (!(predicted instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      return LiveExample.unscored(predicted == null ? "no logged prediction '" + PREDICTIONS + "'" : "'" + PREDICTIONS + "' is " + predicted + ", not a finite number");
    }
    double y;
    try {
      y = label instanceof Number m ? m.doubleValue() : Double.parseDouble(label.toString().trim());
    } catch (NumberFormatException e) {
      return LiveExample.unknownLabel("label '" + label + "' is not a number, and version " + version + " is a regression model");
    }
    if (!Double.isFinite(y)) {
      return LiveExample.unknownLabel("label " + label + " is not a finite number");
    }
    return LiveExample.scored(RegressionPrediction.of(y, n.doubleValue()));
  }

  private static Object field(GenericRecord row, String name) {
    return row.getSchema().getField(name) == null ? null : row.get(name);
  }

  /**
   * The logged probabilities {@code logged} (JSON text, as the request log writes a tensor row) of a model
   * of {@code classes} classes.
   *
   * @throws IllegalArgumentException saying why they cannot be read
   */
  static double[] probabilities(Object logged, int classes) {
    if (logged == null) {
      throw new IllegalArgumentException("no logged '" + PROBABILITIES + "'");
    }
    JsonNode n;
    try {
      n = JSON.readTree(logged.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + PROBABILITIES + "' is not JSON: " + abbreviate(logged.toString()));
    }
    if (n == null || !n.isArray() || n.size() != classes) {
      throw new IllegalArgumentException("'" + PROBABILITIES + "' must hold one probability per class (" + classes + "), got "
          + abbreviate(logged.toString()));
    }
    double[] p = new double[classes];
    for (int k = 0; k < classes; k++) {
      JsonNode v = n.get(k);
      p[k] = v.isNumber() ? v.asDouble() : Double.NaN;
      if (!(p[k] >= 0 && p[k] <= 1)) {
        throw new IllegalArgumentException("'" + PROBABILITIES + "' holds " + v + ", not a probability");
      }
    }
    return p;
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }
}
