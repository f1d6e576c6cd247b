package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.core.testing.ScikitLearn;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.training.TrainedModelFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollectionView;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link Evaluate} and {@link WriteEvaluation} on a real SavedModel ({@link TrainedModelFixture}) in a
 * TestPipeline with the DirectRunner's immutability and encodability checks on: the metrics equal
 * scikit-learn's on the predictions file the stage writes.
 */
public class EvaluateTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  /** accuracy, macro F1, one-vs-rest macro ROC AUC, log loss and per-island accuracy, by scikit-learn 1.2. */
  private static final String SCRIPT = String.join("\n",
      "import sys, json, numpy as np",
      "from sklearn import metrics",
      "rows = [l.split(',') for l in open(sys.argv[1]).read().strip().split('\\n')]",
      "y = np.array([int(r[0]) for r in rows]); isl = [r[1] for r in rows]",
      "p = np.array([[float(x) for x in r[2:]] for r in rows])",
      "pred = p.argmax(axis=1)",
      "out = {'accuracy': metrics.accuracy_score(y, pred), 'f1_macro': metrics.f1_score(y, pred, average='macro', labels=[0,1,2], zero_division=0),",
      "       'roc_auc': metrics.roc_auc_score(y, p, multi_class='ovr', average='macro', labels=[0,1,2]),",
      "       'log_loss': metrics.log_loss(y, p, labels=[0,1,2])}",
      "for s in sorted(set(isl)):",
      "  m = np.array([i == s for i in isl])",
      "  out['accuracy/' + s] = metrics.accuracy_score(y[m], pred[m])",
      "print(json.dumps(out))");

  @Test
  public void evaluatesEverySliceAndTheMetricsEqualScikitLearnsOnThePredictionsItWrites() throws Exception {
    Path tmp = folder.getRoot().toPath();
    TrainedModelFixture f = TrainedModelFixture.train(tmp.resolve("fixture"));
    EvaluateConfig config = EvaluateConfig.defaults()
        .withSlices(List.of(SliceSpec.of(SliceSpec.Feature.values("island"))))
        .withMinSliceSize(5)
        .withBootstrap(20, 7)
        .withSensitive(List.of("sex"))
        .withBlessing(BlessingCriteria.of(List.of(MetricThreshold.of("accuracy").withLowerBound(0.99)), List.of()));
    Schema predictionSchema = PredictionColumns.schema(f.rawSchema(), true, config.allSlices());
    PCollectionView<String> model = p.apply("ModelDir", Create.of(f.modelDir().toString()).withCoder(StringUtf8Coder.of()))
        .apply("ModelView", View.asSingleton());
    List<GenericRecord> rows = f.evalRows();
    EvaluationResult result = p
        .apply("Rows", Create.of(ExampleBatch.of(rows.subList(0, 40)), ExampleBatch.of(rows.subList(40, 100)))
            .withCoder(ExampleBatch.coder(f.rawSchema())))
        .apply(Evaluate.of(config, true, "species", predictionSchema).withModel(model));
    String out = tmp.resolve("evaluation").toString();
    EvaluationDocument.Header header = new EvaluationDocument.Header(null, null, null, null, "classification", "species",
        "rows", "eval", 0, 0, 0);
    WriteEvaluation.to(new StageOutput(out, "run-1", "{\"run\": \"run-1\"}"), config, header).apply(result, model);
    p.run().waitUntilFinish();

    // The published folder, and nothing left staged.
    assertThat(Files.exists(tmp.resolve(".staging-evaluation"))).isFalse();
    assertThat(Storage.exists(Storage.resolve(out, "report.html"))).isTrue();
    assertThat(Storage.exists(Storage.resolve(out, "provenance.json"))).isTrue();

    // The predictions: one row per eval row, the input's columns and the model's answer.
    List<GenericRecord> predictions = new ArrayList<>();
    for (String file : Storage.list(Storage.resolve(out, WriteEvaluation.PREDICTIONS_DIR))) {
      try (ExampleRecordReader r = ExampleRecordReader.open(file)) {
        for (GenericRecord g = r.read(); g != null; g = r.read()) {
          predictions.add(g);
        }
      }
    }
    assertThat(predictions).hasSize(100);
    StringBuilder csv = new StringBuilder();
    for (GenericRecord g : predictions) {
      int label = TrainedModelFixture.CLASSES.indexOf(g.get("species").toString());
      assertThat(((Number) g.get(PredictionColumns.LABEL_ID)).intValue()).isEqualTo(label);
      @SuppressWarnings("unchecked")
      List<Double> probs = (List<Double>) g.get(PredictionColumns.PROBABILITIES);
      assertThat(probs).hasSize(3);
      csv.append(label).append(',').append(g.get("slice_island").toString().replace(',', ';'));
      probs.forEach(x -> csv.append(',').append(String.format(Locale.ROOT, "%.17g", x)));
      csv.append('\n');
    }
    Path csvFile = tmp.resolve("predictions.csv");
    Files.writeString(csvFile, csv);
    JsonNode sk = ScikitLearn.run(tmp, SCRIPT, csvFile.toString());

    JsonNode metrics = JSON.readTree(Storage.readString(Storage.resolve(out, WriteEvaluation.METRICS_FILE)));
    assertThat(metrics.path("classes").toString()).isEqualTo("[\"adelie\",\"chinstrap\",\"gentoo\"]");
    assertThat(metrics.path("data").path("scored").asLong()).isEqualTo(100);
    assertThat(metrics.path("data").path("unscored").asLong()).isZero();
    JsonNode overall = EvaluateStage.overall(metrics);
    for (String m : List.of("accuracy", "f1_macro", "roc_auc", "log_loss")) {
      assertThat(overall.path(m).asDouble()).as(m).isCloseTo(sk.path(m).asDouble(), within(1e-9));
    }
    assertThat(overall.path("example_count").asLong()).isEqualTo(100);
    // Every island value is a slice; those under 5 examples are reported as too small, without metrics.
    int sliced = 0;
    for (JsonNode s : metrics.path("slices")) {
      String name = s.path("slice").asText();
      if (!name.startsWith("island=")) {
        continue;
      }
      sliced += s.path("example_count").asInt();
      if (s.path("example_count").asInt() < 5) {
        assertThat(s.path("too_small").asBoolean()).as(name).isTrue();
        assertThat(s.path("metrics").isNull()).isTrue();
      } else {
        assertThat(s.path("metrics").path("accuracy").asDouble()).as(name)
            .isCloseTo(sk.path("accuracy/" + name.replace(',', ';')).asDouble(), within(1e-12));
        JsonNode ci = s.path("intervals").path("accuracy");
        assertThat(ci.size()).as(name).isEqualTo(2);
        assertThat(ci.get(0).asDouble()).isLessThanOrEqualTo(ci.get(1).asDouble());
      }
    }
    assertThat(sliced).isEqualTo(100);
    // The sensitive feature got its own slices and its gaps.
    assertThat(metrics.path("bias").size()).isEqualTo(1);
    assertThat(metrics.path("bias").get(0).path("feature").asText()).isEqualTo("sex");

    // A two-epoch model is far from 0.99 accuracy: not blessed, and the check says why.
    JsonNode blessing = JSON.readTree(Storage.readString(Storage.resolve(out, WriteEvaluation.BLESSING_FILE)));
    assertThat(blessing.path("blessed").asBoolean()).isFalse();
    assertThat(blessing.path("checks").get(0).path("status").asText()).isEqualTo("failed");
    assertThat(blessing.path("checks").get(0).path("message").asText()).startsWith("accuracy on slice overall: ");
  }
}
