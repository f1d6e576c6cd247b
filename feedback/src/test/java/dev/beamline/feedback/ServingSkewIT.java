package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.serving.log.LoggedRequest;
import dev.beamline.serving.log.ParquetRequestLog;
import dev.beamline.serving.log.RequestLogConfig;
import dev.beamline.serving.server.TensorData;
import dev.beamline.validation.ComputeStatistics;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving skew end to end on the DirectRunner: a request log written by the model server's own writer
 * ({@link ParquetRequestLog}) over two days, the first logged as the training data was, the second shifted
 * (the islands' frequencies swapped, every body mass above the training maximum), labels for a few requests
 * only; training statistics computed by validation's {@link ComputeStatistics} in the same pipeline; the join
 * and the serving skew run as stages. Every window's distances are checked against values by hand.
 */
class ServingSkewIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** 2026-11-30T00:00:00Z. */
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private static final ExampleSchema TRAINING = ExampleSchema.of(List.of(FeatureSpec.of("island", FeatureType.STRING),
      FeatureSpec.of("body_mass_g", FeatureType.FLOAT), FeatureSpec.of("sex", FeatureType.STRING), FeatureSpec.of("species", FeatureType.STRING)));
  private static final List<String> TRAIN_ISLANDS = List.of("Biscoe", "Biscoe", "Biscoe", "Biscoe", "Biscoe", "Dream", "Dream", "Dream",
      "Torgersen", "Torgersen");
  private static final List<String> DAY1_ISLANDS = List.of("Biscoe", "Biscoe", "Dream", "Torgersen", "Torgersen", "Dream", "Dream",
      "Torgersen", "Torgersen", "Torgersen");

  @TempDir Path dir;

  private static LoggedRequest request(String id, Instant time, long version, String island, double mass) {
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("island", TensorData.strings(new String[] {island}, 1));
    inputs.put("body_mass_g", TensorData.doubles(new double[] {mass}, 1));
    Map<String, TensorData> outputs = new LinkedHashMap<>();
    outputs.put("classes", TensorData.strings(new String[] {"Adelie"}, 1));
    return new LoggedRequest(id, time, "penguins", version, version == 1 ? "stable" : "canary", "predict", "serving_default", inputs, outputs);
  }

  private Path requestLog() {
    Path log = dir.resolve("request-log");
    try (ParquetRequestLog l = ParquetRequestLog.open(RequestLogConfig.of(log).withMaxSegmentBytes(4 << 10))) {
      for (int i = 0; i < 10; i++) {
        l.offer(request("a" + i, T0.plusSeconds(3600L * i), 1, TRAIN_ISLANDS.get(i), 3000.0 + 100 * i));
      }
      for (int i = 0; i < 10; i++) {
        l.offer(request("b" + i, T0.plus(Duration.ofDays(1)).plusSeconds(3600L * i), i < 5 ? 1 : 2, DAY1_ISLANDS.get(i), 5000.0 + 100 * i));
      }
    }
    return log;
  }

  private void labels() throws IOException {
    Path file = dir.resolve("labels").resolve("labels.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "request_id,species,labelled_at\na0,Adelie,2026-11-30T05:00:00Z\nb3,Gentoo,2026-12-01T09:00:00Z\n");
  }

  private static List<GenericRecord> trainingRows() {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GenericRecord r = new GenericData.Record(TRAINING.toAvro());
      r.put("island", TRAIN_ISLANDS.get(i));
      r.put("body_mass_g", 3000.0 + 100 * i);
      r.put("sex", i % 2 == 0 ? "male" : "female");
      r.put("species", "Adelie");
      rows.add(r);
    }
    return rows;
  }

  /** Writes the train split's statistics into a folder, as the statistics stage publishes them, and outputs the folder. */
  private static final class WriteStatisticsFn extends DoFn<DatasetStatistics, String> {
    private static final long serialVersionUID = 1L;
    private final String folder;

    WriteStatisticsFn(String folder) {
      this.folder = folder;
    }

    @ProcessElement
    public void process(@Element DatasetStatistics s, OutputReceiver<String> out) {
      try {
        Files.createDirectories(Path.of(folder));
        Files.writeString(Path.of(folder, ValidationRun.STATISTICS_FILE), StatisticsSet.of(List.of(s)).toJson());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out.output(folder);
    }
  }

  @Test
  void theShiftedDayDriftsAndTheReportNamesItsFeatures() throws Exception {
    Path log = requestLog();
    labels();
    IngestExamples.Config files = IngestExamples.Config.of(dir.resolve("labels/*.csv").toString());
    FeedbackConfig config = FeedbackConfig.of(log.toString(), LabelSource.of(files, "species").withTime("labelled_at"))
        .withMetricsWindow(Duration.ofDays(1));
    RunLayout layout = RunLayout.of(dir.resolve("runs"), "penguins", "r1");

    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    p.getOptions().as(DirectOptions.class).setEnforceImmutability(true);
    p.getOptions().as(DirectOptions.class).setEnforceEncodability(true);
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext joinCtx = PlanContext.of("penguins", StageInputs.none());
    Plan<FeedbackInputs> joinPlan = join.prepare(join.plan(joinCtx), joinCtx);
    StageOutput joinOut = layout.output(JoinFeedbackStage.NAME);
    PCollection<String> joined = join.expand(p, joinPlan, StageInputs.none(), joinOut);
    TrafficInfo info = (TrafficInfo) joinPlan.outputs().get("traffic");

    String statisticsDir = dir.resolve("statistics").toString();
    PCollection<String> statistics = p
        .apply("Training", Create.of(List.of(ExampleBatch.of(trainingRows()))).withCoder(ExampleBatch.coder(TRAINING.toAvro())))
        .apply("TrainStatistics", ComputeStatistics.of(TRAINING, "train"))
        .apply("WriteStatistics", ParDo.of(new WriteStatisticsFn(statisticsDir)))
        .setCoder(StringUtf8Coder.of());

    ServingSkewStage stage = new ServingSkewStage(config, SkewConfig.of());
    StageInputs inputs = new StageInputs(List.of(new StageInput(ServingSkewStage.TRAFFIC, -1, joinOut.dir(), info, () -> joined),
        new StageInput(ServingSkewStage.STATISTICS, -1, statisticsDir, null, () -> statistics)));
    PlanContext ctx = PlanContext.of("penguins", inputs);
    Plan<ServingSkewStage.State> plan = stage.prepare(stage.plan(ctx), ctx);
    StageOutput out = layout.output(ServingSkewStage.NAME);
    stage.expand(p, plan, inputs, out);
    // expand() only wires: nothing is written before the pipeline runs.
    assertThat(dir.resolve("runs")).doesNotExist();
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

    JsonNode doc = JSON.readTree(Files.readString(Path.of(out.dir(), ServingSkewDocument.FILE)));
    assertThat(doc.get("logged_inputs").toString()).isEqualTo("[\"island\",\"body_mass_g\"]");
    assertThat(doc.get("missing_features").toString()).isEqualTo("[\"sex\"]");
    assertThat(doc.get("not_expected").toString()).isEqualTo("[\"species\"]");
    assertThat(doc.get("ignored_columns").toString()).isEqualTo("[]");
    assertThat(doc.get("training_statistics").asText()).isEqualTo(Path.of(statisticsDir, ValidationRun.STATISTICS_FILE).toString());
    Map<String, JsonNode> windows = new LinkedHashMap<>();
    doc.get("windows").forEach(w -> windows.put(w.get("split").asText(), w));
    assertThat(windows).containsOnlyKeys("serving 2026-11-30", "serving 2026-11-30 v1", "serving 2026-12-01", "serving 2026-12-01 v1",
        "serving 2026-12-01 v2");
    // Every logged row counts, labelled or not.
    assertThat(windows.get("serving 2026-11-30").get("rows").asLong()).isEqualTo(10);
    assertThat(windows.get("serving 2026-12-01").get("rows").asLong()).isEqualTo(10);
    assertThat(value(windows.get("serving 2026-11-30"), "island")).isEqualTo(0.0);
    assertThat(value(windows.get("serving 2026-11-30"), "body_mass_g")).isEqualTo(0.0);
    assertThat(windows.get("serving 2026-11-30").get("anomalies")).isEmpty();
    assertThat(value(windows.get("serving 2026-12-01"), "island")).isCloseTo(0.3, within(1e-12));
    assertThat(value(windows.get("serving 2026-12-01"), "body_mass_g")).isEqualTo(1.0);
    assertThat(value(windows.get("serving 2026-12-01 v2"), "island")).isCloseTo(0.5, within(1e-12));
    assertThat(windows.get("serving 2026-12-01").get("drifting").toString()).isEqualTo("[\"island\",\"body_mass_g\"]");
    assertThat(windows.get("serving 2026-12-01").get("anomalies").get(0).get("description").asText())
        .isEqualTo("skew from the baseline: L-infinity distance 0.3000 > threshold 0.1");
    assertThat(Files.readString(Path.of(out.dir(), ServingSkewReport.FILE))).contains("<b>Drifting: island, body_mass_g</b>");

    Published facts = stage.describe(plan, out.dir());
    assertThat(facts.summary()).containsExactly(
        "serving skew: 2 of 2 features drift in 2026-12-01: island (L∞ 0.30 > 0.1), body_mass_g (JS 1.00 > 0.1)",
        "serving skew: 1 of 2 1d window(s) drift from the train statistics (2 logged input(s) compared, 0 column(s) ignored)",
        "training features not in the request log: sex",
        "report: " + Path.of(out.dir(), ServingSkewReport.FILE));
    assertThat(facts.properties().get("serving_skew").get("totals").get("windows_with_skew").asLong()).isEqualTo(1);
  }

  private static double value(JsonNode window, String feature) {
    for (JsonNode f : window.get("features")) {
      if (f.get("feature").asText().equals(feature)) {
        return f.get("value").asDouble();
      }
    }
    throw new AssertionError(feature + " not compared in " + window);
  }
}
