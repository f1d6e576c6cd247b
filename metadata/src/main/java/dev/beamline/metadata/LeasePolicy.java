package dev.beamline.metadata;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.time.Duration;

/**
 * How executions are kept alive and shared between processes. A RUNNING execution holds a lease of
 * {@code lease} that the process running it renews every {@code renewal} (a daemon thread of the
 * {@link MetadataStore} that started it); when the lease has expired, the process is taken for dead
 * and any process, on any host, may mark the execution FAILED and clean up after it. A run that would
 * compute a stage that another RUNNING execution computes already (the same cache key) waits up to
 * {@code claimWait} for it to finish and takes its outputs from the cache; after that it computes the
 * stage itself.
 *
 * <p>The hosts' clocks must agree to well within {@code lease - renewal}: an expiry is a wall-clock time.
 *
 * <pre>{@code
 * LeasePolicy fast = LeasePolicy.defaults().withRenewal(Duration.ofMillis(250)).withLease(Duration.ofSeconds(2));
 * MetadataStore store = MetadataStore.open(url, fast);
 * }</pre>
 */
public record LeasePolicy(Duration lease, Duration renewal, Duration claimWait) {
  /** 60 s leases renewed every 10 s; a run waits up to an hour for a stage another run computes. */
  public static LeasePolicy defaults() {
    return new LeasePolicy(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofHours(1));
  }

  public LeasePolicy {
    checkNotNull(lease, "lease");
    checkNotNull(renewal, "renewal");
    checkNotNull(claimWait, "claimWait");
  }

  /** The same policy with leases of {@code lease} (positive). */
  public LeasePolicy withLease(Duration lease) {
    checkArgument(lease != null && lease.toMillis() > 0, "lease must be a positive duration, got %s", lease);
    return new LeasePolicy(lease, renewal, claimWait);
  }

  /** The same policy renewing leases every {@code renewal} (positive). */
  public LeasePolicy withRenewal(Duration renewal) {
    checkArgument(renewal != null && renewal.toMillis() > 0, "renewal must be a positive duration, got %s", renewal);
    return new LeasePolicy(lease, renewal, claimWait);
  }

  /** The same policy waiting up to {@code claimWait} (zero or more) for a stage another run computes. */
  public LeasePolicy withClaimWait(Duration claimWait) {
    checkArgument(claimWait != null && !claimWait.isNegative(), "claimWait must be zero or more, got %s", claimWait);
    return new LeasePolicy(lease, renewal, claimWait);
  }

  /**
   * Checks that a lease is renewed well before it expires: {@code renewal} at most half of {@code
   * lease}, so that one late renewal does not lose it.
   */
  public void check() {
    checkArgument(
        renewal.multipliedBy(2).compareTo(lease) <= 0,
        "the lease renewal (%s ms) must be at most half the lease (%s ms)",
        renewal.toMillis(),
        lease.toMillis());
  }
}
