package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether to retrain ({@link RetrainDecision}) once the joined traffic, the live metrics and,
 * when the pipeline has them, the serving skew and the canary comparison are published; when it fires,
 * writes the labelled traffic since the last retraining as a new span of the training data ({@link
 * TrafficExport}); then publishes {@value #FILE} atomically. The export comes before the decision is
 * published, and a retried step finds its own span file and takes it as it is.
 *
 * <pre>{@code
 * PCollection<String> published = trafficDir.apply(DecideRetrain.of(run, metricsDir, skewDir, canaryDir).to(output));
 * }</pre>
 */
public final class DecideRetrain extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  /** The decision's file. */
  public static final String FILE = "decision.json";

  /**
   * What the decision needs besides the published folders, resolved when the stage is planned.
   *
   * @param cutoff the newest request the last retraining exported; null before the first
   * @param previous the previous decision's folder; null for none
   * @param baselines per pushed version, its evaluation's overall metrics (JSON text)
   * @param export where and how the new span is written
   */
  public record Run(RetrainConfig config, Instant cutoff, String previous, Map<Long, String> baselines, TrafficExport export) implements Serializable {
    public Run {
      checkNotNull(config, "config");
      baselines = Map.copyOf(baselines);
      checkNotNull(export, "export");
    }
  }

  private final Run run;
  private final transient PCollection<String> metrics;
  private final transient PCollection<String> skew;
  private final transient PCollection<String> canary;
  private final StageOutput output;

  private DecideRetrain(Run run, PCollection<String> metrics, PCollection<String> skew, PCollection<String> canary, StageOutput output) {
    this.run = run;
    this.metrics = metrics;
    this.skew = skew;
    this.canary = canary;
    this.output = output;
  }

  /** Decides on the live metrics' folder {@code metrics}, and the skew's and canary's when not null. */
  public static DecideRetrain of(Run run, PCollection<String> metrics, PCollection<String> skew, PCollection<String> canary) {
    return new DecideRetrain(checkNotNull(run, "run"), checkNotNull(metrics, "metrics"), skew, canary, null);
  }

  public DecideRetrain to(StageOutput output) {
    return new DecideRetrain(run, metrics, skew, canary, checkNotNull(output, "output"));
  }

  @Override
  public PCollection<String> expand(PCollection<String> trafficDir) {
    checkState(output != null, "DecideRetrain needs an output: call to(StageOutput)");
    PCollectionView<List<String>> metricsView = metrics.apply("MetricsDir", View.asList());
    PCollectionView<List<String>> skewView = skew == null ? null : skew.apply("SkewDir", View.asList());
    PCollectionView<List<String>> canaryView = canary == null ? null : canary.apply("CanaryDir", View.asList());
    var decide = ParDo.of(new DecideFn(run, output, metricsView, skewView, canaryView)).withSideInputs(metricsView);
    if (skewView != null) {
      decide = decide.withSideInputs(skewView);
    }
    if (canaryView != null) {
      decide = decide.withSideInputs(canaryView);
    }
    return trafficDir.apply("Decide", decide).setCoder(StringUtf8Coder.of());
  }

  /** Reads {@value #FILE} of a published decision folder. */
  public static JsonNode read(String dir) {
    return Storage.readJson(Storage.resolve(dir, FILE));
  }

  private static final class DecideFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecideFn.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Run run;
    private final StageOutput output;
    private final PCollectionView<List<String>> metrics;
    private final PCollectionView<List<String>> skew;
    private final PCollectionView<List<String>> canary;

    DecideFn(Run run, StageOutput output, PCollectionView<List<String>> metrics, PCollectionView<List<String>> skew,
        PCollectionView<List<String>> canary) {
      this.run = run;
      this.output = output;
      this.metrics = metrics;
      this.skew = skew;
      this.canary = canary;
    }

    @ProcessElement
    public void process(@Element String trafficDir, OutputReceiver<String> out, ProcessContext c) {
      if (output.isPublished()) {
        out.output(output.dir());
        return;
      }
      JsonNode liveMetrics = Storage.readJson(Storage.resolve(c.sideInput(metrics).get(0), LiveMetricsDocument.FILE));
      JsonNode skewDoc = skew == null ? null : Storage.readJson(Storage.resolve(c.sideInput(skew).get(0), ServingSkewDocument.FILE));
      JsonNode canaryDoc = canary == null ? null : Storage.readJson(Storage.resolve(c.sideInput(canary).get(0), CanaryWindows.FILE));
      List<String> shards = JoinedTraffic.open(trafficDir).shards();
      TrafficExport.Labelled labelled = TrafficExport.labelled(shards, run.cutoff());
      long newLabels = labelled.rows();
      Map<Long, JsonNode> baselines = new HashMap<>();
      run.baselines().forEach((v, text) -> baselines.put(v, parse(text)));
      RetrainDecision.Outcome o = RetrainDecision.decide(run.config(), liveMetrics, skewDoc, canaryDoc, newLabels, run.cutoff(), baselines);
      ObjectNode doc = o.toJson();
      doc.put("cutoff", run.cutoff() == null ? null : run.cutoff().toString());
      doc.put("previous_decision", run.previous());
      doc.put("new_labelled_rows", newLabels);
      doc.put("traffic", trafficDir);
      doc.put("live_metrics", c.sideInput(metrics).get(0));
      Instant next = run.cutoff();
      if (o.fired()) {
        String execution = Storage.fileName(output.dir());
        String existing = run.export().existing(execution);
        TrafficExport.Written w = existing != null
            ? new TrafficExport.Written(existing, newLabels, labelled.newest(), 0)
            : run.export().write(shards, run.cutoff(), execution);
        ObjectNode e = doc.putObject("export");
        e.put("file", w.path());
        e.put("rows", w.rows());
        e.put("span", w.span());
        e.put("format", run.export().format().name().toLowerCase(java.util.Locale.ROOT));
        e.put("label_column", run.export().labelColumn());
        var cols = e.putArray("columns");
        run.export().columns().forEach(cols::add);
        next = labelled.newest();
      }
      doc.put("next_cutoff", next == null ? null : next.toString());
      try {
        output.publish(Map.of(FILE, JSON.writeValueAsString(doc) + "\n"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      LOG.info("retrain published {}: {}", output.dir(), o.reason());
      out.output(output.dir());
    }

    private static JsonNode parse(String text) {
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
