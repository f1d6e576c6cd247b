package dev.beamline.core.stage;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;

/**
 * An input that does not come from a stage of this run: a raw file (recorded on first sight, {@code
 * artifactId} null) or an artifact of an earlier run found in the metadata store (such as the previous
 * statistics that drift is measured against). Its fingerprint is part of the stage's cache key.
 *
 * <pre>{@code
 * new ExternalInput("raw_data", ArtifactKind.RAW_DATA, "/data/a.csv", sha256, properties, null);
 * }</pre>
 */
public record ExternalInput(String role, ArtifactKind kind, String uri, String fingerprint, ObjectNode properties, Long artifactId) {
  public ExternalInput {
    checkNotNull(role, "role");
    checkNotNull(kind, "kind");
    checkNotNull(uri, "uri");
    checkNotNull(fingerprint, "fingerprint");
  }

  /** A raw file, fingerprinted by its content ({@code sha256}). */
  public static ExternalInput file(String role, String uri, String sha256, ObjectNode properties) {
    return new ExternalInput(role, ArtifactKind.RAW_DATA, uri, sha256, properties, null);
  }

  /** An artifact of an earlier run, recorded in the store under {@code artifactId}. */
  public static ExternalInput stored(String role, StoredArtifact artifact) {
    return new ExternalInput(role, artifact.kind(), artifact.uri(), "artifact:" + artifact.id(), null, artifact.id());
  }
}
