package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline subject} through the real command line on the penguins example, its data given a
 * {@code penguin_id} (three rows per penguin) and laid out as span 1, version 1: the request finds the
 * subject's rows in the raw file and the examples and the models trained on them; {@code --erase
 * --retrain} writes version 2 without them, marks the models and trains anew; a second request finds
 * none in the new data.
 */
class SubjectIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void findsErasesAndRetrains() throws Exception {
    Path example = TrainedPenguins.copyExample(tmp);
    Path v1 = example.resolve("data/1/v1/penguins.csv");
    Files.createDirectories(v1.getParent());
    List<String> lines = Files.readAllLines(example.resolve("data/penguins.csv"));
    List<String> out = new ArrayList<>(List.of("penguin_id," + lines.get(0)));
    for (String l : lines.subList(1, lines.size())) {
      // The two rows without measurements are left out: with ids the rows hash to other splits, and
      // validation would find measurements missing from the eval split only.
      if (!l.split(",", -1)[2].isEmpty()) {
        out.add((out.size() - 1) / 3 + 1 + "," + l);
      }
    }
    assertThat(out).hasSize(343);
    Files.writeString(v1, String.join("\n", out) + "\n");
    Files.delete(example.resolve("data/penguins.csv"));
    Path yaml = example.resolve("pipeline.yaml");
    Files.writeString(yaml, Files.readString(yaml).replace("input: data/penguins.csv", "input: data/{SPAN}/v{VERSION}/*.csv"));
    String root = tmp.resolve("runs").toString();
    // A request log the store does not know: penguin 7 asked twice, penguin 8 once.
    Path requestLog = tmp.resolve("requests");
    Path segment = requestLog.resolve("penguins/1/requests-20261130T120000Z-w0-000001-predict-serving_default.parquet");
    writeSegment(segment, List.of("r1", "r2", "r3"), List.of(7L, 8L, 7L));

    BeamlineCliIT.Result run = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root);
    assertThat(run.code()).as(run.out() + run.err()).isZero();

    // Penguin 7: rows 19 to 21 of the data.
    BeamlineCliIT.Result found = BeamlineCliIT.cli("subject", "penguin_id=7", "--pipeline-root", root, "--json",
        "--request-log", requestLog.toString());
    assertThat(found.code()).as(found.out() + found.err()).isZero();
    JsonNode r = JSON.readTree(found.out());
    // printf 7 | sha256sum
    assertThat(r.get("subject").toString())
        .isEqualTo("{\"column\":\"penguin_id\",\"value_sha256\":\"7902699be42c8a8e46fbbb4501726517e86b22c56a189f7625a6da49081b2451\"}");
    assertThat(summary(r)).containsExactly(
        "RAW_DATA #1 raw_data " + v1 + ": 3 of 342",
        "EXAMPLES #2 examples " + root + "/penguins/ingest/1: 3 of 342",
        "EXAMPLES #7 transformed_examples " + root + "/penguins/transform/5/examples: no column, derived",
        "REQUEST_LOG #0 request_log " + segment + ": 2 of 3");
    assertThat(models(r)).containsExactly("MODEL #10", "PUSHED_MODEL #13 penguins:1");
    Path report = Path.of(r.get("report").asText());
    assertThat(report).isEqualTo(Path.of(root, "penguins/subject", r.get("request_id").asText(), "report.json"));
    String kept = Files.readString(report);
    // The kept report names the column and the value's hash, never the value or a row.
    assertThat(JSON.readTree(kept).get("subject")).isEqualTo(r.get("subject"));
    assertThat(kept).doesNotContain("\"value\"").doesNotContain(out.get(19)).doesNotContain("Torgersen");
    try (MetadataStore s = MetadataStore.open(PipelineSpec.defaultMetadataUrl(Path.of(root)))) {
      Artifact a = s.artifact(r.get("artifact_id").asLong()).orElseThrow();
      assertThat(a.type()).isEqualTo("SUBJECT_REQUEST");
      assertThat(a.uri()).isEqualTo(report.getParent().toString());
      assertThat(a.properties().get("matched_rows").asLong()).isEqualTo(8);
      assertThat(s.execution(r.get("execution_id").asLong()).orElseThrow().stage()).isEqualTo("subject");
    }

    // A column no dataset has, and a subject without '=': bad usage, nothing scanned.
    BeamlineCliIT.Result unknown = BeamlineCliIT.cli("subject", "user_id=7", "--pipeline-root", root);
    assertThat(unknown.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(unknown.err()).contains("no scanned file has a column 'user_id'")
        .contains("columns seen: body_mass_g, culmen_depth_mm, culmen_length_mm, flipper_length_mm, island, penguin_id, sex, species");
    assertThat(BeamlineCliIT.cli("subject", "penguin_id", "--pipeline-root", root).code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(BeamlineCliIT.cli("subject", "penguin_id=7", "--pipeline-root", tmp.resolve("nowhere").toString()).code())
        .isEqualTo(BeamlineCli.BAD_USAGE);

    BeamlineCliIT.Result erased = BeamlineCliIT.cli("subject", "penguin_id=7", "--pipeline-root", root, "--erase", "--retrain", yaml.toString(),
        "--request-log", requestLog.toString());
    assertThat(erased.code()).as(erased.out() + erased.err()).isZero();
    assertThat(erased.out()).contains("pushed penguins version 2")
        .contains("erased: span 1 version 2 written without 3 row(s): " + example.resolve("data/1/v2") + "; version 1 is kept as it was")
        .contains("erased: " + segment + " rewritten without 2 row(s)")
        .contains("marked 2 model(s) trained_on_erased_data");
    List<String> logged = new ArrayList<>();
    for (org.apache.avro.generic.GenericRecord g : dev.beamline.ingest.parquet.ExampleRecordReader.readAll(segment.toString())) {
      logged.add(g.get("request_id") + ":" + g.get("penguin_id"));
    }
    assertThat(logged).containsExactly("r2:8");
    try (var left = Files.list(segment.getParent())) {
      assertThat(left.map(f -> f.getFileName().toString()).toList()).containsExactly(segment.getFileName().toString());
    }
    Path v2 = example.resolve("data/1/v2/penguins.csv");
    List<String> rewritten = Files.readAllLines(v2);
    assertThat(rewritten).hasSize(340);
    List<String> expected = new ArrayList<>(out);
    expected.removeIf(l -> l.startsWith("7,"));
    assertThat(rewritten).isEqualTo(expected);
    assertThat(Files.readAllLines(v1)).isEqualTo(out);
    String request;
    try (MetadataStore s = MetadataStore.open(PipelineSpec.defaultMetadataUrl(Path.of(root)))) {
      for (long model : List.of(10L, 13L)) {
        Artifact m = s.artifact(model).orElseThrow();
        assertThat(m.properties().get("trained_on_erased_data").asBoolean()).as("#" + model).isTrue();
        assertThat(m.properties().get("erasure_requests")).hasSize(1);
      }
      request = s.artifact(13).orElseThrow().properties().get("erasure_requests").get(0).asText();
      Artifact req = s.artifactsByUri(Path.of(root, "penguins/subject", request).toString()).get(0);
      JsonNode retraining = req.properties().get("retraining");
      assertThat(retraining.get("exit_code").asInt()).isZero();
      RunSummary retrain = s.runs("penguins", 20).stream().filter(x -> x.runId().equals(retraining.get("run_id").asText())).findFirst().orElseThrow();
      assertThat(retrain.state()).isEqualTo("COMPLETE");
      assertThat(s.artifacts("PUSHED_MODEL", 10)).hasSize(2);
      assertThat(s.artifacts("PUSHED_MODEL", 1).get(0).properties().has("trained_on_erased_data")).isFalse();
    }
    JsonNode kept2 = JSON.readTree(Files.readString(Path.of(root, "penguins/subject", request, "report.json")));
    assertThat(kept2.get("erase").get("marked_models").toString()).isEqualTo("[10,13]");
    assertThat(kept2.get("erase").get("new_versions").get(0).get("files").get(0).get("removed_rows").asLong()).isEqualTo(3);

    // Again: none in version 2 nor in what was made from it; the earlier version and its outputs still hold them.
    BeamlineCliIT.Result again = BeamlineCliIT.cli("subject", "penguin_id=7", "--pipeline-root", root, "--json",
        "--request-log", requestLog.toString());
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    JsonNode r2 = JSON.readTree(again.out());
    List<String> s2 = summary(r2);
    assertThat(s2).contains("RAW_DATA #1 raw_data " + v1 + ": 3 of 342", "EXAMPLES #2 examples " + root + "/penguins/ingest/1: 3 of 342");
    assertThat(s2.stream().filter(l -> l.contains(v2.toString()))).singleElement().asString().endsWith(": 0 of 339");
    assertThat(s2.stream().filter(l -> l.startsWith("EXAMPLES") && l.contains(" examples ") && !l.contains("/ingest/1:")))
        .singleElement().asString().endsWith(": 0 of 339");
    assertThat(s2).contains("REQUEST_LOG #0 request_log " + segment + ": 0 of 1");
    assertThat(models(r2)).containsExactly("MODEL #10", "PUSHED_MODEL #13 penguins:1");
  }

  /** A request-log segment of the given request ids and penguin ids, written as the server's Parquet. */
  private static void writeSegment(Path file, List<String> requests, List<Long> penguins) throws Exception {
    Files.createDirectories(file.getParent());
    org.apache.avro.Schema schema = org.apache.avro.SchemaBuilder.record("Request").fields()
        .requiredString("request_id").optionalLong("penguin_id").endRecord();
    org.apache.beam.sdk.io.parquet.ParquetIO.Sink sink = org.apache.beam.sdk.io.parquet.ParquetIO.sink(schema);
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE)) {
      sink.open(ch);
      for (int i = 0; i < requests.size(); i++) {
        org.apache.avro.generic.GenericData.Record r = new org.apache.avro.generic.GenericData.Record(schema);
        r.put("request_id", requests.get(i));
        r.put("penguin_id", penguins.get(i));
        sink.write(r);
      }
      sink.flush();
    }
  }

  /** Each scanned artifact as {@code TYPE #id role uri: matched of rows}, or {@code : no column[, derived]}. */
  private static List<String> summary(JsonNode report) {
    List<String> out = new ArrayList<>();
    for (JsonNode a : report.get("artifacts")) {
      String head = a.get("type").asText() + " #" + a.get("id").asLong() + " " + a.get("role").asText() + " " + a.get("uri").asText();
      out.add(head + (a.get("column_present").asBoolean()
          ? ": " + a.get("matched_rows").asLong() + " of " + a.get("rows").asLong()
          : ": no column" + (a.get("derived_from_subject_rows").asBoolean() ? ", derived" : "")));
    }
    return out;
  }

  private static List<String> models(JsonNode report) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : report.get("models")) {
      out.add(m.get("type").asText() + " #" + m.get("id").asLong() + (m.has("name") ? " " + m.get("name").asText() + ":" + m.get("version").asLong() : ""));
    }
    return out;
  }
}
