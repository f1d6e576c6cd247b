package dev.beamline.serving.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.serving.server.Inference.RequestInfo;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TF Serving's REST API on Vert.x: event-loop threads read and parse requests and write answers; the
 * models run on the batchers' worker threads, so an event loop never waits on TensorFlow.
 *
 * <ul>
 *   <li>{@code GET /v1/models/{name}[/versions/{v}|/labels/{l}]}: the versions' status;
 *   <li>{@code GET .../metadata}: the signature definitions;
 *   <li>{@code POST .../{name}[/versions/{v}|/labels/{l}]:predict|:classify|:regress};
 *   <li>{@code GET /healthz} (the process answers), {@code GET /readyz} (every model has an available
 *       version), {@code GET /metrics} (Prometheus).
 * </ul>
 *
 * Every answer carries {@code X-Request-Id} (the client's, else a new one); inference answers also
 * {@code X-Model-Name} and {@code X-Model-Version}, the version that computed them. Errors are {@code
 * {"error": "..."}} with 400 (a malformed body, a wrong type, a missing input, a bad name or version
 * in the URL), 404 (an unknown model, version or label, or URL), 405 (a wrong method), 413 (a body over
 * the limit), 503 (the server is draining or a queue is full), 500 (a model's failure: never a stack
 * trace).
 */
final class RestApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
  private static final Pattern MODEL_URL = Pattern.compile(
      "/v1/models/([^/:]+)(?:/versions/([^/:]+)|/labels/([^/:]+))?(/metadata|:predict|:classify|:regress)?/?");
  private static final String JSON_TYPE = "application/json";

  private final ModelServer server;
  private final ServerOptions options;
  private final ServerMetrics metrics;
  private final Vertx vertx;
  private HttpServer http;

  private RestApi(ModelServer server, ServerOptions options, ServerMetrics metrics) {
    this.server = server;
    this.options = options;
    this.metrics = metrics;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
        .setBlockedThreadCheckInterval(10_000));
  }

  static RestApi start(ModelServer server, ServerOptions options, ServerMetrics metrics) {
    RestApi api = new RestApi(server, options, metrics);
    try {
      api.http = api.vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.restPort())
              .setCompressionSupported(false).setIdleTimeout(120))
          .requestHandler(api::handle)
          .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      api.vertx.close();
      Throwable c = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot open the REST port " + options.host() + ":" + options.restPort() + ": " + c.getMessage(), c);
    }
    return api;
  }

  int port() {
    return http.actualPort();
  }

  private void handle(HttpServerRequest req) {
    String id = req.getHeader("X-Request-Id");
    if (id == null || id.isBlank() || id.length() > 200) {
      id = UUID.randomUUID().toString();
    }
    String requestId = id;
    HttpServerResponse res = req.response();
    res.putHeader("X-Request-Id", requestId);
    String path = req.path();
    try {
      switch (path) {
        case "/healthz" -> {
          text(res, 200, "ok\n");
          return;
        }
        case "/readyz" -> {
          ready(res);
          return;
        }
        case "/metrics" -> {
          res.putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").setStatusCode(200).end(metrics.scrape());
          return;
        }
        default -> { }
      }
      Matcher m = MODEL_URL.matcher(path);
      if (!m.matches()) {
        error(res, 404, "Malformed request: " + req.method() + " " + abbreviate(path)
            + " (the API is /v1/models/<name>[/versions/<v>|/labels/<l>][/metadata|:predict|:classify|:regress])");
        return;
      }
      String name = decode(m.group(1));
      if (!ModelConfig.validName(name)) {
        error(res, 400, "invalid model name '" + abbreviate(name) + "': letters, digits, '.', '_', '-'");
        return;
      }
      Long version = null;
      if (m.group(2) != null) {
        String v = decode(m.group(2));
        if (!v.matches("\\d{1,18}")) {
          error(res, 400, "invalid version '" + abbreviate(v) + "': a version is a number");
          return;
        }
        version = Long.parseLong(v);
      }
      String label = m.group(3) == null ? null : decode(m.group(3));
      if (label != null && !ModelConfig.validName(label)) {
        error(res, 400, "invalid label '" + abbreviate(label) + "'");
        return;
      }
      ServableRef ref = new ServableRef(name, version, label);
      String verb = m.group(4);
      if (verb == null || verb.equals("/metadata")) {
        if (req.method() != HttpMethod.GET) {
          error(res, 405, "use GET for " + abbreviate(path));
          return;
        }
        if (verb == null) {
          json(res, 200, RestJson.status(server.status(ref)));
        } else {
          json(res, 200, RestJson.metadata(server.metadata(ref)));
        }
        return;
      }
      if (req.method() != HttpMethod.POST) {
        error(res, 405, "use POST for " + abbreviate(path));
        return;
      }
      String contentLength = req.getHeader("Content-Length");
      if (contentLength != null && parseLong(contentLength) > options.maxBodyBytes()) {
        tooLarge(req, res);
        return;
      }
      if (!server.enter()) {
        res.putHeader("Connection", "close");
        error(res, 503, "the server is shutting down");
        return;
      }
      readBody(req, res, body -> infer(req, res, ref, verb.substring(1), body, requestId));
    } catch (ServingException e) {
      error(res, e.code().httpStatus(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("request {} {} failed", req.method(), path, e);
      error(res, 500, "internal error (request id " + requestId + ")");
    }
  }

  private void ready(HttpServerResponse res) {
    Map<String, Boolean> models = server.readiness();
    boolean ready = !models.isEmpty() && !models.containsValue(false) && !server.closing();
    StringBuilder sb = new StringBuilder("{\"ready\":").append(ready).append(",\"models\":{");
    boolean first = true;
    for (Map.Entry<String, Boolean> e : models.entrySet()) {
      sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
      first = false;
    }
    sb.append("}}");
    json(res, ready ? 200 : 503, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads the body up to the limit; over it, 413 and the connection closed. */
  private void readBody(HttpServerRequest req, HttpServerResponse res, java.util.function.Consumer<byte[]> then) {
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    req.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + chunk.length() > options.maxBodyBytes()) {
        refused[0] = true;
        server.exit();
        tooLarge(req, res);
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(e -> {
      if (!refused[0]) {
        refused[0] = true;
        server.exit();
      }
    });
    req.endHandler(v -> {
      if (!refused[0]) {
        then.accept(body.getBytes());
      }
    });
  }

  private void tooLarge(HttpServerRequest req, HttpServerResponse res) {
    res.putHeader("Connection", "close");
    error(res, 413, "the request body is over the limit of " + options.maxBodyBytes() + " bytes");
    req.connection().close();
  }

  private void infer(HttpServerRequest req, HttpServerResponse res, ServableRef ref, String verb, byte[] bytes, String requestId) {
    RequestInfo info = new RequestInfo(requestId, "rest");
    CompletableFuture<byte[]> answer;
    CompletableFuture<?>[] version = new CompletableFuture<?>[1];
    try {
      JsonNode body = RestJson.parse(bytes);
      switch (verb) {
        case "predict" -> {
          RestJson.PredictBody p = RestJson.predict(body);
          answer = server.predict(ref, p.signature(), p.inputs(), info).thenApply(r -> {
            headers(res, r.model(), r.version());
            return RestJson.prediction(r.outputs(), p.rowFormat());
          });
        }
        case "classify" -> {
          RestJson.ExamplesBody e = RestJson.examples(body);
          answer = server.classify(ref, e.signature(), e.examples(), info).thenApply(r -> {
            headers(res, r.model(), r.version());
            return RestJson.classification(r);
          });
        }
        default -> {
          RestJson.ExamplesBody e = RestJson.examples(body);
          answer = server.regress(ref, e.signature(), e.examples(), info).thenApply(r -> {
            headers(res, r.model(), r.version());
            return RestJson.regression(r.values());
          });
        }
      }
    } catch (ServingException e) {
      server.exit();
      error(res, e.code().httpStatus(), e.getMessage());
      return;
    } catch (RuntimeException e) {
      server.exit();
      LOG.error("request {} failed", requestId, e);
      error(res, 500, "internal error (request id " + requestId + ")");
      return;
    }
    answer.whenComplete((out, e) -> {
      server.exit();
      if (e == null) {
        json(res, 200, out);
        return;
      }
      Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
      if (c instanceof ServingException se) {
        error(res, se.code().httpStatus(), se.getMessage());
      } else {
        LOG.error("request {} failed", requestId, c);
        error(res, 500, "internal error (request id " + requestId + ")");
      }
    });
  }

  private static void headers(HttpServerResponse res, String model, long version) {
    res.putHeader("X-Model-Name", model);
    res.putHeader("X-Model-Version", Long.toString(version));
  }

  private static void json(HttpServerResponse res, int status, byte[] body) {
    if (res.ended() || res.closed()) {
      return;
    }
    res.setStatusCode(status).putHeader("Content-Type", JSON_TYPE).end(Buffer.buffer(body));
  }

  private static void text(HttpServerResponse res, int status, String body) {
    res.setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8").end(body);
  }

  private static void error(HttpServerResponse res, int status, String message) {
    json(res, status, RestJson.error(message));
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String decode(String segment) {
    try {
      return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ServingException.invalid("malformed percent-encoding in '" + abbreviate(segment) + "'");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }

  /** Stops taking connections once the open requests are answered (the server drains first), then stops Vert.x. */
  @Override
  public void close() {
    try {
      if (http != null) {
        http.shutdown(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS).toCompletionStage().toCompletableFuture()
            .get(options.drainTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      LOG.warn("closing the REST port: {}", e.toString());
    } finally {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("stopping Vert.x: {}", e.toString());
      }
    }
  }
}
