package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;

/**
 * The model server's settings beside its models and its request log.
 *
 * @param host the address both ports bind (default 127.0.0.1: only this machine)
 * @param restPort the REST port (TF Serving's default 8501; 0 = any free port)
 * @param grpcPort the gRPC port (8500; 0 = any free port; -1 = no gRPC)
 * @param maxBodyBytes a request body over this is refused with 413 (and a gRPC message with RESOURCE_EXHAUSTED)
 * @param batching how requests are batched
 * @param pollInterval how often the model folders (and the model config file) are looked at
 * @param warmupRequests requests through a new version before it takes traffic
 * @param drainTimeout on shutdown, how long in-flight requests may take
 */
public record ServerOptions(
    String host,
    int restPort,
    int grpcPort,
    long maxBodyBytes,
    BatchingOptions batching,
    Duration pollInterval,
    int warmupRequests,
    Duration drainTimeout) {
  public ServerOptions {
    checkArgument(restPort >= 0 && restPort < 65536, "REST port %s", restPort);
    checkArgument(grpcPort >= -1 && grpcPort < 65536, "gRPC port %s", grpcPort);
    checkArgument(maxBodyBytes > 0 && maxBodyBytes <= Integer.MAX_VALUE, "max body size %s", maxBodyBytes);
    checkArgument(pollInterval.toMillis() > 0, "poll interval %s", pollInterval);
    checkArgument(warmupRequests >= 0, "warm-up requests %s", warmupRequests);
  }

  /** Loopback, ports 8501 and 8500, 16 MiB bodies, default batching, polled every second, 3 warm-up requests, 30 s to drain. */
  public static ServerOptions defaults() {
    return new ServerOptions("127.0.0.1", 8501, 8500, 16L << 20, BatchingOptions.defaults(), Duration.ofSeconds(1), 3, Duration.ofSeconds(30));
  }

  public ServerOptions withPorts(int rest, int grpc) {
    return new ServerOptions(host, rest, grpc, maxBodyBytes, batching, pollInterval, warmupRequests, drainTimeout);
  }

  public ServerOptions withBatching(BatchingOptions b) {
    return new ServerOptions(host, restPort, grpcPort, maxBodyBytes, b, pollInterval, warmupRequests, drainTimeout);
  }

  public ServerOptions withPollInterval(Duration d) {
    return new ServerOptions(host, restPort, grpcPort, maxBodyBytes, batching, d, warmupRequests, drainTimeout);
  }

  public ServerOptions withMaxBodyBytes(long bytes) {
    return new ServerOptions(host, restPort, grpcPort, bytes, batching, pollInterval, warmupRequests, drainTimeout);
  }

  public ServerOptions withHost(String h) {
    return new ServerOptions(h, restPort, grpcPort, maxBodyBytes, batching, pollInterval, warmupRequests, drainTimeout);
  }

  public ServerOptions withDrainTimeout(Duration d) {
    return new ServerOptions(host, restPort, grpcPort, maxBodyBytes, batching, pollInterval, warmupRequests, d);
  }
}
