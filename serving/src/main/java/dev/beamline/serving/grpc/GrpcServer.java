package dev.beamline.serving.grpc;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.serving.server.Inference;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model server's gRPC endpoint: TF Serving's {@code PredictionService} and {@code ModelService}
 * over an {@link Inference}, on Netty (grpc-netty-shaded), every call with a request id
 * ({@link RequestIds}). TF Serving's clients (its Python {@code prediction_service_pb2_grpc}, or stubs
 * generated from its protos) work against it unchanged.
 *
 * <pre>{@code
 * try (GrpcServer grpc = GrpcServer.start(inference, GrpcServer.Options.defaults().withPort(0))) {
 *   ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpc.port()).usePlaintext().build();
 *   PredictResponse r = PredictionServiceGrpc.newBlockingStub(channel).predict(request);
 * }
 * }</pre>
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);

  /**
   * Where and how the server listens.
   *
   * @param host the address to bind
   * @param port the port; 0 for any free one ({@link GrpcServer#port()} tells which)
   * @param maxInboundMessageBytes a request message over this is refused (RESOURCE_EXHAUSTED)
   * @param drainTimeout on {@link GrpcServer#close()}, how long calls in flight may take to finish
   */
  public record Options(String host, int port, int maxInboundMessageBytes, Duration drainTimeout) {
    public Options {
      checkNotNull(host, "host");
      checkArgument(port >= 0 && port < 65536, "port is %s; allowed: 0 (any free port) to 65535", port);
      checkArgument(maxInboundMessageBytes > 0, "maxInboundMessageBytes is %s; it must be positive", maxInboundMessageBytes);
      checkArgument(drainTimeout != null && !drainTimeout.isNegative(), "drainTimeout is %s; it must be zero or more", drainTimeout);
    }

    /** TF Serving's gRPC port 8500 on loopback, 16 MiB messages, 30 s to drain. */
    public static Options defaults() {
      return new Options("127.0.0.1", 8500, 16 << 20, Duration.ofSeconds(30));
    }

    public Options withHost(String h) {
      return new Options(h, port, maxInboundMessageBytes, drainTimeout);
    }

    public Options withPort(int p) {
      return new Options(host, p, maxInboundMessageBytes, drainTimeout);
    }

    public Options withMaxInboundMessageBytes(int bytes) {
      return new Options(host, port, bytes, drainTimeout);
    }

    public Options withDrainTimeout(Duration d) {
      return new Options(host, port, maxInboundMessageBytes, d);
    }
  }

  private final Server server;
  private final int port;
  private final Duration drainTimeout;

  private GrpcServer(Server server, Duration drainTimeout) {
    this.server = server;
    this.port = server.getPort();
    this.drainTimeout = drainTimeout;
  }

  /**
   * A started server answering from {@code inference}, with the default drain timeout.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static GrpcServer start(Inference inference, String host, int port, int maxInboundMessageBytes) {
    return start(inference, Options.defaults().withHost(host).withPort(port).withMaxInboundMessageBytes(maxInboundMessageBytes));
  }

  /**
   * A started server answering from {@code inference}.
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static GrpcServer start(Inference inference, Options options) {
    checkNotNull(inference, "inference");
    checkNotNull(options, "options");
    // The handlers never block (inference answers through futures; metadata and status are in
    // memory), so gRPC's default executor only translates requests and answers.
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(options.host(), options.port()))
        .maxInboundMessageSize(options.maxInboundMessageBytes())
        .addService(new PredictionServiceImpl(inference))
        .addService(new ModelServiceImpl(inference))
        .intercept(new RequestIds())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve gRPC on " + options.host() + ":" + options.port(), e);
    }
    GrpcServer started = new GrpcServer(server, options.drainTimeout());
    LOG.info("gRPC server listening on {}:{}", options.host(), started.port());
    return started;
  }

  /** The port the server listens on (the one chosen when the options said 0). */
  public int port() {
    return port;
  }

  /**
   * Stops taking calls, lets those in flight finish for up to the drain timeout, then cancels what is
   * left. Idempotent.
   */
  @Override
  public void close() {
    if (server.isTerminated()) {
      return;
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("gRPC calls still running after {}; cancelling them", drainTimeout);
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    LOG.info("gRPC server on port {} stopped", port);
  }
}
