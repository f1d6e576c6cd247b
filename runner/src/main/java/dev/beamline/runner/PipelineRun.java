package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.Publisher;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.Pipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a pipeline, recorded in the metadata store: every stage's execution with its input and
 * output artifacts, with caching and provenance. The same mechanism serves every {@link Stage}.
 *
 * <p>{@link #plan} looks up each stage's cache key (stage, code version, parameters, input
 * fingerprints). A hit records a CACHED execution that points at the earlier outputs and adds nothing
 * to the graph; a miss records a RUNNING execution with a PENDING output artifact in {@code
 * <root>/<pipeline>/<stage>/<execution-id>/} and adds the stage to the graph. After the Beam pipeline,
 * {@link #succeeded} makes the outputs LIVE, or {@link #failed} marks the executions FAILED and their
 * outputs ABANDONED: a failed run never leaves a LIVE artifact.
 *
 * <pre>{@code
 * PipelineRun run = new PipelineRun(store, spec, runId, codeVersion, provenance, true);
 * if (run.plan(pipeline)) { pipeline.run().waitUntilFinish(); }
 * run.succeeded();
 * }</pre>
 */
public final class PipelineRun {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRun.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What became of one stage in this run. */
  public record StageResult(Stage stage, long executionId, boolean cached, Long cachedFrom, long artifactId, Path outputDir) {}

  private final MetadataStore store;
  private final PipelineSpec spec;
  private final String runId;
  private final String codeVersion;
  private final ObjectNode provenance;
  private final boolean useCache;
  private final List<StageResult> results = new ArrayList<>();

  /**
   * @param provenance facts about this invocation (versions, runner, options) written with every artifact
   * @param useCache whether a stage may reuse the outputs of an earlier identical execution
   */
  public PipelineRun(
      MetadataStore store, PipelineSpec spec, String runId, String codeVersion, ObjectNode provenance, boolean useCache) {
    this.store = store;
    this.spec = spec;
    this.runId = runId;
    this.codeVersion = codeVersion;
    this.provenance = provenance;
    this.useCache = useCache;
  }

  public String runId() {
    return runId;
  }

  /** The stages of this run as planned, in order. */
  public List<StageResult> results() {
    return results;
  }

  /**
   * Records every stage and adds those not taken from the cache to {@code pipeline}. Returns whether
   * the pipeline has anything to run.
   */
  public boolean plan(Pipeline pipeline) {
    for (Execution dead : store.failDeadExecutions()) {
      // The killed run left its staging folders behind; its outputs were never published.
      for (Event e : store.eventsOfExecution(dead.id())) {
        if (e.type() == Event.Type.OUTPUT) {
          Path uri = Paths.get(store.artifact(e.artifactId()).orElseThrow().uri());
          Publisher.deleteRecursively(new StageOutput(uri.toString(), dead.runId(), null).stagingPath());
        }
      }
      LOG.warn("execution #{} ({} of run {}) was killed; it is now marked FAILED", dead.id(), dead.stage(), dead.runId());
    }
    RunLayout layout = RunLayout.of(spec.root(), spec.name(), runId);
    long pipelineContext = store.context("pipeline", spec.name());
    long runContext = store.context("run", spec.name() + "/" + runId);
    store.setParentContext(runContext, pipelineContext);
    boolean work = false;
    Map<String, Stage.Upstream> done = new HashMap<>();
    for (Stage stage : PipelineGraph.stages(spec)) {
      Map<String, Stage.Upstream> upstream = PipelineGraph.upstreamOf(stage, done);
      ObjectNode parameters = stage.parameters();
      List<Stage.Input> inputs = stage.inputs(upstream, store);
      String cacheKey = cacheKey(stage.name(), codeVersion, parameters, inputs);
      Optional<Execution> hit = useCache ? store.findCached(spec.name(), stage.name(), cacheKey) : Optional.empty();
      long executionId;
      if (hit.isPresent()) {
        executionId = store.recordCached(spec.name(), runId, stage.name(), parameters, codeVersion, cacheKey, hit.get().id());
        recordInputs(executionId, inputs, runContext);
        List<Event> outputs = store.eventsOfExecution(hit.get().id()).stream().filter(e -> e.type() == Event.Type.OUTPUT).toList();
        // The main artifact is recorded first, then the stage's extra outputs.
        Event output = outputs.get(0);
        outputs.forEach(o -> store.addEvent(executionId, o.artifactId(), Event.Type.OUTPUT, o.role()));
        store.associate(runContext, executionId);
        store.associate(pipelineContext, executionId);
        Artifact artifact = store.artifact(output.artifactId()).orElseThrow();
        results.add(new StageResult(stage, executionId, true, hit.get().id(), artifact.id(), Paths.get(artifact.uri())));
        done.put(stage.name(), new Stage.Upstream(stage.name(), artifact.id(), Paths.get(artifact.uri()), null, null));
        LOG.info("{}: taken from the cache (execution #{}, artifact #{})", stage.name(), hit.get().id(), artifact.id());
        continue;
      }
      executionId = store.startExecution(spec.name(), runId, stage.name(), parameters, codeVersion, cacheKey);
      store.associate(runContext, executionId);
      store.associate(pipelineContext, executionId);
      recordInputs(executionId, inputs, runContext);
      StageOutput output = layout.output(stage.name(), executionId);
      ObjectNode stageProvenance = provenance.deepCopy();
      stageProvenance.put("stage", stage.name());
      stageProvenance.put("execution_id", executionId);
      stageProvenance.put("run_id", runId);
      stageProvenance.put("pipeline", spec.name());
      stageProvenance.put("code_version", codeVersion);
      stageProvenance.put("created", Instant.now().toString());
      stageProvenance.set("parameters", parameters);
      long artifactId =
          store.putArtifact(stage.outputKind().name(), output.dir(), null, ArtifactState.PENDING, propertiesWith(null, stageProvenance));
      store.addEvent(executionId, artifactId, Event.Type.OUTPUT, stage.outputRole());
      store.attribute(runContext, artifactId);
      store.attribute(pipelineContext, artifactId);
      for (Stage.ExtraOutput extra : stage.extraOutputs()) {
        long extraId =
            store.putArtifact(
                extra.kind().name(), extraUri(output.dir(), extra), null, ArtifactState.PENDING, propertiesWith(null, stageProvenance));
        store.addEvent(executionId, extraId, Event.Type.OUTPUT, extra.role());
        store.attribute(runContext, extraId);
        store.attribute(pipelineContext, extraId);
      }
      Stage.Expanded expanded = stage.expand(pipeline, output.withProvenance(pretty(stageProvenance)), upstream);
      results.add(new StageResult(stage, executionId, false, null, artifactId, output.path()));
      done.put(stage.name(), new Stage.Upstream(stage.name(), artifactId, output.path(), expanded.published(), expanded.result()));
      work = true;
    }
    return work;
  }

  private void recordInputs(long executionId, List<Stage.Input> inputs, long runContext) {
    for (Stage.Input in : inputs) {
      if (in.artifactId() != null) {
        store.addEvent(executionId, in.artifactId(), Event.Type.INPUT, in.role());
        continue;
      }
      long id =
          store.artifactsByUri(in.uri()).stream()
              .filter(a -> a.type().equals(in.type()) && in.fingerprint().equals(a.fingerprint()))
              .map(Artifact::id)
              .findFirst()
              .orElseGet(() -> store.putArtifact(in.type(), in.uri(), in.fingerprint(), ArtifactState.LIVE, in.properties()));
      store.addEvent(executionId, id, Event.Type.INPUT, in.role());
    }
  }

  /** Marks every executed stage COMPLETE and its output LIVE, with the facts read from its folder. */
  public void succeeded() {
    for (StageResult r : results) {
      if (r.cached()) {
        continue;
      }
      Artifact pending = store.artifact(r.artifactId()).orElseThrow();
      ObjectNode properties = propertiesWith(r.stage().outputProperties(r.outputDir()), (ObjectNode) pending.properties().get("provenance"));
      String fingerprint = r.stage().outputFingerprint(r.outputDir());
      store.inTransaction(() -> {
        store.updateArtifact(r.artifactId(), ArtifactState.LIVE, fingerprint, properties);
        for (Event e : store.eventsOfExecution(r.executionId())) {
          if (e.type() != Event.Type.OUTPUT || e.artifactId() == r.artifactId()) {
            continue;
          }
          Stage.ExtraOutput extra = r.stage().extraOutputs().stream().filter(x -> x.role().equals(e.role())).findFirst().orElseThrow();
          Artifact a = store.artifact(e.artifactId()).orElseThrow();
          ObjectNode facts = propertiesWith(r.stage().extraOutputProperties(extra, r.outputDir()), (ObjectNode) a.properties().get("provenance"));
          // An extra output is part of the stage's one published folder: it shares that folder's fingerprint.
          store.updateArtifact(a.id(), ArtifactState.LIVE, fingerprint + (extra.path().isEmpty() ? "" : "/" + extra.path()), facts);
        }
        store.finishExecution(r.executionId(), ExecutionState.COMPLETE, null);
      });
    }
  }

  /** Marks every executed stage FAILED with {@code error}; their outputs become ABANDONED, never LIVE. */
  public void failed(String error) {
    for (StageResult r : results) {
      if (!r.cached()) {
        store.finishExecution(r.executionId(), ExecutionState.FAILED, error);
      }
    }
  }

  private static String extraUri(String dir, Stage.ExtraOutput extra) {
    return extra.path().isEmpty() ? dir : Paths.get(dir).resolve(extra.path()).toString();
  }

  private static ObjectNode propertiesWith(ObjectNode facts, ObjectNode provenance) {
    ObjectNode p = facts == null ? JSON.createObjectNode() : facts.deepCopy();
    if (provenance != null) {
      p.set("provenance", provenance);
    }
    return p;
  }

  /**
   * The cache key: SHA-256 over the stage name, code version, parameters (canonical JSON) and the
   * fingerprints of the inputs in order. Any change to one of them is a cache miss.
   */
  static String cacheKey(String stage, String codeVersion, ObjectNode parameters, List<Stage.Input> inputs) {
    StringBuilder s = new StringBuilder();
    s.append("stage=").append(stage).append('\n');
    s.append("code=").append(codeVersion).append('\n');
    s.append("parameters=").append(parameters).append('\n');
    for (Stage.Input in : inputs) {
      s.append("input ").append(in.role()).append(' ').append(in.uri()).append(' ').append(in.fingerprint()).append('\n');
    }
    return Hashing.sha256().hashString(s, StandardCharsets.UTF_8).toString();
  }

  private static String pretty(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
