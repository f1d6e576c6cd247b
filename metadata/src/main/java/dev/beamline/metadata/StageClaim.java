package dev.beamline.metadata;

/**
 * A run's claim on computing a stage with a given cache key: while it holds it, every other run that
 * would compute the same stage with the same key waits for it and then takes its outputs from the
 * cache, instead of computing and publishing them a second time. A claim is renewed with its owner's
 * leases and ends when the owner's execution of the stage ends, when the owner found the stage in the
 * cache, or when its lease expires ({@code leaseExpiry}, ms since the epoch).
 *
 * <pre>{@code
 * Optional<StageClaim> holder = store.claimStage("penguins", runId, "ingest", key);
 * if (holder.isEmpty()) { ... this run looks up the cache and computes the stage ... }
 * }</pre>
 */
public record StageClaim(String pipeline, String stage, String key, String runId, String owner, long leaseExpiry) {}
