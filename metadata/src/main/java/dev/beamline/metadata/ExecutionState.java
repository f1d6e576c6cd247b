package dev.beamline.metadata;

/**
 * The life of an execution of a stage: {@code NEW} when registered, {@code RUNNING}, then {@code
 * COMPLETE} or {@code FAILED}; {@code CACHED} when an earlier complete execution's outputs were reused.
 */
public enum ExecutionState {
  NEW,
  RUNNING,
  COMPLETE,
  FAILED,
  CACHED
}
