package dev.beamline.training;

import com.google.common.base.Preconditions;
import dev.beamline.core.privacy.NoiseSource;
import dev.beamline.training.ShardReader.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The training split in memory, from which DP-SGD draws its batches by Poisson sampling: each row is
 * in a batch independently with probability q, so a batch's size varies around q·N (and may be 0).
 * This is the sampling the Rényi-DP accountant of the subsampled Gaussian mechanism assumes
 * (Mironov, Talwar and Zhang 2019); shuffling and cutting fixed-size batches is not.
 *
 * <p>Rows are drawn by skipping ahead a geometric number of rows (the gap to the next row whose coin
 * comes up heads), so a batch costs O(q·N) random draws, not N. Each batch's draws come from a
 * generator seeded with 64 fresh bits of {@code seeds} (secret in training, see {@link DpSgd}).
 *
 * <pre>{@code
 * PoissonSample s = PoissonSample.load(files, columns, labelColumn);
 * Batch b = s.draw(0.01, seeds);
 * }</pre>
 */
final class PoissonSample {
  private final List<Column> columns;
  private final Object[] data;
  private final int rows;
  private final long skipped;

  private PoissonSample(List<Column> columns, Object[] data, int rows, long skipped) {
    this.columns = columns;
    this.data = data;
    this.rows = rows;
    this.skipped = skipped;
  }

  /**
   * Reads every row of {@code files} into memory (rows whose column {@code skipNoLabel} is -1 left out and counted).
   *
   * @throws IllegalArgumentException when the split does not fit in Java arrays (2^31 values per column)
   */
  static PoissonSample load(List<String> files, List<Column> columns, int skipNoLabel) {
    List<Batch> parts = new ArrayList<>();
    long total = 0;
    long skipped;
    try (ExampleStream s = ExampleStream.open(files, columns, 8192, 1, null, skipNoLabel)) {
      while (s.hasNext()) {
        Batch b = s.next();
        parts.add(b);
        total += b.size;
      }
      skipped = s.skipped();
    }
    for (Column c : columns) {
      Preconditions.checkArgument(total * c.width() < Integer.MAX_VALUE,
          "DP-SGD holds the training split in memory: %s rows of column '%s' (width %s) do not fit in one array", total, c.name(), c.width());
    }
    int n = (int) total;
    Object[] data = new Object[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      data[c] = columns.get(c).newArray(n);
    }
    int at = 0;
    for (Batch b : parts) {
      for (int c = 0; c < columns.size(); c++) {
        int w = columns.get(c).width();
        System.arraycopy(b.columns[c], 0, data[c], at * w, b.size * w);
      }
      at += b.size;
    }
    return new PoissonSample(List.copyOf(columns), data, n, skipped);
  }

  /** Tests: a sample of {@code rows} rows held in {@code data}, one array per column. */
  static PoissonSample forTests(Object[] data, List<Column> columns, int rows) {
    return new PoissonSample(List.copyOf(columns), data, rows, 0);
  }

  /** The rows held. */
  int rows() {
    return rows;
  }

  /** Rows left out because their label had no class. */
  long skipped() {
    return skipped;
  }

  /** One batch: each row independently with probability {@code q}, in row order. */
  Batch draw(double q, NoiseSource seeds) {
    Preconditions.checkArgument(q > 0 && q <= 1, "sampling rate must be in (0, 1], got %s", q);
    int[] picked = pick(q, new SplittableRandom(seeds.nextLong()));
    Object[] out = new Object[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      int w = columns.get(c).width();
      Object column = columns.get(c).newArray(picked.length);
      for (int i = 0; i < picked.length; i++) {
        System.arraycopy(data[c], picked[i] * w, column, i * w, w);
      }
      out[c] = column;
    }
    return new Batch(picked.length, out);
  }

  /** The indices of the rows whose coin with probability {@code q} came up heads. */
  int[] pick(double q, RandomGenerator r) {
    if (q >= 1) {
      int[] all = new int[rows];
      for (int i = 0; i < rows; i++) {
        all[i] = i;
      }
      return all;
    }
    int[] picked = new int[Math.max(16, (int) Math.min(rows, q * rows * 1.5 + 16))];
    int count = 0;
    double logMiss = Math.log1p(-q);
    long i = -1;
    while (true) {
      // The number of tails before the next head is geometric: floor(log U / log(1 - q)), U uniform in (0, 1].
      double u = 1.0 - r.nextDouble();
      i += 1 + (long) Math.floor(Math.log(u) / logMiss);
      if (i >= rows) {
        break;
      }
      if (count == picked.length) {
        picked = java.util.Arrays.copyOf(picked, picked.length * 2);
      }
      picked[count++] = (int) i;
    }
    return java.util.Arrays.copyOf(picked, count);
  }

  /** An epoch of {@code steps} batches drawn at rate {@code q}. */
  BatchSource epoch(long steps, double q, NoiseSource seeds) {
    return new BatchSource() {
      private long drawn;

      @Override
      public boolean hasNext() {
        return drawn < steps;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        drawn++;
        return draw(q, seeds);
      }

      @Override
      public long skipped() {
        return 0;
      }

      @Override
      public void close() {}
    };
  }
}
