package dev.beamline.training;

import java.util.Iterator;

/**
 * The batches of one training epoch: streamed from the shards ({@link ExampleStream}) or drawn by
 * Poisson sampling for DP-SGD ({@link PoissonSample}).
 *
 * <pre>{@code
 * try (BatchSource s = ...) { while (s.hasNext()) step(s.next()); long skipped = s.skipped(); }
 * }</pre>
 */
interface BatchSource extends Iterator<Batch>, AutoCloseable {
  /** Rows skipped so far because their label had no class. */
  long skipped();

  @Override
  void close();
}
