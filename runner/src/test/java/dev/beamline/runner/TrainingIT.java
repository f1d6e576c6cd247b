package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.transform.TransformOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TString;

/**
 * The penguins example end to end: ingest, validate, transform, train a DNN, export; the SavedModel
 * answers raw eval rows with the classes the labels name, as accurately as the trainer reported.
 */
class TrainingIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins/pipeline.yaml").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void penguinsTrainToAtLeast95PercentAndTheSavedModelTakesRawFeatures() throws Exception {
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", EXAMPLE.toString(), "--pipeline-root", tmp.resolve("runs").toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Path runs = tmp.resolve("runs/penguins");
    Path model = runs.resolve("train/6");
    assertThat(model.resolve("saved_model.pb")).exists();
    JsonNode history = JSON.readTree(Files.readString(model.resolve("training_history.json")));
    int best = history.get("best_epoch").asInt();
    double accuracy = history.get("epochs").get(best - 1).get("eval_accuracy").asDouble();
    assertThat(accuracy).isGreaterThanOrEqualTo(0.95);

    try (MetadataStore store = MetadataStore.open(PipelineSpec.defaultMetadataUrl(tmp.resolve("runs")))) {
      List<String> types = store.artifacts(null, 1000).stream().map(Artifact::type).toList();
      assertThat(types).contains("TRANSFORM_GRAPH", "MODEL");
      assertThat(types.stream().filter(t -> t.equals("EXAMPLES")).count()).isEqualTo(2);
      Artifact m = store.artifacts("MODEL", 10).get(0);
      assertThat(m.properties().get("eval_accuracy").asDouble()).isEqualTo(accuracy);
    }

    // Raw eval rows, as the ingest stage wrote them, into the exported model: no Java preprocessing.
    TransformOutput transform = TransformOutput.open(runs.resolve("transform/5"));
    List<GenericRecord> raw = dev.beamline.ingest.IngestOutput.open(runs.resolve("ingest/1")).readSplit("eval");
    String[] numeric = {"culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"};
    String[] strings = {"island", "sex"};
    int n = raw.size();
    Map<String, Tensor> inputs = new HashMap<>();
    for (String f : numeric) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        Object o = raw.get(i).get(f);
        v[i] = o == null ? Double.NaN : ((Number) o).doubleValue();
      }
      inputs.put(f, TFloat64.vectorOf(v));
    }
    for (String f : strings) {
      String[] v = new String[n];
      for (int i = 0; i < n; i++) {
        Object o = raw.get(i).get(f);
        v[i] = o == null ? "" : o.toString();
      }
      inputs.put(f, TString.vectorOf(v));
    }
    List<String> vocabulary = transform.transform().feature("species").vocabulary();
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        Result out = bundle.function("serving_default").call(inputs)) {
      TString classes = (TString) out.get("classes").orElseThrow();
      TFloat32 probabilities = (TFloat32) out.get("probabilities").orElseThrow();
      int correct = 0;
      for (int i = 0; i < n; i++) {
        if (classes.getObject(i).equals(raw.get(i).get("species").toString())) {
          correct++;
        }
        float sum = 0;
        for (int k = 0; k < vocabulary.size(); k++) {
          sum += probabilities.getFloat(i, k);
        }
        assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
      }
      assertThat((double) correct / n).isEqualTo(accuracy);
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }
}
