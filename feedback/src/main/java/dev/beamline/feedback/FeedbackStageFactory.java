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
import dev.beamline.ingest.InputFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The {@code feedback:} section of a pipeline file: binds it to a {@link FeedbackConfig} and makes two
 * stages, {@link JoinFeedbackStage} (the join) and {@link LiveMetricsStage} (the metrics on the joined
 * traffic), and a third, {@link CanaryStage}, when it has a {@code canary:} key. Every key is checked,
 * and a bad one is named with its file and line. The label files take the keys of {@code ingest:} that
 * say how to read files ({@code input}, {@code format}, {@code csv}, {@code schema}, {@code
 * max_rejected_fraction}), bound by the ingestion's own factory.
 *
 * <pre>{@code
 * feedback:
 *   request_log: serving-logs/                 # the server's --request-log folder
 *   model: penguins                            # default: push.model_name, else the pipeline's name
 *   models: serving/                           # default: push.serving_base, else serving/ under the pipeline root
 *   labels: {input: labels/*.csv, key: request_id, label: species, time: labelled_at}
 *   window: {max_delay: 7d}
 *   metrics: {window: 1d, slices: [island], min_slice_size: 10}
 *   canary: {metric: accuracy, min_examples: 200, confidence: 0.95, min_improvement: 0.0}   # makes the canary stage
 *   skew: {window: 1d, thresholds: {categorical: 0.1, numeric: 0.1}}   # makes the serving_skew stage
 *   retrain: {when: [{metric: accuracy, below_baseline: 0.02}, {drift: true}, {new_labels: 500}]}   # makes the retrain stage
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
    public CanaryDoc canary;
    public SkewDoc skew;
    public RetrainDoc retrain;
  }

  /** {@code feedback.retrain:} */
  public static final class RetrainDoc {
    public List<Object> when;
    public Integer min_examples;
    public String export;
    public String label_column;
    public String stable_label;
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

  /** {@code feedback.canary:} */
  public static final class CanaryDoc {
    public String metric;
    public Integer min_examples;
    public Double confidence;
    public Double min_improvement;
    public String stable_label;
    public String canary_label;
    public Boolean auto_promote;
    public String model_config;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    FeedbackConfig c = bind(section);
    CanaryConfig canary = canary(section);
    List<Stage<?>> stages = new ArrayList<>(canary == null ? List.of(new JoinFeedbackStage(c), new LiveMetricsStage(c))
        : List.of(new JoinFeedbackStage(c), new LiveMetricsStage(c), new CanaryStage(canary)));
    SkewConfig skew = skew(section);
    if (skew != null) {
      stages.add(new ServingSkewStage(c, skew));
    }
    RetrainConfig retrain = retrain(section);
    if (retrain != null) {
      stages.add(retrainStage(section, c, retrain));
    }
    return List.copyOf(stages);
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

  /** {@code feedback.canary}, null when the section has none: the canary stage is made only when it is there. */
  public static CanaryConfig canary(ConfigSection section) {
    CanaryDoc d = section.bind(FeedbackDoc.class).canary;
    if (d == null) {
      return null;
    }
    CanaryConfig c = CanaryConfig.of();
    if (d.metric != null) {
      CanaryConfig b = c;
      c = section.check("canary.metric", () -> b.withMetric(d.metric));
    }
    if (d.min_examples != null) {
      CanaryConfig b = c;
      c = section.check("canary.min_examples", () -> b.withMinExamples(d.min_examples));
    }
    if (d.confidence != null) {
      CanaryConfig b = c;
      c = section.check("canary.confidence", () -> b.withConfidence(d.confidence));
    }
    if (d.min_improvement != null) {
      CanaryConfig b = c;
      c = section.check("canary.min_improvement", () -> b.withMinImprovement(d.min_improvement));
    }
    if (d.stable_label != null || d.canary_label != null) {
      CanaryConfig b = c;
      c = section.check("canary", () -> b.withLabels(d.stable_label != null ? d.stable_label : b.stableLabel(),
          d.canary_label != null ? d.canary_label : b.canaryLabel()));
    }
    if (d.model_config != null || Boolean.TRUE.equals(d.auto_promote)) {
      CanaryConfig b = c;
      String file = d.model_config == null ? null : section.path(d.model_config);
      c = section.check(d.model_config == null ? "canary.auto_promote" : "canary.model_config", () -> new CanaryConfig(b.metric(),
          b.minExamples(), b.confidence(), b.minImprovement(), b.stableLabel(), b.canaryLabel(), Boolean.TRUE.equals(d.auto_promote), file));
    }
    return c;
  }

  /** {@code feedback.skew:} */
  public static final class SkewDoc {
    public String window;
    public ThresholdsDoc thresholds;
    public String baseline_split;
    public Boolean per_version;
  }

  /** {@code feedback.skew.thresholds:} */
  public static final class ThresholdsDoc {
    public Double categorical;
    public Double numeric;
  }

  /** {@code feedback.skew}, null when the section has none: the serving skew stage is made only when it is there. */
  public static SkewConfig skew(ConfigSection section) {
    SkewDoc d = section.bind(FeedbackDoc.class).skew;
    if (d == null) {
      return null;
    }
    SkewConfig c = SkewConfig.of();
    if (d.window != null) {
      SkewConfig b = c;
      c = section.check("skew.window", () -> b.withWindow(DurationText.parse(d.window)));
    }
    if (d.thresholds != null) {
      SkewConfig b = c;
      double categorical = d.thresholds.categorical != null ? d.thresholds.categorical : b.categorical();
      double numeric = d.thresholds.numeric != null ? d.thresholds.numeric : b.numeric();
      c = section.check("skew.thresholds", () -> b.withThresholds(categorical, numeric));
    }
    if (d.baseline_split != null) {
      SkewConfig b = c;
      c = section.check("skew.baseline_split", () -> b.withBaselineSplit(d.baseline_split));
    }
    if (d.per_version != null) {
      c = c.withPerVersion(d.per_version);
    }
    return c;
  }

  /** {@code feedback.retrain}, null when the section has none: the retrain stage is made only when it is there. */
  public static RetrainConfig retrain(ConfigSection section) {
    RetrainDoc d = section.bind(FeedbackDoc.class).retrain;
    if (d == null) {
      return null;
    }
    if (d.when == null || d.when.isEmpty()) {
      throw section.error("retrain", "'" + section.key("retrain.when") + "' is required: the conditions that start a retraining, e.g."
          + " [{metric: accuracy, below_baseline: 0.02}, {drift: true}, {new_labels: 1000}]");
    }
    List<RetrainConfig.Condition> when = new ArrayList<>();
    for (int i = 0; i < d.when.size(); i++) {
      Object item = d.when.get(i);
      int index = i;
      when.add(section.check("retrain.when", () -> {
        try {
          return condition(item);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("item " + index + ": " + e.getMessage(), e);
        }
      }));
    }
    RetrainConfig c = section.check("retrain.when", () -> RetrainConfig.of(when));
    if (d.min_examples != null) {
      RetrainConfig b = c;
      c = section.check("retrain.min_examples", () -> b.withMinExamples(d.min_examples));
    }
    if (d.export != null) {
      RetrainConfig b = c;
      c = section.check("retrain.export", () -> b.withExport(section.path(d.export)));
    }
    if (d.label_column != null) {
      RetrainConfig b = c;
      c = section.check("retrain.label_column", () -> b.withLabelColumn(d.label_column));
    }
    if (d.stable_label != null) {
      RetrainConfig b = c;
      c = section.check("retrain.stable_label", () -> b.withStableLabel(d.stable_label));
    }
    return c;
  }

  /** One item of {@code retrain.when}: {@code {metric: m, below|above|below_baseline|above_baseline: x}}, {@code {drift: true}}, {@code {new_labels: n}}. */
  static RetrainConfig.Condition condition(Object item) {
    if (!(item instanceof java.util.Map<?, ?> m)) {
      throw new IllegalArgumentException("expected {metric: accuracy, below: 0.8}, {drift: true} or {new_labels: 1000}, got " + item);
    }
    if (m.containsKey("drift")) {
      if (m.size() != 1 || !Boolean.TRUE.equals(m.get("drift"))) {
        throw new IllegalArgumentException("expected {drift: true}, got " + item);
      }
      return RetrainConfig.Condition.drift();
    }
    if (m.containsKey("new_labels")) {
      if (m.size() != 1 || !(m.get("new_labels") instanceof Number n)) {
        throw new IllegalArgumentException("expected {new_labels: <rows>}, got " + item);
      }
      return new RetrainConfig.Condition(RetrainConfig.Kind.NEW_LABELS, null, n.doubleValue());
    }
    if (!(m.get("metric") instanceof String metric) || m.size() != 2) {
      throw new IllegalArgumentException("expected {metric: <name>, below|above|below_baseline|above_baseline: <number>}, {drift: true} or"
          + " {new_labels: <rows>}, got " + item);
    }
    for (RetrainConfig.Kind k : RetrainConfig.Kind.values()) {
      if (m.get(k.key()) instanceof Number v) {
        return new RetrainConfig.Condition(k, metric, v.doubleValue());
      }
    }
    throw new IllegalArgumentException("a metric condition needs one of below, above, below_baseline, above_baseline with a number, got " + item);
  }

  /** The retrain stage, its export pattern and format from {@code retrain.export}, else from the {@code ingest:} section. */
  static RetrainStage retrainStage(ConfigSection section, FeedbackConfig feedback, RetrainConfig retrain) {
    String export = retrain.export();
    InputFormat format = null;
    var ingest = section.sibling("ingest");
    if (export == null && ingest.isPresent() && ingest.get().node().path("input").isTextual()) {
      export = ingest.get().path(ingest.get().node().get("input").asText());
      if (ingest.get().node().path("format").isTextual()) {
        format = section.check("retrain", () -> InputFormat.parse(ingest.get().node().get("format").asText()));
      }
    }
    if (format == null && export != null) {
      format = InputFormat.fromFileName(export);
    }
    return new RetrainStage(feedback, retrain, export, format);
  }

  /** The retrain stage's canonical parameters. */
  public static ObjectNode retrainParameters(RetrainConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    var when = o.putArray("when");
    c.when().forEach(w -> when.add(w.text()));
    o.put("min_examples", c.minExamples());
    o.put("label_column", c.labelColumn());
    o.put("stable_label", c.stableLabel());
    return o;
  }

  /** The serving skew's canonical parameters (its window filled in from the live metrics' when unset). */
  public static ObjectNode skewParameters(FeedbackConfig feedback, SkewConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("model", feedback.model());
    o.put("label", feedback.labels().label());
    ObjectNode s = o.putObject("skew");
    s.put("window", DurationText.format(c.windowOr(feedback.metricsWindow())));
    s.putObject("thresholds").put("categorical", c.categorical()).put("numeric", c.numeric());
    s.put("baseline_split", c.baselineSplit());
    s.put("per_version", c.perVersion());
    return o;
  }

  /** The canary comparison's canonical parameters. */
  public static ObjectNode canaryParameters(CanaryConfig c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("metric", c.metric());
    o.put("min_examples", c.minExamples());
    o.put("confidence", c.confidence());
    o.put("min_improvement", c.minImprovement());
    o.put("stable_label", c.stableLabel());
    o.put("canary_label", c.canaryLabel());
    o.put("auto_promote", c.autoPromote());
    o.put("model_config", c.modelConfig());
    return o;
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
