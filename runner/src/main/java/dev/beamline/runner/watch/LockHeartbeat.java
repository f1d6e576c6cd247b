package dev.beamline.runner.watch;

import dev.beamline.metadata.MetadataStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Renews a watch's pipeline lock every {@code every} from a daemon thread, through a store connection of
 * its own ({@code store}, closed with this). When a renewal finds the lock held by another owner (its
 * lease had expired and another watch took it over), it tells {@code lost} once and stops; a renewal
 * that fails (the database out of reach) is told to {@code warn}, and the next one tries again.
 *
 * <pre>{@code
 * try (LockHeartbeat beat = new LockHeartbeat(MetadataStore.open(url, leases), "penguins", owner, leases.renewal(),
 *     why -> lost.set(true), log::println)) {
 *   ...
 * }
 * }</pre>
 */
public final class LockHeartbeat implements AutoCloseable {
  private final MetadataStore store;
  private final String pipeline;
  private final String owner;
  private final Consumer<String> lost;
  private final Consumer<String> warn;
  private final ScheduledExecutorService timer;

  public LockHeartbeat(MetadataStore store, String pipeline, String owner, Duration every, Consumer<String> lost, Consumer<String> warn) {
    this.store = store;
    this.pipeline = pipeline;
    this.owner = owner;
    this.lost = lost;
    this.warn = warn;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "beamline-watch-lock");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::renew, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew() {
    try {
      if (!store.renewPipelineLock(pipeline, owner)) {
        String holder = store.pipelineLock(pipeline).map(l -> "held by " + l.owner()).orElse("free");
        lost.accept("the lock of pipeline " + pipeline + " is no longer this watch's (" + holder + "): its lease expired before a renewal");
        timer.shutdown();
      }
    } catch (RuntimeException e) {
      // A database briefly unreachable: the next renewal may reach it before the lease ends.
      warn.accept("cannot renew the lock of pipeline " + pipeline + ": " + e);
    }
  }

  /** Stops renewing; the lock stays until released or expired. */
  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    store.close();
  }
}
