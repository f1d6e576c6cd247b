package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestStage;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a run ends, whatever ends it: every started execution ends COMPLETE or FAILED and no staging
 * folder is left; a stage published before the failure keeps its output (LIVE, cached); and each stage
 * records its own time.
 */
class RunOutcomesIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final Path CSV = EXAMPLE_DIR.resolve("data/penguins.csv");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("runs");
  }

  private MetadataStore store() {
    return MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")));
  }

  /** Every execution of {@code runId}, by stage, in the order they were recorded. */
  static Map<String, Execution> executions(MetadataStore s, String runId) {
    Map<String, Execution> out = new LinkedHashMap<>();
    s.runs(null, 100).stream().filter(r -> r.runId().equals(runId)).flatMap(r -> r.executions().stream()).forEach(e -> out.put(e.stage(), e));
    return out;
  }

  /** The states of the outputs of {@code e}. */
  private static List<ArtifactState> outputStates(MetadataStore s, Execution e) {
    return s.eventsOfExecution(e.id()).stream()
        .filter(v -> v.type() == Event.Type.OUTPUT)
        .map(v -> s.artifact(v.artifactId()).orElseThrow().state())
        .distinct()
        .toList();
  }

  /** Every staging folder under the pipeline root. */
  private List<Path> stagingFolders() throws IOException {
    try (Stream<Path> all = Files.walk(root())) {
      return all.filter(p -> p.getFileName().toString().startsWith(".staging")).toList();
    }
  }

  /**
   * Data that fails validation: ingestion, statistics and schema were published and are kept (LIVE,
   * their executions COMPLETE), so the next run takes them from the cache instead of ingesting again;
   * validate and every stage after it are FAILED.
   */
  @Test
  void aValidationFailureKeepsWhatWasPublishedBeforeIt() throws IOException {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir.resolve("data"));
    List<String> lines = new ArrayList<>(Files.readAllLines(CSV));
    lines.add(3, "Adelie,Torgersen,40.3,18,195,heavy,FEMALE"); // body_mass_g becomes a string: out of the eval domain
    Files.write(dir.resolve("data/penguins.csv"), lines);
    Path yaml = dir.resolve("pipeline.yaml");
    Files.copy(EXAMPLE_DIR.resolve("pipeline.yaml"), yaml);

    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "r1");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("ERROR OUT_OF_DOMAIN body_mass_g (eval)");
    assertThat(r.out())
        .contains("ingest: execution #1 COMPLETE, artifact #2 kept (published before the failure)")
        .contains("validate: execution #4 FAILED")
        .contains("run r1 FAILED");
    try (MetadataStore s = store()) {
      Map<String, Execution> first = executions(s, "r1");
      assertThat(first.keySet()).containsExactly("ingest", "statistics", "schema", "validate", "transform", "tune", "train", "evaluate", "push");
      for (String kept : List.of("ingest", "statistics", "schema")) {
        assertThat(first.get(kept).state()).as(kept).isEqualTo(ExecutionState.COMPLETE);
        assertThat(outputStates(s, first.get(kept))).as(kept).containsExactly(ArtifactState.LIVE);
      }
      for (String failed : List.of("validate", "transform", "tune", "train", "evaluate", "push")) {
        assertThat(first.get(failed).state()).as(failed).isEqualTo(ExecutionState.FAILED);
        assertThat(first.get(failed).error()).as(failed).contains("data validation found");
        assertThat(outputStates(s, first.get(failed))).as(failed).containsExactly(ArtifactState.ABANDONED);
      }
      // The kept examples carry their facts as after a successful run.
      Artifact examples = s.artifact(2).orElseThrow();
      assertThat(examples.properties().get("rows").asLong()).isEqualTo(345);
      assertThat(examples.properties().has("manifest")).isTrue();
    }
    assertThat(stagingFolders()).isEmpty();

    // The schema is iterated on: the same data again comes from the cache up to validation.
    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "r2");
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.out()).contains("ingest: from cache (execution #1)");
    try (MetadataStore s = store()) {
      Map<String, Execution> second = executions(s, "r2");
      for (String cached : List.of("ingest", "statistics", "schema")) {
        assertThat(second.get(cached).state()).as(cached).isEqualTo(ExecutionState.CACHED);
        assertThat(second.get(cached).cachedFrom()).as(cached).isEqualTo(executions(s, "r1").get(cached).id());
      }
      assertThat(second.get("validate").state()).isEqualTo(ExecutionState.FAILED);
      assertThat(s.runs(null, 100)).flatExtracting(x -> x.executions()).extracting(Execution::state).doesNotContain(ExecutionState.RUNNING);
    }
    assertThat(stagingFolders()).isEmpty();
  }

  /** Where {@link Failing} fails. */
  enum Where {
    PLAN,
    EXPAND,
    PIPELINE
  }

  /** A stage after ingestion that fails in its plan, while building its graph, or in the pipeline after staging a file. */
  static final class Failing implements Stage<Serializable> {
    private final Where where;

    Failing(Where where) {
      this.where = where;
    }

    @Override
    public String name() {
      return "failing";
    }

    @Override
    public List<Port> consumes() {
      return List.of(Port.required("examples", ArtifactKind.EXAMPLES));
    }

    @Override
    public List<Port> produces() {
      return List.of(Port.folder("failure", ArtifactKind.of("FAILURE")));
    }

    @Override
    public ObjectNode parameters() {
      return JsonNodeFactory.instance.objectNode().put("where", where.name());
    }

    @Override
    public Plan<Serializable> plan(PlanContext ctx) {
      if (where == Where.PLAN) {
        throw new ConfigException("failing: refused in plan");
      }
      return Plan.empty();
    }

    @Override
    public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
      if (where == Where.EXPAND) {
        throw new IllegalStateException("failing: refused while building the graph");
      }
      return inputs.get("examples").ready().apply("StageThenFail", ParDo.of(new StageThenFail(output))).setCoder(StringUtf8Coder.of());
    }

    @Override
    public Published describe(Plan<Serializable> plan, String outputDir) {
      return new Published("none", Map.of(), List.of());
    }
  }

  /** Writes half an output into the staging folder, then fails. */
  static final class StageThenFail extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private final StageOutput output;

    StageThenFail(StageOutput output) {
      this.output = output;
    }

    @ProcessElement
    public void process(@Element String examples) {
      Storage.writeString(output.staged("half.txt"), "half an output");
      throw new IllegalStateException("failing: the pipeline step failed");
    }
  }

  private void runFailing(Where where, String runId) {
    PipelineSpec spec =
        PipelineSpec.named("failing").withRoot(root()).withStage(new IngestStage(IngestExamples.Config.of(CSV.toString()))).withStage(new Failing(where));
    PipelineOptions options = RunnerOptions.create("direct", 2, List.of());
    try (MetadataStore s = MetadataStore.open(spec.metadataJdbcUrl())) {
      PipelineRun run = PipelineRun.of(s, spec, runId, options);
      assertThatThrownBy(() -> run.execute(Pipeline.create(options))).hasStackTraceContaining("failing: ");
    }
  }

  /**
   * A failure in planning, in building the graph or in the pipeline ends every started execution
   * (none stays RUNNING) and removes its staging; ingestion, published before the pipeline failed, is
   * kept and served to the next run.
   */
  @ParameterizedTest
  @EnumSource(Where.class)
  void everyFailureEndsEveryExecutionAndRemovesItsStaging(Where where) throws IOException {
    runFailing(where, "r1");
    try (MetadataStore s = store()) {
      Map<String, Execution> e = executions(s, "r1");
      assertThat(e.values()).extracting(Execution::state).doesNotContain(ExecutionState.RUNNING);
      if (where == Where.PLAN) {
        // Nothing ran: the failing stage never started, ingestion was started and is FAILED.
        assertThat(e.keySet()).containsExactly("ingest");
        assertThat(e.get("ingest").state()).isEqualTo(ExecutionState.FAILED);
        assertThat(e.get("ingest").error()).contains("failing: refused in plan");
      } else if (where == Where.EXPAND) {
        assertThat(e.keySet()).containsExactly("ingest", "failing");
        assertThat(e.values()).extracting(Execution::state).containsOnly(ExecutionState.FAILED);
        assertThat(e.get("failing").error()).contains("failing: refused while building the graph");
      } else {
        assertThat(e.get("ingest").state()).isEqualTo(ExecutionState.COMPLETE);
        assertThat(outputStates(s, e.get("ingest"))).containsExactly(ArtifactState.LIVE);
        assertThat(e.get("failing").state()).isEqualTo(ExecutionState.FAILED);
        assertThat(e.get("failing").error()).contains("failing: the pipeline step failed");
        assertThat(outputStates(s, e.get("failing"))).containsExactly(ArtifactState.ABANDONED);
      }
    }
    assertThat(stagingFolders()).isEmpty();
    if (where == Where.PIPELINE) {
      runFailing(where, "r2");
      try (MetadataStore s = store()) {
        Execution ingest = executions(s, "r2").get("ingest");
        assertThat(ingest.state()).isEqualTo(ExecutionState.CACHED);
        assertThat(ingest.cachedFrom()).isEqualTo(executions(s, "r1").get("ingest").id());
      }
      assertThat(stagingFolders()).isEmpty();
    }
  }

  /**
   * Each stage records its own time, from when it could start (its inputs published) to when its output
   * was published, not the whole run's; {@code runs} shows them, in columns that stay aligned whatever
   * the pipeline's name.
   */
  @Test
  void eachStageRecordsItsOwnTimeAndTheRunsTableStaysAligned() throws IOException {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir);
    String example = Files.readString(EXAMPLE_DIR.resolve("pipeline.yaml")).replace("input: data/penguins.csv", "input: " + CSV);
    Path yaml = dir.resolve("pipeline.yaml");
    Files.writeString(yaml, example.substring(0, example.indexOf("\ntransform:")) + "\n");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", "timed");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).containsPattern("ingest: ran as execution #1 in \\d+\\.\\d s, artifact #2");

    try (MetadataStore s = store()) {
      Map<String, Execution> e = executions(s, "timed");
      assertThat(e.keySet()).containsExactly("ingest", "statistics", "schema", "validate");
      for (Execution x : e.values()) {
        assertThat(x.endTime()).as(x.stage()).isGreaterThanOrEqualTo(x.startTime());
      }
      // Each stage starts once what it reads is published, and ends when its own output is.
      assertThat(e.get("statistics").startTime()).isGreaterThanOrEqualTo(e.get("ingest").endTime());
      assertThat(e.get("schema").startTime()).isGreaterThanOrEqualTo(e.get("statistics").endTime());
      assertThat(e.get("validate").startTime()).isGreaterThanOrEqualTo(e.get("schema").endTime());
      assertThat(e.get("ingest").endTime()).isLessThan(e.get("validate").endTime());
      long ingestPublished = Long.parseLong(Files.readString(root().resolve("penguins/ingest/1/" + MarkPublished.FILE)).strip());
      assertThat(e.get("ingest").endTime()).isEqualTo(ingestPublished);
    }

    // A second pipeline with a long name in the same store.
    String longName = "penguins-with-a-pipeline-name-longer-than-any-column";
    Files.writeString(dir.resolve("long.yaml"), "pipeline:\n  name: " + longName + "\ningest:\n  input: " + CSV + "\n");
    BeamlineCliIT.Result other =
        BeamlineCliIT.cli("run", dir.resolve("long.yaml").toString(), "--pipeline-root", root().toString(), "--run-id", "a-run-id-as-long-as-it-likes-to-be");
    assertThat(other.code()).as(other.err()).isZero();

    BeamlineCliIT.Result runs = BeamlineCliIT.cli("runs", "--pipeline-root", root().toString());
    assertThat(runs.code()).as(runs.err()).isZero();
    List<String> table = runs.out().lines().toList();
    assertThat(table).hasSize(3);
    String header = table.get(0);
    for (String line : table.subList(1, 3)) {
      String[] cells = line.split(" {2,}");
      assertThat(cells).hasSize(6);
      // Each cell starts in its header's column (the duration, right-aligned, ends there).
      assertThat(line.indexOf(cells[1])).as(line).isEqualTo(header.indexOf("RUN"));
      assertThat(line.indexOf(cells[2], line.indexOf(cells[1]) + cells[1].length())).as(line).isEqualTo(header.indexOf("STATE"));
      assertThat(line.indexOf("  " + cells[5]) + 2).as(line).isEqualTo(header.indexOf("STAGES"));
    }
    assertThat(runs.out()).containsPattern("ingest #1 COMPLETE \\d+\\.\\d s, statistics #2 COMPLETE \\d+\\.\\d s");

    BeamlineCliIT.Result json = BeamlineCliIT.cli("runs", "--json", "--pipeline-root", root().toString());
    JsonNode ingest = JSON.readTree(json.out()).get(1).get("executions").get(0);
    assertThat(ingest.get("duration_ms").asLong()).isEqualTo(ingest.get("end_time").asLong() - ingest.get("start_time").asLong());
  }
}
