package dev.beamline.metadata;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One execution of a stage in a run: its parameters (the stage's configuration, as JSON), the code
 * version, the cache key it was looked up by, its state and times (milliseconds since the epoch; end 0
 * while running), the error of a failed execution, and for a cached one the execution whose outputs
 * it reused. {@code owner} is {@code pid@host} of the process that ran it.
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
    String owner) {}
