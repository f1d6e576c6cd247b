package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.serving.log.ParquetRequestLog;
import dev.beamline.serving.log.RequestLog;
import dev.beamline.serving.log.RequestLogConfig;
import dev.beamline.serving.server.BatchingOptions;
import dev.beamline.serving.server.ModelServer;
import dev.beamline.serving.server.ModelSource;
import dev.beamline.serving.server.ServerMetrics;
import dev.beamline.serving.server.ServerOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beamline serve}: the model server ({@link ModelServer}) until SIGTERM or Ctrl-C, which drain
 * the requests in flight before the process ends.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Serves models over TensorFlow Serving's REST API (port 8501) and gRPC API (port",
      "8500): every model the push stage published under --model-base (<base>/<name>/",
      "<version>/, the latest version of each), or the models of --model-config (a YAML",
      "file with version policies and labels, re-read when it changes). New versions",
      "are found by polling, loaded, warmed up and only then given traffic; old ones",
      "are unloaded once their requests are answered.",
      "  curl -d '{\"instances\": [{...}]}' localhost:8501/v1/models/penguins:predict",
      "Also /healthz, /readyz and /metrics (Prometheus). SIGTERM or Ctrl-C drains the",
      "requests in flight, publishes the request log's open segments and exits.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "143:stopped by SIGTERM (130: Ctrl-C) after draining, as any process ended by a signal",
      "1:the server could not start: a port in use, an address it cannot bind",
      "2:bad usage or configuration: neither or both of --model-base and --model-config, a model config file with an error (file, line, key), a missing --model-base folder, a bad option value",
      "3:unexpected error"
    })
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class Models {
    @Option(names = "--model-base", paramLabel = "<dir>", required = true,
        description = "Serve every model under this folder (the push stage's serving base, e.g. beamline-runs/serving): the latest version of each.")
    String base;

    @Option(names = "--model-config", paramLabel = "<file.yaml>", required = true,
        description = "Serve the models this file lists: name, base_path, version_policy (latest: N | all | specific: [..]), labels. Re-read when it changes.")
    Path config;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Models models;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "The address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--rest-port", defaultValue = "8501", description = "The REST port (default: ${DEFAULT-VALUE}; 0: any free port, printed).")
  int restPort;

  @Option(names = "--grpc-port", defaultValue = "8500", description = "The gRPC port (default: ${DEFAULT-VALUE}; 0: any free port; -1: no gRPC).")
  int grpcPort;

  @Option(names = "--max-batch-size", defaultValue = "64", description = "At most this many rows in one TensorFlow call (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @Option(names = "--batch-timeout-micros", defaultValue = "0",
      description = "How long a batch that is not full waits for more requests (default: ${DEFAULT-VALUE}: batches form only while every batch thread is busy).")
  long batchTimeoutMicros;

  @Option(names = "--batch-threads", description = "Threads running a model version's batches (default: one per core).")
  Integer batchThreads;

  @Option(names = "--max-queued-rows", defaultValue = "100000", description = "Rows waiting for a batch beyond which requests get 503 (default: ${DEFAULT-VALUE}).")
  int maxQueuedRows;

  @Option(names = "--poll-seconds", defaultValue = "1", description = "How often the model folders and --model-config are looked at (default: ${DEFAULT-VALUE}).")
  double pollSeconds;

  @Option(names = "--warmup-requests", defaultValue = "3", description = "Requests through a new version before it takes traffic (default: ${DEFAULT-VALUE}).")
  int warmupRequests;

  @Option(names = "--max-body-bytes", defaultValue = "16777216", description = "Larger request bodies get 413 (default: ${DEFAULT-VALUE}, 16 MiB).")
  long maxBodyBytes;

  @Option(names = "--drain-seconds", defaultValue = "30", description = "On SIGTERM, how long requests in flight may take (default: ${DEFAULT-VALUE}).")
  long drainSeconds;

  @Option(names = "--request-log", paramLabel = "<dir>",
      description = "Log a sample of requests and answers as Parquet under <dir>/<model>/<version>/, readable by ingestion (format: parquet).")
  Path requestLog;

  @Option(names = "--request-log-sample", defaultValue = "1.0", description = "The fraction of requests logged, by request id (default: ${DEFAULT-VALUE}).")
  double requestLogSample;

  @Option(names = "--request-log-segment-mb", defaultValue = "64", description = "A log segment is published at this size (default: ${DEFAULT-VALUE}).")
  long segmentMb;

  @Option(names = "--request-log-segment-seconds", defaultValue = "300", description = "... or after this long (default: ${DEFAULT-VALUE}).")
  long segmentSeconds;

  @CommandLine.Mixin EncryptionOptions encryption;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    openEncryption();
    ServerOptions options;
    ModelSource source;
    RequestLogConfig logConfig = null;
    try {
      BatchingOptions batching = new BatchingOptions(maxBatchSize, Duration.ofNanos(batchTimeoutMicros * 1000),
          batchThreads == null ? Runtime.getRuntime().availableProcessors() : batchThreads, maxQueuedRows);
      options = new ServerOptions(host, restPort, grpcPort, maxBodyBytes, batching, Duration.ofMillis(Math.round(pollSeconds * 1000)),
          warmupRequests, Duration.ofSeconds(drainSeconds));
      if (requestLog != null) {
        logConfig = RequestLogConfig.of(requestLog).withSampleRate(requestLogSample).withMaxSegmentBytes(segmentMb << 20)
            .withMaxSegmentAge(Duration.ofSeconds(segmentSeconds));
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    if (models.base != null) {
      if (!dev.beamline.core.Storage.isLocal(models.base) || Files.isDirectory(Path.of(models.base))) {
        source = ModelSource.base(models.base);
      } else {
        throw new ConfigException("--model-base " + models.base + " is not a folder");
      }
    } else {
      source = ModelSource.file(models.config);
    }
    ServerMetrics metrics = new ServerMetrics();
    RequestLog log = logConfig == null ? RequestLog.NONE : ParquetRequestLog.open(logConfig, metrics.registry());
    ModelServer server;
    try {
      server = ModelServer.start(source, options, metrics, log);
    } catch (IllegalStateException e) {
      log.close();
      err.println("beamline: the server could not start: " + e.getMessage());
      return BeamlineCli.CHECK_FAILED;
    }
    out.printf("serving REST on http://%s:%d%s%n", host, server.restPort(),
        server.grpcPort() >= 0 ? ", gRPC on " + host + ":" + server.grpcPort() : "");
    server.readiness().forEach((name, ready) -> out.printf("  model %s: %s%n", name, ready ? "ready" : "no version available yet"));
    if (server.readiness().isEmpty()) {
      out.println("  no model yet: waiting for one to be pushed");
    }
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      err.println("beamline: stopping: draining requests in flight ...");
      err.flush();
      server.close();
      err.println("beamline: stopped");
      err.flush();
      stopped.countDown();
    }, "serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
    return BeamlineCli.OK;
  }

  /**
   * With {@code --encryption-keyset}: the serving base (the models' SavedModels, decrypted into memory
   * only) and the request log folder (segments written encrypted) are registered as encrypted. A wrong
   * or missing key stops the server here (exit 2), before it binds a port or writes a file.
   */
  private void openEncryption() {
    dev.beamline.core.crypto.EncryptionConfig config = encryption.config();
    if (config == null) {
      return;
    }
    dev.beamline.core.crypto.ArtifactCipher cipher = config.open();
    if (models.base != null) {
      dev.beamline.core.crypto.Encryption.register(models.base, dev.beamline.core.crypto.Encryption.SERVING, cipher);
    } else {
      // Each model's base_path is <serving base>/<model>, the push stage's layout.
      for (dev.beamline.serving.server.ModelConfig m : dev.beamline.serving.server.ModelConfigFile.read(models.config)) {
        dev.beamline.core.crypto.Encryption.register(
            dev.beamline.core.Storage.parent(m.basePath()), dev.beamline.core.crypto.Encryption.SERVING, cipher);
      }
    }
    if (requestLog != null) {
      dev.beamline.core.crypto.Encryption.register(requestLog.toString(), dev.beamline.core.crypto.Encryption.REQUEST_LOGS, cipher);
    }
  }
}
