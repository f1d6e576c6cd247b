package dev.beamline.serving.grpc;

import dev.beamline.serving.grpc.proto.ModelServiceGrpc;
import dev.beamline.serving.grpc.proto.PredictionServiceGrpc;
import dev.beamline.serving.server.Inference;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gRPC client, with stubs generated from the server's own protos, for tests: either with its own
 * {@link GrpcServer} on a free port ({@link #start}) or against a server already listening
 * ({@link #connect}, e.g. a {@code ModelServer}'s gRPC port). Remembers the headers and trailers of
 * the last call, so a test can read the request id the server gave it.
 *
 * <pre>{@code
 * try (GrpcHarness grpc = GrpcHarness.start(inference)) {
 *   PredictResponse r = grpc.prediction().predict(request);
 *   String id = grpc.lastRequestId();
 * }
 * }</pre>
 */
public final class GrpcHarness implements AutoCloseable {
  private final GrpcServer server;
  private final ManagedChannel channel;
  private final AtomicReference<Metadata> headers = new AtomicReference<>();
  private final AtomicReference<Metadata> trailers = new AtomicReference<>();

  private GrpcHarness(GrpcServer server, int port) {
    this.server = server;
    this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** A new server for {@code inference} on loopback, any free port, and a client of it. */
  public static GrpcHarness start(Inference inference) {
    return start(inference, GrpcServer.Options.defaults().withPort(0));
  }

  public static GrpcHarness start(Inference inference, GrpcServer.Options options) {
    GrpcServer server = GrpcServer.start(inference, options);
    return new GrpcHarness(server, server.port());
  }

  /** A client of the server listening on loopback {@code port}; closing it leaves the server running. */
  public static GrpcHarness connect(int port) {
    return new GrpcHarness(null, port);
  }

  /** A PredictionService stub with a 30 s deadline per call. */
  public PredictionServiceGrpc.PredictionServiceBlockingStub prediction() {
    return PredictionServiceGrpc.newBlockingStub(channel)
        .withInterceptors(new Capture())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** The same, sending {@code requestId} as {@code x-request-id}. */
  public PredictionServiceGrpc.PredictionServiceBlockingStub prediction(String requestId) {
    return prediction().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(requestIdHeader(requestId)));
  }

  /** A ModelService stub with a 30 s deadline per call. */
  public ModelServiceGrpc.ModelServiceBlockingStub models() {
    return ModelServiceGrpc.newBlockingStub(channel)
        .withInterceptors(new Capture())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** The server this harness started (null after {@link #connect}). */
  public GrpcServer server() {
    return server;
  }

  /** The port of the server this harness started. */
  public int port() {
    return server.port();
  }

  /** The response headers of the last call (null when it failed before sending any). */
  public Metadata lastHeaders() {
    return headers.get();
  }

  /** The trailers of the last call. */
  public Metadata lastTrailers() {
    return trailers.get();
  }

  /** The {@code x-request-id} of the last call's answer: from its headers, else its trailers. */
  public String lastRequestId() {
    Metadata h = headers.get();
    if (h != null && h.containsKey(RequestIds.HEADER)) {
      return h.get(RequestIds.HEADER);
    }
    Metadata t = trailers.get();
    return t == null ? null : t.get(RequestIds.HEADER);
  }

  /** Keeps the metadata of the call under way, forgetting the previous call's at its start. */
  private final class Capture implements ClientInterceptor {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<RespT> listener, Metadata requestHeaders) {
          headers.set(null);
          trailers.set(null);
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onHeaders(Metadata h) {
              headers.set(h);
              super.onHeaders(h);
            }

            @Override
            public void onClose(Status status, Metadata t) {
              trailers.set(t);
              super.onClose(status, t);
            }
          }, requestHeaders);
        }
      };
    }
  }

  private static Metadata requestIdHeader(String id) {
    Metadata m = new Metadata();
    m.put(RequestIds.HEADER, id);
    return m;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    if (server != null) {
      server.close();
    }
  }
}
