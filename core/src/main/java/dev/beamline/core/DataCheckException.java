package dev.beamline.core;

/**
 * Thrown when the data or a model failed a check: too many rejected rows, no rows at all, anomalies of
 * error severity, a model below its thresholds. The command line maps it to exit code 1.
 */
public class DataCheckException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataCheckException(String message) {
    super(message);
  }

  /**
   * The first {@code DataCheckException} in the cause chain of {@code t}, if any. Runners wrap exceptions
   * thrown by user code, so a failed pipeline must be unwrapped to find out why it failed.
   */
  public static DataCheckException findIn(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof DataCheckException) {
        return (DataCheckException) c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
