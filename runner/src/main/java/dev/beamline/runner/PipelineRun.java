package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.Provenance;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ArtifactInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a pipeline, recorded in the metadata store: every stage's execution with its input and
 * output artifacts, with caching and provenance. The same mechanism serves every {@link Stage}; this
 * class knows no stage.
 *
 * <p>{@link #plan} orders the stages by the kinds they consume and produce ({@link StageOrder}), then
 * for each looks up its cache key (stage, code version, canonical parameters, input fingerprints). A
 * hit records a CACHED execution that points at the earlier outputs and adds nothing to the graph; a
 * miss records a RUNNING execution with PENDING outputs in {@code <root>/<pipeline>/<stage>/<execution-id>/}
 * and adds the stage to the graph. Either way its consumers get the same {@link StageInput}s. After
 * the Beam pipeline, {@link #succeeded} makes the outputs LIVE, or {@link #failed} marks the
 * executions FAILED and their outputs ABANDONED: a failed run never leaves a LIVE artifact.
 *
 * <pre>{@code
 * PipelineRun run = PipelineRun.of(store, spec, RunLayout.newRunId(), options);
 * run.execute(Pipeline.create(options));
 * }</pre>
 */
public final class PipelineRun {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What became of one stage in this run; {@code published} is known once the run succeeded. */
  public record StageResult(
      Stage<?> stage, Plan<?> plan, long executionId, boolean cached, Long cachedFrom, long artifactId, String outputDir) {}

  /** An artifact produced in this run or taken from the cache, as its consumers see it. */
  private record Produced(Port port, long artifactId, String uri, ArtifactInfo info, Supplier<PCollection<String>> ready) {}

  private final MetadataStore store;
  private final PipelineSpec spec;
  private final String runId;
  private final String codeVersion;
  private final Provenance provenance;
  private final boolean useCache;
  private final List<StageResult> results = new ArrayList<>();
  private final Map<Long, Published> published = new HashMap<>();

  /**
   * @param provenance facts about this invocation (versions, runner, options) written with every artifact
   * @param useCache whether a stage may reuse the outputs of an earlier identical execution
   */
  public PipelineRun(MetadataStore store, PipelineSpec spec, String runId, String codeVersion, Provenance provenance, boolean useCache) {
    this.store = store;
    this.spec = spec;
    this.runId = runId;
    this.codeVersion = codeVersion;
    this.provenance = provenance;
    this.useCache = useCache;
  }

  /**
   * A run of {@code spec} with id {@code runId}, recorded in {@code store}, with the cache on and the
   * provenance of a run from Java (versions and runner, no pipeline file).
   */
  public static PipelineRun of(MetadataStore store, PipelineSpec spec, String runId, PipelineOptions options) {
    Provenance p =
        Provenance.ofRun(BeamlineCli.version(), options.getRunner().getSimpleName(), null, Map.of(), null, null, null);
    return new PipelineRun(store, spec, runId, BeamlineCli.version(), p, true);
  }

  /**
   * Plans the run into {@code pipeline}, runs it and records the outcome: {@link #succeeded} after a
   * pipeline that ended DONE, {@link #failed} (and the exception rethrown) otherwise.
   */
  public void execute(Pipeline pipeline) {
    try {
      if (plan(pipeline)) {
        PipelineResult.State state = pipeline.run().waitUntilFinish();
        if (state != PipelineResult.State.DONE) {
          throw new IllegalStateException("the Beam pipeline ended in state " + state);
        }
      }
    } catch (RuntimeException e) {
      DataCheckException check = DataCheckException.findIn(e);
      failed(check != null ? check.getMessage() : e.toString());
      throw e;
    }
    succeeded();
  }

  public String runId() {
    return runId;
  }

  /** The stages of this run as planned, in the order they run. */
  public List<StageResult> results() {
    return results;
  }

  /** What {@code r}'s stage says of its published output; after {@link #succeeded}. */
  public Published published(StageResult r) {
    return published.get(r.executionId());
  }

  /**
   * Records every stage and adds those not taken from the cache to {@code pipeline}. Returns whether
   * the pipeline has anything to run.
   */
  public boolean plan(Pipeline pipeline) {
    reclaimKilledExecutions();
    StageOrder order = StageOrder.of(spec.name(), spec.stages());
    RunLayout layout = RunLayout.of(spec.root(), spec.name(), runId);
    long pipelineContext = store.context("pipeline", spec.name());
    long runContext = store.context("run", spec.name() + "/" + runId);
    store.setParentContext(runContext, pipelineContext);
    boolean work = false;
    Map<String, Map<String, Produced>> produced = new HashMap<>();
    for (Stage<?> stage : order.stages()) {
      StageInputs inputs = inputsOf(stage, order, produced);
      work |= planStage(pipeline, layout, stage, inputs, pipelineContext, runContext, produced);
    }
    return work;
  }

  private <S extends Serializable> boolean planStage(
      Pipeline pipeline,
      RunLayout layout,
      Stage<S> stage,
      StageInputs inputs,
      long pipelineContext,
      long runContext,
      Map<String, Map<String, Produced>> produced) {
    PlanContext ctx = new Context(inputs);
    Plan<S> plan = stage.plan(ctx);
    ObjectNode parameters = stage.parameters();
    String cacheKey = cacheKey(stage.name(), codeVersion, parameters, inputs, plan.externalInputs());
    Optional<Execution> hit = useCache ? store.findCached(spec.name(), stage.name(), cacheKey) : Optional.empty();
    Map<String, Produced> outputs = new HashMap<>();
    if (hit.isPresent()) {
      long executionId = store.recordCached(spec.name(), runId, stage.name(), parameters, codeVersion, cacheKey, hit.get().id());
      recordInputs(executionId, inputs, plan.externalInputs());
      List<Event> events = store.eventsOfExecution(hit.get().id()).stream().filter(e -> e.type() == Event.Type.OUTPUT).toList();
      events.forEach(o -> store.addEvent(executionId, o.artifactId(), Event.Type.OUTPUT, o.role()));
      store.associate(runContext, executionId);
      store.associate(pipelineContext, executionId);
      for (Port port : stage.produces()) {
        Event e = events.stream().filter(x -> x.role().equals(port.role())).findFirst().orElseThrow();
        String uri = store.artifact(e.artifactId()).orElseThrow().uri();
        Supplier<PCollection<String>> ready =
            memoize(() -> pipeline.apply("Cached-" + stage.name() + "-" + port.role(), Create.of(uri).withCoder(StringUtf8Coder.of())));
        outputs.put(port.role(), new Produced(port, e.artifactId(), uri, stage.readInfo(port, uri), ready));
      }
      Produced main = outputs.get(stage.produces().get(0).role());
      results.add(new StageResult(stage, plan, executionId, true, hit.get().id(), main.artifactId(), main.uri()));
      produced.put(stage.name(), outputs);
      LOG.info("{}: taken from the cache (execution #{}, artifact #{})", stage.name(), hit.get().id(), main.artifactId());
      return false;
    }
    plan = stage.prepare(plan, ctx);
    long executionId = store.startExecution(spec.name(), runId, stage.name(), parameters, codeVersion, cacheKey);
    store.associate(runContext, executionId);
    store.associate(pipelineContext, executionId);
    recordInputs(executionId, inputs, plan.externalInputs());
    StageOutput output = layout.output(stage.name(), executionId);
    Provenance stageProvenance =
        provenance.forStage(stage.name(), executionId, runId, spec.name(), codeVersion, Instant.now().toString(), parameters);
    ObjectNode properties = JSON.createObjectNode().set("provenance", stageProvenance.toTree());
    List<Long> ids = new ArrayList<>();
    for (Port port : stage.produces()) {
      String uri = uriOf(output.dir(), port);
      long id = store.putArtifact(port.kind().name(), uri, null, ArtifactState.PENDING, properties.deepCopy());
      store.addEvent(executionId, id, Event.Type.OUTPUT, port.role());
      store.attribute(runContext, id);
      store.attribute(pipelineContext, id);
      ids.add(id);
    }
    PCollection<String> done = stage.expand(pipeline, plan, inputs, output.withProvenance(stageProvenance.toJson()));
    for (int i = 0; i < stage.produces().size(); i++) {
      Port port = stage.produces().get(i);
      String uri = uriOf(output.dir(), port);
      Supplier<PCollection<String>> ready =
          port.path().isEmpty()
              ? () -> done
              : memoize(() -> done.apply("Ready-" + stage.name() + "-" + port.role(), MapElements.into(TypeDescriptors.strings()).via(new Inside(port.path())))
                  .setCoder(StringUtf8Coder.of()));
      outputs.put(port.role(), new Produced(port, ids.get(i), uri, plan.outputs().get(port.role()), ready));
    }
    results.add(new StageResult(stage, plan, executionId, false, null, ids.get(0), output.dir()));
    produced.put(stage.name(), outputs);
    return true;
  }

  /** The inputs of {@code stage}, from what the stages before it produced (in this graph or from the cache). */
  private static StageInputs inputsOf(Stage<?> stage, StageOrder order, Map<String, Map<String, Produced>> produced) {
    List<StageInput> in = new ArrayList<>();
    for (StageOrder.Wire w : order.wiresOf(stage)) {
      Produced p = produced.get(w.producer().name()).get(w.produced().role());
      in.add(new StageInput(w.consumed(), p.artifactId(), p.uri(), p.info(), p.ready()));
    }
    return new StageInputs(in);
  }

  /** Killed runs left RUNNING executions and staging folders behind; their outputs were never published. */
  private void reclaimKilledExecutions() {
    for (Execution dead : store.failDeadExecutions()) {
      for (Event e : store.eventsOfExecution(dead.id())) {
        if (e.type() == Event.Type.OUTPUT) {
          String uri = store.artifact(e.artifactId()).orElseThrow().uri();
          if (!uri.equals(Storage.stagingOf(uri))) {
            Storage.deleteRecursively(Storage.stagingOf(uri));
          }
        }
      }
      LOG.warn("execution #{} ({} of run {}) was killed; it is now marked FAILED", dead.id(), dead.stage(), dead.runId());
    }
  }

  private static String uriOf(String dir, Port port) {
    return port.path().isEmpty() ? dir : Storage.resolve(dir, port.path());
  }

  private void recordInputs(long executionId, StageInputs inputs, List<ExternalInput> external) {
    for (StageInput in : inputs.all()) {
      store.addEvent(executionId, in.artifactId(), Event.Type.INPUT, in.role());
    }
    for (ExternalInput in : external) {
      if (in.artifactId() != null) {
        store.addEvent(executionId, in.artifactId(), Event.Type.INPUT, in.role());
        continue;
      }
      long id =
          store.artifactsByUri(in.uri()).stream()
              .filter(a -> a.type().equals(in.kind().name()) && in.fingerprint().equals(a.fingerprint()))
              .map(Artifact::id)
              .findFirst()
              .orElseGet(() -> store.putArtifact(in.kind().name(), in.uri(), in.fingerprint(), ArtifactState.LIVE, in.properties()));
      store.addEvent(executionId, id, Event.Type.INPUT, in.role());
    }
  }

  /** Marks every executed stage COMPLETE and its outputs LIVE, with the facts read from its folder. */
  public void succeeded() {
    for (StageResult r : results) {
      Published p = describe(r);
      published.put(r.executionId(), p);
      if (r.cached()) {
        continue;
      }
      store.inTransaction(() -> {
        for (Event e : store.eventsOfExecution(r.executionId())) {
          if (e.type() != Event.Type.OUTPUT) {
            continue;
          }
          Port port = r.stage().produces().stream().filter(x -> x.role().equals(e.role())).findFirst().orElseThrow();
          Artifact a = store.artifact(e.artifactId()).orElseThrow();
          ObjectNode facts = p.properties().containsKey(port.role()) ? p.properties().get(port.role()).deepCopy() : JSON.createObjectNode();
          facts.set("provenance", a.properties().get("provenance"));
          // An output inside the stage's folder is part of that one published folder: it shares its fingerprint.
          String fingerprint = port.path().isEmpty() ? p.fingerprint() : p.fingerprint() + "/" + port.path();
          store.updateArtifact(a.id(), ArtifactState.LIVE, fingerprint, facts);
        }
        store.finishExecution(r.executionId(), ExecutionState.COMPLETE, null);
      });
    }
  }

  @SuppressWarnings("unchecked")
  private static <S extends Serializable> Published describe(StageResult r) {
    return ((Stage<S>) r.stage()).describe((Plan<S>) r.plan(), r.outputDir());
  }

  /** Marks every executed stage FAILED with {@code error}; their outputs become ABANDONED, never LIVE. */
  public void failed(String error) {
    for (StageResult r : results) {
      if (!r.cached()) {
        store.finishExecution(r.executionId(), ExecutionState.FAILED, error);
      }
    }
  }

  /**
   * The cache key: SHA-256 over the stage name, code version, canonical parameters, the fingerprints of
   * the inputs from other stages (their artifacts) and of the inputs from outside, in order. Any change
   * to one of them is a cache miss.
   */
  static String cacheKey(String stage, String codeVersion, ObjectNode parameters, StageInputs inputs, List<ExternalInput> external) {
    StringBuilder b = new StringBuilder();
    b.append("stage=").append(stage).append('\n');
    b.append("code=").append(codeVersion).append('\n');
    b.append("parameters=").append(parameters).append('\n');
    for (StageInput in : inputs.all()) {
      b.append("input ").append(in.role()).append(' ').append(in.uri()).append(" artifact:").append(in.artifactId()).append('\n');
    }
    for (ExternalInput in : external) {
      b.append("input ").append(in.role()).append(' ').append(in.uri()).append(' ').append(in.fingerprint()).append('\n');
    }
    return Hashing.sha256().hashString(b, StandardCharsets.UTF_8).toString();
  }

  /** The planning context of a stage: its inputs and the store's earlier artifacts of this pipeline. */
  private final class Context implements PlanContext {
    private final StageInputs inputs;

    Context(StageInputs inputs) {
      this.inputs = inputs;
    }

    @Override
    public String pipeline() {
      return spec.name();
    }

    @Override
    public StageInputs inputs() {
      return inputs;
    }

    @Override
    public List<StoredArtifact> live(String stage, ArtifactKind kind) {
      List<StoredArtifact> out = new ArrayList<>();
      for (Artifact a : store.artifacts(kind.name(), 1000)) {
        if (a.state() != ArtifactState.LIVE) {
          continue;
        }
        boolean fromStage =
            store.eventsOfArtifact(a.id()).stream()
                .filter(e -> e.type() == Event.Type.OUTPUT)
                .map(e -> store.execution(e.executionId()).orElseThrow())
                .anyMatch(x -> x.pipeline().equals(spec.name()) && x.stage().equals(stage));
        if (fromStage) {
          out.add(new StoredArtifact(a.id(), kind, a.uri()));
        }
      }
      return out;
    }
  }

  /** A path inside a published folder. */
  private static final class Inside implements SerializableFunction<String, String> {
    private static final long serialVersionUID = 1L;
    private final String path;

    Inside(String path) {
      this.path = path;
    }

    @Override
    public String apply(String dir) {
      return Storage.resolve(dir, path);
    }
  }

  private static <T> Supplier<T> memoize(Supplier<T> s) {
    return com.google.common.base.Suppliers.memoize(s::get)::get;
  }
}
