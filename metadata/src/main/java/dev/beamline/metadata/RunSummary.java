package dev.beamline.metadata;

import java.util.List;

/**
 * A run of a pipeline, as {@code beamline runs} lists it: its executions, overall state (FAILED if
 * any failed, RUNNING if any runs, else COMPLETE), start and end times in milliseconds since the epoch,
 * and the stages taken from the cache.
 */
public record RunSummary(
    String pipeline, String runId, String state, long startTime, long endTime, List<Execution> executions) {

  public long durationMillis() {
    return endTime == 0 ? 0 : endTime - startTime;
  }

  public List<String> cachedStages() {
    return executions.stream().filter(e -> e.state() == ExecutionState.CACHED).map(Execution::stage).toList();
  }
}
