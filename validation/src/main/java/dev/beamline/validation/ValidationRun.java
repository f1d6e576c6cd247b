package dev.beamline.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation without a pipeline: statistics files and a schema in, anomalies and the HTML report out.
 * The validate stage and the {@code beamline validate} command both use it.
 *
 * <pre>{@code
 * ValidationRun.Result r = ValidationRun.validate("penguins", stats, schema, previous, null, DriftThresholds.defaults());
 * Files.writeString(dir.resolve("report.html"), r.html());
 * }</pre>
 */
public final class ValidationRun {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ValidationRun() {}

  /** The anomalies found, their JSON file and the report page. */
  public record Result(List<Anomaly> anomalies, String anomaliesJson, String html) {
    public long errors() {
      return anomalies.stream().filter(a -> a.severity() == Anomaly.Severity.ERROR).count();
    }

    /** A readable summary: the count, then one line per anomaly. */
    public String summary() {
      StringBuilder s = new StringBuilder();
      s.append(anomalies.size()).append(" anomal").append(anomalies.size() == 1 ? "y" : "ies").append(" (").append(errors()).append(" errors)");
      for (Anomaly a : anomalies) {
        s.append(System.lineSeparator()).append("  ").append(a.describe());
      }
      return s.toString();
    }

    /** The files of an anomalies artifact. */
    public Map<String, String> files() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("anomalies.json", anomaliesJson);
      f.put("report.html", html);
      return f;
    }
  }

  public static Result validate(
      String title, StatisticsSet current, DataSchema schema, StatisticsSet previous, StatisticsSet skewBaseline, DriftThresholds thresholds) {
    List<Anomaly> anomalies = new AnomalyDetector(schema, thresholds).detect(current, previous, skewBaseline);
    ObjectNode root = JSON.createObjectNode();
    root.put("anomalies_count", anomalies.size());
    root.put("errors", anomalies.stream().filter(a -> a.severity() == Anomaly.Severity.ERROR).count());
    ArrayNode list = root.putArray("anomalies");
    for (Anomaly a : anomalies) {
      ObjectNode n = list.addObject();
      n.put("type", a.type().name());
      n.put("severity", a.severity().name());
      n.put("feature", a.feature());
      n.put("split", a.split());
      n.put("description", a.description());
      a.examples().forEach(n.putArray("examples")::add);
    }
    String json;
    try {
      json = JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StatisticsSet shownBaseline = skewBaseline != null ? skewBaseline : previous;
    return new Result(anomalies, json, StatisticsReport.render(title, current, shownBaseline, anomalies));
  }

  /** Reads a statistics file: {@code statistics.json}, or a folder holding one. */
  public static StatisticsSet readStatistics(Path fileOrDir) {
    Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("statistics.json") : fileOrDir;
    try {
      return StatisticsSet.fromJson(Files.readString(file));
    } catch (IOException e) {
      throw new dev.beamline.core.ConfigException("cannot read statistics " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a schema: {@code schema.yaml}, or a folder holding one. */
  public static DataSchema readSchema(Path fileOrDir) {
    return DataSchema.load(Files.isDirectory(fileOrDir) ? fileOrDir.resolve("schema.yaml") : fileOrDir);
  }
}
