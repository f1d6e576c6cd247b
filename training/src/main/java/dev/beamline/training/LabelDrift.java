package dev.beamline.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.TreeSet;

/**
 * Whether data validation reported drift of a model's label: the {@code DRIFT} anomalies of the raw
 * feature the label is computed from, in the validate stage's {@code anomalies.json} ({@code
 * {"anomalies": [{"type": "DRIFT", "severity": ..., "feature": "species", "split": "train", ...}]}}),
 * whatever their severity. {@code train.on_label_drift: reweight} then trains with balanced class
 * weights ({@link ClassBalance}).
 *
 * <pre>{@code
 * List<String> splits = LabelDrift.splits(Storage.readString(anomaliesFile), spec.label().spec().input());
 * boolean drifted = !splits.isEmpty();
 * }</pre>
 */
final class LabelDrift {
  /** The file of an anomalies artifact (the validate stage's). */
  static final String ANOMALIES_FILE = "anomalies.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private LabelDrift() {}

  /**
   * The splits, sorted, in which {@code anomaliesJson} reports drift of the raw feature {@code
   * rawLabel} (empty for none; an anomaly without a split counts as {@code ""}).
   *
   * @throws UncheckedIOException when the text is not JSON
   */
  static List<String> splits(String anomaliesJson, String rawLabel) {
    JsonNode root;
    try {
      root = JSON.readTree(anomaliesJson);
    } catch (IOException e) {
      throw new UncheckedIOException("anomalies are not valid JSON: " + e.getMessage(), e);
    }
    TreeSet<String> splits = new TreeSet<>();
    for (JsonNode a : root.path("anomalies")) {
      if ("DRIFT".equals(a.path("type").asText()) && rawLabel.equals(a.path("feature").asText(null))) {
        splits.add(a.path("split").isTextual() ? a.path("split").asText() : "");
      }
    }
    return List.copyOf(splits);
  }
}
