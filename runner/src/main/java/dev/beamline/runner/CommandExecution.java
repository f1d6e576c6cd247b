package dev.beamline.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.RunLayout;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A command that changes what is served ({@code rollback}, {@code promote}) recorded as one execution in
 * a run of its own ({@code <stage>-<run id>}) of the pipeline: its parameters, the artifact it read (if
 * any), then its action; FAILED with the error when the action throws, else the artifact it wrote, LIVE,
 * and COMPLETE, in one transaction, so lineage shows where the served model came from.
 *
 * <pre>{@code
 * CommandExecution.Recorded<Pushed> r = CommandExecution.record(store, pipeline, "rollback", parameters,
 *     Optional.of(new CommandExecution.Input(artifactId, "pushed_model")), () -> push.push(dir),
 *     pushed -> new CommandExecution.Output("PUSHED_MODEL", pushed.path(), fingerprint, facts, "pushed_model"));
 * }</pre>
 */
final class CommandExecution {
  private CommandExecution() {}

  /** The artifact the command read, and its role. */
  record Input(long artifactId, String role) {}

  /** The artifact the command wrote: its type, URI, fingerprint, properties and role. */
  record Output(String type, String uri, String fingerprint, ObjectNode properties, String role) {}

  /** What the action returned, and the ids of the execution and of the artifact it wrote. */
  record Recorded<T>(T value, long executionId, long artifactId) {}

  /**
   * Records the execution of {@code stage} for {@code pipeline}, runs {@code action}, and records what it
   * wrote, {@code output} of its value.
   *
   * @throws RuntimeException what {@code action} threw, after the execution is FAILED with it
   */
  static <T> Recorded<T> record(MetadataStore s, String pipeline, String stage, ObjectNode parameters, Optional<Input> input,
      Supplier<T> action, Function<T, Output> output) {
    String runId = stage + "-" + RunLayout.newRunId();
    s.claimRunId(pipeline, runId);
    long pipelineContext = s.context("pipeline", pipeline);
    long runContext = s.context("run", pipeline + "/" + runId);
    s.setParentContext(runContext, pipelineContext);
    long executionId = s.startExecution(pipeline, runId, stage, parameters, BeamlineCli.version(), null);
    s.associate(runContext, executionId);
    s.associate(pipelineContext, executionId);
    input.ifPresent(in -> s.addEvent(executionId, in.artifactId(), Event.Type.INPUT, in.role()));
    T value;
    try {
      value = action.get();
    } catch (RuntimeException e) {
      s.finishExecution(executionId, ExecutionState.FAILED, e.toString());
      throw e;
    }
    Output out = output.apply(value);
    long[] artifactId = new long[1];
    s.inTransaction(() -> {
      artifactId[0] = s.putArtifact(out.type(), out.uri(), out.fingerprint(), ArtifactState.LIVE, out.properties());
      s.addEvent(executionId, artifactId[0], Event.Type.OUTPUT, out.role());
      s.attribute(runContext, artifactId[0]);
      s.attribute(pipelineContext, artifactId[0]);
      s.finishExecution(executionId, ExecutionState.COMPLETE, null);
    });
    return new Recorded<>(value, executionId, artifactId[0]);
  }
}
