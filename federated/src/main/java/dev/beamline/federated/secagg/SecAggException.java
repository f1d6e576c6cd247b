package dev.beamline.federated.secagg;

/**
 * The protocol was aborted: too few clients left for the threshold, a share that failed authentication, a request a
 * client refuses to answer, or a message out of order. Never thrown for a wrong sum: the protocol either outputs the
 * exact sum of the survivors or aborts with this exception.
 *
 * <pre>{@code
 * try {
 *   SecAggSum sum = server.aggregate();
 * } catch (SecAggException e) {
 *   log.warn("secure aggregation aborted: {}", e.getMessage());
 * }
 * }</pre>
 */
public class SecAggException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SecAggException(String message) {
    super(message);
  }

  public SecAggException(String message, Throwable cause) {
    super(message, cause);
  }
}
