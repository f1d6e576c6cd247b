package dev.beamline.core;

import dev.beamline.core.crypto.EncryptionException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a published folder held when its run recorded it: every file (hidden ones, such as {@link
 * MarkPublished}'s, left out) with its path relative to the folder, its size and the SHA-256 of its
 * bytes, read through {@link Storage} so that a folder on any file system Beam supports works. The
 * runner records it in the artifact's properties ({@code manifest}) and checks a cached folder against
 * it before serving it ({@link #check}).
 *
 * <pre>{@code
 * ArtifactManifest m = ArtifactManifest.of(outputDir);           // reads every file once
 * properties.set("manifest", m.toJson());
 * ArtifactManifest.Check c = ArtifactManifest.fromJson(properties.get("manifest")).check(outputDir, true);
 * }</pre>
 *
 * @param files sorted by path
 */
public record ArtifactManifest(List<Entry> files) {
  /** The key of the manifest in an artifact's properties. */
  public static final String PROPERTY = "manifest";

  /** One file of the folder. */
  public record Entry(String path, long bytes, String sha256) {}

  /** What {@link #check} found: the folder is intact, missing, or changed (with the first difference). */
  public record Check(Outcome outcome, String detail) {
    public boolean intact() {
      return outcome == Outcome.INTACT;
    }
  }

  public enum Outcome {
    INTACT,
    MISSING,
    CHANGED
  }

  public ArtifactManifest {
    files = List.copyOf(files);
  }

  /** The manifest of the folder {@code dir}: lists it and reads every file once to hash it. */
  public static ArtifactManifest of(String dir) {
    List<Entry> entries = new ArrayList<>();
    String base = base(dir);
    for (String file : Storage.listRecursively(base)) {
      long[] size = new long[1];
      String sha256 = Storage.sha256(file, size);
      entries.add(new Entry(Storage.relativize(base, file), size[0], sha256));
    }
    return new ArtifactManifest(entries);
  }

  /** The bytes of every file together. */
  public long totalBytes() {
    return files.stream().mapToLong(Entry::bytes).sum();
  }

  /**
   * Compares the folder {@code dir} with this manifest: the same files (none missing, none added), each
   * of the recorded size, and, when {@code hashes}, of the recorded SHA-256 (which reads every file).
   */
  public Check check(String dir, boolean hashes) {
    String base = base(dir);
    if (!Storage.exists(base)) {
      return new Check(Outcome.MISSING, dir + " does not exist");
    }
    Map<String, String> present = new LinkedHashMap<>();
    for (String file : Storage.listRecursively(base)) {
      present.put(Storage.relativize(base, file), file);
    }
    for (Entry e : files) {
      String file = present.remove(e.path());
      if (file == null) {
        return new Check(Outcome.CHANGED, e.path() + " is missing");
      }
      long size;
      try {
        size = Storage.size(file);
      } catch (RuntimeException x) {
        EncryptionException sealed = undecryptable(x);
        if (sealed == null) {
          throw x;
        }
        return new Check(Outcome.CHANGED, e.path() + " no longer decrypts: " + sealed.getMessage());
      }
      if (size != e.bytes()) {
        return new Check(Outcome.CHANGED, e.path() + " holds " + size + " bytes, " + e.bytes() + " when published");
      }
    }
    if (!present.isEmpty()) {
      return new Check(Outcome.CHANGED, present.keySet().iterator().next() + " was added after it was published");
    }
    if (hashes) {
      for (Entry e : files) {
        String sha256;
        try {
          sha256 = Storage.sha256(Storage.resolve(base, e.path()), new long[1]);
        } catch (RuntimeException x) {
          EncryptionException sealed = undecryptable(x);
          if (sealed == null) {
            throw x;
          }
          return new Check(Outcome.CHANGED, e.path() + " no longer decrypts: " + sealed.getMessage());
        }
        if (!sha256.equals(e.sha256())) {
          return new Check(Outcome.CHANGED, e.path() + " has another content (SHA-256 " + sha256 + ", " + e.sha256() + " when published)");
        }
      }
    }
    return new Check(Outcome.INTACT, "");
  }

  /** The decryption failure behind {@code t} (an encrypted file that was changed or swapped), or null. */
  private static EncryptionException undecryptable(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EncryptionException sealed) {
        return sealed;
      }
    }
    return null;
  }

  /** {@code {"files": [{"path", "bytes", "sha256"}], "bytes": total}}. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    ArrayNode array = o.putArray("files");
    for (Entry e : files) {
      array.addObject().put("path", e.path()).put("bytes", e.bytes()).put("sha256", e.sha256());
    }
    o.put("bytes", totalBytes());
    return o;
  }

  public static ArtifactManifest fromJson(JsonNode json) {
    List<Entry> entries = new ArrayList<>();
    for (JsonNode f : json.get("files")) {
      entries.add(new Entry(f.get("path").asText(), f.get("bytes").asLong(), f.get("sha256").asText()));
    }
    return new ArtifactManifest(entries);
  }

  /** Listed files are named absolutely: a relative local folder is made absolute to relativize them. */
  private static String base(String dir) {
    return Storage.isLocal(dir) && !dir.startsWith("file:") ? Paths.get(dir).toAbsolutePath().normalize().toString() : dir;
  }
}
