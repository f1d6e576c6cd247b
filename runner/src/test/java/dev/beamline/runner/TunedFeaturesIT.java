package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A search over transform choices on the Seattle weather example: the transform computes the month
 * three ways in its one pass (an id, a point on a circle, twelve one-hot columns) and the tuner chooses
 * one of them, or none, as {@code features.month}. Each trial trains on the day's weather features and
 * the chosen month; the chosen value is recorded with the trials, in hyperparameters.json, in the
 * report and in the model's hyperparameters, and the final model reads exactly that variant.
 */
class TunedFeaturesIT {
  private static final Path EXAMPLE = Paths.get("../examples/seattle-weather").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The transformed features but the label and the month's variants, in the transform section's order. */
  private static final List<String> WEATHER = List.of("precipitation", "temp_max", "temp_min", "wind");
  private static final Map<String, List<String>> FEATURES_OF = Map.of(
      "month_id", List.of("precipitation", "temp_max", "temp_min", "wind", "month_id"),
      "month_cyc", List.of("precipitation", "temp_max", "temp_min", "wind", "month_cyc"),
      "month_onehot", List.of("precipitation", "temp_max", "temp_min", "wind", "month_onehot"),
      "none", WEATHER);

  @TempDir Path tmp;

  @Test
  void eachTrialTrainsOnTheMonthItChose() throws Exception {
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml"))
        .replace("input: data/seattle-weather.csv", "input: " + EXAMPLE.resolve("data/seattle-weather.csv"))
        .replace("    month: {input: date, time_part: month, encode: one_hot}   # 12 columns, January first\n", """
                month_id: {input: date, time_part: month}
                month_cyc: {input: date, time_part: month, encode: cyclical}
                month_onehot: {input: date, time_part: month, encode: one_hot}
            """)
        .replace("  epochs: 200\n", "  epochs: 3\n");
    yaml = yaml.substring(0, yaml.indexOf("\nevaluate:")) + """

        tune:
          algorithm: random
          max_trials: 6
          max_parallel_trials: 2
          seed: 5
          search_space:
            features.month: {choice: [month_id, month_cyc, month_onehot, none]}
            learning_rate: {float: [0.001, 0.03], log: true}
        """;
    assertThat(yaml).contains("month_cyc: {input: date").contains("epochs: 3\n");
    Path pipeline = tmp.resolve("pipeline.yaml");
    Files.writeString(pipeline, yaml);
    Path root = tmp.resolve("runs");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString(), "--run-id", "tuned");
    assertThat(r.code()).as(r.out() + r.err()).isZero();

    try (MetadataStore s = TunedPenguins.store(root)) {
      Execution tune = TunedPenguins.execution(s, "seattle-weather", "tuned", "tune");
      Execution train = TunedPenguins.execution(s, "seattle-weather", "tuned", "train");
      Path tuneDir = root.resolve("seattle-weather/tune/" + tune.id());
      JsonNode trials = JSON.readTree(Files.readString(tuneDir.resolve("trials.json")));
      assertThat(trials).hasSize(6);
      List<String> chosen = new ArrayList<>();
      for (JsonNode t : trials) {
        assertThat(t.get("state").asText()).isEqualTo("COMPLETE");
        String month = t.get("values").get("features.month").asText();
        chosen.add(month);
        // The trial's step records the features it trained on: the weather and its month.
        Execution step = s.steps(tune.id()).stream().filter(e -> e.stage().equals("tune/trial-" + t.get("id").asInt())).findFirst().orElseThrow();
        assertThat(step.parameters().get("features.month").asText()).isEqualTo(month);
        assertThat(strings(step.parameters().get("features"))).as("trial %s", t.get("id")).isEqualTo(FEATURES_OF.get(month));
      }
      assertThat(new java.util.HashSet<>(chosen)).as("the months the trials chose").hasSizeGreaterThan(1);

      // The best trial's choice, and the features list it makes, in hyperparameters.json ...
      JsonNode h = JSON.readTree(Files.readString(tuneDir.resolve("hyperparameters.json")));
      String best = h.get("values").get("features.month").asText();
      assertThat(best).isEqualTo(trials.get(h.get("trial").asInt()).get("values").get("features.month").asText());
      assertThat(strings(h.get("values").get("features"))).isEqualTo(FEATURES_OF.get(best));
      // ... in the report's table (one column per parameter) ...
      assertThat(Files.readString(tuneDir.resolve("report.html"))).contains("<th>features.month</th>").contains("<td>" + best + "</td>");
      // ... and in the model's hyperparameters; the model reads exactly the chosen variant.
      Artifact model = s.eventsOfExecution(train.id()).stream().filter(e -> e.type() == Event.Type.OUTPUT && e.role().equals("model"))
          .map(e -> s.artifact(e.artifactId()).orElseThrow()).findFirst().orElseThrow();
      assertThat(model.properties().get("hyperparameters").get("features.month").asText()).isEqualTo(best);
      JsonNode provenance = JSON.readTree(Files.readString(root.resolve("seattle-weather/train/" + train.id()).resolve("assets.extra/provenance.json")));
      assertThat(strings(provenance.get("training").get("features"))).isEqualTo(FEATURES_OF.get(best));
      assertThat(provenance.get("training").get("config").get("features")).isEqualTo(h.get("values").get("features"));
    }
    BeamlineCliIT.Result report = BeamlineCliIT.cli("tune-report", "--pipeline-root", root.toString());
    assertThat(report.code()).as(report.out() + report.err()).isZero();
    assertThat(report.out().lines().toList().get(2).split(" {2,}")).containsExactly(
        "TRIAL", "STATE", "eval_loss", "features.month", "learning_rate", "EPOCHS", "SECONDS", "ERROR");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
