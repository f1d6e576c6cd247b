package dev.beamline.bench;

import dev.beamline.training.ServingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The in-process reference of the serving benchmark (bench/serve.sh): the SavedModel the server
 * serves, loaded in this JVM with {@link ServingModel#load} and called with one row per call
 * ({@code score(List.of(row))}), in a tight loop on {@code threads} threads: the rate a caller gets
 * without HTTP, JSON and batching. Warms up, then measures; prints {@code key=value} lines.
 *
 * <p>The row is the first penguin of the bundled data (Torgersen, 39.1, 18.7, 181, 3750, MALE), as an
 * Avro record of the ingested schema (strings, doubles and longs, as ingestion types the CSV).
 *
 * <p>Arguments: the model folder, the ingested {@code schema.avsc}, warm-up seconds, measured seconds,
 * then one or more thread counts.
 */
public final class ServeBench {
  public static void main(String[] args) throws Exception {
    String model = args[0];
    Schema schema = new Schema.Parser().parse(Files.readString(Paths.get(args[1])));
    double warmup = Double.parseDouble(args[2]);
    double measure = Double.parseDouble(args[3]);
    GenericRecord row = new GenericData.Record(schema);
    put(row, "island", "Torgersen");
    put(row, "culmen_length_mm", 39.1);
    put(row, "culmen_depth_mm", 18.7);
    put(row, "flipper_length_mm", 181);
    put(row, "body_mass_g", 3750);
    put(row, "sex", "MALE");
    List<GenericRecord> one = List.of(row);
    try (ServingModel m = ServingModel.load(model)) {
      ServingModel.Scores s = m.score(one);
      if (!s.scored(0)) {
        throw new IllegalStateException("the row was not scored: " + s.error(0));
      }
      System.out.printf(Locale.ROOT, "probabilities=%s%n", Arrays.toString(s.probabilities(0)));
      for (int i = 4; i < args.length; i++) {
        int threads = Integer.parseInt(args[i]);
        run(m, one, threads, warmup); // warm-up: the JIT, TensorFlow's kernels and thread pools
        Measured r = run(m, one, threads, measure);
        System.err.printf(Locale.ROOT, "in-process, %d thread(s): %.0f calls/s, p50 %.1f us, p99 %.1f us%n",
            threads, r.rate(), r.percentile(50) / 1e3, r.percentile(99) / 1e3);
        String k = "t" + threads;
        System.out.printf(Locale.ROOT, "%s_calls=%d%n%s_seconds=%.3f%n%s_rate=%.1f%n%s_p50_us=%.1f%n%s_p99_us=%.1f%n",
            k, r.calls(), k, r.seconds(), k, r.rate(), k, r.percentile(50) / 1e3, k, r.percentile(99) / 1e3);
      }
    }
  }

  /** Puts a value converted to the column's Avro type (long or double; strings as they are). */
  private static void put(GenericRecord row, String column, Object value) {
    Schema.Field f = row.getSchema().getField(column);
    if (f == null) {
      throw new IllegalArgumentException("the schema has no column " + column);
    }
    Schema t = f.schema();
    if (t.getType() == Schema.Type.UNION) {
      t = t.getTypes().stream().filter(u -> u.getType() != Schema.Type.NULL).findFirst().orElseThrow();
    }
    row.put(column, switch (t.getType()) {
      case LONG -> ((Number) value).longValue();
      case INT -> ((Number) value).intValue();
      case DOUBLE -> ((Number) value).doubleValue();
      case FLOAT -> ((Number) value).floatValue();
      default -> value.toString();
    });
  }

  /** Calls, wall seconds, and each call's nanoseconds (sorted). */
  private record Measured(long calls, double seconds, long[] sortedNanos) {
    double rate() {
      return calls / seconds;
    }

    double percentile(double p) {
      int i = (int) Math.ceil(p / 100 * sortedNanos.length) - 1;
      return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, i))];
    }
  }

  private static Measured run(ServingModel m, List<GenericRecord> one, int threads, double seconds) throws InterruptedException {
    long[][] perThread = new long[threads][];
    int[] counts = new int[threads];
    CountDownLatch start = new CountDownLatch(1);
    Thread[] workers = new Thread[threads];
    long[] window = new long[2];
    for (int t = 0; t < threads; t++) {
      int me = t;
      workers[t] = new Thread(() -> {
        long[] nanos = new long[1 << 16];
        int n = 0;
        double sink = 0;
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        long end = window[1];
        for (long now = System.nanoTime(); now < end; ) {
          sink += m.score(one).probability(0, 0);
          long after = System.nanoTime();
          if (n == nanos.length) {
            nanos = Arrays.copyOf(nanos, n * 2);
          }
          nanos[n++] = after - now;
          now = after;
        }
        perThread[me] = nanos;
        counts[me] = n;
        if (sink < 0) {
          System.err.println(sink); // keeps the scores alive
        }
      }, "serve-bench-" + t);
      workers[t].start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + (long) (seconds * 1e9);
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    double elapsed = (System.nanoTime() - window[0]) / 1e9;
    long total = 0;
    for (int c : counts) {
      total += c;
    }
    long[] all = new long[(int) total];
    int at = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(perThread[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    return new Measured(total, elapsed, all);
  }
}
