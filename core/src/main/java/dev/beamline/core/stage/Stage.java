package dev.beamline.core.stage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.StageOutput;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * One stage of the model life cycle as the runner sees it, in the spirit of TFX's component specs: the
 * artifact kinds it consumes and produces, its configuration in one canonical form, and how it adds
 * itself to the Beam graph. The runner orders stages by the kinds they declare, records every
 * execution and artifact, takes unchanged stages from the cache and publishes; it knows nothing of any
 * stage. A stage keeps no state between these calls: what it resolves goes into its {@link Plan}.
 *
 * <p>The calls, in the order the runner makes them:
 *
 * <ol>
 *   <li>{@link #plan}: before the graph, cheap: what the stage reads from outside (fingerprints for the
 *       cache key) and what it knows already;
 *   <li>on a cache hit, {@link #readInfo} for each produced artifact, from the earlier folder;
 *   <li>on a miss, {@link #prepare}: the work that must precede the graph (such as inferring a schema),
 *       then {@link #expand}, which only wires transforms: it creates, deletes and reads nothing;
 *   <li>after the pipeline, {@link #describe}: facts read back from the published folder; after a
 *       failure, {@link #failedSteps}: the steps it left in its staging folder, before that is removed.
 * </ol>
 *
 * <p>A new stage is one class implementing this interface and a {@link StageFactory} registered in
 * {@code META-INF/services/dev.beamline.core.stage.StageFactory}.
 *
 * <pre>{@code
 * final class CountStage implements Stage<Serializable> {
 *   public String name() { return "count"; }
 *   public List<Port> consumes() { return List.of(Port.required("examples", ArtifactKind.EXAMPLES)); }
 *   public List<Port> produces() { return List.of(Port.folder("counts", COUNTS)); }
 *   ...
 * }
 * }</pre>
 *
 * @param <S> the type of the state the stage keeps in its plan
 */
public interface Stage<S extends Serializable> {
  /** The stage's name, unique in a pipeline: its folder in the run layout and its execution's name. */
  String name();

  /** The artifacts the stage reads, by role and kind; the runner wires each to the stage producing that kind. */
  List<Port> consumes();

  /** The artifacts the stage publishes, the first being its whole output folder. */
  List<Port> produces();

  /**
   * The stage's configuration in its one canonical form: snake_case keys as in the YAML file, every
   * default filled in. It is both part of the cache key and the parameters recorded with the execution.
   */
  ObjectNode parameters();

  /**
   * What the stage reads from outside the graph and what it knows of its outputs before anything runs.
   * Cheap: it runs for cache hits too.
   */
  Plan<S> plan(PlanContext ctx);

  /**
   * The work that must happen before the graph can be built and only when the stage runs (e.g. schema
   * inference); returns the plan to build the graph with. By default, nothing to do.
   */
  default Plan<S> prepare(Plan<S> plan, PlanContext ctx) {
    return plan;
  }

  /**
   * What the published artifact of {@code port} holds, read from {@code uri}: for a stage taken from
   * the cache, what {@link #plan}/{@link #prepare} would state. Null (the default) for a kind that
   * states nothing.
   */
  default ArtifactInfo readInfo(Port port, String uri) {
    return null;
  }

  /**
   * Adds the stage's composite transform to {@code pipeline}, reading {@code inputs}, writing into
   * {@code output}; returns a collection that holds the output folder once it is published.
   */
  PCollection<String> expand(Pipeline pipeline, Plan<S> plan, StageInputs inputs, StageOutput output);

  /** Facts about the published output in {@code outputDir}: fingerprint, properties, summary lines. */
  Published describe(Plan<S> plan, String outputDir);

  /**
   * The steps of a run of the stage that failed, read from what it left in its staging folder {@code
   * stagingDir} (a tuner whose every trial failed leaves its trials there): the runner records them
   * under the FAILED execution, then removes the folder. None by default.
   */
  default List<Published.Step> failedSteps(Plan<S> plan, String stagingDir) {
    return List.of();
  }
}
