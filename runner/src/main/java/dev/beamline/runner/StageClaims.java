package dev.beamline.runner;

import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.StageClaim;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes two runs that would compute the same stage with the same inputs compute it once: before it
 * looks up the cache, a run claims the stage and its cache key in the metadata store
 * ({@link MetadataStore#claimStage}). While another run holds the claim, it waits (polling the store)
 * until that run's execution ends, then looks up the cache and finds the other's outputs there. A
 * holder whose lease expired is taken for killed: its executions are reclaimed ({@link KilledRuns}) and
 * its claim broken. After {@link dev.beamline.metadata.LeasePolicy#claimWait()} the run stops waiting
 * and computes the stage itself.
 *
 * <pre>{@code
 * boolean claimed = StageClaims.acquire(store, "penguins", runId, "ingest", key);
 * }</pre>
 */
final class StageClaims {
  private static final Logger LOG = LoggerFactory.getLogger(StageClaims.class);
  /** How often a waiting run looks again: often enough to follow a short lease in tests. */
  private static final long POLL_MILLIS = 200;

  private StageClaims() {}

  /**
   * Waits until this run holds the claim on {@code stage} with {@code key}. Returns true when it does,
   * false when it gave up waiting (the stage is then computed without a claim).
   */
  static boolean acquire(MetadataStore store, String pipeline, String runId, String stage, String key) {
    Duration limit = store.leases().claimWait();
    long deadline = System.nanoTime() + limit.toNanos();
    String waitingFor = null;
    while (true) {
      Optional<StageClaim> holder = store.claimStage(pipeline, runId, stage, key);
      if (holder.isEmpty()) {
        if (waitingFor != null) {
          LOG.info("{}: run {} has finished with it; going on", stage, waitingFor);
        }
        return true;
      }
      StageClaim h = holder.get();
      if (store.leaseExpired(h)) {
        // Its executions are reclaimed first: one of them may hold a lease a little longer than the claim.
        KilledRuns.reclaim(store);
        if (store.breakExpired(h)) {
          LOG.warn("{}: run {} claimed it but stopped renewing its lease (expired at {}): taken for killed", stage, h.runId(), Instant.ofEpochMilli(h.leaseExpiry()));
          continue;
        }
      }
      if (System.nanoTime() > deadline) {
        LOG.warn("{}: run {} has been computing it for longer than the {} s this run waits; computing it too", stage, h.runId(), limit.toSeconds());
        return false;
      }
      if (!h.runId().equals(waitingFor)) {
        waitingFor = h.runId();
        LOG.info("{}: waiting for run {} ({}), which computes the same stage with the same inputs", stage, h.runId(), h.owner());
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for run " + h.runId() + " to compute " + stage, e);
      }
    }
  }
}
