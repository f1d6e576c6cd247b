package dev.beamline.serving.server;

import dev.beamline.serving.log.LoggedRequest;
import dev.beamline.serving.log.RequestLog;
import dev.beamline.serving.server.SignatureSpec.TensorSpec;
import dev.beamline.serving.server.TensorData.DType;
import dev.beamline.training.ServingModel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beamline's model server: the models of a {@link ModelSource}, kept in line with the disk by a
 * {@link ModelManager}, answering TF Serving's REST API ({@link RestApi}) and gRPC API, with batching,
 * a request log and Prometheus metrics. {@link #close} drains: it stops taking requests, answers those
 * in flight, unloads the models and closes the request log.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(ModelSource.base("beamline-runs/serving"),
 *     ServerOptions.defaults().withPorts(0, 0), new ServerMetrics(), RequestLog.NONE)) {
 *   int port = server.restPort();
 * }
 * }</pre>
 */
public final class ModelServer implements Inference, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  private static final int WARMUP_ROWS = 4;

  private final ServerOptions options;
  private final ServerMetrics metrics;
  private final RequestLog requestLog;
  private final ModelManager manager;
  private final AtomicInteger inFlight = new AtomicInteger();
  private RestApi rest;
  private AutoCloseable grpc;
  private int grpcPort = -1;
  private volatile boolean closed;

  private ModelServer(ModelSource models, ServerOptions options, ServerMetrics metrics, RequestLog requestLog) {
    this.options = options;
    this.metrics = metrics;
    this.requestLog = requestLog;
    this.manager = new ModelManager(models, options, metrics, this::warmUp);
  }

  /**
   * Loads the models (every version the policies want, warmed up), then opens the REST port and, unless
   * {@link ServerOptions#grpcPort()} is -1, the gRPC port.
   */
  public static ModelServer start(ModelSource models, ServerOptions options, ServerMetrics metrics, RequestLog requestLog) {
    ModelServer s = new ModelServer(models, options, metrics, requestLog);
    try {
      s.manager.start();
      s.rest = RestApi.start(s, options, metrics);
      if (options.grpcPort() >= 0) {
        GrpcEndpoint g = GrpcEndpoint.start(s, options);
        s.grpc = g;
        s.grpcPort = g.port();
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    LOG.info("serving REST on {}:{}{}", options.host(), s.restPort(), s.grpcPort >= 0 ? ", gRPC on " + options.host() + ":" + s.grpcPort : "");
    return s;
  }

  public int restPort() {
    return rest.port();
  }

  /** The gRPC port, or -1 when gRPC is off. */
  public int grpcPort() {
    return grpcPort;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /** Brings the models in line with the disk and the configuration now, without waiting for the next poll. */
  public void poll() {
    manager.reconcile();
  }

  /** Each configured model and whether it has an available version. */
  public Map<String, Boolean> readiness() {
    return manager.readiness();
  }

  /** Why the model config file was last refused, or null. */
  public String configError() {
    return manager.configError();
  }

  /** Requests between their arrival and their answer, over both APIs. */
  int inFlight() {
    return inFlight.get();
  }

  boolean closing() {
    return closed;
  }

  /** Counts a request in; false when the server is draining. */
  boolean enter() {
    // Counted before the check: close() sets the flag, then waits for the count, so it sees every
    // request that got past the check.
    inFlight.incrementAndGet();
    if (closed) {
      inFlight.decrementAndGet();
      return false;
    }
    return true;
  }

  void exit() {
    inFlight.decrementAndGet();
  }

  // ---- warm-up ----

  /** Runs the warm-up requests through the version's batcher: rows of missing values, which every Beamline model takes. */
  private void warmUp(ServedVersion v) {
    if (options.warmupRequests() == 0) {
      return;
    }
    SignatureSpec spec = v.signature(DEFAULT_SIGNATURE);
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    for (TensorSpec in : spec.inputs().values()) {
      inputs.put(in.name(), missing(in, WARMUP_ROWS));
    }
    for (int i = 0; i < options.warmupRequests(); i++) {
      try {
        v.run(spec, inputs, WARMUP_ROWS).get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
      } catch (Exception e) {
        throw new IllegalStateException(e.toString(), e);
      }
    }
  }

  private static TensorData missing(TensorSpec in, int rows) {
    long[] shape = in.shape().length == 0 ? new long[] {rows} : in.shape();
    shape[0] = rows;
    int n = 1;
    for (int i = 1; i < shape.length; i++) {
      shape[i] = Math.max(1, shape[i]);
    }
    for (long d : shape) {
      n *= (int) d;
    }
    DType t = in.type() == null ? DType.DOUBLE : in.type();
    Object values = switch (t) {
      case FLOAT -> new float[n];
      case DOUBLE -> {
        double[] d = new double[n];
        Arrays.fill(d, Double.NaN);
        yield d;
      }
      case INT32 -> new int[n];
      case INT64 -> {
        long[] l = new long[n];
        Arrays.fill(l, Long.MIN_VALUE);
        yield l;
      }
      case BOOL -> new boolean[n];
      case STRING -> {
        byte[][] b = new byte[n][];
        Arrays.fill(b, new byte[0]);
        yield b;
      }
    };
    return TensorData.of(t, shape, values);
  }

  // ---- Inference ----

  @Override
  public CompletableFuture<Prediction> predict(ServableRef ref, String signature, Map<String, TensorData> inputs, RequestInfo info) {
    return call(ref, signature, info, "predict", (v, spec) -> spec.conform(inputs, v.toString()),
        (v, spec, out) -> new Prediction(v.model(), v.version(), spec.key(), out));
  }

  @Override
  public CompletableFuture<Classification> classify(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info) {
    return call(ref, signature, info, "classify", (v, spec) -> {
      ServingModel.Description d = v.servingModel().description();
      if (!d.classification()) {
        throw ServingException.invalid(v + " is a regression model: use :regress or :predict");
      }
      requireDefault(spec, v, "classify");
      return examples(spec, examples, v);
    }, (v, spec, out) -> {
      List<String> classes = v.servingModel().description().classes();
      TensorData p = out.get("probabilities");
      List<List<ScoredClass>> results = new ArrayList<>(p.rows());
      for (int r = 0; r < p.rows(); r++) {
        List<ScoredClass> row = new ArrayList<>(classes.size());
        for (int k = 0; k < classes.size(); k++) {
          row.add(new ScoredClass(classes.get(k), (float) p.doubleAt(r * classes.size() + k)));
        }
        results.add(row);
      }
      return new Classification(v.model(), v.version(), spec.key(), results);
    });
  }

  @Override
  public CompletableFuture<Regression> regress(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info) {
    return call(ref, signature, info, "regress", (v, spec) -> {
      if (v.servingModel().description().classification()) {
        throw ServingException.invalid(v + " is a classification model: use :classify or :predict");
      }
      requireDefault(spec, v, "regress");
      return examples(spec, examples, v);
    }, (v, spec, out) -> {
      TensorData p = out.get("predictions");
      float[] values = new float[p.rows()];
      for (int r = 0; r < values.length; r++) {
        values[r] = (float) p.doubleAt(r);
      }
      return new Regression(v.model(), v.version(), spec.key(), values);
    });
  }

  private static void requireDefault(SignatureSpec spec, ServedVersion v, String method) {
    if (!spec.key().equals(DEFAULT_SIGNATURE)) {
      throw ServingException.invalid(method + " runs the signature '" + DEFAULT_SIGNATURE + "' (raw features) of " + v
          + ", not '" + spec.key() + "'; use :predict for other signatures");
    }
  }

  /**
   * Examples as the signature's input tensors: each input from the feature of its name, one value per
   * example; an absent feature (or an empty list) is a missing value. Features the model does not take
   * are ignored, as TensorFlow's example parsing does.
   */
  private static Map<String, TensorData> examples(SignatureSpec spec, List<Map<String, List<Object>>> examples, ServedVersion v) {
    if (examples.isEmpty()) {
      throw ServingException.invalid("no examples");
    }
    int n = examples.size();
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (TensorSpec in : spec.inputs().values()) {
      DType type = in.type();
      if (type == null || (in.shape().length > 1)) {
        throw ServingException.invalid("input '" + in.name() + "' of " + v + " is not a scalar feature: use :predict");
      }
      Object column = missing(in, n).values();
      for (int i = 0; i < n; i++) {
        List<Object> values = examples.get(i).get(in.name());
        if (values == null || values.isEmpty()) {
          continue;
        }
        if (values.size() > 1) {
          throw ServingException.invalid("feature '" + in.name() + "' of example " + i + " has " + values.size() + " values; the model takes one");
        }
        set(column, i, values.get(0), type, in.name(), i);
      }
      out.put(in.name(), TensorData.of(type, new long[] {n}, column));
    }
    return spec.conform(out, v.toString());
  }

  private static void set(Object column, int i, Object value, DType type, String name, int example) {
    try {
      switch (type) {
        case DOUBLE -> ((double[]) column)[i] = number(value);
        case FLOAT -> ((float[]) column)[i] = (float) number(value);
        case INT32 -> ((int[]) column)[i] = (int) number(value);
        case BOOL -> ((boolean[]) column)[i] = number(value) != 0;
        case INT64 -> {
          ((long[]) column)[i] = value instanceof Long l ? l : SignatureSpec.timestamp(text(value), name);
        }
        case STRING -> ((byte[][]) column)[i] = value instanceof byte[] b ? b : ServingModel.text(value).getBytes(StandardCharsets.UTF_8);
      }
    } catch (NumberFormatException e) {
      throw ServingException.invalid("feature '" + name + "' of example " + example + ": '" + text(value) + "' is not a number, and the model takes one");
    }
  }

  private static double number(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    return Double.parseDouble(text(v).trim());
  }

  private static String text(Object v) {
    return v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : v.toString();
  }

  private interface Prepare {
    Map<String, TensorData> inputs(ServedVersion v, SignatureSpec spec);
  }

  private interface Finish<T> {
    T result(ServedVersion v, SignatureSpec spec, Map<String, TensorData> outputs);
  }

  /** The one path of predict, classify and regress: acquire, check, batch, answer, release, count, log. */
  private <T> CompletableFuture<T> call(ServableRef ref, String signature, RequestInfo info, String method, Prepare prepare, Finish<T> finish) {
    long start = System.nanoTime();
    ServedVersion v;
    try {
      v = manager.acquire(ref);
    } catch (ServingException e) {
      metrics.request(ref.name(), "none", info.api(), method, e.code().name(), System.nanoTime() - start);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Map<String, TensorData>> outputs;
    SignatureSpec spec;
    Map<String, TensorData> inputs;
    try {
      spec = v.signature(signature);
      inputs = prepare.inputs(v, spec);
      outputs = v.run(spec, inputs, inputs.values().iterator().next().rows());
    } catch (RuntimeException e) {
      v.release();
      ServingException se = e instanceof ServingException s ? s : ServingException.invalid(e.getMessage());
      metrics.request(v.model(), Long.toString(v.version()), info.api(), method, se.code().name(), System.nanoTime() - start);
      return CompletableFuture.failedFuture(se);
    }
    return outputs.handle((out, error) -> {
      v.release();
      if (error != null) {
        ServingException se = error instanceof ServingException s ? s : new ServingException(ServingException.Code.INTERNAL, "the model failed");
        if (!(error instanceof ServingException)) {
          LOG.error("{} failed on request {}", v, info.requestId(), error);
        }
        metrics.request(v.model(), Long.toString(v.version()), info.api(), method, se.code().name(), System.nanoTime() - start);
        throw se;
      }
      T result = finish.result(v, spec, out);
      metrics.request(v.model(), Long.toString(v.version()), info.api(), method, "OK", System.nanoTime() - start);
      requestLog.offer(new LoggedRequest(info.requestId(), Instant.now(), v.model(), v.version(), ref.label(), method, spec.key(), inputs, out));
      return result;
    });
  }

  @Override
  public Metadata metadata(ServableRef ref) {
    ServedVersion v = manager.acquire(ref);
    try {
      return new Metadata(v.model(), v.version(), v.servingModel().signatureDefs());
    } finally {
      v.release();
    }
  }

  @Override
  public List<VersionStatus> status(ServableRef ref) {
    return manager.status(ref);
  }

  /**
   * Drains and stops: new requests are refused (503 / UNAVAILABLE), the ports close once the requests
   * in flight are answered (at most {@link ServerOptions#drainTimeout()}), then the models are unloaded
   * and the request log's open segments published.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long deadline = System.nanoTime() + options.drainTimeout().toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn("{} request(s) still in flight after {}: stopping anyway", inFlight.get(), options.drainTimeout());
    }
    closeQuietly(grpc);
    closeQuietly(rest);
    manager.close();
    closeQuietly(requestLog);
    LOG.info("stopped");
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {} failed: {}", c, e.toString());
    }
  }
}
