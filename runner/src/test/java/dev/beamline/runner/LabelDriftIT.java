package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drift answer of the seed, end to end: validation reports drift as a warning
 * ({@code drift_severity: warning}), so the run goes on, and the train stage, told
 * {@code on_label_drift: reweight}, trains the new data's model with balanced class weights when the
 * label has drifted, and says so.
 */
class LabelDriftIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path tmp;

  @Test
  void labelDriftReweightsTheClassesOfTheNextModel() throws Exception {
    Path csv = tmp.resolve("penguins.csv");
    Files.copy(EXAMPLE.resolve("data/penguins.csv"), csv);
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml")).replace("input: data/penguins.csv", "input: " + csv)
        .replace("  drift: true ", "  drift_severity: warning\n  drift: true ")
        .replace("  seed: 42\n", "  seed: 42\n  epochs: 5\n  on_label_drift: reweight\n")
        .replace("  epochs: 60\n", "");
    yaml = yaml.substring(0, yaml.indexOf("\ntune:")) + "\n";
    assertThat(yaml).contains("drift_severity: warning").contains("on_label_drift: reweight");
    Path pipeline = tmp.resolve("pipeline.yaml");
    Files.writeString(pipeline, yaml);
    Path root = tmp.resolve("runs");
    BeamlineCliIT.Result first = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    assertThat(first.out()).doesNotContain("label drift");

    // New data: nine Adelie penguins in ten dropped (the one with missing values kept, as the schema expects some), so the label's distribution moves.
    List<String> lines = Files.readAllLines(csv);
    List<String> kept = new ArrayList<>(List.of(lines.get(0)));
    int adelie = 0;
    for (String l : lines.subList(1, lines.size())) {
      if (!l.startsWith("Adelie,") || l.contains(",,") || adelie++ % 10 == 0) {
        kept.add(l);
      }
    }
    Files.write(csv, kept);
    BeamlineCliIT.Result second = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(second.code()).as(second.out() + second.err()).isZero();
    assertThat(second.out()).contains("anomalies (0 errors), drift against").contains("class weights (balanced for label drift): ");
    Path validate = Files.list(root.resolve("penguins/validate")).filter(p -> !p.getFileName().toString().equals("4")).findFirst().orElseThrow();
    assertThat(Files.readString(validate.resolve("anomalies.json"))).containsPattern("\"type\" : \"DRIFT\",\\s*\"severity\" : \"WARNING\",\\s*\"feature\" : \"species\"");
    Path model = Files.list(root.resolve("penguins/train")).filter(p -> !p.getFileName().toString().equals("6")).findFirst().orElseThrow();
    JsonNode balance = JSON.readTree(Files.readString(model.resolve("class_balance.json")));
    assertThat(balance.toString()).contains("reweighted_for_label_drift");
    // Adelie is now the rare class: its weight is the largest.
    JsonNode weights = balance.get("class_weights");
    assertThat(weights.get("Adelie").asDouble()).isGreaterThan(weights.get("Gentoo").asDouble()).isGreaterThan(1.0);
  }
}
