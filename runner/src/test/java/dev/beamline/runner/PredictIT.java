package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline predict} through the real command line, on the model of one run of the penguins
 * example, and on a copy of its data with bad rows added: every good row predicted, every bad one in
 * the dead-letter file naming its file, line and column.
 */
class PredictIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The bad rows added after the 344 of the example (lines 346 to 348 of the file, after its header). */
  private static final String BAD_ROWS = String.join("\n",
      "Adelie,Dream,abc,18.7,181,3750,MALE",
      "Gentoo,Biscoe,47.5,15,218,4950,FEMALE,extra",
      "Chinstrap,Dream,46.5,17.9,n/a,3500,FEMALE") + "\n";

  @TempDir static Path tmp;
  private static TrainedPenguins penguins;
  private static Path badCsv;

  @BeforeAll
  static void trainThePenguinsExample() throws IOException {
    penguins = TrainedPenguins.train(tmp);
    badCsv = tmp.resolve("data/penguins-with-bad-rows.csv");
    Files.createDirectories(badCsv.getParent());
    Files.writeString(badCsv, Files.readString(penguins.csv()) + BAD_ROWS);
  }

  @Test
  void predictsEveryGoodRowAndDeadLettersTheBadOnesNamingFileLineAndColumn() throws IOException {
    // An empty --out is fine: it is published anew.
    Path out = Files.createDirectories(tmp.resolve("predicted"));
    BeamlineCliIT.Result r = BeamlineCliIT.cli("predict", "--model", penguins.modelDir().toString(), "--data", badCsv.toString(),
        "--out", out.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("347 rows: 344 scored, 0 unscored by the model, 3 rejected by the reader")
        .contains("predictions: " + out.resolve("predictions")).contains("unscored: " + out.resolve("unscored"));
    assertThat(TrainedPenguins.entries(out)).containsExactly("predictions", "provenance.json", "summary.json", "unscored");
    assertThat(TrainedPenguins.entries(tmp)).doesNotContain(".staging-predicted");

    List<JsonNode> dead = TrainedPenguins.deadLetters(out.resolve("unscored"));
    dead.sort(Comparator.comparingLong(n -> n.path("line").asLong()));
    String file = badCsv.toString();
    assertThat(dead).hasSize(3);
    assertDeadLetter(dead.get(0), file, 346, "culmen_length_mm", file + " line 346, field culmen_length_mm: 'abc' is not a number (expected float)",
        "Adelie,Dream,abc,18.7,181,3750,MALE");
    assertDeadLetter(dead.get(1), file, 347, null, file + " line 347: expected 7 fields, found 8", "Gentoo,Biscoe,47.5,15,218,4950,FEMALE,extra");
    assertDeadLetter(dead.get(2), file, 348, "flipper_length_mm", file + " line 348, field flipper_length_mm: 'n/a' is not a number (expected float)",
        "Chinstrap,Dream,46.5,17.9,n/a,3500,FEMALE");
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    assertThat(summary.path("scored").asLong()).isEqualTo(344);
    assertThat(summary.path("rejected").asLong()).isEqualTo(3);
    assertThat(summary.path("unscored").asLong()).isZero();
    JsonNode provenance = JSON.readTree(out.resolve("provenance.json").toFile());
    assertThat(provenance.path("stage").asText()).isEqualTo("predict");
    assertThat(provenance.path("parameters").path("model").asText()).isEqualTo(penguins.modelDir().toString());

    // One row per good row: the input's columns, then the answer; the model is as right as on the eval split.
    List<GenericRecord> rows = TrainedPenguins.parquetRows(out.resolve("predictions"));
    assertThat(rows).hasSize(344);
    assertThat(rows.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList()).containsExactly("species", "island",
        "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "predicted_id", "predicted_class", "probabilities");
    long right = rows.stream().filter(g -> g.get("species").toString().equals(g.get("predicted_class").toString())).count();
    assertThat((double) right / rows.size()).isGreaterThan(0.95);
  }

  @Test
  void aPushedNameVersionOnFlinkKeepsTheKeysAndAnswersAsTheTrainedModel() throws IOException {
    Path byDir = tmp.resolve("by-dir");
    BeamlineCliIT.Result first = BeamlineCliIT.cli("predict", "--model", penguins.modelDir().toString(), "--data", penguins.csv().toString(),
        "--out", byDir.toString(), "--keys", "species,island");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    Path byName = tmp.resolve("by-name");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("predict", "--model", "penguins:1", "--pipeline-root", penguins.root().toString(),
        "--data", penguins.csv().toString(), "--out", byName.toString(), "--keys", "species,island", "--runner=flink", "--parallelism", "2");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("predicting with " + penguins.root().resolve("serving/penguins/1") + " (classification)")
        .contains("on FlinkRunner").contains("344 rows: 344 scored, 0 unscored by the model, 0 rejected by the reader");
    List<GenericRecord> rows = TrainedPenguins.parquetRows(byName.resolve("predictions"));
    assertThat(rows).hasSize(344);
    assertThat(rows.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList())
        .containsExactly("species", "island", "predicted_id", "predicted_class", "probabilities");
    assertThat(answers(rows)).isEqualTo(answers(TrainedPenguins.parquetRows(byDir.resolve("predictions"))));
    assertThat(TrainedPenguins.deadLetters(byName.resolve("unscored"))).isEmpty();
  }

  @Test
  void moreRowsWithoutAPredictionThanAllowedExitWith1AndPublishOnlyTheDeadLetters() throws IOException {
    Path out = tmp.resolve("strict");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("predict", "--model", penguins.modelDir().toString(), "--data", badCsv.toString(),
        "--out", out.toString(), "--max-unscored-fraction", "0.005");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(BeamlineCli.CHECK_FAILED);
    assertThat(r.err()).contains("beamline: check failed: 3 of 347 rows (0.86%) got no prediction (0 unscored by the model,"
        + " 3 rejected by the reader), more than the allowed 0.50% (max unscored fraction 0.005); all are in " + out.resolve("unscored"));
    assertThat(TrainedPenguins.entries(out)).containsExactly("unscored");
    assertThat(TrainedPenguins.deadLetters(out.resolve("unscored"))).hasSize(3);
  }

  @Test
  void aBadModelOrANonEmptyOutExitWith2() throws IOException {
    String data = penguins.csv().toString();
    Path missing = tmp.resolve("no-such-model");
    assertRefused(BeamlineCliIT.cli("predict", "--model", missing.toString(), "--data", data, "--out", tmp.resolve("x1").toString()),
        "beamline: --model " + missing + ": no such folder, and not name:version of a pushed model");
    assertRefused(BeamlineCliIT.cli("predict", "--model", penguins.root().toString(), "--data", data, "--out", tmp.resolve("x2").toString()),
        "beamline: --model " + penguins.root() + ": " + penguins.root() + " is not a SavedModel folder (it has no saved_model.pb)");
    assertRefused(BeamlineCliIT.cli("predict", "--model", "penguins:9", "--pipeline-root", penguins.root().toString(), "--data", data,
        "--out", tmp.resolve("x3").toString()), "beamline: --model penguins:9: model 'penguins' has no pushed version 9; pushed versions: 1");
    Path busy = Files.createDirectories(tmp.resolve("busy"));
    Files.writeString(busy.resolve("keep.txt"), "mine");
    assertRefused(BeamlineCliIT.cli("predict", "--model", penguins.modelDir().toString(), "--data", data, "--out", busy.toString()),
        "beamline: --out " + busy + " exists and is not empty; give a new or an empty folder");
    assertThat(TrainedPenguins.entries(busy)).containsExactly("keep.txt");
    assertRefused(BeamlineCliIT.cli("predict", "--model", penguins.modelDir().toString(), "--data", data, "--out", tmp.resolve("x4").toString(),
        "--keys", "species,wingspan"), "beamline: predict: key column(s) [wingspan] are not columns of the data (columns: [species, island,"
        + " culmen_length_mm, culmen_depth_mm, flipper_length_mm, body_mass_g, sex])");
    for (String x : List.of("x1", "x2", "x3", "x4")) {
      assertThat(tmp.resolve(x)).doesNotExist();
    }
  }

  private static void assertRefused(BeamlineCliIT.Result r, String message) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(r.err().strip()).isEqualTo(message);
  }

  private static void assertDeadLetter(JsonNode n, String file, long line, String field, String reason, String content) {
    assertThat(n.path("reason").asText()).isEqualTo(reason);
    assertThat(n.path("file").asText()).isEqualTo(file);
    assertThat(n.path("line").asLong()).isEqualTo(line);
    assertThat(n.path("field").isNull() ? null : n.path("field").asText()).isEqualTo(field);
    assertThat(n.path("content").asText()).isEqualTo(content);
  }

  /** Each row's species, island and answer, sorted: the same model on the same rows gives the same list. */
  private static List<String> answers(List<GenericRecord> rows) {
    List<String> out = new ArrayList<>();
    for (GenericRecord g : rows) {
      out.add(g.get("species") + "|" + g.get("island") + "|" + g.get("predicted_id") + "|" + g.get("predicted_class") + "|" + g.get("probabilities"));
    }
    out.sort(null);
    return out;
  }
}
