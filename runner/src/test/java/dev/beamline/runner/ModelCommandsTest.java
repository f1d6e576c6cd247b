package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.Lineage;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.push.ModelPush;
import dev.beamline.serving.push.PushRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline models} and {@code beamline rollback} on a store that records two pushes of one
 * model the way a run does (examples, then training, then pushes), with real version folders.
 */
class ModelCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXAMPLES_FINGERPRINT = "9244d5f3ca08abf9f4b11258dad0c671aae186c4ce37db6b162349acf939195b";

  @TempDir Path dir;
  private String url;
  private Path base;
  private long modelId;
  private final Map<Long, Long> artifactOfVersion = new TreeMap<>();

  /** What a command printed and returned. */
  private record Outcome(int code, String out, String err) {}

  private Outcome cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = Stream.concat(Stream.of(args), Stream.of("--metadata-url", url)).toArray(String[]::new);
    int code = BeamlineCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(all);
    return new Outcome(code, out.toString(), err.toString());
  }

  @BeforeEach
  void recordTwoPushes() throws IOException {
    url = MetadataStore.sqliteUrl(dir.resolve("runs/metadata.sqlite"));
    base = dir.resolve("serving");
    Path model = dir.resolve("runs/penguins/train/6");
    Files.createDirectories(model.resolve("variables"));
    Files.writeString(model.resolve("saved_model.pb"), "graph");
    Files.writeString(model.resolve("variables/variables.index"), "index");
    try (MetadataStore s = MetadataStore.open(url)) {
      long examples = s.putArtifact("EXAMPLES", dir.resolve("runs/penguins/ingest/1").toString(), EXAMPLES_FINGERPRINT, ArtifactState.LIVE,
          JSON.createObjectNode());
      long train = s.startExecution("penguins", "r1", "train", JSON.createObjectNode(), "dev", "k1");
      s.addEvent(train, examples, Event.Type.INPUT, "examples");
      modelId = s.putArtifact("MODEL", model.toString(), "m0de1", ArtifactState.LIVE, JSON.createObjectNode());
      s.addEvent(train, modelId, Event.Type.OUTPUT, "model");
      s.finishExecution(train, ExecutionState.COMPLETE, null);
      for (long v = 1; v <= 2; v++) {
        ModelPush.Pushed pushed = ModelPush.into(base.toString(), "penguins").push(model.toString());
        assertThat(pushed.version()).isEqualTo(v);
        ObjectNode hyperparameters = JSON.createObjectNode().put("label", "species").put("model", "LINEAR").put("learning_rate", 0.1)
            .put("batch_size", 32).put("epochs", 3).putNull("steps").put("seed", 7);
        PushRecord record = new PushRecord("penguins", v, pushed.path(), "2024-05-0" + v + "T12:00:00Z", model.toString(), "m0de1",
            // The first push's model stated no dataset fingerprint: the lineage has it.
            v == 1 ? null : "d5e7", hyperparameters, null, "/runs/penguins/evaluate/" + v,
            JSON.createObjectNode().put("blessed", true), JSON.createObjectNode().put("accuracy", 0.970588).put("roc_auc", 0.99812),
            JSON.createObjectNode().put("rows", 8), null);
        if (v == 2) {
          // The second version was trained with differential privacy; the first was pushed before epsilon was recorded.
          record = record.withEpsilon(1.5);
        }
        long push = s.startExecution("penguins", "r" + (v + 1), "push", JSON.createObjectNode(), "dev", "k" + (v + 1));
        s.addEvent(push, modelId, Event.Type.INPUT, "model");
        ObjectNode facts = record.toJson();
        facts.putObject("provenance").put("stage", "push");
        long id = s.putArtifact("PUSHED_MODEL", dir.resolve("runs/penguins/push/" + v).toString(), "f" + v, ArtifactState.LIVE, facts);
        s.addEvent(push, id, Event.Type.OUTPUT, "pushed_model");
        s.finishExecution(push, ExecutionState.COMPLETE, null);
        artifactOfVersion.put(v, id);
      }
    }
  }

  private String path(long version) {
    return base.resolve("penguins/" + version).toString();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(width - s.length());
  }

  /** One row of the table: the serving path padded to the width of the paths, which are all as long. */
  private String row(String name, String version, String served, String pushed, String metrics, String epsilon, String dataset,
      String servingPath, String hyperparameters) {
    return pad(name, 8) + "  " + pad(version, 7) + "  " + pad(served, 6) + "  " + pad(pushed, 19) + "  " + pad(metrics, 31) + "  "
        + pad(epsilon, 7) + "  " + pad(dataset, 16) + "  " + pad(servingPath, path(1).length()) + "  " + hyperparameters;
  }

  private static final String METRICS = "accuracy 0.9706, roc_auc 0.9981";
  private static final String HYPERPARAMETERS = "model=linear learning_rate=0.1 batch_size=32 epochs=3 seed=7";

  @Test
  void modelsListsThePushedVersionsNewestFirstAndMarksTheServedOne() throws Exception {
    Outcome o = cli("models");
    assertThat(o.code()).isZero();
    assertThat(o.out()).isEqualTo(String.join(System.lineSeparator(),
        row("NAME", "VERSION", "SERVED", "PUSHED (UTC)", "METRICS", "EPSILON", "DATASET", "SERVING PATH", "HYPERPARAMETERS"),
        row("penguins", "2", "served", "2024-05-02 12:00:00", METRICS, "1.500", "d5e7", path(2), HYPERPARAMETERS),
        row("penguins", "1", "-", "2024-05-01 12:00:00", METRICS, "-", EXAMPLES_FINGERPRINT.substring(0, 16), path(1), HYPERPARAMETERS),
        ""));

    JsonNode json = JSON.readTree(cli("models", "--json").out());
    assertThat(json).hasSize(2);
    assertThat(json.get(1).toString()).isEqualTo("{\"artifact_id\":" + artifactOfVersion.get(1L) + ",\"name\":\"penguins\",\"version\":1,"
        + "\"served\":false,\"serving_path\":\"" + path(1) + "\",\"pushed_at\":\"2024-05-01T12:00:00Z\",\"blessed\":true,"
        + "\"metrics\":{\"accuracy\":0.970588,\"roc_auc\":0.99812},\"dataset_fingerprint\":\"" + EXAMPLES_FINGERPRINT + "\","
        + "\"hyperparameters\":{\"label\":\"species\",\"model\":\"LINEAR\",\"learning_rate\":0.1,\"batch_size\":32,\"epochs\":3,\"steps\":null,"
        + "\"seed\":7},\"model\":{\"uri\":\"" + dir.resolve("runs/penguins/train/6") + "\",\"fingerprint\":\"m0de1\"}}");
    assertThat(json.get(0).get("served").asBoolean()).isTrue();
    assertThat(json.get(0).get("epsilon").asDouble()).isEqualTo(1.5);

    assertThat(cli("models", "--name", "birds").out()).isEqualTo("(no pushed versions of model 'birds' recorded in " + url + ")"
        + System.lineSeparator());
  }

  @Test
  void rollbackRepublishesTheEarlierVersionAsTheNewestAndRecordsItsLineage() throws Exception {
    Outcome o = cli("rollback", "penguins", "--to", "1");
    assertThat(o.err()).isEmpty();
    assertThat(o.code()).isZero();
    assertThat(o.out()).isEqualTo("rolled back penguins: version 1 re-published as version 3" + System.lineSeparator());
    assertThat(Files.readString(Path.of(path(3), "saved_model.pb"))).isEqualTo("graph");
    assertThat(Files.readString(Path.of(path(3), "variables/variables.index"))).isEqualTo("index");
    try (Stream<Path> s = Files.list(base.resolve("penguins"))) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("1", "2", "3");
    }

    try (MetadataStore s = MetadataStore.open(url)) {
      Artifact rolled = s.artifacts("PUSHED_MODEL", 1).get(0);
      assertThat(rolled.uri()).isEqualTo(path(3));
      assertThat(rolled.state()).isEqualTo(ArtifactState.LIVE);
      PushRecord r = PushRecord.fromJson(rolled.properties());
      assertThat(r.version()).isEqualTo(3);
      assertThat(r.rolledBackFrom()).isEqualTo(1L);
      assertThat(r.servingPath()).isEqualTo(path(3));
      assertThat(r.hyperparameters().get("learning_rate").asDouble()).isEqualTo(0.1);
      List<Event> events = s.eventsOfArtifact(rolled.id());
      assertThat(events).hasSize(1);
      Execution rollback = s.execution(events.get(0).executionId()).orElseThrow();
      assertThat(rollback.stage()).isEqualTo("rollback");
      assertThat(rollback.pipeline()).isEqualTo("penguins");
      assertThat(rollback.runId()).startsWith("rollback-");
      assertThat(rollback.state()).isEqualTo(ExecutionState.COMPLETE);
      assertThat(rollback.parameters().toString())
          .isEqualTo("{\"model_name\":\"penguins\",\"to_version\":1,\"serving_base\":\"" + base + "\"}");
      assertThat(s.eventsOfExecution(rollback.id())).extracting(Event::type, Event::artifactId, Event::role).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Event.Type.INPUT, artifactOfVersion.get(1L), "pushed_model"),
          org.assertj.core.groups.Tuple.tuple(Event.Type.OUTPUT, rolled.id(), "pushed_model"));
      // Lineage reaches the model and the data it was trained on through the version rolled back to.
      assertThat(Lineage.artifacts(Lineage.upstream(s, rolled.id()))).extracting(Artifact::type)
          .containsExactly("PUSHED_MODEL", "PUSHED_MODEL", "MODEL", "EXAMPLES");
    }

    Outcome models = cli("models");
    String[] lines = models.out().split(System.lineSeparator());
    assertThat(lines[1]).isEqualTo(row("penguins", "3 (=1)", "served", lines[1].substring(27, 46), METRICS, "-",
        EXAMPLES_FINGERPRINT.substring(0, 16), path(3), HYPERPARAMETERS));
    assertThat(lines[2]).startsWith("penguins  2        -       2024-05-02 12:00:00  ");
    assertThat(lines).hasSize(4);
  }

  @Test
  void rollbackToAnUnknownOrServedVersionExitsWith2AndRecordsNothing() throws Exception {
    assertRefused(cli("rollback", "birds", "--to", "1"),
        "beamline: no model 'birds' was pushed (metadata store " + url + "); pushed models: penguins");
    assertRefused(cli("rollback", "penguins", "--to", "7"), "beamline: model 'penguins' has no pushed version 7; pushed versions: 1, 2");
    assertRefused(cli("rollback", "penguins", "--to", "2"), "beamline: version 2 of model 'penguins' is the newest in "
        + base.resolve("penguins") + ", the one served already: nothing to roll back");
    Files.walk(Path.of(path(1))).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    assertRefused(cli("rollback", "penguins", "--to", "1"), "beamline: version 1 of model 'penguins' was pushed to " + path(1)
        + ", which no longer exists");
    assertThat(cli("rollback", "penguins").code()).isEqualTo(BeamlineCli.BAD_USAGE);
    try (MetadataStore s = MetadataStore.open(url)) {
      assertThat(s.runs("penguins", 100)).allSatisfy(r -> assertThat(r.runId()).doesNotStartWith("rollback"));
    }
    try (Stream<Path> s = Files.list(base.resolve("penguins"))) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("2");
    }
  }

  @Test
  void promoteMovesStableToTheCanaryInTheServersConfigAndRecordsIt() throws Exception {
    Path config = dir.resolve("models.yaml");
    String before = "# the server's models\nmodels:\n  - name: penguins\n    base_path: serving/penguins   # pushed here\n"
        + "    labels: {stable: 1, canary: 2}\n";
    Files.writeString(config, before);
    Outcome o = cli("promote", "penguins", "--label", "canary", "--to", "stable", "--model-config", config.toString());
    assertThat(o.err()).isEmpty();
    assertThat(o.code()).isZero();
    assertThat(o.out()).isEqualTo("promoted penguins: label 'stable' now names version 2 (was version 1), as 'canary' does; " + config
        + " rewritten" + System.lineSeparator());
    assertThat(Files.readString(config)).isEqualTo(before.replace("{stable: 1, canary: 2}", "{stable: 2, canary: 2}"));
    assertThat(dev.beamline.serving.server.ModelConfigFile.read(config).get(0).labels()).isEqualTo(Map.of("stable", 2L, "canary", 2L));

    try (MetadataStore s = MetadataStore.open(url)) {
      Artifact written = s.artifacts("MODEL_CONFIG", 1).get(0);
      assertThat(written.uri()).isEqualTo(config.toString());
      assertThat(written.properties().get("labels").toString()).isEqualTo("{\"canary\":2,\"stable\":2}");
      Execution promote = s.execution(s.eventsOfArtifact(written.id()).get(0).executionId()).orElseThrow();
      assertThat(promote.stage()).isEqualTo("promote");
      assertThat(promote.pipeline()).isEqualTo("penguins");
      assertThat(promote.runId()).startsWith("promote-");
      assertThat(promote.state()).isEqualTo(ExecutionState.COMPLETE);
      assertThat(promote.parameters().toString()).isEqualTo("{\"model\":\"penguins\",\"from_label\":\"canary\",\"to_label\":\"stable\","
          + "\"version\":2,\"previous_version\":1,\"model_config\":\"" + config + "\"}");
      // Lineage: the config file came from the pushed version 2, hence from its model and data.
      assertThat(s.eventsOfExecution(promote.id())).extracting(Event::type, Event::artifactId, Event::role).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Event.Type.INPUT, artifactOfVersion.get(2L), "pushed_model"),
          org.assertj.core.groups.Tuple.tuple(Event.Type.OUTPUT, written.id(), "model_config"));
      assertThat(Lineage.artifacts(Lineage.upstream(s, written.id()))).extracting(Artifact::type)
          .containsExactly("MODEL_CONFIG", "PUSHED_MODEL", "MODEL", "EXAMPLES");
    }
    // Again: stable names the canary's version already.
    assertRefused(cli("promote", "penguins", "--model-config", config.toString()),
        "beamline: " + config + ": label 'stable' of model 'penguins' names version 2 already, as 'canary' does: nothing to move");
  }

  @Test
  void promoteOfAnUnknownModelOrLabelExitsWith2AndRecordsNothing() throws Exception {
    Path config = dir.resolve("models.yaml");
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    labels: {stable: 1}\n");
    assertRefused(cli("promote", "penguins", "--model-config", config.toString()),
        "beamline: " + config + ": model 'penguins' has no label 'canary'; its labels: stable -> 1");
    assertRefused(cli("promote", "birds", "--model-config", config.toString()),
        "beamline: " + config + ": no model 'birds'; models there: penguins");
    assertRefused(cli("promote", "penguins", "--model-config", dir.resolve("none.yaml").toString()),
        "beamline: no model config file " + dir.resolve("none.yaml"));
    assertRefused(cli("promote", "penguins", "--label", "stable", "--model-config", config.toString()),
        "beamline: the labels must differ, both are 'stable'");
    assertThat(cli("promote", "penguins").code()).isEqualTo(BeamlineCli.BAD_USAGE);
    try (MetadataStore s = MetadataStore.open(url)) {
      assertThat(s.artifacts("MODEL_CONFIG", 10)).isEmpty();
      assertThat(s.runs("penguins", 100)).allSatisfy(r -> assertThat(r.runId()).doesNotStartWith("promote"));
    }
  }

  private static void assertRefused(Outcome o, String message) {
    assertThat(o.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(o.err()).isEqualTo(message + System.lineSeparator());
    assertThat(o.out()).isEmpty();
  }
}
