package dev.beamline.serving.server;

import dev.beamline.serving.server.Inference.State;
import dev.beamline.training.ServingModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Tensor;

/**
 * One loaded version of a model: its SavedModel, its signatures, a {@link Batcher} per signature, and
 * the count of requests in flight. A request {@link #acquire}s the version (refused unless it is
 * AVAILABLE) and releases it when answered; a retired version stops being acquired and is closed when
 * its last request is answered, so no request ever sees its model closed.
 */
final class ServedVersion {
  private static final Logger LOG = LoggerFactory.getLogger(ServedVersion.class);

  private final String model;
  private final long version;
  private final String path;
  private final ServingModel loaded;
  private final Map<String, SignatureSpec> signatures;
  private final BatchingOptions batching;
  private final ServerMetrics metrics;
  private final Map<String, Batcher> batchers = new ConcurrentHashMap<>();
  private State state = State.LOADING;
  private int inFlight;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private ServedVersion(String model, long version, String path, ServingModel loaded, BatchingOptions batching, ServerMetrics metrics) {
    this.model = model;
    this.version = version;
    this.path = path;
    this.loaded = loaded;
    this.batching = batching;
    this.metrics = metrics;
    Map<String, SignatureSpec> s = new LinkedHashMap<>();
    loaded.signatures().forEach((k, sig) -> s.put(k, SignatureSpec.of(sig)));
    this.signatures = s;
  }

  /** Loads the SavedModel in {@code path}; throws when it cannot be loaded. */
  static ServedVersion load(String model, long version, String path, BatchingOptions batching, ServerMetrics metrics) {
    return new ServedVersion(model, version, path, ServingModel.load(path), batching, metrics);
  }

  String model() {
    return model;
  }

  long version() {
    return version;
  }

  String path() {
    return path;
  }

  ServingModel servingModel() {
    return loaded;
  }

  Map<String, SignatureSpec> signatures() {
    return signatures;
  }

  /** The signature {@code key} (null or empty: the default one). */
  SignatureSpec signature(String key) {
    String k = key == null || key.isEmpty() ? Inference.DEFAULT_SIGNATURE : key;
    SignatureSpec s = signatures.get(k);
    if (s == null) {
      throw ServingException.invalid("serving signature name: \"" + k + "\" not found in signature def of " + this
          + "; it has: " + String.join(", ", signatures.keySet()));
    }
    return s;
  }

  @Override
  public String toString() {
    return "model " + model + " version " + version;
  }

  synchronized State state() {
    return state;
  }

  /** Opens the version to requests. */
  synchronized void makeAvailable() {
    if (state == State.LOADING) {
      state = State.AVAILABLE;
    }
  }

  /** Takes a request if the version is available. */
  synchronized boolean acquire() {
    if (state != State.AVAILABLE) {
      return false;
    }
    inFlight++;
    return true;
  }

  /** A request taken by {@link #acquire} is answered. */
  void release() {
    boolean close;
    synchronized (this) {
      inFlight--;
      close = state == State.UNLOADING && inFlight == 0;
    }
    if (close) {
      closeNow();
    }
  }

  /** Takes no more requests; unloads once the requests in flight are answered. */
  CompletableFuture<Void> retire() {
    boolean close;
    synchronized (this) {
      if (state == State.END || state == State.UNLOADING) {
        return closed;
      }
      state = State.UNLOADING;
      close = inFlight == 0;
    }
    if (close) {
      closeNow();
    }
    return closed;
  }

  synchronized int inFlight() {
    return inFlight;
  }

  private void closeNow() {
    // Off the caller's thread: the last release may come from a batch worker of this very version.
    Thread t = new Thread(() -> {
      try {
        batchers.values().forEach(Batcher::close);
        loaded.close();
        LOG.info("unloaded {}", this);
      } catch (RuntimeException e) {
        LOG.warn("unloading {} failed: {}", this, e.toString());
      } finally {
        synchronized (this) {
          state = State.END;
        }
        closed.complete(null);
      }
    }, "unload-" + model + "-" + version);
    t.setDaemon(true);
    t.start();
  }

  /**
   * Queues checked inputs of {@code rows} rows for signature {@code spec}; the future completes on a
   * batch worker with the signature's outputs.
   */
  CompletableFuture<Map<String, TensorData>> run(SignatureSpec spec, Map<String, TensorData> inputs, int rows) {
    return batchers.computeIfAbsent(spec.key(), this::newBatcher).submit(inputs, rows);
  }

  /** The batcher of signature {@code key}, its queue depth registered as a gauge once, when it is made. */
  private Batcher newBatcher(String key) {
    Batcher b = new Batcher(model + "/" + version + "/" + key, batching, call(key), size -> metrics.batch(model, version, size));
    metrics.queue(model, version, key, b::queuedRows);
    return b;
  }

  private Function<Map<String, TensorData>, Map<String, TensorData>> call(String key) {
    SignatureSpec spec = signatures.get(key);
    return inputs -> {
      Map<String, Tensor> args = new LinkedHashMap<>();
      try {
        inputs.forEach((name, t) -> args.put(name, t.toTensor()));
        try (Result r = loaded.call(key, args)) {
          Map<String, TensorData> out = new LinkedHashMap<>();
          for (String name : spec.outputs().keySet()) {
            out.put(name, TensorData.fromTensor(r.get(name).orElseThrow(
                () -> new IllegalStateException(this + ": signature " + key + " returned no output " + name))));
          }
          return out;
        }
      } finally {
        args.values().forEach(Tensor::close);
      }
    };
  }
}
