package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.feedback.ServedModel;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.log.LoggedRequest;
import dev.beamline.serving.log.ParquetRequestLog;
import dev.beamline.serving.log.RequestLogConfig;
import dev.beamline.serving.server.ModelConfigFile;
import dev.beamline.serving.server.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canary stage end to end, through {@code beamline run}: the penguins model pushed as versions 1
 * (stable) and 2 (canary), a request log in which the canary answers every labelled request right and
 * the stable version every other one, a pipeline of only {@code feedback:} with {@code canary:
 * {auto_promote: true}}: the run publishes the verdict {@code promote}, moves {@code stable} to version 2
 * in the server's model config file, records the move in the canary execution's facts; the same run
 * again comes from the cache and moves nothing.
 */
class CanaryIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

  @TempDir Path dir;

  private static LoggedRequest request(String id, Instant time, long version, String label, int predicted, int classes) {
    float[] p = new float[classes];
    p[predicted] = 1f;
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("island", TensorData.strings(new String[] {"Biscoe"}, 1));
    Map<String, TensorData> outputs = new LinkedHashMap<>();
    outputs.put("class_ids", TensorData.longs(new long[] {predicted}, 1));
    outputs.put("probabilities", TensorData.floats(p, 1, classes));
    return new LoggedRequest(id, time, "penguins", version, label, "predict", "serving_default", inputs, outputs);
  }

  @Test
  void aBetterCanaryIsPromotedInTheServersConfigOnce() throws Exception {
    TrainedPenguins trained = TrainedPenguins.train(dir);
    Path serving = dir.resolve("serving/penguins");
    copy(trained.modelDir(), serving.resolve("1"));
    copy(trained.modelDir(), serving.resolve("2"));
    List<String> classes = ServedModel.read(serving.resolve("1").toString(), 1).classes();
    int k = classes.size();

    List<String> labels = new ArrayList<>(List.of("request_id,species,labelled_at"));
    try (ParquetRequestLog log = ParquetRequestLog.open(RequestLogConfig.of(dir.resolve("request-log")))) {
      for (int i = 0; i < 100; i++) {
        int truth = i % k;
        Instant t = T0.plusSeconds(60L * i);
        log.offer(request("s" + i, t, 1, "stable", i % 2 == 0 ? truth : (truth + 1) % k, k));
        log.offer(request("c" + i, t, 2, "canary", truth, k));
        labels.add("s" + i + "," + classes.get(truth) + "," + t.plusSeconds(3600));
        labels.add("c" + i + "," + classes.get(truth) + "," + t.plusSeconds(3600));
      }
    }
    Files.createDirectories(dir.resolve("labels"));
    Files.write(dir.resolve("labels/labels.csv"), labels);
    Path config = dir.resolve("models.yaml");
    Files.writeString(config, "models:\n  - name: penguins   # the classifier\n    base_path: serving/penguins\n    labels: {stable: 1, canary: 2}\n");
    Path pipeline = dir.resolve("feedback.yaml");
    Files.writeString(pipeline, String.join("\n",
        "pipeline:",
        "  name: penguins-feedback",
        "feedback:",
        "  request_log: request-log",
        "  model: penguins",
        "  models: serving",
        "  labels: {input: labels/*.csv, label: species, time: labelled_at}",
        "  canary: {min_examples: 50, auto_promote: true, model_config: models.yaml}",
        ""));

    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", dir.resolve("runs").toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("canary: promote, 95% interval of the accuracy difference")
        .contains("(stable 50/100 right (0.5000), canary 100/100 right (1.0000))")
        .contains("auto_promote: label 'stable' moved to version 2 (was 1) in " + config);
    assertThat(Files.readString(config)).isEqualTo(
        "models:\n  - name: penguins   # the classifier\n    base_path: serving/penguins\n    labels: {stable: 2, canary: 2}\n");
    assertThat(ModelConfigFile.read(config).get(0).labels()).isEqualTo(Map.of("stable", 2L, "canary", 2L));

    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(dir.resolve("runs/metadata.sqlite")))) {
      Artifact comparison = s.artifacts("CANARY_COMPARISON", 1).get(0);
      JsonNode canaryJson = JSON.readTree(Files.readString(Path.of(comparison.uri(), "canary.json")));
      assertThat(canaryJson.get("verdict").asText()).isEqualTo("promote");
      assertThat(canaryJson.get("stable").get("examples").asLong()).isEqualTo(100);
      assertThat(comparison.properties().toString()).contains("\"moved\":\"stable\",\"to_version\":2,\"previous_version\":1");
    }

    // The same run again: every stage from the cache, nothing moves (the file is as the first run left it).
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels: {stable: 1, canary: 2}\n");
    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", dir.resolve("runs").toString());
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(ModelConfigFile.read(config).get(0).labels()).isEqualTo(Map.of("stable", 1L, "canary", 2L));
  }

  private static void copy(Path from, Path to) throws java.io.IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
