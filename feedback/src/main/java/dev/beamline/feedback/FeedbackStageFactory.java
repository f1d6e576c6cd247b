package dev.beamline.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.evaluation.EvaluateStageFactory;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestStage;
import dev.beamline.ingest.IngestStageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The {@code feedback:} section of a pipeline file: binds it to a {@link FeedbackConfig} and makes two
 * stages, {@link JoinFeedbackStage} (the join) and {@link LiveMetricsStage} (the metrics on the joined
 * traffic). Every key is checked, and a bad one is named with its file and line. The label files take
 * the keys of {@code ingest:} that say how to read files ({@code input}, {@code format}, {@code csv},
 * {@code schema}, {@code max_rejected_fraction}), bound by the ingestion's own factory.
 *
 * <pre>{@code
 * feedback:
 *   request_log: serving-logs/                 # the server's --request-log folder
 *   model: penguins                            # default: push.model_name, else the pipeline's name
 *   models: serving/                           # default: push.serving_base, else serving/ under the pipeline root
 *   labels: {input: labels/*.csv, key: request_id, label: species, time: labelled_at}
 *   window: {max_delay: 7d}
 *   metrics: {window: 1d, slices: [island], min_slice_size: 10}
 * }</pre>
 */
public final class FeedbackStageFactory implements StageFactory {
  /** The section's key. */
  public static final String SECTION = "feedback";

  /** {@code feedback:} */
  public static final class FeedbackDoc {
    public String request_log;
    public String model;
    public String models;
    public LabelsDoc labels;
    public WindowDoc window;
    public MetricsDoc metrics;
  }

  /** {@code feedback.labels:} */
  public static final class LabelsDoc {
    public String input;
    public String format;
    public IngestStageFactory.CsvDoc csv;
    public LinkedHashMap<String, String> schema;
    public String key;
    public String label;
    public String time;
    public Double max_rejected_fraction;
  }

  /** {@code feedback.window:} */
  public static final class WindowDoc {
    public String max_delay;
  }

  /** {@code feedback.metrics:} */
  public static final class MetricsDoc {
    public String window;
    public List<Object> slices;
    public Integer min_slice_size;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    FeedbackConfig c = bind(section);
    return List.of(new JoinFeedbackStage(c), new LiveMetricsStage(c));
  }

  /**
   * The configuration {@code section} describes; the model name and the served models' folder default to
   * the {@code push:} section's when the file has one.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a bad value
   */
  public static FeedbackConfig bind(ConfigSection section) {
    FeedbackDoc d = section.bind(FeedbackDoc.class);
    if (d.request_log == null) {
      throw section.error("", "'" + section.key("request_log") + "' is required: the model server's --request-log folder");
    }
    if (d.labels == null) {
      throw section.error("", "'" + section.key("labels") + "' is required: where the labels land, e.g. {input: labels/*.csv, label: species}");
    }
    LabelSource labels = labels(section.child("labels"), d.labels);
    FeedbackConfig c = section.check("request_log", () -> FeedbackConfig.of(section.path(d.request_log), labels));
    String model = d.model;
    String models = d.models == null ? null : section.path(d.models);
    var push = section.sibling("push");
    if (push.isPresent()) {
      JsonNode p = push.get().node();
      if (model == null && p.path("model_name").isTextual()) {
        model = p.get("model_name").asText();
      }
      if (models == null && p.path("serving_base").isTextual()) {
        models = push.get().path(p.get("serving_base").asText());
      }
    }
    FeedbackConfig base = c;
    String m = model;
    c = section.check("model", () -> base.withModel(m));
    FeedbackConfig b2 = c;
    String ms = models;
    c = section.check("models", () -> b2.withModels(ms));
    if (d.window != null && d.window.max_delay != null) {
      FeedbackConfig b3 = c;
      c = section.check("window.max_delay", () -> b3.withMaxDelay(DurationText.parse(d.window.max_delay)));
    }
    if (d.metrics != null) {
      if (d.metrics.window != null) {
        FeedbackConfig b4 = c;
        c = section.check("metrics.window", () -> b4.withMetricsWindow(DurationText.parse(d.metrics.window)));
      }
      if (d.metrics.slices != null) {
        List<SliceSpec> slices = new ArrayList<>();
        for (int i = 0; i < d.metrics.slices.size(); i++) {
          Object item = d.metrics.slices.get(i);
          int index = i;
          // Items of a list have no line of their own: the message names the list's line and the item.
          slices.add(section.check("metrics.slices", () -> {
            try {
              return EvaluateStageFactory.slice(item);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("item " + index + ": " + e.getMessage(), e);
            }
          }));
        }
        FeedbackConfig b5 = c;
        c = section.check("metrics.slices", () -> b5.withSlices(slices));
      }
      if (d.metrics.min_slice_size != null) {
        FeedbackConfig b6 = c;
        c = section.check("metrics.min_slice_size", () -> b6.withMinSliceSize(d.metrics.min_slice_size));
      }
    }
    return c;
  }

  /** {@code feedback.labels}: the reading keys bound by ingestion's factory, then the key, label and time columns. */
  private static LabelSource labels(ConfigSection section, LabelsDoc d) {
    if (d.label == null) {
      throw section.error("", "'" + section.key("label") + "' is required: the column holding the label");
    }
    ObjectNode reading = (ObjectNode) section.node();
    reading.remove(List.of("key", "label", "time"));
    IngestExamples.Config files = IngestStageFactory.config(section.withContent(reading));
    LabelSource s = section.check("label", () -> LabelSource.of(files, d.label));
    if (d.key != null) {
      LabelSource before = s;
      s = section.check("key", () -> before.withKey(d.key));
    }
    if (d.time != null) {
      LabelSource before = s;
      s = section.check("time", () -> before.withTime(d.time));
    }
    return s;
  }

  /** The join's canonical parameters: every key it reads, defaults filled in (the model's name when unset is the pipeline's). */
  public static ObjectNode joinParameters(FeedbackConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("request_log", c.requestLog());
    o.put("model", c.model());
    LabelSource l = c.labels();
    ObjectNode ingest = new IngestStage(l.files()).parameters();
    ObjectNode labels = o.putObject("labels");
    for (String k : List.of("input", "format", "csv", "schema")) {
      labels.set(k, ingest.get(k));
    }
    labels.put("key", l.key());
    labels.put("label", l.label());
    labels.put("time", l.time());
    labels.put("max_rejected_fraction", l.files().maxRejectedFraction());
    o.putObject("window").put("max_delay", c.maxDelay() == null ? null : DurationText.format(c.maxDelay()));
    return o;
  }

  /** The live metrics' canonical parameters. */
  public static ObjectNode metricsParameters(FeedbackConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("model", c.model());
    o.put("models", c.models());
    ObjectNode m = o.putObject("metrics");
    m.put("window", DurationText.format(c.metricsWindow()));
    m.set("slices", EvaluateStageFactory.slicesJson(c.slices()));
    m.put("min_slice_size", c.minSliceSize());
    return o;
  }
}
