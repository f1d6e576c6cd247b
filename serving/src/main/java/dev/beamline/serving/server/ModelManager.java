package dev.beamline.serving.server;

import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.serving.server.Inference.State;
import dev.beamline.serving.server.Inference.VersionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the served versions of every model in line with the disk and the configuration: each poll
 * lists the numbered version folders under each model's base path, loads and warms up the versions
 * its policy (and its labels) want, and only then routes requests to them; versions no longer wanted
 * stop taking requests and are unloaded when their requests in flight are answered. A version that
 * fails to load or warm up is reported in its status (END, with the error) and never takes traffic;
 * it is not tried again while its folder stays. The model config file, when there is one, is re-read
 * when it changes: a file with an error is reported and the previous configuration stays.
 *
 * <p>Labels point at available versions only: a label naming a version that is not (yet) available
 * keeps its previous version if that is still available, as TF Serving does. A version a label names
 * is loaded even if the policy alone would not load it.
 */
final class ModelManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
  private static final int KEPT_ENDED = 20;

  /** What requests see of a model: its available versions and its labels; replaced whole, never changed. */
  private record Routing(NavigableMap<Long, ServedVersion> available, Map<String, Long> labels) {}

  /** A model's state: its configuration, every version the server knows of, and its routing. */
  private static final class ModelState {
    volatile ModelConfig config;
    final NavigableMap<Long, ServedVersion> loaded = new java.util.concurrent.ConcurrentSkipListMap<>();
    final NavigableMap<Long, VersionStatus> ended = new java.util.concurrent.ConcurrentSkipListMap<>();
    final Map<Long, VersionStatus> failed = new ConcurrentHashMap<>();
    volatile Routing routing = new Routing(Collections.emptyNavigableMap(), Map.of());

    ModelState(ModelConfig config) {
      this.config = config;
    }
  }

  private final ModelSource configs;
  private final ServerOptions options;
  private final ServerMetrics metrics;
  private final Warmup warmup;
  private final Map<String, ModelState> models = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "model-poller");
    t.setDaemon(true);
    return t;
  });

  /** Warms a loaded version up before it takes traffic; throws when it fails. */
  interface Warmup {
    void run(ServedVersion v);
  }

  ModelManager(ModelSource configs, ServerOptions options, ServerMetrics metrics, Warmup warmup) {
    this.configs = configs;
    this.options = options;
    this.metrics = metrics;
    this.warmup = warmup;
  }

  static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** Brings the models in line once, then every poll interval. */
  void start() {
    reconcile();
    long ms = options.pollInterval().toMillis();
    poller.scheduleWithFixedDelay(this::pollSafely, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void pollSafely() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.error("polling the model folders failed: {}", e.toString(), e);
    }
  }

  /** The last error of the model config file, or null. */
  String configError() {
    return configs.error();
  }

  /** One pass: configuration, disk, loads, routing, unloads. Runs on the poller thread (or a test's). */
  synchronized void reconcile() {
    List<ModelConfig> wanted = configs.models();
    Map<String, ModelConfig> byName = new LinkedHashMap<>();
    wanted.forEach(c -> byName.put(c.name(), c));
    for (String gone : new ArrayList<>(models.keySet())) {
      if (!byName.containsKey(gone)) {
        ModelState m = models.remove(gone);
        m.routing = new Routing(Collections.emptyNavigableMap(), Map.of());
        m.loaded.values().forEach(ServedVersion::retire);
        LOG.info("model {} is no longer configured: unloading it", gone);
      }
    }
    for (ModelConfig c : byName.values()) {
      ModelState m = models.computeIfAbsent(c.name(), n -> {
        ModelState s = new ModelState(c);
        for (State st : List.of(State.LOADING, State.AVAILABLE, State.UNLOADING, State.END)) {
          metrics.versions(n, st.name(), () -> (int) status(s).stream().filter(v -> v.state() == st).count());
        }
        return s;
      });
      m.config = c;
      reconcile(m);
    }
  }

  private void reconcile(ModelState m) {
    ModelConfig c = m.config;
    NavigableSet<Long> onDisk = versionsOnDisk(c.basePath());
    m.failed.keySet().retainAll(onDisk); // a failed version removed from disk may come back
    NavigableSet<Long> desired;
    while (true) {
      NavigableSet<Long> candidates = new TreeSet<>(onDisk);
      candidates.removeAll(m.failed.keySet());
      desired = c.policy().select(candidates);
      for (Long labeled : c.labels().values()) {
        if (candidates.contains(labeled)) {
          desired.add(labeled);
        }
      }
      List<Long> toLoad = new ArrayList<>();
      for (Long v : desired) {
        if (!m.loaded.containsKey(v)) {
          toLoad.add(v);
        }
      }
      if (toLoad.isEmpty()) {
        break;
      }
      for (Long v : toLoad) {
        load(m, v);
      }
    }
    NavigableMap<Long, ServedVersion> available = new TreeMap<>();
    for (Long v : desired) {
      ServedVersion sv = m.loaded.get(v);
      if (sv != null && sv.state() == State.AVAILABLE) {
        available.put(v, sv);
      }
    }
    Map<String, Long> labels = new LinkedHashMap<>();
    Routing previous = m.routing;
    for (Map.Entry<String, Long> l : c.labels().entrySet()) {
      if (available.containsKey(l.getValue())) {
        labels.put(l.getKey(), l.getValue());
      } else {
        Long before = previous.labels().get(l.getKey());
        if (before != null && available.containsKey(before)) {
          labels.put(l.getKey(), before);
        }
        LOG.warn("model {}: label '{}' names version {}, which is not available{}", c.name(), l.getKey(), l.getValue(),
            before != null && available.containsKey(before) ? "; it stays on version " + before : "");
      }
    }
    Routing next = new Routing(Collections.unmodifiableNavigableMap(available), Map.copyOf(labels));
    if (!next.equals(previous)) {
      m.routing = next;
      LOG.info("model {}: serving versions {}{}", c.name(), available.keySet(), labels.isEmpty() ? "" : ", labels " + labels);
    }
    for (Long v : new ArrayList<>(m.loaded.keySet())) {
      if (!available.containsKey(v)) {
        ServedVersion sv = m.loaded.remove(v);
        LOG.info("unloading {} once its {} request(s) in flight are answered", sv, sv.inFlight());
        m.ended.put(v, new VersionStatus(v, State.UNLOADING, null, ""));
        sv.retire().thenRun(() -> endStatus(m, v));
      }
    }
    while (m.ended.size() > KEPT_ENDED) {
      m.ended.pollFirstEntry();
    }
  }

  private void endStatus(ModelState m, long v) {
    m.ended.put(v, new VersionStatus(v, State.END, null, ""));
  }

  private void load(ModelState m, long v) {
    String dir = Storage.resolve(m.config.basePath(), Long.toString(v));
    String name = m.config.name();
    long start = System.nanoTime();
    m.ended.put(v, new VersionStatus(v, State.LOADING, null, ""));
    ServedVersion sv;
    try {
      sv = ServedVersion.load(name, v, dir, options.batching(), metrics);
    } catch (RuntimeException e) {
      fail(m, v, "could not load " + dir + ": " + firstLine(e));
      return;
    }
    try {
      warmup.run(sv);
    } catch (RuntimeException e) {
      sv.retire();
      fail(m, v, "warm-up of " + dir + " failed: " + firstLine(e));
      return;
    }
    sv.makeAvailable();
    m.loaded.put(v, sv);
    m.ended.remove(v);
    LOG.info("loaded and warmed up {} from {} in {} ms", sv, dir, (System.nanoTime() - start) / 1_000_000);
  }

  private void fail(ModelState m, long v, String message) {
    LOG.error("model {} version {} will not serve: {}", m.config.name(), v, message);
    m.ended.remove(v);
    m.failed.put(v, new VersionStatus(v, State.END, ServingException.Code.FAILED_PRECONDITION, message));
  }

  private static String firstLine(RuntimeException e) {
    String s = e.getMessage() == null ? e.toString() : e.getMessage();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** The numbered version folders under {@code base} that hold a SavedModel. */
  static NavigableSet<Long> versionsOnDisk(String base) {
    NavigableSet<Long> out = new TreeSet<>();
    List<String> found;
    try {
      found = Storage.match(Storage.resolve(Storage.resolve(base, "*"), "saved_model.pb"));
    } catch (RuntimeException e) {
      LOG.warn("cannot list {}: {}", base, e.toString());
      return out;
    }
    for (String pb : found) {
      String name = Storage.fileName(stripSlash(Storage.parent(pb)));
      if (name.matches("\\d{1,18}")) {
        out.add(Long.parseLong(name));
      }
    }
    return out;
  }

  /**
   * The version {@code ref} names, acquired for one request: the caller {@link ServedVersion#release}s
   * it when answered.
   *
   * @throws ServingException NOT_FOUND for an unknown model, version or label
   */
  ServedVersion acquire(ServableRef ref) {
    for (int attempt = 0; attempt < 10; attempt++) {
      ModelState m = models.get(ref.name());
      if (m == null) {
        throw ServingException.notFound("Servable not found for request: " + request(ref));
      }
      Routing r = m.routing;
      Long v;
      if (ref.version() != null) {
        v = ref.version();
      } else if (ref.label() != null) {
        v = r.labels().get(ref.label());
        if (v == null) {
          throw ServingException.notFound("Unrecognized servable version label: " + ref.label() + " of model " + ref.name());
        }
      } else {
        if (r.available().isEmpty()) {
          throw ServingException.notFound("Servable not found for request: " + request(ref) + ": no version is available");
        }
        v = r.available().lastKey();
      }
      ServedVersion sv = r.available().get(v);
      if (sv == null) {
        throw ServingException.notFound("Servable not found for request: " + request(ref));
      }
      if (sv.acquire()) {
        return sv;
      }
      Thread.onSpinWait(); // retired between the routing read and the acquire: read the new routing
    }
    throw new ServingException(ServingException.Code.UNAVAILABLE, "no version of " + ref.name() + " could take the request");
  }

  private static String request(ServableRef ref) {
    return ref.version() != null ? "Specific(" + ref.name() + ", " + ref.version() + ")"
        : ref.label() != null ? "Label(" + ref.name() + ", " + ref.label() + ")" : "Latest(" + ref.name() + ")";
  }

  /** The status of the versions {@code ref} names: all the model's without version or label. */
  List<VersionStatus> status(ServableRef ref) {
    ModelState m = models.get(ref.name());
    if (m == null) {
      throw ServingException.notFound("Could not find any versions of model " + ref.name());
    }
    List<VersionStatus> all = status(m);
    if (ref.version() == null && ref.label() == null) {
      if (all.isEmpty()) {
        throw ServingException.notFound("Could not find any versions of model " + ref.name());
      }
      return all;
    }
    Long v = ref.version() != null ? ref.version() : m.routing.labels().get(ref.label());
    if (v == null) {
      throw ServingException.notFound("Unrecognized servable version label: " + ref.label() + " of model " + ref.name());
    }
    for (VersionStatus s : all) {
      if (s.version() == v) {
        return List.of(s);
      }
    }
    throw ServingException.notFound("Could not find version " + v + " of model " + ref.name());
  }

  private List<VersionStatus> status(ModelState m) {
    TreeMap<Long, VersionStatus> out = new TreeMap<>(m.ended);
    out.putAll(m.failed);
    for (ServedVersion sv : m.loaded.values()) {
      out.put(sv.version(), new VersionStatus(sv.version(), sv.state(), null, ""));
    }
    return List.copyOf(out.descendingMap().values());
  }

  /** The models and whether each has an available version. */
  Map<String, Boolean> readiness() {
    Map<String, Boolean> out = new TreeMap<>();
    models.forEach((n, m) -> out.put(n, !m.routing.available().isEmpty()));
    return out;
  }

  /** The available versions of every model, for shutdown. */
  List<ServedVersion> loaded() {
    List<ServedVersion> out = new ArrayList<>();
    models.values().forEach(m -> out.addAll(m.loaded.values()));
    return out;
  }

  /** Stops polling and unloads every version once its requests are answered. */
  @Override
  public void close() {
    poller.shutdownNow();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    synchronized (this) {
      for (ModelState m : models.values()) {
        m.routing = new Routing(Collections.emptyNavigableMap(), Map.of());
        m.loaded.values().forEach(sv -> done.add(sv.retire()));
      }
    }
    try {
      CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("some versions were not unloaded in time: {}", e.toString());
    }
  }
}
