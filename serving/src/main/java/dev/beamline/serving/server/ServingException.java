package dev.beamline.serving.server;

/**
 * A request the server refuses or cannot answer, with the status code TF Serving gives for it (the
 * gRPC code names; REST answers the code's HTTP status and {@code {"error": message}}). The message is
 * for the client: it names the model, version, input or value at fault and never carries a stack trace.
 */
public final class ServingException extends RuntimeException {
  /** TF Serving's status codes as the server uses them, with their HTTP statuses. */
  public enum Code {
    INVALID_ARGUMENT(400),
    NOT_FOUND(404),
    FAILED_PRECONDITION(400),
    RESOURCE_EXHAUSTED(429),
    UNAVAILABLE(503),
    INTERNAL(500);

    private final int httpStatus;

    Code(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Code code;

  public ServingException(Code code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public static ServingException invalid(String message) {
    return new ServingException(Code.INVALID_ARGUMENT, message);
  }

  public static ServingException notFound(String message) {
    return new ServingException(Code.NOT_FOUND, message);
  }
}
