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

  /**
   * {@code e} in one line, for a message about unreadable data: its type and message, and those of its
   * root cause when that differs (a Parquet decoding error and the codec's complaint beneath it).
   */
  public static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String s = e.getClass().getSimpleName() + ": " + e.getMessage();
    if (root != e && root.getMessage() != null && (e.getMessage() == null || !e.getMessage().contains(root.getMessage()))) {
      s += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return s.replace('\n', ' ');
  }
}
