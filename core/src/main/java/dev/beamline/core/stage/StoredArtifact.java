package dev.beamline.core.stage;

import dev.beamline.core.ArtifactKind;

/**
 * An artifact recorded in the metadata store: what {@link PlanContext#live} and {@link
 * PlanContext#input} return to a stage that looks beyond its own inputs.
 *
 * @param fingerprint its content fingerprint; null while it is not yet published
 */
public record StoredArtifact(long id, ArtifactKind kind, String uri, String fingerprint) {}
