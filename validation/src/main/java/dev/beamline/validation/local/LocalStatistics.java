package dev.beamline.validation.local;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.validation.ColumnBatch;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.FeatureStatisticsFn;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.StatsAccumulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Computes the statistics of data on the local file system in this process, without a Beam pipeline: the
 * accumulators of {@link FeatureStatisticsFn}, the algorithm of the pipeline's {@code ComputeStatistics}
 * stage, driven directly ({@code createAccumulator}, {@code addColumns} or {@code addInput}, {@code
 * mergeAccumulators}, {@code extractOutput}) by a pool of threads. The result is the same statistics as
 * the Beam engine's: exact fields identical, sketch fields within their stated error.
 *
 * <p>Parquet files are read column by column ({@link ParquetColumns}, through ingest's {@code
 * ColumnarFile}, the project's one Parquet column reader), one task per row group, each
 * with its own accumulator. Files of other formats, and Parquet files with columns that the columnar
 * reader does not map, are read record by record by Beamline's reader of their format, one file per
 * task; the statistics of each chunk of 32,768 records are computed on another thread of the pool while
 * the reader goes on (or by the reader itself when every thread is busy). The accumulators are merged
 * in file and row-group order. A row that does not fit the schema fails the computation, as it fails
 * the Beam engine's read.
 *
 * <pre>{@code
 * StatisticsSet stats = LocalStatistics.withThreads(0).compute("data/flights.parquet");   // split "data"
 * StatisticsSet all = LocalStatistics.withThreads(4).compute("runs/flights/ingest/1");     // every split
 * }</pre>
 */
public final class LocalStatistics {
  /** Rows per column batch of a Parquet row group. */
  static final int SLICE_ROWS = 32_768;
  /** Records per example batch, as ingestion batches them. */
  private static final int BATCH_SIZE = 2048;
  /** Example batches per chunk whose statistics another thread computes. */
  private static final int CHUNK_BATCHES = 16;

  private final int threads;

  private LocalStatistics(int threads) {
    this.threads = threads;
  }

  /** An engine with {@code threads} threads; 0 for one per core. */
  public static LocalStatistics withThreads(int threads) {
    checkArgument(threads >= 0, "threads must be 0 (one per core) or more, got %s", threads);
    return new LocalStatistics(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
  }

  /** How many threads the engine computes with. */
  public int threads() {
    return threads;
  }

  /** Whether {@code data} (a path, glob or ingestion output folder) is on the local file system. */
  public static boolean isLocal(String data) {
    return !data.contains("://");
  }

  /** One split to compute: the files holding its examples and the reader of their format. */
  private record Split(String name, ExampleSchema schema, List<Path> files, InputFormat format, FormatReader reader) {}

  /**
   * The statistics of {@code data}: a published ingestion output (every split) or a local file path or
   * glob (CSV, JSON lines, Avro, Parquet; one split called {@code data}), as {@code beamline stats}
   * computes them.
   *
   * @throws DataCheckException for an empty input file or a row that does not fit the schema
   * @throws dev.beamline.core.ConfigException when nothing matches {@code data}
   */
  public StatisticsSet compute(String data) {
    checkArgument(isLocal(data), "the local engine reads local files only, got '%s'", data);
    List<Split> splits;
    try {
      splits = resolve(data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input: " + e.getMessage(), e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, new NamedThreads());
    List<ParquetFile> opened = new ArrayList<>();
    try {
      List<List<Future<List<Future<StatsAccumulator>>>>> tasks = new ArrayList<>();
      for (Split split : splits) {
        FeatureStatisticsFn fn = FeatureStatisticsFn.of(split.schema(), split.name());
        Semaphore chunks = new Semaphore(threads);
        List<Future<List<Future<StatsAccumulator>>>> splitTasks = new ArrayList<>();
        for (Path file : split.files()) {
          ParquetFile columnar = split.format() == InputFormat.PARQUET ? ParquetFile.open(file, split.schema()) : null;
          if (columnar != null) {
            opened.add(columnar);
            for (int g = 0; g < columnar.rowGroups; g++) {
              int rowGroup = g;
              splitTasks.add(pool.submit(() -> List.of(CompletableFuture.completedFuture(columnar.statistics(fn, rowGroup)))));
            }
          } else {
            splitTasks.add(pool.submit(() -> readRecords(fn, split, file, pool, chunks)));
          }
        }
        tasks.add(splitTasks);
      }
      List<DatasetStatistics> result = new ArrayList<>();
      for (int i = 0; i < splits.size(); i++) {
        FeatureStatisticsFn fn = FeatureStatisticsFn.of(splits.get(i).schema(), splits.get(i).name());
        List<StatsAccumulator> accumulators = new ArrayList<>();
        for (Future<List<Future<StatsAccumulator>>> task : tasks.get(i)) {
          for (Future<StatsAccumulator> part : await(task)) {
            accumulators.add(await(part));
          }
        }
        result.add(fn.extractOutput(fn.mergeAccumulators(accumulators)));
      }
      return StatisticsSet.of(result);
    } finally {
      pool.shutdownNow();
      for (ParquetFile f : opened) {
        f.close();
      }
    }
  }

  private static List<Split> resolve(String data) throws IOException {
    Path dir = Path.of(data);
    List<Split> splits = new ArrayList<>();
    if (Files.isDirectory(dir) && Files.exists(dir.resolve("fingerprint.json"))) {
      IngestOutput o = IngestOutput.open(dir);
      FormatReader parquet = FormatReader.of(InputFormat.PARQUET, CsvFormat.defaults());
      for (String s : o.splitNames()) {
        splits.add(new Split(s, o.schema(), IngestOutput.shardsOf(dir, s), InputFormat.PARQUET, parquet));
      }
      return splits;
    }
    Path single = plainParquetFile(data);
    if (single != null) {
      // The common case, without a pipeline or Hadoop: the schema from the footer, converted
      // as the Parquet reader converts it.
      if (Files.size(single) == 0) {
        throw new DataCheckException(single + ": the input file is empty");
      }
      FormatReader parquet = FormatReader.of(InputFormat.PARQUET, CsvFormat.defaults());
      splits.add(new Split("data", ParquetColumns.schemaOf(single), List.of(single), InputFormat.PARQUET, parquet));
      return splits;
    }
    // As ReadExamples resolves its input: the files, the format, the schema inferred from them.
    IngestExamples.Config config = IngestExamples.Config.of(data);
    InputFiles files = InputFiles.resolve(config.input(), config.spans());
    List<Path> paths = new ArrayList<>();
    for (InputFiles.InputFile f : files.files()) {
      if (f.bytes() == 0) {
        throw new DataCheckException(f.path() + ": the input file is empty");
      }
      paths.add(Path.of(f.path()));
    }
    InputFormat format = config.format(files);
    FormatReader reader = FormatReader.of(format, config.csv());
    ExampleSchema schema;
    try {
      schema = reader.inferSchema(files.files(), config.inferRows());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input: " + e.getMessage(), e);
    }
    splits.add(new Split("data", schema, paths, format, reader));
    return splits;
  }

  /**
   * {@code data} as an absolute path when it names one existing Parquet file (no glob, no span or version
   * placeholder), else null.
   */
  private static Path plainParquetFile(String data) {
    if (data.chars().anyMatch(c -> "*?[]{}".indexOf(c) >= 0) || InputFormat.fromFileName(data) != InputFormat.PARQUET) {
      return null;
    }
    Path p = Path.of(data).toAbsolutePath().normalize();
    return Files.isRegularFile(p) ? p : null;
  }

  /**
   * Reads {@code file} record by record; returns the statistics of its chunks, computed by other threads
   * of {@code pool} while permits of {@code chunks} last, else by this one.
   */
  private static List<Future<StatsAccumulator>> readRecords(
      FeatureStatisticsFn fn, Split split, Path file, ExecutorService pool, Semaphore chunks) throws IOException {
    List<Future<StatsAccumulator>> parts = new ArrayList<>();
    Schema avro = split.schema().toAvro();
    List<ExampleBatch>[] chunk = newChunk();
    List<GenericRecord>[] batch = newBatch();
    split.reader().read(file.toString(), split.schema(), avro, new FormatReader.Sink() {
      @Override
      public void accept(GenericRecord example) {
        batch[0].add(example);
        if (batch[0].size() == BATCH_SIZE) {
          chunk[0].add(ExampleBatch.of(batch[0]));
          batch[0] = new ArrayList<>(BATCH_SIZE);
          if (chunk[0].size() == CHUNK_BATCHES) {
            parts.add(accumulate(fn, chunk[0], pool, chunks));
            chunk[0] = new ArrayList<>(CHUNK_BATCHES);
          }
        }
      }

      @Override
      public void reject(RejectedRow row) {
        throw new DataCheckException(
            "a row does not fit the schema: " + row.describe() + " (ingest the data to keep such rows in a dead-letter file)");
      }
    });
    if (!batch[0].isEmpty()) {
      chunk[0].add(ExampleBatch.of(batch[0]));
    }
    if (!chunk[0].isEmpty()) {
      parts.add(CompletableFuture.completedFuture(accumulate(fn, chunk[0])));
    }
    return parts;
  }

  @SuppressWarnings("unchecked")
  private static List<ExampleBatch>[] newChunk() {
    return new List[] {new ArrayList<ExampleBatch>(CHUNK_BATCHES)};
  }

  @SuppressWarnings("unchecked")
  private static List<GenericRecord>[] newBatch() {
    return new List[] {new ArrayList<GenericRecord>(BATCH_SIZE)};
  }

  /** The statistics of {@code chunk}, on another thread when a permit is free (no thread ever waits for one). */
  private static Future<StatsAccumulator> accumulate(
      FeatureStatisticsFn fn, List<ExampleBatch> chunk, ExecutorService pool, Semaphore chunks) {
    if (chunks.tryAcquire()) {
      try {
        return pool.submit(() -> {
          try {
            return accumulate(fn, chunk);
          } finally {
            chunks.release();
          }
        });
      } catch (RuntimeException e) {
        chunks.release();
        throw e;
      }
    }
    return CompletableFuture.completedFuture(accumulate(fn, chunk));
  }

  private static StatsAccumulator accumulate(FeatureStatisticsFn fn, List<ExampleBatch> chunk) {
    StatsAccumulator acc = fn.createAccumulator();
    for (ExampleBatch b : chunk) {
      fn.addInput(acc, b);
    }
    return acc;
  }

  /** The result of {@code f}, with the task's own exception (unchecked) when it failed. */
  private static <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while computing statistics", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      if (cause instanceof IOException io) {
        throw new UncheckedIOException(io.getMessage(), io);
      }
      throw new IllegalStateException(cause);
    }
  }

  /**
   * A Parquet file read column by column: its row groups, and the open readers that tasks share (a
   * reader serves one task at a time; a task takes an idle one or opens another).
   */
  private static final class ParquetFile {
    private final Path path;
    private final ExampleSchema schema;
    private final int rowGroups;
    private final ConcurrentLinkedQueue<ParquetColumns> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ParquetColumns> all = new ConcurrentLinkedQueue<>();

    private ParquetFile(Path path, ExampleSchema schema, ParquetColumns first) {
      this.path = path;
      this.schema = schema;
      this.rowGroups = first.rowGroups();
      idle.add(first);
      all.add(first);
    }

    /** The file, or null when its columns cannot be read column by column. */
    static ParquetFile open(Path path, ExampleSchema schema) {
      try {
        ParquetColumns first = ParquetColumns.open(path, schema);
        return first == null ? null : new ParquetFile(path, schema, first);
      } catch (IOException | RuntimeException e) {
        throw new DataCheckException(path + ": not a readable Parquet file: " + e.getMessage());
      }
    }

    /**
     * The statistics of row group {@code rowGroup}.
     *
     * @throws DataCheckException naming the file and the row group when it cannot be read (a page whose
     *     checksum does not match, that does not decompress or decode): a data error, not an unexpected one
     */
    StatsAccumulator statistics(FeatureStatisticsFn fn, int rowGroup) throws IOException {
      ParquetColumns reader = idle.poll();
      if (reader == null) {
        reader = ParquetColumns.open(path, schema);
        if (reader == null) {
          throw new IllegalStateException(path + " could be read column by column once, and now cannot");
        }
        all.add(reader);
      }
      StatsAccumulator acc = fn.createAccumulator();
      reader.read(rowGroup, ColumnBatch.of(schema), SLICE_ROWS, batch -> fn.addColumns(acc, batch));
      // Only a reader that read its row group to the end is used again.
      idle.add(reader);
      return acc;
    }

    void close() {
      for (ParquetColumns c : all) {
        try {
          c.close();
        } catch (IOException e) {
          // Read-only files: nothing is lost when closing fails.
        }
      }
    }
  }

  /** Daemon threads named beamline-stats-N, so that a failed computation never keeps the JVM alive. */
  private static final class NamedThreads implements java.util.concurrent.ThreadFactory {
    private final AtomicInteger next = new AtomicInteger(1);

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "beamline-stats-" + next.getAndIncrement());
      t.setDaemon(true);
      return t;
    }
  }
}
