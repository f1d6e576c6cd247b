package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.evaluation.EvaluateStage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline evaluate} through the real command line, on the model of one run of the penguins
 * example and the whole dataset: the evaluate stage's folder, whose metrics are those of the
 * predictions file it wrote, and rows the reader rejects counted and written, not dropped.
 */
class EvaluateCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static TrainedPenguins penguins;

  @BeforeAll
  static void trainThePenguinsExample() throws IOException {
    penguins = TrainedPenguins.train(tmp);
  }

  @Test
  void evaluatesTheWholeDatasetBySliceAndTheMetricsAreThoseOfThePredictionsItWrote() throws IOException {
    Path out = tmp.resolve("evaluation");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("evaluate", "--model", penguins.modelDir().toString(), "--data", penguins.csv().toString(),
        "--out", out.toString(), "--slices", "island", "--bootstrap", "20");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("evaluating " + penguins.modelDir() + " (classification, label species) on " + penguins.csv())
        .contains("344 rows: 344 scored (0 without a known label, left out of the metrics), 0 unscored by the model, 0 rejected by the reader")
        .contains("slices: 3 besides overall (0 too small for metrics)")
        .contains("report: " + out.resolve("report.html"));
    // What the evaluate stage writes.
    assertThat(TrainedPenguins.entries(out)).containsExactly("blessing.json", "metrics.json", "predictions", "provenance.json",
        "report.html", "unscored");

    List<GenericRecord> rows = TrainedPenguins.parquetRows(out.resolve("predictions"));
    assertThat(rows).hasSize(344);
    long right = 0;
    Map<String, long[]> byIsland = new HashMap<>(); // island -> {right, all}
    for (GenericRecord g : rows) {
      assertThat(g.get("label_id")).as("every penguin's species is a class of the model").isNotNull();
      boolean hit = g.get("label_id").equals(g.get("predicted_id"));
      right += hit ? 1 : 0;
      long[] n = byIsland.computeIfAbsent(g.get("slice_island").toString(), k -> new long[2]);
      n[0] += hit ? 1 : 0;
      n[1]++;
    }
    JsonNode metrics = JSON.readTree(out.resolve("metrics.json").toFile());
    JsonNode overall = EvaluateStage.overall(metrics);
    assertThat(overall.path("example_count").asLong()).isEqualTo(344);
    assertThat(overall.path("accuracy").asDouble()).isEqualTo((double) right / 344);
    assertThat(r.out()).contains(String.format(java.util.Locale.ROOT, "overall: accuracy %.4f, ", (double) right / 344));
    assertThat(byIsland.keySet()).containsExactlyInAnyOrder("island=Biscoe", "island=Dream", "island=Torgersen");
    for (JsonNode s : metrics.path("slices")) {
      String name = s.path("slice").asText();
      if (name.startsWith("island=")) {
        long[] n = byIsland.get(name);
        assertThat(s.path("example_count").asLong()).as(name).isEqualTo(n[1]);
        assertThat(s.path("metrics").path("accuracy").asDouble()).as(name).isEqualTo((double) n[0] / n[1]);
        assertThat(s.path("intervals").path("accuracy").size()).as(name).isEqualTo(2);
      }
    }
    JsonNode data = metrics.path("data");
    assertThat(data.path("scored").asLong()).isEqualTo(344);
    assertThat(data.path("unscored").asLong()).isZero();
    assertThat(data.path("split").asText()).isEqualTo("data");
    assertThat(metrics.path("model").path("uri").asText()).isEqualTo(penguins.modelDir().toString());
    assertThat(JSON.readTree(out.resolve("blessing.json").toFile()).path("blessed").asBoolean()).isTrue();
    assertThat(TrainedPenguins.deadLetters(out.resolve("unscored"))).isEmpty();
  }

  @Test
  void rowsTheReaderRejectsAreCountedAsUnscoredAndWrittenWithTheirReasons() throws IOException {
    Path csv = tmp.resolve("with-bad-rows.csv");
    Files.writeString(csv, Files.readString(penguins.csv()) + "Adelie,Dream,39.5,deep,181,3750,MALE\nGentoo,Biscoe,47.5\n");
    Path out = tmp.resolve("evaluation-bad");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("evaluate", "--model", "penguins:1", "--pipeline-root", penguins.root().toString(),
        "--data", csv.toString(), "--out", out.toString(), "--slices", "sex,body_mass_g:3500,4500");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("346 rows: 344 scored (0 without a known label, left out of the metrics), 0 unscored by the model, 2 rejected by the reader");
    JsonNode data = JSON.readTree(out.resolve("metrics.json").toFile()).path("data");
    assertThat(data.path("scored").asLong()).isEqualTo(344);
    assertThat(data.path("unscored").asLong()).isEqualTo(2);
    List<String> reasons = TrainedPenguins.deadLetters(out.resolve("unscored")).stream().map(n -> n.path("reason").asText()).sorted().toList();
    assertThat(reasons).containsExactly(
        csv + " line 346, field culmen_depth_mm: 'deep' is not a number (expected float)",
        csv + " line 347: expected 7 fields, found 3");
    GenericRecord first = TrainedPenguins.parquetRows(out.resolve("predictions")).get(0);
    assertThat(first.getSchema().getField("slice_sex_x_body_mass_g")).isNotNull();
  }

  @Test
  void badOptionsExitWith2() throws IOException {
    String data = penguins.csv().toString();
    String model = penguins.modelDir().toString();
    BeamlineCliIT.Result unknown = BeamlineCliIT.cli("evaluate", "--model", "birds:1", "--pipeline-root", penguins.root().toString(),
        "--data", data, "--out", tmp.resolve("e1").toString());
    assertThat(unknown.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(unknown.err().strip()).isEqualTo("beamline: --model birds:1: no pushed model 'birds' in jdbc:sqlite:" + penguins.root().resolve("metadata.sqlite"));

    Path busy = Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(busy.resolve("notes.txt"), "mine");
    BeamlineCliIT.Result nonEmpty = BeamlineCliIT.cli("evaluate", "--model", model, "--data", data, "--out", busy.toString());
    assertThat(nonEmpty.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(nonEmpty.err().strip()).isEqualTo("beamline: --out " + busy + " exists and is not empty; give a new or an empty folder");
    assertThat(TrainedPenguins.entries(busy)).containsExactly("notes.txt");

    BeamlineCliIT.Result slice = BeamlineCliIT.cli("evaluate", "--model", model, "--data", data, "--out", tmp.resolve("e2").toString(),
        "--slices", "wingspan", "--label", "kind");
    assertThat(slice.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(slice.err().strip()).isEqualTo("beamline: evaluate: the label column 'kind' is not a column of the data; --slices: 'wingspan' is not"
        + " a column of the data (columns: species, island, culmen_length_mm, culmen_depth_mm, flipper_length_mm, body_mass_g, sex)");

    BeamlineCliIT.Result buckets = BeamlineCliIT.cli("evaluate", "--model", model, "--data", data, "--out", tmp.resolve("e3").toString(),
        "--slices", "body_mass_g:heavy");
    assertThat(buckets.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(buckets.err()).contains("--slices: slice 'body_mass_g:heavy': the buckets of 'body_mass_g' must be numbers");
    for (String e : List.of("e1", "e2", "e3")) {
      assertThat(tmp.resolve(e)).doesNotExist();
    }
  }
}
