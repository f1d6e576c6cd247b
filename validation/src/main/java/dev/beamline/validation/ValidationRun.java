package dev.beamline.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
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
  /** The file of a statistics artifact. */
  public static final String STATISTICS_FILE = "statistics.json";
  /** The file of a schema artifact. */
  public static final String SCHEMA_FILE = "schema.yaml";
  /** The file of an anomalies artifact. */
  public static final String ANOMALIES_FILE = "anomalies.json";
  /** The report page beside the anomalies. */
  public static final String REPORT_FILE = "report.html";
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
      f.put(ANOMALIES_FILE, anomaliesJson);
      f.put(REPORT_FILE, html);
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
    return readStatistics(fileOrDir.toString());
  }

  /**
   * Reads a statistics file on any file system Beam supports (see {@link Storage}): {@code
   * statistics.json}, or a folder holding one.
   *
   * @throws ConfigException when the file is missing or unreadable
   */
  public static StatisticsSet readStatistics(String fileOrDir) {
    String file = inFolder(fileOrDir, STATISTICS_FILE);
    String json;
    try {
      json = Storage.readString(file);
    } catch (UncheckedIOException e) {
      throw new ConfigException("cannot read statistics " + file + ": " + messageOf(e), e);
    }
    return StatisticsSet.fromJson(json);
  }

  /** Reads a schema: {@code schema.yaml}, or a folder holding one. */
  public static DataSchema readSchema(Path fileOrDir) {
    return readSchema(fileOrDir.toString());
  }

  /** Reads a schema on any file system Beam supports: {@code schema.yaml}, or a folder holding one. */
  public static DataSchema readSchema(String fileOrDir) {
    return DataSchema.load(inFolder(fileOrDir, SCHEMA_FILE));
  }

  /** {@code <fileOrDir>/<name>} when that file exists, else {@code fileOrDir} itself. */
  private static String inFolder(String fileOrDir, String name) {
    String inside = Storage.resolve(fileOrDir, name);
    return Storage.exists(inside) ? inside : fileOrDir;
  }

  private static String messageOf(UncheckedIOException e) {
    return e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
  }
}
