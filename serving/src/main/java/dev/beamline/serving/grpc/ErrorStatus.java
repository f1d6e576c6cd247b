package dev.beamline.serving.grpc;

import dev.beamline.serving.server.ServingException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC status a failed call answers: a {@link ServingException}'s code (its names are gRPC's)
 * with its message for the client; anything else is a bug of the server's, answered as INTERNAL with
 * a generic message that names the request id, and logged here with its stack trace. A stack trace
 * never goes to the client.
 *
 * <pre>{@code
 * future.whenComplete((answer, error) -> {
 *   if (error != null) {
 *     observer.onError(ErrorStatus.of(error, requestId).asRuntimeException());
 *   }
 * });
 * }</pre>
 */
public final class ErrorStatus {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorStatus.class);

  private ErrorStatus() {}

  /**
   * The status for {@code error} (unwrapping {@link CompletionException} and
   * {@link ExecutionException}) of request {@code requestId}.
   */
  public static Status of(Throwable error, String requestId) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof ServingException s) {
      return Status.fromCode(code(s.code())).withDescription(s.getMessage());
    }
    if (e instanceof StatusRuntimeException s) {
      return s.getStatus();
    }
    if (e instanceof StatusException s) {
      return s.getStatus();
    }
    if (e instanceof CancellationException) {
      return Status.CANCELLED.withDescription("the request was cancelled");
    }
    LOG.error("gRPC request {} failed", requestId, e);
    return Status.INTERNAL.withDescription("internal error (request id " + requestId + ")");
  }

  /** The gRPC code of {@code code}: the one of the same name. */
  public static Status.Code code(ServingException.Code code) {
    try {
      return Status.Code.valueOf(code.name());
    } catch (IllegalArgumentException e) {
      // A code gRPC does not know by that name: a bug, but the client still gets an error.
      return Status.Code.UNKNOWN;
    }
  }
}
