package dev.beamline.training;

import dev.beamline.training.ShardReader.Column;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Batches of transformed examples streamed from Parquet shards by a background thread into a bounded
 * queue of ready primitive-array batches, so that reading overlaps training.
 *
 * <p>With a shuffle seed, the shards are visited in a seeded random order and rows pass through a
 * shuffle buffer of {@code shuffleBuffer} rows (as tf.data's {@code shuffle}: each incoming row
 * replaces a uniformly chosen buffered row, which is emitted); at most the buffer, one slice per
 * column and the queued batches are in memory. Without a seed, rows come in shard-name order. The same
 * seed and shards give the same batches.
 *
 * <p>Rows whose label column holds -1 (no class) are skipped and counted when {@code skipNoLabel}.
 * With resampling rates per class (training only), each row enters the stream as many times as its
 * class's rate says, before the shuffle buffer, so the stream stays bounded in memory.
 *
 * <pre>{@code
 * try (ExampleStream s = ExampleStream.open(files, columns, 64, 10_000, seed, labelColumn)) {
 *   while (s.hasNext()) { Batch b = s.next(); ... }
 * }
 * }</pre>
 */
final class ExampleStream implements BatchSource {
  private static final int SLICE_ROWS = 4096;
  private static final int QUEUE_BATCHES = 16;
  private static final Object END = new Object();
  /** Mixed into the shuffle seed for the resampling generator (the golden ratio's bits, as SplitMix64). */
  private static final long RESAMPLE_SALT = 0x9E3779B97F4A7C15L;

  private final List<String> files;
  private final List<Column> columns;
  private final int[] widths;
  private final boolean[] floats;
  private final int batchSize;
  private final int shuffleBuffer;
  private final Long seed;
  private final int skipColumn;
  /** Training only: the rate at which each class id's rows enter the stream (see {@link ClassBalance}), or null. */
  private final double[] resample;
  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;
  private Object next;

  private ExampleStream(List<String> files, List<Column> columns, int batchSize, int shuffleBuffer, Long seed, int skipColumn, double[] resample) {
    this.files = new ArrayList<>(files);
    Collections.sort(this.files);
    this.columns = List.copyOf(columns);
    this.widths = columns.stream().mapToInt(Column::width).toArray();
    this.floats = new boolean[widths.length];
    for (int c = 0; c < widths.length; c++) {
      floats[c] = columns.get(c).floats();
    }
    this.batchSize = batchSize;
    this.shuffleBuffer = shuffleBuffer;
    this.seed = seed;
    this.skipColumn = skipColumn;
    this.resample = resample == null ? null : resample.clone();
    this.thread = new Thread(this::produce, "beamline-train-reader");
    thread.setDaemon(true);
  }

  /**
   * Starts streaming.
   *
   * @param seed the shuffle seed, or null to read in order
   * @param skipNoLabel the index of an ID column whose -1 rows are skipped, or -1
   */
  static ExampleStream open(List<String> files, List<Column> columns, int batchSize, int shuffleBuffer, Long seed, int skipNoLabel) {
    return open(files, columns, batchSize, shuffleBuffer, seed, skipNoLabel, null);
  }

  /**
   * Starts streaming, each row of class id {@code c} (in column {@code skipNoLabel}) entering the
   * stream {@code floor(resample[c])} times and once more with probability {@code resample[c] -
   * floor(resample[c])}, drawn from a generator of its own seeded with {@code seed}: the same seed, the
   * same rows. The copies pass through the shuffle buffer as separate rows.
   *
   * @param resample the rate of each class id, or null to stream every row once
   */
  static ExampleStream open(List<String> files, List<Column> columns, int batchSize, int shuffleBuffer, Long seed, int skipNoLabel, double[] resample) {
    if (resample != null && (seed == null || skipNoLabel < 0)) {
      throw new IllegalArgumentException("resampling needs a seed and a label column");
    }
    ExampleStream s = new ExampleStream(files, columns, batchSize, shuffleBuffer, seed, skipNoLabel, resample);
    s.thread.start();
    return s;
  }

  /** Rows delivered so far. */
  long rows() {
    return rows.get();
  }

  /** Rows skipped so far because their label had no class. */
  @Override
  public long skipped() {
    return skipped.get();
  }

  @Override
  public boolean hasNext() {
    if (next == null) {
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a batch", e);
      }
    }
    if (next instanceof RuntimeException e) {
      throw e;
    }
    return next != END;
  }

  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Batch b = (Batch) next;
    next = null;
    return b;
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.clear();
  }

  // ---- the reader thread ----------------------------------------------------------------------

  private Object[] batchColumns;
  private int batchRows;

  private void produce() {
    try {
      SplittableRandom random = seed == null ? null : new SplittableRandom(seed);
      // Its own generator, so that the shuffle stays what it is without resampling.
      SplittableRandom resampling = resample == null ? null : new SplittableRandom(seed ^ RESAMPLE_SALT);
      List<String> order = new ArrayList<>(files);
      if (random != null) {
        Collections.shuffle(order, new Random(random.nextLong()));
      }
      Object[] slice = newColumns(SLICE_ROWS);
      Object[] buffer = random == null ? null : newColumns(shuffleBuffer);
      int buffered = 0;
      batchColumns = newColumns(batchSize);
      for (String file : order) {
        try (ShardReader reader = new ShardReader(file, columns)) {
          int n;
          while ((n = reader.read(slice, 0, SLICE_ROWS)) > 0) {
            for (int i = 0; i < n; i++) {
              if (skipColumn >= 0 && ((long[]) slice[skipColumn])[i] < 0) {
                skipped.incrementAndGet();
                continue;
              }
              int copies = resampling == null ? 1 : copies(((long[]) slice[skipColumn])[i], resampling);
              for (int k = 0; k < copies; k++) {
                if (random == null) {
                  emit(slice, i);
                } else if (buffered < shuffleBuffer) {
                  copyRow(slice, i, buffer, buffered++);
                } else {
                  int j = random.nextInt(buffered);
                  emit(buffer, j);
                  copyRow(slice, i, buffer, j);
                }
              }
            }
          }
        }
      }
      while (buffered > 0) {
        int j = random.nextInt(buffered);
        emit(buffer, j);
        copyRow(buffer, --buffered, buffer, j);
      }
      if (batchRows > 0) {
        Object[] last = newColumns(batchRows);
        for (int c = 0; c < columns.size(); c++) {
          System.arraycopy(batchColumns[c], 0, last[c], 0, batchRows * columns.get(c).width());
        }
        put(new Batch(batchRows, last));
      }
      put(END);
    } catch (InterruptedException e) {
      // closed by the consumer
    } catch (IOException e) {
      offerFailure(new UncheckedIOException("cannot read transformed examples: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      offerFailure(e);
    }
  }

  /** How many times a row of class {@code label} enters the stream: the rate's whole part, plus one with its fraction's probability. */
  private int copies(long label, SplittableRandom resampling) {
    double rate = label < resample.length ? resample[(int) label] : 1.0;
    int whole = (int) Math.floor(rate);
    double fraction = rate - whole;
    return fraction > 0 && resampling.nextDouble() < fraction ? whole + 1 : whole;
  }

  private void offerFailure(RuntimeException e) {
    if (!closed) {
      try {
        put(e);
      } catch (InterruptedException ignored) {
        // closed by the consumer
      }
    }
  }

  private void emit(Object[] from, int row) throws InterruptedException {
    copyRow(from, row, batchColumns, batchRows++);
    if (batchRows == batchSize) {
      put(new Batch(batchSize, batchColumns));
      batchColumns = newColumns(batchSize);
      batchRows = 0;
    }
  }

  private void put(Object o) throws InterruptedException {
    if (o instanceof Batch b) {
      rows.addAndGet(b.size);
    }
    queue.put(o);
  }

  private void copyRow(Object[] from, int fromRow, Object[] to, int toRow) {
    for (int c = 0; c < widths.length; c++) {
      int w = widths[c];
      if (w != 1) {
        System.arraycopy(from[c], fromRow * w, to[c], toRow * w, w);
      } else if (floats[c]) {
        // Scalars are most columns: a plain store is cheaper than an array copy of one element.
        ((float[]) to[c])[toRow] = ((float[]) from[c])[fromRow];
      } else {
        ((long[]) to[c])[toRow] = ((long[]) from[c])[fromRow];
      }
    }
  }

  private Object[] newColumns(int rows) {
    Object[] arrays = new Object[columns.size()];
    for (int c = 0; c < arrays.length; c++) {
      arrays[c] = columns.get(c).newArray(rows);
    }
    return arrays;
  }
}
