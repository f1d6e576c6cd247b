package dev.beamline.core;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.file.Paths;
import java.util.function.Predicate;

/**
 * The content fingerprint of a published folder: SHA-256 over the relative path and the SHA-256 of each
 * file it holds, in path order, read through {@link Storage} (so a folder on any file system Beam
 * supports). Only the files that {@code include} accepts count, e.g. all but {@code provenance.json},
 * which says what made the artifact but not what it holds.
 *
 * <pre>{@code
 * String sha256 = FolderFingerprint.sha256(dir, rel -> !rel.equals(StageOutput.PROVENANCE_FILE));
 * }</pre>
 */
public final class FolderFingerprint {
  private FolderFingerprint() {}

  /**
   * The hex SHA-256 of the files under {@code dir} whose path relative to it ({@code
   * examples/train/part-0.parquet}) {@code include} accepts.
   */
  public static String sha256(String dir, Predicate<String> include) {
    // Listed files are named absolutely: a relative local folder is made absolute to relativize them.
    String base = Storage.isLocal(dir) && !dir.startsWith("file:") ? Paths.get(dir).toAbsolutePath().normalize().toString() : dir;
    Hasher h = Hashing.sha256().newHasher();
    for (String file : Storage.listRecursively(base)) {
      String rel = Storage.relativize(base, file);
      if (include.test(rel)) {
        // Streamed file by file (a shard may not fit in memory): the path and the SHA-256 of its bytes.
        h.putUnencodedChars(rel).putUnencodedChars(Storage.sha256(file, new long[1]));
      }
    }
    return h.hash().toString();
  }
}
