package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.evaluation.EvaluateStage;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins example through evaluate and push: the first run's model is evaluated, blessed,
 * infra-validated and pushed as version 1; a second run with a deliberately worse model (one epoch at
 * learning rate 1e-5) is evaluated against it, not blessed, not pushed, and the run fails with exit
 * code 1 naming the failed checks while version 1 stays served.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EvaluationIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static Path example;
  private static Path root;

  /** The example folder copied (the worse pipeline file sits beside it and reads the same data), and run. */
  @BeforeAll
  static void runTheExample() throws IOException {
    TrainedPenguins trained = TrainedPenguins.train(tmp);
    example = trained.example();
    root = trained.root();
  }

  private static MetadataStore store() {
    return MetadataStore.open(PipelineSpec.defaultMetadataUrl(root));
  }

  private static List<GenericRecord> predictions(Path evaluation) throws IOException {
    List<GenericRecord> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(evaluation.resolve("predictions"))) {
      for (Path f : files.sorted().toList()) {
        try (ExampleRecordReader r = ExampleRecordReader.open(f.toString())) {
          for (GenericRecord g = r.read(); g != null; g = r.read()) {
            rows.add(g);
          }
        }
      }
    }
    return rows;
  }

  @Test
  @Order(1)
  void theFirstModelIsEvaluatedBlessedAndPushedAsVersionOne() throws IOException {
    Path evaluation = root.resolve("penguins/evaluate/8");
    JsonNode metrics = JSON.readTree(evaluation.resolve("metrics.json").toFile());
    JsonNode overall = EvaluateStage.overall(metrics);
    // The README's headline: the tuned model gets all 124 eval rows right, as the trainer reported.
    assertThat(overall.path("example_count").asLong()).isEqualTo(124);
    assertThat(overall.path("accuracy").asDouble()).isEqualTo(1.0);
    assertThat(metrics.path("data").path("unscored").asLong()).isZero();
    assertThat(metrics.path("baseline").isNull()).isTrue();

    // The predictions file holds what the metrics are computed from.
    List<GenericRecord> rows = predictions(evaluation);
    assertThat(rows).hasSize(124);
    long right = rows.stream().filter(r -> r.get("label_id").equals(r.get("predicted_id"))).count();
    assertThat(right).isEqualTo(124);
    assertThat(rows.get(0).getSchema().getField("slice_island")).isNotNull();
    assertThat(rows.get(0).getSchema().getField("culmen_length_mm")).isNotNull();

    // Slices by island and by sex; the one with too few examples is reported as such.
    List<String> small = new ArrayList<>();
    metrics.path("slices").forEach(s -> {
      if (s.path("too_small").asBoolean()) {
        small.add(s.path("slice").asText() + " " + s.path("example_count").asInt());
      }
    });
    assertThat(small).containsExactly("sex=(missing) 5");
    JsonNode blessing = JSON.readTree(evaluation.resolve("blessing.json").toFile());
    assertThat(blessing.path("blessed").asBoolean()).isTrue();
    assertThat(blessing.path("note").asText()).isEqualTo("no blessed baseline: 1 change threshold(s) skipped");
    assertThat(Files.readString(evaluation.resolve("report.html"))).contains("BLESSED").doesNotContain("NOT BLESSED");

    // Pushed in TensorFlow Serving's layout, under the pipeline root.
    Path served = root.resolve("serving/penguins");
    try (Stream<Path> versions = Files.list(served)) {
      assertThat(versions.map(p -> p.getFileName().toString()).toList()).containsExactly("1");
    }
    assertThat(served.resolve("1/saved_model.pb")).exists();
    assertThat(served.resolve("1/variables")).isDirectory();
    try (MetadataStore s = store()) {
      Artifact pushed = s.artifacts("PUSHED_MODEL", 10).get(0);
      assertThat(pushed.properties().path("version").asLong()).isEqualTo(1);
      assertThat(pushed.properties().path("serving_path").asText()).isEqualTo(served.resolve("1").toString());
      Artifact blessed = s.artifacts("BLESSING", 10).get(0);
      assertThat(blessed.properties().path("blessed").asBoolean()).isTrue();
    }
    BeamlineCliIT.Result lineage = BeamlineCliIT.cli("lineage", "penguins:1", "--pipeline-root", root.toString(), "--json");
    assertThat(lineage.code()).as(lineage.err()).isZero();
    assertThat(lineage.out()).contains("\"BLESSING\"", "\"MODEL\"", "\"TRANSFORM_GRAPH\"", "\"EXAMPLES\"");
  }

  /** scikit-learn 1.2 on the predictions file: accuracy, macro F1, one-vs-rest ROC AUC, log loss, Brier-like sum. */
  private static final String SKLEARN = String.join("\n",
      "import sys, json, numpy as np",
      "from sklearn import metrics",
      "rows = [l.split(',') for l in open(sys.argv[1]).read().strip().split('\\n')]",
      "y = np.array([int(r[0]) for r in rows]); p = np.array([[float(x) for x in r[1:]] for r in rows])",
      "pred = p.argmax(axis=1); k = list(range(p.shape[1]))",
      "print(json.dumps({'accuracy': metrics.accuracy_score(y, pred),",
      "  'f1_macro': metrics.f1_score(y, pred, average='macro', labels=k, zero_division=0),",
      "  'precision_weighted': metrics.precision_score(y, pred, average='weighted', labels=k, zero_division=0),",
      "  'roc_auc': metrics.roc_auc_score(y, p, multi_class='ovr', average='macro', labels=k),",
      "  'log_loss': metrics.log_loss(y, p, labels=k)}))");

  @Test
  @Order(2)
  void theReportedMetricsEqualScikitLearnsOnThePredictionsFile() throws Exception {
    Path evaluation = root.resolve("penguins/evaluate/8");
    StringBuilder csv = new StringBuilder();
    for (GenericRecord r : predictions(evaluation)) {
      csv.append(r.get("label_id"));
      @SuppressWarnings("unchecked")
      List<Double> p = (List<Double>) r.get("probabilities");
      p.forEach(x -> csv.append(',').append(String.format(java.util.Locale.ROOT, "%.17g", x)));
      csv.append('\n');
    }
    Path file = Files.writeString(tmp.resolve("penguins-predictions.csv"), csv);
    JsonNode sk = dev.beamline.core.testing.ScikitLearn.run(tmp, SKLEARN, file.toString());
    JsonNode overall = EvaluateStage.overall(JSON.readTree(evaluation.resolve("metrics.json").toFile()));
    for (String m : List.of("accuracy", "f1_macro", "precision_weighted", "roc_auc", "log_loss")) {
      assertThat(overall.path(m).asDouble()).as(m).isCloseTo(sk.path(m).asDouble(), org.assertj.core.api.Assertions.within(1e-9));
    }
  }

  @Test
  @Order(3)
  void beamlineEvaluateGivesTheSameMetricsOnEmbeddedFlinkAsOnTheDirectRunner() throws IOException {
    String model = root.resolve("penguins/train/7").toString();
    String data = example.resolve("data/penguins.csv").toString();
    List<JsonNode> overall = new ArrayList<>();
    for (String runner : List.of("direct", "flink")) {
      Path out = tmp.resolve("evaluate-" + runner);
      BeamlineCliIT.Result r = BeamlineCliIT.cli("evaluate", "--model", model, "--data", data, "--out", out.toString(),
          "--slices", "island", "--runner", runner);
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      overall.add(EvaluateStage.overall(JSON.readTree(out.resolve("metrics.json").toFile())));
    }
    assertThat(overall.get(1)).isEqualTo(overall.get(0));
    assertThat(overall.get(0).path("example_count").asLong()).isEqualTo(344);
  }

  @Test
  @Order(4)
  void aWorseModelIsNotBlessedNotPushedAndTheRunFailsNamingTheChecks() throws IOException {
    String yaml = Files.readString(example.resolve("pipeline.yaml"));
    // Without the tune section, which would find a good learning rate again.
    String pipeline = (yaml.substring(0, yaml.indexOf("\ntune:")) + yaml.substring(yaml.indexOf("\nevaluate:")))
        .replace("  epochs: 60\n", "  epochs: 1\n")
        .replace("  learning_rate: 0.01\n", "  learning_rate: 0.00001\n");
    Path worse = Files.writeString(example.resolve("worse.yaml"), pipeline);
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", worse.toString(), "--pipeline-root", root.toString());

    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("model not blessed, nothing pushed: accuracy on slice overall: ")
        .contains("is below the lower bound 0.9")
        .contains("log_loss on slice overall: ");
    try (Stream<Path> versions = Files.list(root.resolve("serving/penguins"))) {
      assertThat(versions.map(p -> p.getFileName().toString()).toList()).containsExactly("1");
    }
    try (MetadataStore s = store()) {
      RunSummary run = s.runs("penguins", 1).get(0);
      assertThat(run.state()).isEqualTo("FAILED");
      Execution evaluate = run.executions().stream().filter(e -> e.stage().equals("evaluate")).findFirst().orElseThrow();
      Execution push = run.executions().stream().filter(e -> e.stage().equals("push")).findFirst().orElseThrow();
      assertThat(evaluate.state()).isEqualTo(ExecutionState.COMPLETE);
      assertThat(push.state()).isEqualTo(ExecutionState.FAILED);
      // The blessing is linked to both models: the candidate and the blessed baseline it was compared with.
      List<String> inputs = s.eventsOfExecution(evaluate.id()).stream().filter(e -> e.type() == Event.Type.INPUT)
          .map(e -> e.role() + " " + s.artifact(e.artifactId()).orElseThrow().uri()).toList();
      long candidate = run.executions().stream().filter(e -> e.stage().equals("train")).findFirst().orElseThrow().id();
      assertThat(inputs).contains("baseline_model " + root.resolve("penguins/train/7"), "model " + root.resolve("penguins/train/" + candidate));
      Path evaluated = root.resolve("penguins/evaluate/" + evaluate.id());
      JsonNode blessing = JSON.readTree(evaluated.resolve("blessing.json").toFile());
      assertThat(blessing.path("blessed").asBoolean()).isFalse();
      JsonNode metrics = JSON.readTree(evaluated.resolve("metrics.json").toFile());
      assertThat(metrics.path("baseline").path("uri").asText()).isEqualTo(root.resolve("penguins/train/7").toString());
      assertThat(EvaluateStageView.slice(metrics, "overall").path("baseline_metrics").path("accuracy").asDouble()).isEqualTo(1.0);
    }
    BeamlineCliIT.Result models = BeamlineCliIT.cli("models", "--pipeline-root", root.toString(), "--json");
    assertThat(models.code()).as(models.err()).isZero();
    JsonNode listed = JSON.readTree(models.out());
    assertThat(listed.size()).isEqualTo(1);
  }

  /** Reads slices of a {@code metrics.json}. */
  private static final class EvaluateStageView {
    static JsonNode slice(JsonNode metrics, String name) {
      for (JsonNode s : metrics.path("slices")) {
        if (s.path("slice").asText().equals(name)) {
          return s;
        }
      }
      throw new AssertionError("no slice " + name);
    }
  }
}
