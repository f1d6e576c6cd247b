package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.ReadPublishedExamples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes the evaluation's metrics on joined traffic, per model version, server label, time window and
 * slice, and publishes them atomically as {@value LiveMetricsDocument#FILE} and {@value
 * LiveMetricsReport#FILE}. Its input is the joined traffic's published folder (the join's {@code
 * ready()} signal), so the traffic is read only once it exists; each row is turned into its keys by
 * {@link TrafficScorer}, each key's rows combined by {@link LiveMetricsFn}.
 *
 * <pre>{@code
 * PCollection<String> published = trafficDir.apply(ComputeLiveMetrics.of(header, scorer, trafficSchema).to(output));
 * }</pre>
 */
public final class ComputeLiveMetrics extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  private final LiveMetricsDocument.Header header;
  private final TrafficScorer scorer;
  private final ExampleSchema traffic;
  private final StageOutput output;

  private ComputeLiveMetrics(LiveMetricsDocument.Header header, TrafficScorer scorer, ExampleSchema traffic, StageOutput output) {
    this.header = header;
    this.scorer = scorer;
    this.traffic = traffic;
    this.output = output;
  }

  /** The live metrics of traffic with the columns {@code traffic}, keyed and scored by {@code scorer}. */
  public static ComputeLiveMetrics of(LiveMetricsDocument.Header header, TrafficScorer scorer, ExampleSchema traffic) {
    return new ComputeLiveMetrics(checkNotNull(header, "header"), checkNotNull(scorer, "scorer"), checkNotNull(traffic, "traffic"), null);
  }

  /** Writes into {@code output}. */
  public ComputeLiveMetrics to(StageOutput output) {
    return new ComputeLiveMetrics(header, scorer, traffic, checkNotNull(output, "output"));
  }

  @Override
  public PCollection<String> expand(PCollection<String> trafficDir) {
    checkState(output != null, "ComputeLiveMetrics needs an output: call to(StageOutput)");
    PCollectionView<List<KV<String, WindowTally>>> perKey = trafficDir
        .apply("ReadTraffic", ReadPublishedExamples.split(JoinedTraffic.SPLIT, traffic.toAvro()))
        .apply("Score", ParDo.of(new ScoreFn(scorer)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(LiveExample.class)))
        .apply("PerKey", Combine.perKey(new LiveMetricsFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), WindowTally.coder()))
        .apply("AllKeys", View.asList());
    return trafficDir
        .apply("Publish", ParDo.of(new PublishFn(header, output, perKey)).withSideInputs(perKey))
        .setCoder(StringUtf8Coder.of());
  }

  /** Each row of a batch as its keys and what it adds to them. */
  private static final class ScoreFn extends DoFn<ExampleBatch, KV<String, LiveExample>> {
    private static final long serialVersionUID = 1L;
    private final TrafficScorer scorer;

    ScoreFn(TrafficScorer scorer) {
      this.scorer = scorer;
    }

    @ProcessElement
    public void process(@Element ExampleBatch batch, OutputReceiver<KV<String, LiveExample>> out) {
      for (GenericRecord row : batch) {
        scorer.score(row).forEach((k, e) -> out.output(KV.of(k.encode(), e)));
      }
    }
  }

  /** Writes the document and the report and publishes them with one rename; a retry finds them published. */
  private static final class PublishFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PublishFn.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final LiveMetricsDocument.Header header;
    private final StageOutput output;
    private final PCollectionView<List<KV<String, WindowTally>>> perKey;

    PublishFn(LiveMetricsDocument.Header header, StageOutput output, PCollectionView<List<KV<String, WindowTally>>> perKey) {
      this.header = header;
      this.output = output;
      this.perKey = perKey;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      Map<String, WindowTally> tallies = new TreeMap<>();
      for (KV<String, WindowTally> kv : c.sideInput(perKey)) {
        tallies.put(kv.getKey(), kv.getValue());
      }
      ObjectNode doc = LiveMetricsDocument.of(header, tallies);
      try {
        output.publish(Map.of(LiveMetricsDocument.FILE, JSON.writeValueAsString(doc) + "\n", LiveMetricsReport.FILE, LiveMetricsReport.render(doc)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + LiveMetricsDocument.FILE, e);
      }
      LOG.info("live_metrics published {}: {} rows, {} labelled, {} in the metrics, {} keys", output.dir(), doc.path("totals").path("rows"),
          doc.path("totals").path("labelled"), doc.path("totals").path("scored"), tallies.size());
      c.output(output.dir());
    }
  }
}
