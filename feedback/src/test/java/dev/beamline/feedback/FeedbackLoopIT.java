package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.testing.ScikitLearn;
import dev.beamline.evaluation.SliceSpec;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.serving.log.LoggedRequest;
import dev.beamline.serving.log.ParquetRequestLog;
import dev.beamline.serving.log.RequestLogConfig;
import dev.beamline.serving.server.ModelServer;
import dev.beamline.serving.server.ModelSource;
import dev.beamline.serving.server.ServerMetrics;
import dev.beamline.serving.server.ServerOptions;
import dev.beamline.serving.server.TensorData;
import dev.beamline.training.TrainedModelFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feedback loop end to end on the DirectRunner: a request log written by the model server's own
 * writer ({@link ParquetRequestLog}) for two served versions of a real exported model (stable and
 * canary, over two days), label files with a correction, a late label, an orphan, a class the model
 * does not know and two bad rows; the join and the live metrics run as stages through one real Beam
 * pipeline, then every count, dead letter, unjoined label and joined row is checked exactly, and the
 * live metrics against scikit-learn on the traffic the join published.
 */
class FeedbackLoopIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CLASSES = TrainedModelFixture.CLASSES;
  private static final String[] ISLANDS = {"Biscoe", "Dream", "Torgersen"};
  /** 2026-11-30T00:00:00Z. */
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

  @TempDir static Path shared;
  private static TrainedModelFixture trained;
  private static Path modelDir;

  @TempDir Path dir;

  @BeforeAll
  static void train() {
    trained = TrainedModelFixture.train(shared);
    modelDir = trained.modelDir();
  }

  /** Serves the fixture's model as versions 1 and 2 of {@code penguins} under {@code dir}/serving, as the push stage lays them out. */
  private Path servingFolder() throws IOException {
    Path serving = dir.resolve("serving");
    for (String v : List.of("1", "2")) {
      copy(modelDir, serving.resolve("penguins").resolve(v));
    }
    return serving;
  }

  /** A predict request of {@code n} instances as the server logs it; the probabilities from {@code random}, in twentieths. */
  private static LoggedRequest request(String id, int n, Instant time, long version, String label, int islandOffset, Random random) {
    String[] island = new String[n];
    double[] bill = new double[n];
    String[] classes = new String[n];
    long[] ids = new long[n];
    float[] p = new float[3 * n];
    for (int i = 0; i < n; i++) {
      island[i] = ISLANDS[(islandOffset + i) % 3];
      bill[i] = 40 + i;
      int a = random.nextInt(21);
      int b = random.nextInt(21 - a);
      p[3 * i] = a / 20f;
      p[3 * i + 1] = b / 20f;
      p[3 * i + 2] = (20 - a - b) / 20f;
      int best = p[3 * i] >= p[3 * i + 1] && p[3 * i] >= p[3 * i + 2] ? 0 : p[3 * i + 1] >= p[3 * i + 2] ? 1 : 2;
      ids[i] = best;
      classes[i] = CLASSES.get(best);
    }
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("island", TensorData.strings(island, n));
    inputs.put("bill_length_mm", TensorData.doubles(bill, n));
    Map<String, TensorData> outputs = new LinkedHashMap<>();
    outputs.put("classes", TensorData.strings(classes, n));
    outputs.put("class_ids", TensorData.longs(ids, n));
    outputs.put("probabilities", TensorData.floats(p, n, 3));
    return new LoggedRequest(id, time, "penguins", version, label, "predict", "serving_default", inputs, outputs);
  }

  private static Instant at(int day, double hours) {
    return T0.plus(Duration.ofDays(day)).plusSeconds((long) (hours * 3600));
  }

  /**
   * Writes the request log: stable version 1 answers s0..s9 on day 0 and m (2 instances) on day 1; canary
   * version 2 answers c0..c4 on day 0 and c5..c9 on day 1; c0 is logged a second time (a replay).
   */
  private Path requestLog() {
    Path log = dir.resolve("request-log");
    Random random = new Random(11);
    try (ParquetRequestLog l = ParquetRequestLog.open(RequestLogConfig.of(log).withMaxSegmentBytes(4 << 10))) {
      for (int i = 0; i < 10; i++) {
        l.offer(request("s" + i, 1, at(0, i), 1, "stable", i, random));
      }
      l.offer(request("m", 2, at(1, 2), 1, "stable", 0, random));
      for (int i = 0; i < 10; i++) {
        l.offer(request("c" + i, 1, at(i < 5 ? 0 : 1, i + 0.5), 2, "canary", i, random));
      }
      l.offer(request("c0", 1, at(0, 5), 2, "canary", 0, random));
    }
    return log;
  }

  /** The label file's lines after its header; the test finds the bad rows' lines by their place. */
  private static final List<String> LABEL_ROWS = List.of(
      "s0,adelie,2026-11-30T10:00:00Z",
      "s1,gentoo,2026-11-30T02:00:00Z",
      "s2,chinstrap,2026-11-30T12:00:00Z",
      "s3,gentoo,2026-12-01T00:00:00Z",
      "s4,adelie,2026-12-02T00:00:00Z",
      "s1,adelie,2026-11-30T03:00:00Z",
      "s5,chinstrap,2026-12-01T05:00:00Z",
      "s6,gentoo,yesterday",
      "s6,gentoo,2026-11-30T07:00:00Z",
      "s7,adelie,2026-11-30T09:00:00Z",
      "s8,chinstrap,2026-12-08T08:00:01Z",
      "c0,adelie,2026-11-30T02:00:00Z",
      "c1,chinstrap,2026-11-30T02:00:00Z",
      "c2,gentoo,2026-11-30T03:00:00Z",
      "c3,emperor,2026-11-30T04:00:00Z",
      "c4,adelie,2026-11-30T05:00:00Z",
      "c5,,2026-12-01T06:00:00Z",
      "c5,chinstrap,2026-12-01T06:00:00Z",
      "c6,gentoo,2026-12-01T07:00:00Z",
      "c7,adelie,2026-12-01T08:00:00Z",
      "c8,chinstrap,2026-12-01T09:00:00Z",
      "m,gentoo,2026-12-01T03:00:00Z",
      "ghost,adelie,2026-11-30T01:00:00Z");

  private Path labels() throws IOException {
    Path file = dir.resolve("labels").resolve("labels-2026-12-09.csv");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "request_id,species,labelled_at\n" + String.join("\n", LABEL_ROWS) + "\n");
    return file;
  }

  private static int line(String row) {
    return LABEL_ROWS.indexOf(row) + 2;
  }

  private FeedbackConfig config(Path log, Path serving, double maxRejected) {
    IngestExamples.Config files = IngestExamples.Config.of(dir.resolve("labels/*.csv").toString()).withMaxRejectedFraction(maxRejected);
    return FeedbackConfig.of(log.toString(), LabelSource.of(files, "species").withTime("labelled_at"))
        .withModels(serving.toString())
        .withMaxDelay(Duration.ofDays(7))
        .withMetricsWindow(Duration.ofDays(1))
        .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island"))))
        .withMinSliceSize(2);
  }

  private static TestPipeline pipeline() {
    // Not a JUnit 4 rule here: enforcement turned on by hand, run() called by the test.
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    p.getOptions().as(DirectOptions.class).setEnforceImmutability(true);
    p.getOptions().as(DirectOptions.class).setEnforceEncodability(true);
    return p;
  }

  @Test
  void logsAndLabelsAreJoinedCountedAndMeasuredPerVersionDayAndSlice() throws Exception {
    Path log = requestLog();
    Path serving = servingFolder();
    Path labelFile = labels();
    FeedbackConfig config = config(log, serving, 0.2);
    RunLayout layout = RunLayout.of(dir.resolve("runs"), "penguins", "r1");

    TestPipeline p = pipeline();
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext joinCtx = PlanContext.of("penguins", StageInputs.none());
    Plan<FeedbackInputs> joinPlan = join.prepare(join.plan(joinCtx), joinCtx);
    assertThat(joinPlan.externalInputs()).hasSize(3).allMatch(i -> i.isListed());
    StageOutput joinOut = layout.output(JoinFeedbackStage.NAME);
    PCollection<String> joined = join.expand(p, joinPlan, StageInputs.none(), joinOut);
    TrafficInfo info = (TrafficInfo) joinPlan.outputs().get("traffic");
    assertThat(info.versions()).containsExactly(1L, 2L);

    LiveMetricsStage live = new LiveMetricsStage(config);
    StageInputs liveInputs = new StageInputs(List.of(new StageInput(LiveMetricsStage.TRAFFIC, -1, joinOut.dir(), info, () -> joined)));
    PlanContext liveCtx = PlanContext.of("penguins", liveInputs);
    Plan<LiveMetricsStage.State> livePlan = live.prepare(live.plan(liveCtx), liveCtx);
    assertThat(livePlan.externalInputs()).extracting(i -> i.uri())
        .containsExactly(serving.resolve("penguins/1").toString(), serving.resolve("penguins/2").toString());
    StageOutput liveOut = layout.output(LiveMetricsStage.NAME);
    live.expand(p, livePlan, liveInputs, liveOut);
    // expand() only wires: nothing is written before the pipeline runs.
    assertThat(dir.resolve("runs")).doesNotExist();
    assertThat(p.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);

    // The join: every count exactly.
    JoinedTraffic t = JoinedTraffic.open(joinOut.dir());
    JoinCounts c = t.counts();
    assertThat(c.asMap()).containsExactlyEntriesOf(expectedCounts());
    assertThat(t.versions()).containsExactly(1L, 2L);
    assertThat(t.summary().get("files")).hasSize(joinPlan.externalInputs().size());
    assertThat(t.summary().get("max_delay").asText()).isEqualTo("7d");

    // Bad label rows: with their file, line and field.
    List<JsonNode> dead = new ArrayList<>();
    for (String l : t.deadLetters()) {
      dead.add(JSON.readTree(l));
    }
    dead.sort(java.util.Comparator.comparingLong(n -> n.get("line").asLong()));
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).get("file").asText()).isEqualTo(labelFile.toString());
    assertThat(dead.get(0).get("line").asLong()).isEqualTo(line("s6,gentoo,yesterday"));
    assertThat(dead.get(0).get("field").asText()).isEqualTo("labelled_at");
    assertThat(dead.get(0).get("content").asText()).isEqualTo("s6,gentoo,yesterday");
    assertThat(dead.get(1).get("line").asLong()).isEqualTo(line("c5,,2026-12-01T06:00:00Z"));
    assertThat(dead.get(1).get("field").asText()).isEqualTo("species");
    assertThat(dead.get(1).get("reason").asText()).isEqualTo("'species' is empty: a label needs its key, its value and its time");

    // Labels that joined nothing: the orphan, the late one and the superseded one, with file, line and key.
    Map<String, JsonNode> unjoined = new LinkedHashMap<>();
    for (String l : t.unjoinedLabels()) {
      JsonNode n = JSON.readTree(l);
      unjoined.put(n.get("status").asText(), n);
    }
    assertThat(unjoined).containsOnlyKeys("orphan", "late", "superseded");
    assertThat(unjoined.get("orphan").get("key").asText()).isEqualTo("ghost");
    assertThat(unjoined.get("orphan").get("line").asLong()).isEqualTo(line("ghost,adelie,2026-11-30T01:00:00Z"));
    assertThat(unjoined.get("orphan").get("file").asText()).isEqualTo(labelFile.toString());
    assertThat(unjoined.get("late").get("key").asText()).isEqualTo("s8");
    assertThat(unjoined.get("late").get("time").asText()).isEqualTo("2026-12-08T08:00:01Z");
    assertThat(unjoined.get("superseded").get("line").asLong()).isEqualTo(line("s1,gentoo,2026-11-30T02:00:00Z"));
    assertThat(unjoined.get("superseded").get("label").asText()).isEqualTo("gentoo");

    // The traffic: every kept row once, the replayed c0 once, with its label or none.
    List<GenericRecord> rows = t.readTraffic();
    Map<String, Object> labelOf = new java.util.TreeMap<>();
    for (GenericRecord r : rows) {
      Object previous = labelOf.put(r.get("request_id") + "#" + r.get("instance"), r.get("feedback_label") == null ? "-" : r.get("feedback_label").toString());
      assertThat(previous).as("%s appears once", r.get("request_id")).isNull();
    }
    assertThat(labelOf).hasSize(22).containsEntry("s1#0", "adelie").containsEntry("s8#0", "-").containsEntry("s9#0", "-")
        .containsEntry("c9#0", "-").containsEntry("c3#0", "emperor").containsEntry("c5#0", "chinstrap").containsEntry("m#0", "gentoo")
        .containsEntry("m#1", "gentoo");
    GenericRecord c0 = rows.stream().filter(r -> r.get("request_id").toString().equals("c0")).findFirst().orElseThrow();
    assertThat(c0.get("time")).isEqualTo(at(0, 0.5).toEpochMilli() * 1000);
    assertThat(c0.get("feedback_time")).isEqualTo(Instant.parse("2026-11-30T02:00:00Z").toEpochMilli() * 1000);
    assertThat(c0.get("label").toString()).isEqualTo("canary");
    assertThat(c0.get("island").toString()).isEqualTo("Biscoe");

    Published joinFacts = join.describe(joinPlan, joinOut.dir());
    assertThat(joinFacts.summary()).containsExactly(
        "23 logged rows of penguins (versions [1, 2]): 19 joined, 3 without a label (1 whose label came too late), 1 duplicate(s) left out",
        "23 label row(s): 18 joined, 1 without a request, 1 too late, 1 superseded, 2 rejected");
    assertThat(joinFacts.properties().get("traffic").get(Published.INPUT_FILES)).hasSize(joinPlan.externalInputs().size());

    // The live metrics: counts per version, label and day exactly; metrics as scikit-learn computes them on the published traffic.
    JsonNode doc = JSON.readTree(Files.readString(Path.of(liveOut.dir(), LiveMetricsDocument.FILE)));
    assertThat(doc.get("totals").get("rows").asLong()).isEqualTo(22);
    assertThat(doc.get("totals").get("labelled").asLong()).isEqualTo(19);
    assertThat(doc.get("totals").get("scored").asLong()).isEqualTo(18);
    assertThat(doc.get("totals").get("unknown_label").asLong()).isEqualTo(1);
    Map<String, JsonNode> overall = new LinkedHashMap<>();
    for (JsonNode s : doc.get("series")) {
      if (s.get("slice").asText().equals("overall")) {
        overall.put(s.get("version").asLong() + " " + s.get("server_label").asText() + " " + s.get("window_start").asText(), s);
      }
    }
    assertThat(overall).containsOnlyKeys("1 stable 2026-11-30T00:00:00Z", "1 stable 2026-12-01T00:00:00Z", "2 canary 2026-11-30T00:00:00Z",
        "2 canary 2026-12-01T00:00:00Z");
    assertCounts(overall.get("1 stable 2026-11-30T00:00:00Z"), 10, 8, 8, 0);
    assertCounts(overall.get("1 stable 2026-12-01T00:00:00Z"), 2, 2, 2, 0);
    assertCounts(overall.get("2 canary 2026-11-30T00:00:00Z"), 5, 5, 4, 1);
    assertCounts(overall.get("2 canary 2026-12-01T00:00:00Z"), 5, 4, 4, 0);
    assertThat(overall.get("2 canary 2026-11-30T00:00:00Z").get("reasons").get(0).asText())
        .isEqualTo("label 'emperor' is not a class of version 2 (classes: adelie, chinstrap, gentoo)");
    JsonNode smallSlice = null;
    for (JsonNode s : doc.get("series")) {
      if (s.get("version").asLong() == 1 && s.get("window_start").asText().startsWith("2026-12-01") && s.get("slice").asText().equals("island=Dream")) {
        smallSlice = s;
      }
    }
    assertThat(smallSlice.get("scored").asLong()).isEqualTo(1);
    assertThat(smallSlice.get("too_small").asBoolean()).isTrue();
    assertThat(smallSlice.get("metrics").isNull()).isTrue();

    Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : overall.entrySet()) {
      List<Integer> y = new ArrayList<>();
      List<double[]> prob = new ArrayList<>();
      for (GenericRecord r : rows) {
        String key = r.get("version") + " " + r.get("label") + " " + Instant.ofEpochSecond(Math.floorDiv((Long) r.get("time"), 86_400_000_000L) * 86_400);
        Object label = r.get("feedback_label");
        if (key.equals(e.getKey()) && label != null && CLASSES.contains(label.toString())) {
          y.add(CLASSES.indexOf(label.toString()));
          prob.add(JSON.readValue(r.get("output_probabilities").toString(), double[].class));
        }
      }
      assertThat(y).hasSize(e.getValue().get("scored").asInt());
      groups.put(e.getKey(), Map.of("y", y, "p", prob));
    }
    Path input = dir.resolve("groups.json");
    Files.writeString(input, JSON.writeValueAsString(groups));
    JsonNode sk = ScikitLearn.run(dir, SCRIPT, input.toString());
    for (Map.Entry<String, JsonNode> e : overall.entrySet()) {
      for (String m : List.of("accuracy", "f1_macro", "log_loss")) {
        assertThat(e.getValue().get("metrics").get(m).asDouble()).as("%s of %s", m, e.getKey())
            .isCloseTo(sk.get(e.getKey()).get(m).asDouble(), within(1e-9));
      }
    }

    String report = Files.readString(Path.of(liveOut.dir(), LiveMetricsReport.FILE));
    assertThat(report).contains("<svg", "version 2 (canary)", "accuracy per window", "label coverage");
    Published liveFacts = live.describe(livePlan, liveOut.dir());
    assertThat(liveFacts.summary().get(0)).isEqualTo("22 logged rows, 19 labelled, 18 in the metrics; 15 entries (version, label, 1d window, slice)");
    // Published with one rename each: no staging left.
    try (Stream<Path> left = Files.list(dir.resolve("runs/penguins/join_feedback"))) {
      assertThat(left.map(f -> f.getFileName().toString())).containsExactly("r1");
    }
    try (Stream<Path> left = Files.list(dir.resolve("runs/penguins/live_metrics"))) {
      assertThat(left.map(f -> f.getFileName().toString())).containsExactly("r1");
    }
  }

  private static Map<String, Long> expectedCounts() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(JoinCounts.REQUESTS, 23L);
    m.put(JoinCounts.DUPLICATE_REQUESTS, 1L);
    m.put(JoinCounts.JOINED, 19L);
    m.put(JoinCounts.WITHOUT_LABEL, 3L);
    m.put(JoinCounts.LABEL_TOO_LATE, 1L);
    m.put(JoinCounts.WITHOUT_KEY, 0L);
    m.put(JoinCounts.REJECTED_REQUESTS, 0L);
    m.put(JoinCounts.LABELS, 21L);
    m.put(JoinCounts.LABELS_JOINED, 18L);
    m.put(JoinCounts.ORPHAN_LABELS, 1L);
    m.put(JoinCounts.LATE_LABELS, 1L);
    m.put(JoinCounts.SUPERSEDED_LABELS, 1L);
    m.put(JoinCounts.REJECTED_LABELS, 2L);
    return m;
  }

  private static void assertCounts(JsonNode s, long rows, long labelled, long scored, long unknown) {
    assertThat(s.get("rows").asLong()).as("rows of %s", s).isEqualTo(rows);
    assertThat(s.get("labelled").asLong()).as("labelled of %s", s).isEqualTo(labelled);
    assertThat(s.get("scored").asLong()).as("scored of %s", s).isEqualTo(scored);
    assertThat(s.get("unknown_label").asLong()).as("unknown of %s", s).isEqualTo(unknown);
    assertThat(s.get("metrics").get("example_count").asLong()).isEqualTo(scored);
  }

  private static final String SCRIPT = String.join("\n",
      "import json, sys",
      "import numpy as np",
      "from sklearn.metrics import accuracy_score, f1_score, log_loss",
      "groups = json.load(open(sys.argv[1]))",
      "out = {}",
      "for name, g in groups.items():",
      "    y = np.array(g['y']); p = np.array(g['p'])",
      "    pred = np.argmax(p, axis=1)",
      "    out[name] = {'accuracy': accuracy_score(y, pred),",
      "                 'f1_macro': f1_score(y, pred, labels=[0, 1, 2], average='macro', zero_division=0),",
      "                 'log_loss': log_loss(y, p, labels=[0, 1, 2])}",
      "print(json.dumps(out))");

  @Test
  void tooManyBadLabelRowsFailTheJoinAndPublishOnlyTheDeadLetters() throws IOException {
    Path log = requestLog();
    labels();
    FeedbackConfig config = config(log, dir.resolve("serving"), 0.0);
    StageOutput out = RunLayout.of(dir.resolve("runs"), "penguins", "r2").output(JoinFeedbackStage.NAME);
    TestPipeline p = pipeline();
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext ctx = PlanContext.of("penguins", StageInputs.none());
    join.expand(p, join.prepare(join.plan(ctx), ctx), StageInputs.none(), out);
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .hasRootCauseInstanceOf(DataCheckException.class)
        .rootCause().hasMessageStartingWith("2 of 23 label rows (8.70%) were rejected, more than the allowed 0.00% (feedback.labels.max_rejected_fraction); all are in "
            + out.dir() + "/dead_letter");
    try (Stream<Path> published = Files.list(Path.of(out.dir()))) {
      assertThat(published.map(f -> f.getFileName().toString())).containsExactly("dead_letter");
    }
    assertThat(JoinedTraffic.lines(out.dir(), JoinedTraffic.DEAD_LETTER_DIR)).hasSize(2);
    assertThat(Path.of(out.stagingDir())).doesNotExist();
  }

  @Test
  void aKeyColumnTheLogLacksIsAConfigurationError() throws IOException {
    Path log = requestLog();
    labels();
    FeedbackConfig config = config(log, dir.resolve("serving"), 0.2);
    config = config.withLabels(config.labels().withKey("order_id"));
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext ctx = PlanContext.of("penguins", StageInputs.none());
    Plan<FeedbackInputs> plan = join.plan(ctx);
    assertThatThrownBy(() -> join.prepare(plan, ctx))
        .isInstanceOf(dev.beamline.core.ConfigException.class)
        .hasMessageStartingWith("feedback.labels.key: the request log of model 'penguins' has no column 'order_id' to join the labels by");
  }

  @Test
  void requestsAnsweredByARealServerAreJoinedByTheirRequestIds() throws Exception {
    TrainedModelFixture fixture = trained;
    Path serving = dir.resolve("serving");
    copy(modelDir, serving.resolve("penguins/1"));
    Path log = dir.resolve("request-log");
    List<double[]> answered = new ArrayList<>();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ModelServer server = ModelServer.start(ModelSource.base(serving.toString()), ServerOptions.defaults().withPorts(0, -1),
        new ServerMetrics(), ParquetRequestLog.open(RequestLogConfig.of(log)))) {
      for (int i = 0; i < 12; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.restPort() + "/v1/models/penguins:predict"))
            .header("X-Request-Id", "req-" + i)
            .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + instance(fixture.evalRows().get(i)) + "]}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Request-Id")).contains("req-" + i);
        answered.add(JSON.readValue(JSON.readTree(r.body()).at("/predictions/0/probabilities").toString(), double[].class));
      }
    }
    // Labels as JSON lines: the true species of the first ten requests, an hour later, and one for a request never made.
    Instant later = Instant.now().plus(Duration.ofHours(1));
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      lines.append("{\"request_id\": \"req-").append(i).append("\", \"species\": \"").append(fixture.evalRows().get(i).get("species"))
          .append("\", \"labelled_at\": \"").append(later).append("\"}\n");
    }
    lines.append("{\"request_id\": \"req-99\", \"species\": \"adelie\", \"labelled_at\": \"").append(later).append("\"}\n");
    Files.createDirectories(dir.resolve("labels"));
    Files.writeString(dir.resolve("labels/labels.jsonl"), lines.toString());

    IngestExamples.Config files = IngestExamples.Config.of(dir.resolve("labels/*.jsonl").toString());
    // One window of ten years (aligned to the epoch): every request of the test in it, whenever it runs.
    FeedbackConfig config = FeedbackConfig.of(log.toString(), LabelSource.of(files, "species").withTime("labelled_at"))
        .withModels(serving.toString()).withMaxDelay(Duration.ofDays(7)).withMetricsWindow(Duration.ofDays(3650));
    StageOutput joinOut = RunLayout.of(dir.resolve("runs"), "penguins", "r3").output(JoinFeedbackStage.NAME);
    StageOutput liveOut = RunLayout.of(dir.resolve("runs"), "penguins", "r3").output(LiveMetricsStage.NAME);
    TestPipeline p = pipeline();
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext ctx = PlanContext.of("penguins", StageInputs.none());
    Plan<FeedbackInputs> joinPlan = join.prepare(join.plan(ctx), ctx);
    PCollection<String> joined = join.expand(p, joinPlan, StageInputs.none(), joinOut);
    LiveMetricsStage live = new LiveMetricsStage(config);
    StageInputs liveInputs = new StageInputs(List.of(new StageInput(LiveMetricsStage.TRAFFIC, -1, joinOut.dir(),
        joinPlan.outputs().get("traffic"), () -> joined)));
    PlanContext liveCtx = PlanContext.of("penguins", liveInputs);
    Plan<LiveMetricsStage.State> livePlan = live.plan(liveCtx);
    live.expand(p, livePlan, liveInputs, liveOut);
    p.run().waitUntilFinish();

    JoinCounts c = JoinedTraffic.open(joinOut.dir()).counts();
    assertThat(c.get(JoinCounts.REQUESTS)).isEqualTo(12);
    assertThat(c.get(JoinCounts.JOINED)).isEqualTo(10);
    assertThat(c.get(JoinCounts.WITHOUT_LABEL)).isEqualTo(2);
    assertThat(c.get(JoinCounts.ORPHAN_LABELS)).isEqualTo(1);
    assertThat(c.get(JoinCounts.REJECTED_LABELS)).isZero();
    // The metrics of the served answers, computed here from what the server answered over HTTP.
    double correct = 0;
    double logLoss = 0;
    for (int i = 0; i < 10; i++) {
      double[] q = answered.get(i);
      int truth = CLASSES.indexOf(fixture.evalRows().get(i).get("species").toString());
      int best = 0;
      for (int k = 1; k < q.length; k++) {
        best = q[k] > q[best] ? k : best;
      }
      correct += best == truth ? 1 : 0;
      double sum = 0;
      for (double v : q) {
        sum += Math.min(Math.max(v, Math.ulp(1.0)), 1 - Math.ulp(1.0));
      }
      logLoss -= Math.log(Math.min(Math.max(q[truth], Math.ulp(1.0)), 1 - Math.ulp(1.0)) / sum);
    }
    JsonNode doc = JSON.readTree(Files.readString(Path.of(liveOut.dir(), LiveMetricsDocument.FILE)));
    JsonNode overall = doc.get("series").get(0);
    assertThat(overall.get("slice").asText()).isEqualTo("overall");
    assertThat(overall.get("rows").asLong()).isEqualTo(12);
    assertThat(overall.get("scored").asLong()).isEqualTo(10);
    assertThat(overall.get("server_label").isNull()).isTrue();
    assertThat(overall.get("metrics").get("accuracy").asDouble()).isCloseTo(correct / 10, within(1e-12));
    assertThat(overall.get("metrics").get("log_loss").asDouble()).isCloseTo(logLoss / 10, within(1e-9));
  }

  @Test
  void aDeclaredKeyJoinsEveryRequestThatCarriesItAndCountsThoseWithout() throws Exception {
    Path log = dir.resolve("request-log");
    Random random = new Random(5);
    try (ParquetRequestLog l = ParquetRequestLog.open(RequestLogConfig.of(log))) {
      // Version 1 takes an order id: two requests for o1 (days apart), one for o2. Version 2 takes none.
      String[][] orders = {{"a", "o1", "0"}, {"b", "o2", "1"}, {"c", "o1", "3"}};
      for (String[] o : orders) {
        LoggedRequest r = request(o[0], 1, at(Integer.parseInt(o[2]), 1), 1, null, 0, random);
        Map<String, TensorData> inputs = new LinkedHashMap<>(r.inputs());
        inputs.put("order_id", TensorData.strings(new String[] {o[1]}, 1));
        l.offer(new LoggedRequest(r.requestId(), r.time(), r.model(), r.version(), r.label(), r.method(), r.signature(), inputs, r.outputs()));
      }
      l.offer(request("d", 1, at(0, 2), 2, null, 0, random));
      l.offer(request("e", 1, at(0, 3), 2, null, 0, random));
    }
    Files.createDirectories(dir.resolve("labels"));
    Files.writeString(dir.resolve("labels/orders.csv"), "order_id,species,labelled_at\no1,gentoo,2026-12-02T00:00:00Z\no2,adelie,2026-12-09T00:00:00Z\n");
    IngestExamples.Config files = IngestExamples.Config.of(dir.resolve("labels/*.csv").toString());
    FeedbackConfig config = FeedbackConfig.of(log.toString(), LabelSource.of(files, "species").withKey("order_id").withTime("labelled_at"))
        .withModels(dir.resolve("serving").toString()).withMaxDelay(Duration.ofDays(7));
    StageOutput out = RunLayout.of(dir.resolve("runs"), "penguins", "r4").output(JoinFeedbackStage.NAME);
    TestPipeline p = pipeline();
    JoinFeedbackStage join = new JoinFeedbackStage(config);
    PlanContext ctx = PlanContext.of("penguins", StageInputs.none());
    join.expand(p, join.prepare(join.plan(ctx), ctx), StageInputs.none(), out);
    p.run().waitUntilFinish();

    JoinedTraffic t = JoinedTraffic.open(out.dir());
    JoinCounts c = t.counts();
    // a (day 0) and c (day 3) get o1's label (day 2); b (day 1) gets o2's, 8 days later: too late. d and e carry no order id.
    assertThat(c.get(JoinCounts.REQUESTS)).isEqualTo(5);
    assertThat(c.get(JoinCounts.JOINED)).isEqualTo(2);
    assertThat(c.get(JoinCounts.WITHOUT_LABEL)).isEqualTo(3);
    assertThat(c.get(JoinCounts.LABEL_TOO_LATE)).isEqualTo(1);
    assertThat(c.get(JoinCounts.WITHOUT_KEY)).isEqualTo(2);
    assertThat(c.get(JoinCounts.LABELS_JOINED)).isEqualTo(1);
    assertThat(c.get(JoinCounts.LATE_LABELS)).isEqualTo(1);
    Map<String, String> labelOf = new java.util.TreeMap<>();
    for (GenericRecord r : t.readTraffic()) {
      labelOf.put(r.get("request_id") + " " + r.get("order_id"), r.get("feedback_label") == null ? "-" : r.get("feedback_label").toString());
    }
    assertThat(labelOf).containsExactly(Map.entry("a o1", "gentoo"), Map.entry("b o2", "-"), Map.entry("c o1", "gentoo"),
        Map.entry("d null", "-"), Map.entry("e null", "-"));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t);
        }
      }
    }
  }

  /** One eval row as a REST instance: every raw column but the label, nulls as JSON null. */
  private static String instance(GenericRecord r) throws IOException {
    Map<String, Object> values = new LinkedHashMap<>();
    for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
      if (!f.name().equals("species")) {
        Object v = r.get(f.name());
        values.put(f.name(), v instanceof CharSequence cs ? cs.toString() : v);
      }
    }
    return JSON.writeValueAsString(values);
  }
}
