package dev.beamline.metadata;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat of a {@link MetadataStore} that runs executions: a daemon thread that renews, every
 * {@link LeasePolicy#renewal()}, the leases of the store's RUNNING executions and stage claims. It
 * writes through a connection of its own, so that a renewal neither waits for nor joins a transaction
 * of the store's connection. When the process dies the renewals stop, and the leases expire.
 */
final class LeaseRenewal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRenewal.class);

  private final MetadataStore twin;
  private final ScheduledExecutorService timer;

  /** Starts renewing the leases of {@code twin}'s owner every {@code every}; {@code twin} is closed with this. */
  LeaseRenewal(MetadataStore twin, Duration every) {
    this.twin = twin;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "beamline-lease-renewal");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::renew, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew() {
    try {
      twin.renewLeases();
    } catch (RuntimeException e) {
      // A database that is briefly unreachable: the next renewal may reach it before the lease ends.
      LOG.warn("cannot renew the leases of this run's executions in {}: {}", twin.url(), e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdown();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
        timer.shutdownNow();
      }
    } catch (InterruptedException e) {
      timer.shutdownNow();
      Thread.currentThread().interrupt();
    }
    twin.close();
  }
}
