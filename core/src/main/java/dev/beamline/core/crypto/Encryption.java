package dev.beamline.core.crypto;

import dev.beamline.core.Storage;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which folders are encrypted, and with what: the process's encrypted roots. A root is registered with a
 * namespace and a cipher (the runner registers the pipeline root as {@value #PIPELINE}, push and the
 * server the serving base as {@value #SERVING}, the server and the feedback stages a request log folder
 * as {@value #REQUEST_LOGS}); {@link Storage} then encrypts every file written below it and decrypts
 * every file read, and the Parquet sinks and readers do the same through {@link #binding}.
 *
 * <p>A file's <em>artifact id</em>, the associated data that binds its ciphertext to its place, is the
 * namespace and the file's path below the root, with a staging folder named as the folder it is
 * published as ({@code .staging-7} is {@code 7}) and a hidden temporary file as the file it replaces:
 * {@code root:penguins/statistics/2/statistics.json}. The innermost registered root decides.
 *
 * <pre>{@code
 * Encryption.register("/runs", Encryption.PIPELINE, config.open());
 * Storage.writeString("/runs/penguins/statistics/.staging-2/statistics.json", json);  // encrypted
 * }</pre>
 */
public final class Encryption {
  /** The pipeline root's namespace. */
  public static final String PIPELINE = "root";

  /** A serving base's namespace (push writes it, the server reads it). */
  public static final String SERVING = "serving";

  /** A request log folder's namespace (the server writes it, feedback reads it). */
  public static final String REQUEST_LOGS = "logs";

  private record Root(String prefix, String namespace, ArtifactCipher cipher) {}

  private static final List<Root> ROOTS = new CopyOnWriteArrayList<>();

  private Encryption() {}

  /**
   * Where {@code uri} lies in an encrypted root: the cipher, and the artifact ids a file there may have
   * been encrypted as (its own, or, for a shard written by a Beam sink, its folder's).
   */
  public record Binding(ArtifactCipher cipher, String fileId, String folderId) {
    /** The ids a file at this place may carry. */
    public List<String> accepted() {
      return List.of(fileId, folderId);
    }
  }

  /** Encrypts every artifact file below {@code root} with {@code cipher}, its ids in {@code namespace}. */
  public static synchronized void register(String root, String namespace, ArtifactCipher cipher) {
    String prefix = normalize(root);
    ROOTS.removeIf(r -> r.prefix.equals(prefix));
    ROOTS.add(new Root(prefix, namespace, cipher));
    ROOTS.sort(Comparator.comparingInt((Root r) -> r.prefix.length()).reversed());
  }

  /**
   * Puts the registered roots into {@code options} ({@link EncryptionPipelineOptions}), for the
   * workers; called just before a pipeline runs. Without roots it leaves the options alone.
   */
  public static void into(org.apache.beam.sdk.options.PipelineOptions options) {
    if (ROOTS.isEmpty()) {
      return;
    }
    com.fasterxml.jackson.databind.node.ArrayNode all = JSON.createArrayNode();
    for (Root r : ROOTS) {
      all.addObject().put("root", r.prefix).put("namespace", r.namespace).put("keyset", r.cipher.keysetJson())
          .put("master_key_env", r.cipher.masterKeyEnv()).put("keyset_name", r.cipher.keysetName());
    }
    options.as(EncryptionPipelineOptions.class).setBeamlineEncryptedRoots(all.toString());
  }

  /** Registers the roots that {@link #into} wrote, each keyset opened with this process's master key. */
  static synchronized void registerAll(String json) {
    com.fasterxml.jackson.databind.JsonNode all;
    try {
      all = JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not the JSON of Beamline's encrypted roots: " + e.getMessage(), e);
    }
    java.util.Map<String, ArtifactCipher> opened = new java.util.HashMap<>();
    for (com.fasterxml.jackson.databind.JsonNode r : all) {
      String prefix = r.get("root").asText();
      String keyset = r.get("keyset").asText();
      boolean known = ROOTS.stream().anyMatch(x -> x.prefix.equals(prefix) && x.cipher.keysetJson().equals(keyset));
      if (!known) {
        ArtifactCipher c = opened.computeIfAbsent(keyset + "\n" + r.get("master_key_env").asText(),
            k -> ArtifactCipher.reopen(keyset, r.get("master_key_env").asText(), r.get("keyset_name").asText()));
        register(prefix, r.get("namespace").asText(), c);
      }
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** Stops encrypting below {@code root}. */
  public static synchronized void unregister(String root) {
    String prefix = normalize(root);
    ROOTS.removeIf(r -> r.prefix.equals(prefix));
  }

  /** Forgets every root (tests). */
  public static synchronized void clear() {
    ROOTS.clear();
  }

  /** The cipher of the registered root that holds {@code uri}, if any. */
  public static Optional<ArtifactCipher> cipherFor(String uri) {
    Binding b = binding(uri);
    return b == null ? Optional.empty() : Optional.of(b.cipher());
  }

  /** Where {@code uri} lies in an encrypted root, or null when it lies in none. */
  public static Binding binding(String uri) {
    if (ROOTS.isEmpty()) {
      return null;
    }
    String u = normalize(uri);
    for (Root r : ROOTS) {
      if (u.equals(r.prefix) || u.startsWith(r.prefix.endsWith("/") ? r.prefix : r.prefix + "/")) {
        String rel = u.length() == r.prefix.length() ? "" : u.substring(r.prefix.length() + (r.prefix.endsWith("/") ? 0 : 1));
        List<String> segments = new ArrayList<>(List.of(rel.split("/")));
        segments.removeIf(String::isEmpty);
        for (int i = 0; i < segments.size(); i++) {
          String s = segments.get(i);
          if (s.startsWith(".staging-")) {
            // A push stages version 7 as .staging-7-<8 hex digits>.
            segments.set(i, s.substring(".staging-".length()).replaceFirst("^([0-9]+)-[0-9a-f]{8}$", "$1"));
          } else if (i == segments.size() - 1 && s.startsWith(".") && s.endsWith(".tmp")) {
            segments.set(i, s.substring(1, s.length() - ".tmp".length()));
          }
        }
        String file = r.namespace + ":" + String.join("/", segments);
        String folder = r.namespace + ":" + String.join("/", segments.subList(0, Math.max(0, segments.size() - 1)));
        return new Binding(r.cipher, file, folder);
      }
    }
    return null;
  }

  /**
   * Whether {@code uri} is one of the files left in plaintext below an encrypted root: the metadata
   * store's SQLite file (identifiers, hashes and counts, never a row's values) and its journal, and the
   * run logs, which a crashed run must leave readable (their lines name files, rows and fields, never a
   * value).
   */
  public static boolean plaintextByDesign(String uri) {
    String name = Storage.fileName(uri);
    return name.startsWith("metadata.sqlite") || name.equals(MARKER)
        || (name.endsWith(".log") && Storage.fileName(Storage.parent(uri)).equals("logs"));
  }

  /**
   * The file that marks a root as encrypted: {@code {"key_ids": [...]}}, the ids of the keyset's keys (no
   * secret). A command that would write into a marked root without its keyset, or with another keyset,
   * stops before writing anything.
   */
  public static final String MARKER = ".beamline-encryption.json";

  /**
   * Registers {@code root} as the pipeline's encrypted root, after checking its marker: a root first
   * encrypted with another keyset is refused; a root without a marker gets one.
   *
   * @throws dev.beamline.core.ConfigException when {@code cipher}'s keyset holds none of the keys that the root's marker names
   */
  public static void openRoot(String root, ArtifactCipher cipher) {
    String marker = Storage.resolve(root, MARKER);
    if (Storage.exists(marker)) {
      List<Integer> ids = new ArrayList<>();
      try {
        JSON.readTree(Storage.readRaw(marker)).path("key_ids").forEach(n -> ids.add((int) n.asLong()));
      } catch (java.io.IOException e) {
        throw new dev.beamline.core.ConfigException(marker + " is not valid JSON: " + e.getMessage());
      }
      if (!ids.isEmpty() && ids.stream().noneMatch(cipher.keyIds()::contains)) {
        throw new dev.beamline.core.ConfigException(
            "the pipeline root " + root + " was encrypted with another keyset (key ids " + ids.stream().map(Integer::toUnsignedString).toList()
                + ", " + cipher.keysetName() + " holds " + cipher.keyIds().stream().map(Integer::toUnsignedString).sorted().toList() + ")");
      }
    }
    register(root, PIPELINE, cipher);
    com.fasterxml.jackson.databind.node.ObjectNode m = JSON.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode ids = m.putArray("key_ids");
    cipher.keyIds().stream().sorted().forEach(id -> ids.add(Integer.toUnsignedLong(id)));
    Storage.writeRaw(marker, (m.toString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * Refuses to work on a root that its marker says is encrypted when no keyset was given.
   *
   * @throws dev.beamline.core.ConfigException when {@code root} holds the marker
   */
  public static void refuseUnkeyed(String root) {
    if (Storage.exists(Storage.resolve(root, MARKER))) {
      throw new dev.beamline.core.ConfigException(
          "the pipeline root " + root + " holds encrypted artifacts (" + MARKER + "): set pipeline.encryption (keyset and"
              + " master_key_env) to work on it; nothing was written");
    }
  }

  /** A folder or file as the registry compares them: a local path made absolute, a URI as it is. */
  static String normalize(String uri) {
    String u = uri;
    if (u.startsWith("file://")) {
      u = u.substring("file://".length());
    } else if (u.startsWith("file:")) {
      u = u.substring("file:".length());
    }
    if (Storage.isLocal(u)) {
      return Paths.get(u).toAbsolutePath().normalize().toString();
    }
    return u.endsWith("/") && u.length() > 1 ? u.substring(0, u.length() - 1) : u;
  }
}
