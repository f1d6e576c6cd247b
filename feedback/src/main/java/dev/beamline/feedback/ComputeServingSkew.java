package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.FeatureStatistics;
import dev.beamline.validation.FeatureStatisticsFn;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationRun;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
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
 * Computes the statistics of the logged inputs per time window (and model version) and compares them with
 * the training statistics by validation's skew check, publishing {@value ServingSkewDocument#FILE} and
 * {@value ServingSkewReport#FILE} atomically. Its input is the joined traffic's published folder (every
 * logged row, labelled or not); the training statistics' folder comes as a side input, read once both are
 * published. Rows are keyed by {@link ServingSkew#keys}, each key's rows combined by validation's {@link
 * FeatureStatisticsFn} (mergeable, one pass), compared by {@link ServingSkew#compare}.
 *
 * <pre>{@code
 * PCollection<String> published = trafficDir.apply(ComputeServingSkew.of(run, trafficSchema, statisticsDir).to(output));
 * }</pre>
 */
public final class ComputeServingSkew extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  /** What the comparison needs besides the data: the model, the skew's settings and the label column (not expected in the log). */
  public record Run(String model, SkewConfig config, String window, ServingSkew skew, Set<String> notExpected) implements Serializable {
    public Run {
      notExpected = Set.copyOf(notExpected);
    }
  }

  private final Run run;
  private final ExampleSchema traffic;
  private final PCollection<String> statisticsDir;
  private final StageOutput output;

  private ComputeServingSkew(Run run, ExampleSchema traffic, PCollection<String> statisticsDir, StageOutput output) {
    this.run = run;
    this.traffic = traffic;
    this.statisticsDir = statisticsDir;
    this.output = output;
  }

  /** Skew of traffic with the columns {@code traffic} from the statistics published in the one element of {@code statisticsDir}. */
  public static ComputeServingSkew of(Run run, ExampleSchema traffic, PCollection<String> statisticsDir) {
    return new ComputeServingSkew(checkNotNull(run, "run"), checkNotNull(traffic, "traffic"), checkNotNull(statisticsDir, "statisticsDir"), null);
  }

  /** Writes into {@code output}. */
  public ComputeServingSkew to(StageOutput output) {
    return new ComputeServingSkew(run, traffic, statisticsDir, checkNotNull(output, "output"));
  }

  @Override
  public PCollection<String> expand(PCollection<String> trafficDir) {
    checkState(output != null, "ComputeServingSkew needs an output: call to(StageOutput)");
    KvCoder<String, DatasetStatistics> keyed = KvCoder.of(StringUtf8Coder.of(), DatasetStatistics.coder());
    // Before anything is logged the traffic has no input column and no row: no window to compare.
    PCollection<KV<String, DatasetStatistics>> windows = run.skew().inputColumns().isEmpty()
        ? trafficDir.getPipeline().apply("NoWindow", Create.empty(keyed))
        : trafficDir
            .apply("ReadTraffic", ReadPublishedExamples.split(JoinedTraffic.SPLIT, traffic.toAvro()))
            .apply("KeyByWindow", ParDo.of(new KeyFn(run.skew())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ExampleBatch.coder(traffic.toAvro())))
            .apply("Statistics", Combine.perKey(FeatureStatisticsFn.of(run.skew().inputs(), "serving")))
            .setCoder(keyed);
    PCollectionView<List<KV<String, DatasetStatistics>>> perKey = windows.apply("AllWindows", View.asList());
    PCollectionView<String> statistics = statisticsDir.apply("StatisticsFolder", View.asSingleton());
    return trafficDir
        .apply("Publish", ParDo.of(new PublishFn(run, output, perKey, statistics)).withSideInputs(perKey, statistics))
        .setCoder(StringUtf8Coder.of());
  }

  /** A batch's rows, regrouped into one batch per key. */
  private static final class KeyFn extends DoFn<ExampleBatch, KV<String, ExampleBatch>> {
    private static final long serialVersionUID = 1L;
    private final ServingSkew skew;

    KeyFn(ServingSkew skew) {
      this.skew = skew;
    }

    @ProcessElement
    public void process(@Element ExampleBatch batch, OutputReceiver<KV<String, ExampleBatch>> out) {
      Map<String, List<GenericRecord>> byKey = new TreeMap<>();
      for (GenericRecord row : batch) {
        for (ServingSkew.Key k : skew.keys(row)) {
          byKey.computeIfAbsent(k.encode(), x -> new ArrayList<>()).add(row);
        }
      }
      byKey.forEach((k, rows) -> out.output(KV.of(k, ExampleBatch.of(rows))));
    }
  }

  /** Compares every key's statistics with the training split's; writes the document and the report with one rename. */
  private static final class PublishFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PublishFn.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Run run;
    private final StageOutput output;
    private final PCollectionView<List<KV<String, DatasetStatistics>>> perKey;
    private final PCollectionView<String> statistics;

    PublishFn(Run run, StageOutput output, PCollectionView<List<KV<String, DatasetStatistics>>> perKey, PCollectionView<String> statistics) {
      this.run = run;
      this.output = output;
      this.perKey = perKey;
      this.statistics = statistics;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      String dir = c.sideInput(statistics);
      DatasetStatistics training = baseline(dir, run.config().baselineSplit());
      Map<String, DatasetStatistics> windows = new TreeMap<>();
      for (KV<String, DatasetStatistics> kv : c.sideInput(perKey)) {
        windows.put(kv.getKey(), kv.getValue());
      }
      List<ServingSkew.WindowSkew> found = new ArrayList<>();
      windows.forEach((k, s) -> found.add(run.skew().compare(ServingSkew.Key.decode(k), s, training, run.config().thresholds(), run.notExpected())));
      ObjectNode doc = ServingSkewDocument.of(header(dir, training), found, run.skew().windowSeconds());
      try {
        output.publish(Map.of(ServingSkewDocument.FILE, JSON.writeValueAsString(doc) + "\n", ServingSkewReport.FILE, ServingSkewReport.render(doc)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + ServingSkewDocument.FILE, e);
      }
      LOG.info("serving_skew published {}: {} windows, {} with skew", output.dir(), doc.path("totals").path("windows"),
          doc.path("totals").path("windows_with_skew"));
      c.output(output.dir());
    }

    private ServingSkewDocument.Header header(String dir, DatasetStatistics training) {
      Map<String, FeatureSpec> logged = new LinkedHashMap<>();
      run.skew().inputColumns().forEach(f -> logged.put(f.name(), f));
      List<String> trainingFeatures = training.featureNames();
      List<String> compared = new ArrayList<>();
      List<String> notInLog = new ArrayList<>();
      for (FeatureStatistics f : training.features()) {
        if (logged.containsKey(f.name())) {
          compared.add(f.name());
        } else if (!run.notExpected().contains(f.name())) {
          notInLog.add(f.name());
        }
      }
      List<String> ignored = logged.keySet().stream().filter(n -> !trainingFeatures.contains(n)).toList();
      List<String> notExpected = trainingFeatures.stream().filter(run.notExpected()::contains).toList();
      return new ServingSkewDocument.Header(run.model(), Storage.resolve(dir, ValidationRun.STATISTICS_FILE), training.split(), run.window(),
          run.config().categorical(), run.config().numeric(), trainingFeatures, compared, ignored, notInLog, notExpected);
    }
  }

  /**
   * The split of the statistics in {@code dir} to compare with: {@code split}, or the only one there is.
   *
   * @throws DataCheckException when the statistics have neither
   */
  static DatasetStatistics baseline(String dir, String split) {
    String file = Storage.resolve(dir, ValidationRun.STATISTICS_FILE);
    StatisticsSet set = StatisticsSet.fromJson(Storage.readString(file));
    return set.split(split).or(() -> set.splits().size() == 1 ? set.splits().stream().findFirst() : java.util.Optional.empty())
        .orElseThrow(() -> new DataCheckException(file + ": no split '" + split + "' to compare the served traffic with (splits: "
            + String.join(", ", set.splitNames()) + "); set feedback.skew.baseline_split"));
  }
}
