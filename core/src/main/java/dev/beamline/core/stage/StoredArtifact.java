package dev.beamline.core.stage;

import dev.beamline.core.ArtifactKind;

/**
 * A live artifact recorded in the metadata store by an earlier run: what {@link PlanContext#live}
 * returns to a stage that looks beyond its own inputs.
 */
public record StoredArtifact(long id, ArtifactKind kind, String uri) {}
