package dev.beamline.serving.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.UUID;

/**
 * Gives every gRPC call a request id, as the REST side does with {@code X-Request-Id}: the client's
 * {@code x-request-id} header when it sent one that is not blank and at most 200 characters long
 * (the REST side's rule), else a new UUID. The id is in {@link #current()} while the call's handler
 * runs, and goes back to the client in the response headers, or in the trailers when the call fails
 * before any header is sent.
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(0).addService(service).intercept(new RequestIds()).build();
 * // in a handler:
 * String id = RequestIds.current();
 * }</pre>
 */
public final class RequestIds implements ServerInterceptor {
  /** The header, request and response. */
  public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

  static final int MAX_LENGTH = 200;

  private static final Context.Key<String> KEY = Context.key("x-request-id");

  /** The id of the call whose handler runs on this thread, or null outside a call. */
  public static String current() {
    return KEY.get();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String sent = headers.get(HEADER);
    String id = usable(sent) ? sent : UUID.randomUUID().toString();
    ServerCall<ReqT, RespT> answering = new SimpleForwardingServerCall<>(call) {
      // The call's methods are never called concurrently, but may be called from different threads.
      private volatile boolean headersSent;

      @Override
      public void sendHeaders(Metadata responseHeaders) {
        responseHeaders.put(HEADER, id);
        headersSent = true;
        super.sendHeaders(responseHeaders);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (!headersSent) {
          // A call that fails before its first message answers with trailers only.
          trailers.put(HEADER, id);
        }
        super.close(status, trailers);
      }
    };
    return Contexts.interceptCall(Context.current().withValue(KEY, id), answering, headers, next);
  }

  static boolean usable(String id) {
    // gRPC's ASCII metadata holds printable characters only; no further check is needed.
    return id != null && !id.isBlank() && id.length() <= MAX_LENGTH;
  }
}
