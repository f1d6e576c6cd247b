package dev.beamline.metadata;

/**
 * The lock that lets one process at a time start runs of a pipeline (a {@code beamline watch}): held by
 * {@code owner} since {@code acquiredAt}, until {@code leaseExpiry} (ms since the epoch) unless the
 * owner renews it. A holder that dies stops renewing, and once its lease has expired any other process
 * may take the lock over ({@link MetadataStore#tryLockPipeline}).
 *
 * <pre>{@code
 * PipelineLock.Attempt a = store.tryLockPipeline("penguins", owner);
 * if (!a.acquired()) { ... a.lock().owner() holds it until a.lock().leaseExpiry() ... }
 * }</pre>
 */
public record PipelineLock(String pipeline, String owner, long acquiredAt, long leaseExpiry) {
  /**
   * What {@link MetadataStore#tryLockPipeline} found: when {@code acquired}, {@code lock} is the caller's,
   * and {@code takenOver} the expired lock of another owner it replaced (null when the lock was free or
   * the caller's already); else {@code lock} is the live holder's.
   */
  public record Attempt(boolean acquired, PipelineLock lock, PipelineLock takenOver) {}
}
