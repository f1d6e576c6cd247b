package dev.beamline.metadata;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One execution of a stage in a run: its parameters (the stage's configuration, as JSON), the code
 * version, the cache key it was looked up by, its state and times (milliseconds since the epoch; end 0
 * while running), the error of a failed execution, and for a cached one the execution whose outputs
 * it reused. {@code owner} is {@code pid@host/session} of the process (and its store) that ran it;
 * {@code leaseExpiry} is when a RUNNING execution counts as killed unless that process renews it
 * (null when it never held a lease). A step ({@link MetadataStore#recordStep}, e.g. one trial of a tuner)
 * has the execution it belongs to as {@code parentId} and facts of its own in {@code properties} (an
 * empty object for other executions).
 */
public record Execution(
    long id,
    String pipeline,
    String runId,
    String stage,
    ObjectNode parameters,
    String codeVersion,
    String cacheKey,
    ExecutionState state,
    long startTime,
    long endTime,
    String error,
    Long cachedFrom,
    String owner,
    Long leaseExpiry,
    Long parentId,
    ObjectNode properties) {
  /** The start of the error of an execution whose lease expired: its process was killed or lost. */
  public static final String KILLED = "killed: ";

  /** Whether this is a step of another execution. */
  public boolean step() {
    return parentId != null;
  }

  /** Whether this execution was marked FAILED because its lease expired (its process died or hung). */
  public boolean killed() {
    return state == ExecutionState.FAILED && error != null && error.startsWith(KILLED);
  }
}
