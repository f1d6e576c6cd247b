package dev.beamline.serving.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, served at {@code /metrics}:
 *
 * <ul>
 *   <li>{@code beamline_serving_requests_total{model,version,api,method,code}}: answered requests by
 *       outcome ({@code OK} or the error's code);
 *   <li>{@code beamline_serving_request_latency_seconds{model,version,method}}: a histogram of the
 *       time from a request's arrival to its answer;
 *   <li>{@code beamline_serving_batch_size{model,version}}: a histogram of the rows of each
 *       TensorFlow call;
 *   <li>{@code beamline_serving_queue_depth{model,version,signature}}: rows waiting for a batch;
 *   <li>{@code beamline_serving_model_versions{model,state}}: versions per state.
 * </ul>
 *
 * A request refused before a version is known is counted with {@code version="none"}.
 */
public final class ServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Object> registered = new ConcurrentHashMap<>();

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The metrics in Prometheus' text format. */
  public String scrape() {
    return registry.scrape();
  }

  /** One answered request. */
  public void request(String model, String version, String api, String method, String code, long nanos) {
    Counter.builder("beamline.serving.requests").description("Answered requests by outcome")
        .tags("model", model, "version", version, "api", api, "method", method, "code", code)
        .register(registry).increment();
    if ("OK".equals(code)) {
      Timer.builder("beamline.serving.request.latency").description("Time from a request's arrival to its answer")
          .tags("model", model, "version", version, "method", method)
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(0).plusNanos(50_000))
          .maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry).record(Duration.ofNanos(nanos));
    }
  }

  void batch(String model, long version, int rows) {
    DistributionSummary.builder("beamline.serving.batch.size").description("Rows of each TensorFlow call")
        .tags("model", model, "version", Long.toString(version))
        .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(4096.0)
        .register(registry).record(rows);
  }

  void queue(String model, long version, String signature, IntSupplier depth) {
    String key = model + "/" + version + "/" + signature;
    if (registered.putIfAbsent("queue:" + key, Boolean.TRUE) == null) {
      Gauge.builder("beamline.serving.queue.depth", depth, IntSupplier::getAsInt).description("Rows waiting for a batch")
          .tags("model", model, "version", Long.toString(version), "signature", signature)
          .strongReference(true).register(registry);
    }
  }

  /** Registers the gauge of versions of {@code model} in {@code state}. */
  void versions(String model, String state, IntSupplier count) {
    if (registered.putIfAbsent("versions:" + model + "/" + state, Boolean.TRUE) == null) {
      Gauge.builder("beamline.serving.model.versions", count, IntSupplier::getAsInt).description("Model versions by state")
          .tags("model", model, "state", state).strongReference(true).register(registry);
    }
  }
}
