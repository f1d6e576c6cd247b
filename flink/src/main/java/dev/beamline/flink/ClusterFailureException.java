package dev.beamline.flink;

/**
 * A run's Flink job failed because the cluster lost a part of itself (a TaskManager), not because of
 * the data or the configuration. Its message is the short account for the console (the cause, the
 * TaskManager, the run id and where its log is); the whole exception goes to the run's log. Exit code 3.
 */
public final class ClusterFailureException extends RuntimeException {
  public ClusterFailureException(String message, Throwable cause) {
    super(message, cause);
  }
}
