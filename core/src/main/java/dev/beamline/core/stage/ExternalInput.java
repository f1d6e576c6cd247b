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

  /** A listed file's property: its size in bytes (see {@link #listed}). */
  public static final String BYTES = "bytes";
  /** A listed file's property: its modification time in milliseconds, 0 where the file system has none. */
  public static final String MODIFIED_MS = "modified_ms";

  /**
   * A raw file that the stage lists cheaply, by path, size and modification time, and hashes as it reads
   * it, stating the SHA-256s it read under {@link Published#INPUT_FILES} in its facts. The runner keys
   * the cache by the file's content: hashed when cheap, else as recorded for the same path, size and
   * time, else by what the stage states once it has read it.
   */
  public static ExternalInput listed(String role, String uri, long bytes, long modifiedMs) {
    String stat = com.google.common.hash.Hashing.sha256()
        .hashString(uri + "\n" + bytes + "\n" + modifiedMs, java.nio.charset.StandardCharsets.UTF_8).toString();
    ObjectNode props = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put(BYTES, bytes).put(MODIFIED_MS, modifiedMs);
    return new ExternalInput(role, ArtifactKind.RAW_DATA, uri, stat, props, null);
  }

  /** Whether this input is a file made by {@link #listed}, whose content the runner resolves. */
  public boolean isListed() {
    return artifactId == null && kind.equals(ArtifactKind.RAW_DATA) && properties != null && properties.has(BYTES) && properties.has(MODIFIED_MS);
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
