package dev.beamline.serving.server;

/** The gRPC port of the server (TF Serving's PredictionService and ModelService). */
final class GrpcEndpoint implements AutoCloseable {
  private final dev.beamline.serving.grpc.GrpcServer server;

  private GrpcEndpoint(dev.beamline.serving.grpc.GrpcServer server) {
    this.server = server;
  }

  /** Opens the port; an IllegalStateException when it cannot (in use, an address not of this machine). */
  static GrpcEndpoint start(Inference inference, ServerOptions options) {
    try {
      return open(inference, options);
    } catch (java.io.UncheckedIOException e) {
      throw new IllegalStateException("cannot open the gRPC port " + options.host() + ":" + options.grpcPort() + ": "
          + (e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage()), e);
    }
  }

  private static GrpcEndpoint open(Inference inference, ServerOptions options) {
    return new GrpcEndpoint(dev.beamline.serving.grpc.GrpcServer.start(inference,
        new dev.beamline.serving.grpc.GrpcServer.Options(options.host(), options.grpcPort(), (int) options.maxBodyBytes(), options.drainTimeout())));
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
