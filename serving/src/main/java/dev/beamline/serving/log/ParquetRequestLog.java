package dev.beamline.serving.log;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.annotations.VisibleForTesting;
import dev.beamline.core.DataCheckException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log of the feedback loop: a sample of answered requests written as Parquet, in rolling
 * segments that Beamline's ingestion reads back as a dataset.
 *
 * <p><b>Never in a request's way.</b> {@link #offer} decides the sample ({@link
 * RequestLogConfig#samples}) and puts the request into a bounded queue; when the queue is full the
 * request is dropped and counted, never waited for. One background thread writes.
 *
 * <p><b>Layout.</b> One row per instance (row of the request's tensors), in segments per model version,
 * method and signature: {@code
 * <directory>/<model>/<version>/requests-<UTC start>-<writer>-<seq>-<method>-<signature>.parquet},
 * where {@code writer} is 6 random hex digits per log (so that servers sharing a folder never take the
 * same name) and {@code seq} counts this log's segments. In model, method and signature names, bytes
 * other than letters, digits, {@code _}, {@code -} and a {@code .} that does not lead are written
 * {@code %XX}.
 *
 * <p><b>Columns.</b> {@code request_id} (string), {@code time} (timestamp, microseconds, UTC), {@code
 * model} (string), {@code version} (long), {@code label} (nullable string), {@code method}, {@code
 * signature} (strings), {@code instance} (int: the row's index within its request); then one column per
 * input in the order of the inputs' names, named as the input; then one per output, {@code
 * output_<name>}. A tensor with one element per row ({@code [n]}, {@code [n, 1]}, or a scalar, repeated
 * on every row) is a column of its type (float, double, int, long, boolean, string); a wider one ({@code
 * [n, K]}, ...) is a string column holding the row as JSON arrays ({@code [0.7,0.2,0.1]}; NaN and
 * infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), because ingestion
 * reads scalar columns only. Names: a tensor name that is not a valid column name ({@code
 * [A-Za-z_][A-Za-z0-9_]*}) is sanitized as ingestion sanitizes column names ({@code "Bill Length"} to
 * {@code bill_length}); an input named as a fixed column ({@code time}, {@code version}, ...) becomes
 * {@code input_<name>}; a name still taken gets {@code _2}, {@code _3}, ... A string tensor's bytes are
 * written as they are, UTF-8 or not. A request whose columns differ from those of its open segment
 * (another type, a tensor that became wider) closes that segment and starts a new one.
 *
 * <p><b>Publication.</b> A segment is written under a hidden name, {@code
 * .requests-....parquet.inprogress}, which neither {@code *.parquet} nor ingestion's format detection
 * takes, and renamed atomically to its final name when it is closed: when its Parquet data reaches
 * {@link RequestLogConfig#maxSegmentBytes} (parquet-mr's estimate, which counts the row group in memory
 * before compression), when it has been open for {@link RequestLogConfig#maxSegmentAge} (checked by the
 * writer even when no request comes), and on {@link #close}. A published segment is a complete Parquet
 * file; a killed server loses its open segments only. A segment holds its row group in memory until it
 * is closed (the row group size is the segment size), so memory grows with the open segments, one per
 * model version, method and signature that got requests.
 *
 * <p><b>Leftovers.</b> The hidden files of a killed server are deleted by the next log that writes into
 * their folder, once they are older than twice the maximum segment age plus a minute (a live writer
 * publishes its segment within one age, so a server sharing the folder is never robbed).
 *
 * <p><b>Errors.</b> A request the log cannot write (a tensor whose rows disagree with the others') is
 * dropped and counted; a segment that cannot be written or published (a full disk) is deleted, its
 * requests counted as dropped, a warning logged once until a segment of that model version is
 * published again, and the next request starts a new segment. The writer thread never stops on an
 * error.
 *
 * <p><b>Metrics</b> (when a registry is given; Prometheus names): {@code
 * beamline_request_log_records_total} (rows in published segments), {@code
 * beamline_request_log_dropped_total{reason="queue_full"|"error"|"closed"}} (requests),
 * {@code beamline_request_log_segments_total} (segments published), {@code
 * beamline_request_log_queue_depth} (requests waiting for the writer).
 *
 * <pre>{@code
 * try (ParquetRequestLog log = ParquetRequestLog.open(RequestLogConfig.of(dir).withSampleRate(0.1), registry)) {
 *   log.offer(new LoggedRequest(id, Instant.now(), "penguins", 3, null, "predict", "serving_default", inputs, outputs));
 * }
 * // ingest: {input: <dir>/penguins/3/*.parquet}
 * }</pre>
 */
public final class ParquetRequestLog implements RequestLog {
  private static final Logger LOG = LoggerFactory.getLogger(ParquetRequestLog.class);

  /** Dropped because the queue was full. */
  public static final String QUEUE_FULL = "queue_full";
  /** Dropped because the request or its segment could not be written. */
  public static final String ERROR = "error";
  /** Dropped because the log was closed. */
  public static final String CLOSED = "closed";

  /** Wakes the writer when the log is closed. */
  private static final LoggedRequest WAKE = new LoggedRequest(null, null, null, 0, null, null, null, Map.of(), Map.of());
  /** How long {@link #close} waits for the writer to write what is queued. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(1);
  /** parquet-mr holds a row group in memory; a larger segment is written as several. */
  private static final long MAX_ROW_GROUP_BYTES = 128L << 20;
  /**
   * The smallest row group: below it parquet-mr's first buffers already exceed it and it warns at every
   * row group; a smaller segment is still published at its size, before the row group is full.
   */
  private static final long MIN_ROW_GROUP_BYTES = 1L << 20;
  /** Requests the writer takes from the queue at once. */
  private static final int BATCH = 1024;

  private final RequestLogConfig config;
  private final SegmentFiles files;
  private final ArrayBlockingQueue<LoggedRequest> queue;
  private final Thread writer;
  private final String writerId;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Set by {@link #close} before the writer is woken; read by {@link #offer} and the writer. */
  private volatile boolean closing;

  private final LongAdder droppedQueueFull = new LongAdder();
  private final LongAdder droppedError = new LongAdder();
  private final LongAdder droppedClosed = new LongAdder();
  private final LongAdder records = new LongAdder();
  private final LongAdder segments = new LongAdder();
  /** Requests the writer is done with: written into a segment or dropped. */
  private final LongAdder handled = new LongAdder();
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  // The writer thread's own.
  private final Map<String, Segment> open = new HashMap<>();
  private final Set<String> failing = new HashSet<>();
  private final Set<String> invalid = new HashSet<>();
  private final Set<Path> swept = new HashSet<>();
  private long seq;

  private ParquetRequestLog(RequestLogConfig config, MeterRegistry registry, SegmentFiles files) {
    this.config = checkNotNull(config, "config");
    this.files = files;
    this.registry = registry;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.writerId = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    this.writer = new Thread(this::run, "beamline-request-log");
    // A server that exits without closing its log loses the open segments, as a killed one does.
    writer.setDaemon(true);
    if (registry != null) {
      register(registry);
    }
  }

  /** Starts a log of {@code config}'s sample, without metrics. */
  public static ParquetRequestLog open(RequestLogConfig config) {
    return open(config, null);
  }

  /** Starts a log of {@code config}'s sample, with its metrics in {@code registry} (null: none). */
  public static ParquetRequestLog open(RequestLogConfig config, MeterRegistry registry) {
    return open(config, registry, SegmentFiles.LOCAL);
  }

  @VisibleForTesting
  static ParquetRequestLog open(RequestLogConfig config, MeterRegistry registry, SegmentFiles files) {
    ParquetRequestLog log = new ParquetRequestLog(config, registry, files);
    log.writer.start();
    LOG.info(
        "request log: a {} sample of requests to {} (segments of up to {} bytes or {}; queue of {})",
        config.sampleRate(), config.directory(), config.maxSegmentBytes(), config.maxSegmentAge(), config.queueCapacity());
    return log;
  }

  private void register(MeterRegistry r) {
    meters.add(FunctionCounter.builder("beamline.request.log.records", records, LongAdder::doubleValue)
        .description("Rows (instances) of logged requests in published segments").register(r));
    meters.add(FunctionCounter.builder("beamline.request.log.segments", segments, LongAdder::doubleValue)
        .description("Request log segments published").register(r));
    for (Map.Entry<String, LongAdder> e : Map.of(QUEUE_FULL, droppedQueueFull, ERROR, droppedError, CLOSED, droppedClosed).entrySet()) {
      meters.add(FunctionCounter.builder("beamline.request.log.dropped", e.getValue(), LongAdder::doubleValue)
          .tag("reason", e.getKey())
          .description("Sampled requests the request log dropped").register(r));
    }
    meters.add(Gauge.builder("beamline.request.log.queue.depth", queue, ArrayBlockingQueue::size)
        .description("Requests waiting for the request log's writer").register(r));
  }

  @Override
  public void offer(LoggedRequest request) {
    try {
      if (request == null) {
        return;
      }
      if (closing) {
        droppedClosed.increment();
        return;
      }
      if (!config.samples(request.requestId())) {
        return;
      }
      if (!queue.offer(request)) {
        droppedQueueFull.increment();
      }
    } catch (RuntimeException e) {
      droppedError.increment();
    }
  }

  /**
   * Writes what is queued, publishes the open segments and stops the writer; waits up to a minute for
   * it. Requests offered from now on are dropped (reason {@code closed}).
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing = true;
    // When the queue is full the writer is not waiting: it sees closing after its batch.
    queue.offer(WAKE);
    try {
      writer.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      LOG.warn("request log: the writer did not finish within {}; its open segments may be lost", CLOSE_TIMEOUT);
    } else {
      // Offered while the writer stopped.
      for (LoggedRequest r; (r = queue.poll()) != null; ) {
        if (r != WAKE) {
          droppedClosed.increment();
        }
      }
    }
    LOG.info(
        "request log closed: {} rows in {} segments under {}; dropped {} requests (queue full), {} (errors), {} (closed)",
        records.sum(), segments.sum(), config.directory(), droppedQueueFull.sum(), droppedError.sum(), droppedClosed.sum());
    if (registry != null) {
      meters.forEach(registry::remove);
    }
  }

  /** The configuration. */
  public RequestLogConfig config() {
    return config;
  }

  /** Requests waiting for the writer. */
  public int pending() {
    return queue.size();
  }

  /** Rows (instances) in the segments published so far. */
  public long recordsWritten() {
    return records.sum();
  }

  /** Segments published so far. */
  public long segmentsPublished() {
    return segments.sum();
  }

  /** Requests dropped for {@code reason}: {@link #QUEUE_FULL}, {@link #ERROR} or {@link #CLOSED}. */
  public long dropped(String reason) {
    return switch (reason) {
      case QUEUE_FULL -> droppedQueueFull.sum();
      case ERROR -> droppedError.sum();
      case CLOSED -> droppedClosed.sum();
      default -> throw new IllegalArgumentException("unknown reason '" + reason + "'; expected queue_full, error or closed");
    };
  }

  /** Requests the writer is done with (written into a segment, or dropped for an error); for tests. */
  @VisibleForTesting
  long handled() {
    return handled.sum();
  }

  // ---- the writer thread --------------------------------------------------------------------------

  private void run() {
    List<LoggedRequest> batch = new ArrayList<>(BATCH);
    boolean interrupted = false;
    try {
      while (true) {
        LoggedRequest first = null;
        try {
          first = queue.poll(waitNanos(interrupted), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          // Taken for a close: what is queued is written (without the flag, which would close the files' channels).
          interrupted = true;
        }
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, BATCH - 1);
          for (LoggedRequest r : batch) {
            if (r != WAKE) {
              write(r);
              handled.increment();
            }
          }
          batch.clear();
        }
        publishAged();
        if ((closing || interrupted) && queue.isEmpty()) {
          break;
        }
      }
    } finally {
      for (Segment s : List.copyOf(open.values())) {
        publish(s);
      }
    }
  }

  /** How long to wait for a request: until the oldest open segment is due, else one segment age. */
  private long waitNanos(boolean interrupted) {
    if (closing || interrupted) {
      return 0;
    }
    long age = config.maxSegmentAge().toNanos();
    long now = System.nanoTime();
    long wait = age;
    for (Segment s : open.values()) {
      wait = Math.min(wait, s.startNanos() + age - now);
    }
    return Math.max(wait, 0);
  }

  private void publishAged() {
    long age = config.maxSegmentAge().toNanos();
    long now = System.nanoTime();
    for (Segment s : List.copyOf(open.values())) {
      if (now - s.startNanos() >= age) {
        publish(s);
      }
    }
  }

  private void write(LoggedRequest r) {
    SegmentSchema schema;
    List<GenericRecord> rows;
    try {
      schema = SegmentSchema.of(r);
      rows = schema.rows(r);
    } catch (RuntimeException e) {
      droppedError.increment();
      String what = r.model() + "/" + r.version();
      if (invalid.add(what)) {
        LOG.warn("request log: a request to {} cannot be logged and is dropped (said once per model version): {}",
            what, DataCheckException.oneLine(e));
      }
      return;
    }
    String key = r.model() + '\0' + r.version() + '\0' + r.method() + '\0' + r.signature();
    Segment s = open.get(key);
    if (s != null && !s.schema().equals(schema)) {
      // Another type or width than the segment's columns: a new segment, each file of one schema.
      publish(s);
      s = null;
    }
    if (s == null) {
      try {
        s = openSegment(key, r, schema);
      } catch (IOException | RuntimeException e) {
        droppedError.increment();
        failed(key, "cannot start a segment in " + folder(r), 1, e);
        return;
      }
      open.put(key, s);
    }
    try {
      s.write(rows);
    } catch (IOException | RuntimeException e) {
      open.remove(key);
      s.abort(files);
      droppedError.add(s.requests());
      failed(key, "cannot write segment " + s.target(), s.requests(), e);
      return;
    }
    if (s.dataSize() >= config.maxSegmentBytes()) {
      publish(s);
    }
  }

  private Path folder(LoggedRequest r) {
    return config.directory().resolve(Segment.encode(r.model())).resolve(Long.toString(r.version()));
  }

  private Segment openSegment(String key, LoggedRequest r, SegmentSchema schema) throws IOException {
    Path folder = folder(r);
    if (swept.add(folder)) {
      sweep(folder);
    }
    String name = Segment.fileName(Instant.now(), writerId, ++seq, r.method(), r.signature());
    long rowGroup = Math.max(MIN_ROW_GROUP_BYTES, Math.min(config.maxSegmentBytes(), MAX_ROW_GROUP_BYTES));
    return Segment.open(files, key, folder, name, schema, System.nanoTime(), rowGroup);
  }

  /** Deletes the hidden segments in {@code folder} that no live writer can still be writing. */
  private void sweep(Path folder) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    Instant before = Instant.now().minus(config.maxSegmentAge().multipliedBy(2)).minus(Duration.ofMinutes(1));
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, p -> Segment.isInProgress(p.getFileName().toString()))) {
      for (Path p : entries) {
        if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
          Files.deleteIfExists(p);
          LOG.info("request log: deleted {}, a segment a killed server did not finish", p);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("request log: cannot clean up {}: {}", folder, e.toString());
    }
  }

  private void publish(Segment s) {
    open.remove(s.key());
    try {
      s.publish(files);
      records.add(s.rows());
      segments.increment();
      failing.remove(s.key());
      LOG.debug("request log: published {} ({} rows of {} requests)", s.target(), s.rows(), s.requests());
    } catch (IOException | RuntimeException e) {
      s.abort(files);
      droppedError.add(s.requests());
      failed(s.key(), "cannot publish segment " + s.target(), s.requests(), e);
    }
  }

  /** Logs a segment's failure, once until a segment of the same key is published again. */
  private void failed(String key, String what, long requests, Exception e) {
    if (failing.add(key)) {
      LOG.warn("request log: {}: {}; {} request{} dropped; logging goes on in a new segment (said once until one is published)",
          what, DataCheckException.oneLine(e), requests, requests == 1 ? "" : "s");
    }
  }
}
