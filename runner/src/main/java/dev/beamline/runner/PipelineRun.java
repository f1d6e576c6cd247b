package dev.beamline.runner;

import dev.beamline.core.ArtifactManifest;

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
import java.util.Set;
import java.util.stream.Collectors;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
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

  /**
   * How a stage that ran in this run ended: COMPLETE (its output published and recorded LIVE, also
   * when a later stage failed the run) or FAILED, and the stage's own times in milliseconds since the
   * epoch: from when it could start (planning began and its inputs of this run were published) to when
   * its output was published.
   */
  public record Outcome(ExecutionState state, long startTime, long endTime) {
    public long durationMillis() {
      return endTime - startTime;
    }
  }

  /** What the runner keeps of a stage it added to the graph: its cache key's parts and when it was planned. */
  private record Running(ObjectNode parameters, StageInputs inputs, RawFileContent.Keyed external, String cacheKey, long planned) {}

  /** An artifact produced in this run or taken from the cache, as its consumers see it. */
  private record Produced(Port port, long artifactId, String uri, ArtifactInfo info, Supplier<PCollection<String>> ready) {}

  private final MetadataStore store;
  private final PipelineSpec spec;
  private final String runId;
  private final String codeVersion;
  private final Provenance provenance;
  private final boolean useCache;
  private final CacheCheck cacheCheck;
  private final List<StageResult> results = new ArrayList<>();
  private final Map<Long, Published> published = new HashMap<>();
  /** What the runner knows of each stage that runs in the graph, by execution id. */
  private final Map<Long, Running> running = new HashMap<>();
  /** How each stage that ran ended, by execution id; absent while it is not finished. */
  private final Map<Long, Outcome> outcomes = new HashMap<>();
  /** The execution that produces each artifact of this run's graph, by artifact id. */
  private final Map<Long, Long> producedBy = new HashMap<>();
  /** Cached outputs found deleted or changed in this run, and not served. */
  private final List<String> refusedHits = new ArrayList<>();

  /**
   * @param provenance facts about this invocation (versions, runner, options) written with every artifact
   * @param useCache whether a stage may reuse the outputs of an earlier identical execution
   */
  public PipelineRun(MetadataStore store, PipelineSpec spec, String runId, String codeVersion, Provenance provenance, boolean useCache) {
    this(store, spec, runId, codeVersion, provenance, useCache, CacheCheck.defaults());
  }

  private PipelineRun(
      MetadataStore store, PipelineSpec spec, String runId, String codeVersion, Provenance provenance, boolean useCache, CacheCheck cacheCheck) {
    this.store = store;
    this.spec = spec;
    this.runId = runId;
    this.codeVersion = codeVersion;
    this.provenance = provenance;
    this.useCache = useCache;
    this.cacheCheck = cacheCheck;
  }

  /** The same run, not yet planned, checking cached outputs and raw inputs as {@code check} says. */
  public PipelineRun withCacheCheck(CacheCheck check) {
    com.google.common.base.Preconditions.checkState(results.isEmpty(), "the run is planned already");
    return new PipelineRun(store, spec, runId, codeVersion, provenance, useCache, com.google.common.base.Preconditions.checkNotNull(check, "check"));
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
   * pipeline that ended DONE, {@link #failed} (and the exception rethrown) after any failure, in
   * planning, in building the graph, in the pipeline or in recording it.
   */
  public void execute(Pipeline pipeline) {
    try {
      if (plan(pipeline)) {
        // The encrypted roots (the pipeline root, and those its stages registered while planning: a
        // serving base, a request log) travel to the workers in the options; their master key does not.
        dev.beamline.core.crypto.Encryption.into(pipeline.getOptions());
        PipelineResult.State state = pipeline.run().waitUntilFinish();
        if (state != PipelineResult.State.DONE) {
          throw new IllegalStateException("the Beam pipeline ended in state " + state);
        }
      }
      succeeded();
    } catch (RuntimeException | Error e) {
      DataCheckException check = DataCheckException.findIn(e);
      failed(check != null ? check.getMessage() : e.toString());
      throw e;
    }
  }

  public String runId() {
    return runId;
  }

  /** The stages of this run as planned, in the order they run. */
  public List<StageResult> results() {
    return results;
  }

  /**
   * What {@code r}'s stage says of its published output: after {@link #succeeded}, or after {@link
   * #failed} for a stage whose output was published and kept; null otherwise.
   */
  public Published published(StageResult r) {
    return published.get(r.executionId());
  }

  /** How the stage of {@code r} ended, when it ran in this run and has ended; null for a cached stage. */
  public Outcome outcome(StageResult r) {
    return outcomes.get(r.executionId());
  }

  /** Cached outputs this run found deleted or changed, which it marked so and did not serve: one line each. */
  public List<String> refusedHits() {
    return List.copyOf(refusedHits);
  }

  /**
   * Records every stage and adds those not taken from the cache to {@code pipeline}. Returns whether
   * the pipeline has anything to run.
   */
  public boolean plan(Pipeline pipeline) {
    store.claimRunId(spec.name(), runId);
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
    // Stages taken from the cache need no claim: other runs may take them as well.
    store.releaseIdleClaims();
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
    long planned = System.currentTimeMillis();
    Plan<S> plan = stage.plan(ctx);
    ObjectNode parameters = stage.parameters();
    if (useCache) {
      // A run computing this stage with the same inputs is waited for; its outputs are then in the cache.
      // The claim is keyed by what the plan knows now (files by path, size and time), before any content is read.
      StageClaims.acquire(store, spec.name(), runId, stage.name(), cacheKey(stage.name(), codeVersion, parameters, inputs, plan.externalInputs()));
    }
    RawFileContent.Keyed external = RawFileContent.resolve(store, plan.externalInputs(), cacheCheck);
    String cacheKey = cacheKey(stage.name(), codeVersion, parameters, inputs, external.inputs());
    // A stage reading a file whose content is unknown runs: it reads the file, and is rekeyed by its content.
    Optional<Execution> hit = useCache && external.unread().isEmpty() ? findIntact(stage.name(), cacheKey) : Optional.empty();
    Map<String, Produced> outputs = new HashMap<>();
    if (hit.isPresent()) {
      long executionId = store.recordCached(spec.name(), runId, stage.name(), parameters, codeVersion, cacheKey, hit.get().id());
      recordInputs(executionId, inputs, external.inputs());
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
    // From here on a failure anywhere finds this execution in the results, and ends it (failed()).
    running.put(executionId, new Running(parameters, inputs, external, cacheKey, planned));
    results.add(new StageResult(stage, plan, executionId, false, null, -1, layout.output(stage.name(), executionId).dir()));
    store.associate(runContext, executionId);
    store.associate(pipelineContext, executionId);
    recordInputs(executionId, inputs, external.inputs());
    StageOutput output = layout.output(stage.name(), executionId);
    Provenance stageProvenance =
        provenance.forStage(stage.name(), executionId, runId, spec.name(), codeVersion, Instant.now().toString(), parameters);
    ObjectNode properties = JSON.createObjectNode().set("provenance", stageProvenance.toTree());
    List<Long> ids = new ArrayList<>();
    for (Port port : stage.produces()) {
      String uri = uriOf(output.dir(), port);
      long id = store.putArtifact(port.kind().name(), uri, null, ArtifactState.PENDING, properties.deepCopy());
      store.addEvent(executionId, id, Event.Type.OUTPUT, port.role());
      producedBy.put(id, executionId);
      store.attribute(runContext, id);
      store.attribute(pipelineContext, id);
      ids.add(id);
    }
    results.set(results.size() - 1, new StageResult(stage, plan, executionId, false, null, ids.get(0), output.dir()));
    // Consumers wait for the mark, not only the publish step: the folder of a stage they read is known
    // to have been published whatever fails afterwards.
    PCollection<String> done =
        stage.expand(pipeline, plan, inputs, output.withProvenance(stageProvenance.toJson()))
            .apply("MarkPublished-" + stage.name(), ParDo.of(new MarkPublished(output.dir())))
            .setCoder(StringUtf8Coder.of());
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

  /**
   * The newest complete execution with {@code cacheKey} whose outputs are still what was published: each
   * checked against its manifest (sizes always, content when cheap or asked for). One found deleted or
   * changed is marked DELETED or INVALID, with the reason, and the next is looked at.
   */
  private Optional<Execution> findIntact(String stage, String cacheKey) {
    for (Optional<Execution> hit = store.findCached(spec.name(), stage, cacheKey); hit.isPresent(); hit = store.findCached(spec.name(), stage, cacheKey)) {
      List<Artifact> outputs =
          store.eventsOfExecution(hit.get().id()).stream()
              .filter(e -> e.type() == Event.Type.OUTPUT)
              .map(e -> store.artifact(e.artifactId()).orElseThrow())
              .toList();
      ArtifactManifest.Check check = check(outputs);
      if (check.intact()) {
        return hit;
      }
      ArtifactState state = check.outcome() == ArtifactManifest.Outcome.MISSING ? ArtifactState.DELETED : ArtifactState.INVALID;
      ObjectNode finding = JSON.createObjectNode().put("state", state.name()).put("reason", check.detail()).put("run_id", runId)
          .put("time", System.currentTimeMillis());
      store.inTransaction(() -> {
        for (Artifact a : outputs) {
          ObjectNode props = a.properties().deepCopy();
          props.set("cache_check", finding);
          store.updateArtifact(a.id(), state, a.fingerprint(), props);
        }
      });
      String line = String.format("%s: the output of execution #%d is not served from the cache: %s; marked %s", stage, hit.get().id(), check.detail(), state);
      refusedHits.add(line);
      LOG.warn(line);
    }
    return Optional.empty();
  }

  /**
   * Checks published outputs against the manifest recorded with them (on the folder's main artifact);
   * outputs recorded before manifests existed only for being there.
   */
  private ArtifactManifest.Check check(List<Artifact> outputs) {
    for (Artifact a : outputs) {
      if (a.properties().has(ArtifactManifest.PROPERTY)) {
        ArtifactManifest m = ArtifactManifest.fromJson(a.properties().get(ArtifactManifest.PROPERTY));
        ArtifactManifest.Check c = m.check(a.uri(), cacheCheck.hashes(m.totalBytes()));
        if (!c.intact()) {
          return c;
        }
      } else if (!Storage.exists(a.uri())) {
        return new ArtifactManifest.Check(ArtifactManifest.Outcome.MISSING, a.uri() + " does not exist");
      }
    }
    return new ArtifactManifest.Check(ArtifactManifest.Outcome.INTACT, "");
  }

  /**
   * Killed runs leave RUNNING executions, staging folders, and folders published but never recorded:
   * once their leases have expired, any run on any host reclaims them ({@link KilledRuns}).
   */
  private void reclaimKilledExecutions() {
    KilledRuns.reclaim(store);
    KilledRuns.removeLeftovers(store, spec.root(), spec.name());
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

  /**
   * Marks every executed stage COMPLETE and its outputs LIVE, with the facts read from its folder and
   * the manifest of its files, and records each stage's own times.
   */
  public void succeeded() {
    for (StageResult r : results) {
      if (r.cached()) {
        published.put(r.executionId(), describe(r));
      } else if (!outcomes.containsKey(r.executionId())) {
        complete(r, describe(r));
      }
    }
  }

  /**
   * Records the published output of {@code r} LIVE with {@code p}'s facts and the folder's manifest, its
   * raw inputs with the content the stage read, and its execution COMPLETE with the stage's own times.
   */
  private void complete(StageResult r, Published p) {
    Running run = running.get(r.executionId());
    ArtifactManifest manifest = ArtifactManifest.of(r.outputDir());
    Long publishedAt = MarkPublished.time(r.outputDir());
    long end = publishedAt != null ? publishedAt : System.currentTimeMillis();
    long start = run.planned();
    for (StageInput in : run.inputs().all()) {
      Outcome producer = outcomes.get(producedBy.get(in.artifactId()));
      if (producer != null) {
        start = Math.max(start, producer.endTime());
      }
    }
    long startTime = Math.min(start, end);
    String mainRole = r.stage().produces().get(0).role();
    store.inTransaction(() -> {
      for (Event e : store.eventsOfExecution(r.executionId())) {
        if (e.type() != Event.Type.OUTPUT) {
          continue;
        }
        Port port = r.stage().produces().stream().filter(x -> x.role().equals(e.role())).findFirst().orElseThrow();
        Artifact a = store.artifact(e.artifactId()).orElseThrow();
        ObjectNode facts = p.properties().containsKey(port.role()) ? p.properties().get(port.role()).deepCopy() : JSON.createObjectNode();
        facts.set("provenance", a.properties().get("provenance"));
        if (port.path().isEmpty()) {
          facts.set(ArtifactManifest.PROPERTY, manifest.toJson());
        }
        // An output inside the stage's folder is part of that one published folder: it shares its fingerprint.
        String fingerprint = port.path().isEmpty() ? p.fingerprint() : p.fingerprint() + "/" + port.path();
        store.updateArtifact(a.id(), ArtifactState.LIVE, fingerprint, facts);
      }
      recordContent(r, run, RawFileContent.stated(p, mainRole));
      recordSteps(r, p.steps());
      store.finishExecution(r.executionId(), ExecutionState.COMPLETE, null);
      store.setExecutionTimes(r.executionId(), startTime, end);
    });
    published.put(r.executionId(), p);
    outcomes.put(r.executionId(), new Outcome(ExecutionState.COMPLETE, startTime, end));
  }

  /**
   * Records on each raw file the stage read the SHA-256 it computed while reading ({@code read}, by
   * path), and keys the execution by that content: a file whose content was unknown when the run was
   * planned, or that changed since, is found by content by the next run.
   */
  private void recordContent(StageResult r, Running run, Map<String, String> read) {
    if (read.isEmpty()) {
      return;
    }
    for (Event e : store.eventsOfExecution(r.executionId())) {
      if (e.type() != Event.Type.INPUT) {
        continue;
      }
      Artifact a = store.artifact(e.artifactId()).orElseThrow();
      String sha256 = read.get(a.uri());
      if (sha256 == null || !a.type().equals(ArtifactKind.RAW_DATA.name()) || !a.properties().has(ExternalInput.MODIFIED_MS)
          || sha256.equals(a.properties().path(RawFileContent.SHA256).asText(null))) {
        continue;
      }
      if (a.properties().has(RawFileContent.SHA256)) {
        LOG.warn("{} changed while the run read it: SHA-256 {} when planned, {} when read", a.uri(), a.properties().get(RawFileContent.SHA256).asText(), sha256);
      }
      store.updateArtifact(a.id(), a.state(), sha256, a.properties().deepCopy().put(RawFileContent.SHA256, sha256));
    }
    String key = cacheKey(r.stage().name(), codeVersion, run.parameters(), run.inputs(), run.external().withContent(read).inputs());
    if (!key.equals(run.cacheKey())) {
      store.setCacheKey(r.executionId(), key);
    }
  }

  @SuppressWarnings("unchecked")
  private static <S extends Serializable> Published describe(StageResult r) {
    return ((Stage<S>) r.stage()).describe((Plan<S>) r.plan(), r.outputDir());
  }

  /**
   * Ends every stage of the run not yet ended. A stage whose publish step finished ({@link
   * MarkPublished}), whose inputs of this run were kept too and whose folder its stage can describe is
   * kept: COMPLETE, its output LIVE and cacheable, as if the run had succeeded, as TFX keeps each
   * component's output. Every other one is FAILED with {@code error}, with the steps it left in its
   * staging folder ({@link Stage#failedSteps}), its outputs ABANDONED, its staging folder removed.
   * Never throws: the run's failure is what the caller reports.
   */
  public void failed(String error) {
    for (StageResult r : results) {
      if (r.cached() || outcomes.containsKey(r.executionId())) {
        continue;
      }
      try {
        if (keepable(r)) {
          try {
            complete(r, describe(r));
            LOG.info("{}: its output {} was published before the run failed; kept (execution #{} COMPLETE)", r.stage().name(), r.outputDir(), r.executionId());
            continue;
          } catch (RuntimeException e) {
            LOG.warn("{}: its published output {} cannot be recorded, so it is not kept: {}", r.stage().name(), r.outputDir(), e.toString());
          }
        }
        recordFailedSteps(r);
        store.finishExecution(r.executionId(), ExecutionState.FAILED, error);
        long now = System.currentTimeMillis();
        outcomes.put(r.executionId(), new Outcome(ExecutionState.FAILED, Math.min(running.get(r.executionId()).planned(), now), now));
      } catch (RuntimeException e) {
        LOG.warn("{}: execution #{} could not be marked FAILED: {}", r.stage().name(), r.executionId(), e.toString());
      }
      try {
        Storage.deleteRecursively(Storage.stagingOf(r.outputDir()));
      } catch (RuntimeException e) {
        LOG.warn("{}: its staging folder {} could not be removed: {}", r.stage().name(), Storage.stagingOf(r.outputDir()), e.toString());
      }
    }
  }

  /**
   * Records the steps that the failed stage of {@code r} left in its staging folder (a tuner's failed
   * trials), each under its execution; a stage that left none, or whose steps cannot be read, records none.
   */
  private void recordFailedSteps(StageResult r) {
    try {
      List<Published.Step> steps = failedSteps(r);
      store.inTransaction(() -> recordSteps(r, steps));
    } catch (RuntimeException e) {
      LOG.warn("{}: the steps it left in {} cannot be recorded: {}", r.stage().name(), Storage.stagingOf(r.outputDir()), e.toString());
    }
  }

  /** Records {@code steps} as executions {@code <stage>/<step>} under the execution of {@code r}. */
  private void recordSteps(StageResult r, List<Published.Step> steps) {
    for (Published.Step step : steps) {
      store.recordStep(r.executionId(), r.stage().name() + "/" + step.name(), step.parameters(), step.properties(),
          step.failed() ? ExecutionState.FAILED : ExecutionState.COMPLETE, step.error(), step.startTime(), step.endTime());
    }
  }

  @SuppressWarnings("unchecked")
  private static <S extends Serializable> List<Published.Step> failedSteps(StageResult r) {
    return ((Stage<S>) r.stage()).failedSteps((Plan<S>) r.plan(), Storage.stagingOf(r.outputDir()));
  }

  /** Whether the stage of {@code r} published its output and every input it read from this run was kept. */
  private boolean keepable(StageResult r) {
    if (r.artifactId() < 0 || MarkPublished.time(r.outputDir()) == null) {
      return false;
    }
    for (StageInput in : running.get(r.executionId()).inputs().all()) {
      Long producer = producedBy.get(in.artifactId());
      if (producer != null && (outcomes.get(producer) == null || outcomes.get(producer).state() != ExecutionState.COMPLETE)) {
        return false;
      }
    }
    return true;
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
    public String root() {
      return spec.root();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Only outputs of (or reused by) a run that did not fail: a stage's output kept when a later
     * stage failed the run (statistics of data that failed validation) is cached, but is no baseline.
     */
    @Override
    public List<StoredArtifact> live(String stage, ArtifactKind kind) {
      Set<String> failedRuns =
          store.runs(spec.name(), Integer.MAX_VALUE).stream().filter(r -> r.state().equals("FAILED")).map(r -> r.runId()).collect(Collectors.toSet());
      List<StoredArtifact> out = new ArrayList<>();
      for (Artifact a : store.artifacts(kind.name(), 1000)) {
        if (a.state() != ArtifactState.LIVE) {
          continue;
        }
        boolean fromStage =
            store.eventsOfArtifact(a.id()).stream()
                .filter(e -> e.type() == Event.Type.OUTPUT)
                .map(e -> store.execution(e.executionId()).orElseThrow())
                .anyMatch(x -> x.pipeline().equals(spec.name()) && x.stage().equals(stage) && !failedRuns.contains(x.runId()));
        if (fromStage) {
          out.add(new StoredArtifact(a.id(), kind, a.uri(), a.fingerprint()));
        }
      }
      return out;
    }

    @Override
    public List<StoredArtifact> inputs(long artifactId, String role) {
      // The first execution that produced the artifact: a CACHED execution reuses it, the producer made it.
      Optional<Long> producer =
          store.eventsOfArtifact(artifactId).stream().filter(e -> e.type() == Event.Type.OUTPUT).map(Event::executionId).min(Long::compare);
      if (producer.isEmpty()) {
        return List.of();
      }
      List<StoredArtifact> out = new ArrayList<>();
      for (Event e : store.eventsOfExecution(producer.get())) {
        if (e.type() == Event.Type.INPUT && e.role().equals(role)) {
          Artifact a = store.artifact(e.artifactId()).orElseThrow();
          out.add(new StoredArtifact(a.id(), ArtifactKind.of(a.type()), a.uri(), a.fingerprint()));
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
