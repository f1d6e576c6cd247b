package dev.beamline.serving.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs concurrent calls of one signature of one model version as batches: the inputs of the queued
 * requests are concatenated row-wise, run in one call, and the outputs split back by rows. Its own
 * worker threads run the calls, so a caller (an event loop) never waits on TensorFlow: {@link #submit}
 * returns a future at once.
 *
 * <p>A worker takes the oldest request, then every queued request that still fits in {@link
 * BatchingOptions#maxBatchSize()} rows, waiting up to {@link BatchingOptions#batchTimeout()} for more
 * when the batch is not full. A request larger than the limit runs alone. When a batch of several
 * requests fails, each request is retried alone, so one bad request fails only itself.
 *
 * <pre>{@code
 * Batcher b = new Batcher("penguins/1", options, inputs -> model.run(inputs), size -> {});
 * b.submit(Map.of("x", TensorData.doubles(new double[] {1, 2}, 2))).thenAccept(out -> ...);
 * b.close();
 * }</pre>
 */
final class Batcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

  private record Task(Map<String, TensorData> inputs, int rows, CompletableFuture<Map<String, TensorData>> result) {}

  private final String name;
  private final BatchingOptions options;
  private final Function<Map<String, TensorData>, Map<String, TensorData>> run;
  private final IntConsumer batchSizes;
  private final LinkedBlockingDeque<Task> queue = new LinkedBlockingDeque<>();
  private final AtomicInteger queuedRows = new AtomicInteger();
  private final ReentrantLock gather = new ReentrantLock();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean closed;

  /**
   * @param name names the worker threads and errors
   * @param run the call of a batch: inputs to outputs, all with the batch's rows first
   * @param batchSizes told the rows of every batch run (for metrics)
   */
  Batcher(String name, BatchingOptions options, Function<Map<String, TensorData>, Map<String, TensorData>> run, IntConsumer batchSizes) {
    this.name = name;
    this.options = options;
    this.run = run;
    this.batchSizes = batchSizes;
    for (int i = 0; i < options.threads(); i++) {
      Thread t = new Thread(this::work, "batch-" + name + "-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /** Rows waiting for a worker. */
  int queuedRows() {
    return queuedRows.get();
  }

  /**
   * Queues a request of {@code rows} rows; the future completes on a worker thread with its outputs,
   * or fails with UNAVAILABLE when the queue is full or the batcher closed.
   */
  CompletableFuture<Map<String, TensorData>> submit(Map<String, TensorData> inputs, int rows) {
    CompletableFuture<Map<String, TensorData>> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new ServingException(ServingException.Code.UNAVAILABLE, name + " is shutting down"));
      return f;
    }
    if (queuedRows.addAndGet(rows) > options.maxQueuedRows()) {
      queuedRows.addAndGet(-rows);
      f.completeExceptionally(new ServingException(ServingException.Code.UNAVAILABLE,
          "the batch queue of " + name + " is full (" + options.maxQueuedRows() + " rows): try again later"));
      return f;
    }
    queue.add(new Task(inputs, rows, f));
    return f;
  }

  private void work() {
    while (!closed || !queue.isEmpty()) {
      List<Task> batch;
      try {
        batch = nextBatch();
      } catch (InterruptedException e) {
        break;
      }
      if (!batch.isEmpty()) {
        runBatch(batch);
      }
    }
  }

  private List<Task> nextBatch() throws InterruptedException {
    List<Task> batch = new ArrayList<>();
    gather.lockInterruptibly();
    try {
      Task first = queue.poll(200, TimeUnit.MILLISECONDS);
      if (first == null) {
        return batch;
      }
      batch.add(first);
      int rows = first.rows;
      long deadline = System.nanoTime() + options.batchTimeout().toNanos();
      while (rows < options.maxBatchSize()) {
        Task next = queue.peekFirst();
        if (next == null) {
          long wait = deadline - System.nanoTime();
          if (wait <= 0) {
            break;
          }
          next = queue.pollFirst(wait, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          if (rows + next.rows > options.maxBatchSize()) {
            queue.addFirst(next);
            break;
          }
        } else if (rows + next.rows > options.maxBatchSize()) {
          break;
        } else {
          queue.pollFirst(); // only the gathering worker takes from the head
        }
        batch.add(next);
        rows += next.rows;
      }
    } finally {
      gather.unlock();
    }
    return batch;
  }

  private void runBatch(List<Task> batch) {
    int rows = 0;
    for (Task t : batch) {
      rows += t.rows;
    }
    queuedRows.addAndGet(-rows);
    batchSizes.accept(rows);
    if (batch.size() == 1) {
      runAlone(batch.get(0));
      return;
    }
    Map<String, TensorData> outputs;
    try {
      Map<String, TensorData> inputs = new LinkedHashMap<>();
      for (String input : batch.get(0).inputs.keySet()) {
        List<TensorData> parts = new ArrayList<>(batch.size());
        for (Task t : batch) {
          parts.add(t.inputs.get(input));
        }
        inputs.put(input, TensorData.concat(parts));
      }
      outputs = run.apply(inputs);
    } catch (RuntimeException e) {
      LOG.debug("{}: a batch of {} requests failed ({}); running them one by one", name, batch.size(), e.toString());
      batch.forEach(this::runAlone);
      return;
    }
    int at = 0;
    for (Task t : batch) {
      Map<String, TensorData> mine = new LinkedHashMap<>();
      for (Map.Entry<String, TensorData> o : outputs.entrySet()) {
        TensorData v = o.getValue();
        mine.put(o.getKey(), v.rank() > 0 && v.rows() == rows ? v.slice(at, at + t.rows) : v);
      }
      at += t.rows;
      t.result.complete(mine);
    }
  }

  private void runAlone(Task t) {
    try {
      t.result.complete(run.apply(t.inputs));
    } catch (ServingException e) {
      t.result.completeExceptionally(e);
    } catch (RuntimeException e) {
      t.result.completeExceptionally(new ServingException(ServingException.Code.INVALID_ARGUMENT,
          name + " could not run the request: " + firstLine(e.getMessage())));
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "TensorFlow failed";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Runs what is queued, then stops the workers. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : workers) {
      try {
        t.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    Task t;
    while ((t = queue.poll()) != null) {
      t.result.completeExceptionally(new ServingException(ServingException.Code.UNAVAILABLE, name + " is shutting down"));
    }
  }
}
