package dev.beamline.core;

import dev.beamline.core.crypto.Encryption;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Artifact files on any file system Beam supports (local disk, HDFS, object stores), through Beam's
 * {@link FileSystems}: every stage reads, writes, lists and publishes its artifacts here, by URI or
 * path, so that a pipeline root or an input on {@code hdfs://} works as one on local disk.
 *
 * <p>Folders are named without a trailing separator ({@code hdfs://nn:8020/runs/penguins/ingest/7}).
 * Writes go to a hidden file beside the target and are renamed onto it, so a reader never sees half a
 * file; {@link #publish} renames a whole staging folder onto its final name.
 *
 * <pre>{@code
 * Storage.writeString(Storage.resolve(staging, "statistics.json"), json);
 * Storage.publish(staging, outputDir);
 * String text = Storage.readString(Storage.resolve(outputDir, "statistics.json"));
 * }</pre>
 *
 * <p>Below a root registered with {@link Encryption} (the pipeline root when {@code
 * pipeline.encryption} is on) every file is written encrypted and read decrypted: {@link #read}, {@link
 * #open}, {@link #openSeekable}, {@link #write} and {@link #create} do it; {@link #readRaw} and {@link
 * #writeRaw} move the bytes as they are.
 */
public final class Storage {
  /** How deep {@link #listRecursively} looks: artifacts nest a few folders at most. */
  private static final int MAX_DEPTH = 8;

  private Storage() {}

  /** {@code child} (a relative path with '/') inside the folder {@code dir}. */
  public static String resolve(String dir, String child) {
    String base = dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir;
    return base + "/" + child;
  }

  /** The folder holding {@code uri}. */
  public static String parent(String uri) {
    String u = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    int slash = u.lastIndexOf('/');
    // A bare name lies in the working folder; a name under the root, in the root.
    return slash < 0 ? "." : slash == 0 ? "/" : u.substring(0, slash);
  }

  /** The last segment of {@code uri}. */
  public static String fileName(String uri) {
    String u = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    return u.substring(u.lastIndexOf('/') + 1);
  }

  /** {@code <parent>/.staging-<name>}: where the output {@code dir} is written before it is published. */
  public static String stagingOf(String dir) {
    return resolve(parent(dir), ".staging-" + fileName(dir));
  }

  /** Whether a file or folder exists at {@code uri}. */
  public static boolean exists(String uri) {
    try {
      MatchResult m = FileSystems.match(strip(uri), EmptyMatchTreatment.ALLOW);
      return m.status() == MatchResult.Status.OK && !m.metadata().isEmpty();
    } catch (FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look up " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The size in bytes of the file {@code uri}; of its plaintext when it lies in an encrypted root, so
   * that a manifest recorded at publishing (of the plaintext, as {@link #sha256} hashes it) still
   * matches after {@code beamline rekey}.
   */
  public static long size(String uri) {
    if (Encryption.binding(uri) != null) {
      try (java.nio.channels.SeekableByteChannel ch = openSeekable(uri)) {
        return ch.size();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
      }
    }
    try {
      return FileSystems.matchSingleFileSpec(uri).sizeBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The files (not folders) directly inside {@code dir}, sorted; empty when there are none or no folder. */
  public static List<String> list(String dir) {
    return match(resolve(dir, "*"));
  }

  /**
   * The files matching the glob {@code pattern}, sorted; empty when none. Hidden entries (a name
   * starting with '.', such as the sinks' {@code .temp-beam} folders) are left out.
   */
  public static List<String> match(String pattern) {
    List<String> out = new ArrayList<>();
    for (MatchResult.Metadata md : entries(pattern)) {
      String uri = md.resourceId().toString();
      if (md.resourceId().isDirectory() || fileName(uri).startsWith(".")) {
        continue;
      }
      // HDFS reports a sub-folder as an entry of size 0 that Beam cannot tell from a file: look inside.
      if (md.sizeBytes() == 0 && !isLocal(uri) && !entries(resolve(uri, "*")).isEmpty()) {
        continue;
      }
      out.add(uri);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /** Everything Beam's match returns for {@code pattern}, folders included where the file system reports them. */
  private static List<MatchResult.Metadata> entries(String pattern) {
    try {
      MatchResult m = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
      return m.status() == MatchResult.Status.OK ? m.metadata() : List.of();
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + pattern + ": " + e.getMessage(), e);
    }
  }

  /** Every file under {@code dir}, at any depth (up to eight folders down), sorted. */
  public static List<String> listRecursively(String dir) {
    TreeSet<String> all = new TreeSet<>();
    StringBuilder pattern = new StringBuilder(dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir);
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      pattern.append("/*");
      all.addAll(match(pattern.toString()));
    }
    return new ArrayList<>(all);
  }

  /** {@code uri} relative to the folder {@code dir}, e.g. {@code examples/train/part-0.parquet}. */
  public static String relativize(String dir, String uri) {
    String base = dir.endsWith("/") ? dir : dir + "/";
    String u = uri.startsWith("file:") && !base.startsWith("file:") ? uri.substring("file:".length()) : uri;
    if (!u.startsWith(base)) {
      throw new IllegalArgumentException(uri + " is not inside " + dir);
    }
    return u.substring(base.length());
  }

  /**
   * The content of the file {@code uri}; decrypted when it lies in an encrypted root ({@link
   * Encryption}).
   */
  public static byte[] read(String uri) {
    byte[] raw = readRaw(uri);
    Encryption.Binding b = Encryption.binding(uri);
    if (b == null) {
      refuseEncrypted(uri, raw);
      return raw;
    }
    return b.cipher().decrypt(raw, uri, b.accepted());
  }

  /** A file that is encrypted although no keyset was given names what is missing, rather than failing to parse. */
  private static void refuseEncrypted(String uri, byte[] head) {
    if (dev.beamline.core.crypto.ArtifactCipher.isEncrypted(head)) {
      throw new ConfigException(
          uri + " is encrypted: give the keyset that encrypted it (pipeline.encryption in the pipeline file, or --encryption-keyset)");
    }
  }

  /** The bytes of the file {@code uri} as they are on the file system, encrypted or not. */
  public static byte[] readRaw(String uri) {
    try (InputStream in = Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(uri, false)))) {
      return in.readAllBytes();
    } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new UncheckedIOException(new FileNotFoundException(uri + " does not exist"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The file {@code uri} as a seekable channel (a Parquet reader's), decrypted when it lies in an
   * encrypted root: its {@code size()} is then the plaintext's. The caller closes it.
   */
  public static java.nio.channels.SeekableByteChannel openSeekable(String uri) {
    try {
      java.nio.channels.SeekableByteChannel ch =
          (java.nio.channels.SeekableByteChannel) FileSystems.open(FileSystems.matchNewResource(uri, false));
      Encryption.Binding b = Encryption.binding(uri);
      if (b == null) {
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(8);
        while (head.hasRemaining() && ch.read(head) >= 0) {
          // Reads the first bytes, or the whole of a shorter file.
        }
        ch.position(0);
        try {
          refuseEncrypted(uri, java.util.Arrays.copyOf(head.array(), head.position()));
        } catch (ConfigException e) {
          ch.close();
          throw e;
        }
        return ch;
      }
      try {
        return b.cipher().decryptingSeekable(ch, uri, b.accepted());
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new UncheckedIOException(new FileNotFoundException(uri + " does not exist"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * A new file at {@code uri}, written through the returned channel (encrypted when it lies in an
   * encrypted root); not atomic: for a file inside a staging folder. The caller closes it.
   */
  public static WritableByteChannel create(String uri) {
    try {
      WritableByteChannel ch = FileSystems.create(FileSystems.matchNewResource(uri, false), MimeTypes.BINARY);
      Encryption.Binding b = Encryption.binding(uri);
      return b == null ? ch : b.cipher().encrypting(ch, b.fileId());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * The content of the file {@code uri} as a stream, for a file too large to hold in memory (e.g. to
   * hash it); the caller closes it.
   */
  public static InputStream open(String uri) {
    try {
      InputStream in = Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(uri, false)));
      Encryption.Binding b = Encryption.binding(uri);
      if (b == null) {
        return in;
      }
      try {
        return b.cipher().decrypting(in, uri, b.accepted());
      } catch (IOException | RuntimeException e) {
        in.close();
        throw e;
      }
    } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new UncheckedIOException(new FileNotFoundException(uri + " does not exist"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  /** The content of the UTF-8 text file {@code uri}. */
  public static String readString(String uri) {
    return new String(read(uri), StandardCharsets.UTF_8);
  }

  /**
   * The JSON document in the UTF-8 file {@code uri}.
   *
   * @throws UncheckedIOException naming the file when it is not valid JSON
   */
  public static com.fasterxml.jackson.databind.JsonNode readJson(String uri) {
    try {
      return JSON.readTree(readString(uri));
    } catch (IOException e) {
      throw new UncheckedIOException(uri + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * Writes {@code content} to a hidden file beside {@code uri}, then renames it onto {@code uri};
   * encrypted when {@code uri} lies in an encrypted root ({@link Encryption}).
   */
  public static void write(String uri, byte[] content) {
    Encryption.Binding b = Encryption.binding(uri);
    writeRaw(uri, b == null ? content : b.cipher().encrypt(content, b.fileId()));
  }

  /** {@link #write} of bytes as they are: already encrypted, or to be left in plaintext. */
  public static void writeRaw(String uri, byte[] content) {
    writeRaw(uri, ch -> {
      OutputStream out = Channels.newOutputStream(ch);
      out.write(content);
      out.flush();
    });
  }

  /** What {@link #writeRaw(String, ChannelWriter)} calls to write a file's bytes into its channel. */
  @FunctionalInterface
  public interface ChannelWriter {
    void write(WritableByteChannel channel) throws IOException;
  }

  /**
   * Writes the file {@code uri} by streaming: {@code body} writes its bytes, as they are, into a hidden
   * file beside it, which is then renamed onto {@code uri} (for a file too large to hold in memory, e.g.
   * when {@code beamline rekey} re-encrypts a shard). A failed write leaves {@code uri} as it was.
   */
  public static void writeRaw(String uri, ChannelWriter body) {
    String tmp = resolve(parent(uri), "." + fileName(uri) + ".tmp");
    ResourceId tmpId = FileSystems.matchNewResource(tmp, false);
    try (WritableByteChannel ch = FileSystems.create(tmpId, MimeTypes.BINARY)) {
      body.write(ch);
    } catch (IOException | RuntimeException e) {
      try {
        FileSystems.delete(List.of(tmpId), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), (IOException) e);
    }
    sync(tmp);
    try {
      if (exists(uri)) {
        FileSystems.delete(List.of(FileSystems.matchNewResource(uri, false)));
      }
      FileSystems.rename(List.of(tmpId), List.of(FileSystems.matchNewResource(uri, false)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + uri + ": " + e.getMessage(), e);
    }
    sync(parent(uri));
  }

  /** Writes the UTF-8 text {@code content} to {@code uri} as {@link #write(String, byte[])} does. */
  public static void writeString(String uri, String content) {
    write(uri, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Publishes the staging folder {@code staging} as {@code target} with one rename: a reader sees all of
   * it or nothing.
   *
   * @throws UncheckedIOException when {@code target} exists already or the rename fails
   */
  public static void publish(String staging, String target) {
    if (exists(target)) {
      throw new UncheckedIOException(
          new java.nio.file.FileAlreadyExistsException("cannot publish " + staging + ": " + target + " exists already"));
    }
    // Every file and folder of the staging folder reaches the disk before the rename makes it visible,
    // and the rename itself is made durable by syncing the folder that holds the target.
    syncTree(staging);
    // Test hooks (see PausePoint): a process killed here leaves a complete staging folder, or a
    // published folder that the metadata store does not yet record.
    PausePoint.reach("staged:" + fileName(parent(target)));
    try {
      // The target is named as a file: Hadoop's rename would move the folder inside a target named
      // with a trailing separator. The target does not exist, so one rename publishes all of it.
      FileSystems.rename(List.of(FileSystems.matchNewResource(staging, true)), List.of(FileSystems.matchNewResource(target, false)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + staging + " to " + target + ": " + e.getMessage(), e);
    }
    sync(parent(target));
    PausePoint.reach("published:" + fileName(parent(target)));
  }

  /** What {@link #sync} calls for each local file or folder; replaced in tests to see the order of syncs. */
  static java.util.function.Consumer<java.nio.file.Path> fsync = Storage::force;

  /**
   * Forces the local file or folder {@code uri} to the disk ({@code fsync}). Other file systems make a
   * file durable when it is closed (HDFS: on its DataNodes) and a rename when it returns: nothing to do.
   */
  public static void sync(String uri) {
    if (isLocal(uri)) {
      fsync.accept(java.nio.file.Paths.get(uri.startsWith("file:") ? java.net.URI.create(uri).getPath() : strip(uri)));
    }
  }

  /** {@link #sync} of every file and folder under the local folder {@code dir}, the deepest first, then {@code dir}. */
  public static void syncTree(String dir) {
    if (!isLocal(dir)) {
      return;
    }
    java.nio.file.Path root = java.nio.file.Paths.get(strip(dir));
    try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(root)) {
      all.sorted(Comparator.comparingInt(java.nio.file.Path::getNameCount).reversed().thenComparing(Comparator.naturalOrder())).forEach(fsync);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void force(java.nio.file.Path p) {
    // A folder is opened for reading: fsync on its descriptor makes its entries (names, renames) durable.
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    } catch (java.nio.file.NoSuchFileException e) {
      // Gone between listing and syncing (a sink's temporary file): nothing to make durable.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync " + p + ": " + e.getMessage(), e);
    }
  }

  /** Deletes {@code dir} and everything below it; does nothing when it does not exist. */
  public static void deleteRecursively(String dir) {
    if (!exists(dir)) {
      return;
    }
    if (isLocal(dir)) {
      // Beam's FileSystems list files, not folders: an empty sub-folder would be left behind.
      java.nio.file.Path root = java.nio.file.Paths.get(strip(dir));
      try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(root)) {
        for (java.nio.file.Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
      }
      return;
    }
    // Beam deletes one entry at a time and a folder only when empty: everything below, deepest first.
    TreeSet<String> below = new TreeSet<>(Comparator.comparingInt((String u) -> u.split("/").length).reversed().thenComparing(Comparator.naturalOrder()));
    StringBuilder pattern = new StringBuilder(strip(dir));
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      pattern.append("/*");
      entries(pattern.toString()).forEach(md -> below.add(strip(md.resourceId().toString())));
    }
    try {
      for (String u : below) {
        FileSystems.delete(List.of(FileSystems.matchNewResource(u, false)), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      }
      FileSystems.delete(List.of(FileSystems.matchNewResource(strip(dir), false)), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code uri} is on the local file system (a plain path or a {@code file:} URI). */
  public static boolean isLocal(String uri) {
    return !uri.contains("://") || uri.startsWith("file:");
  }

  private static String strip(String uri) {
    return uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri;
  }

  /**
   * The hex SHA-256 of the file {@code uri}, read as a stream (a shard may not fit in memory); its size
   * goes into {@code size[0]}.
   */
  public static String sha256(String uri, long[] size) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    try (InputStream in = open(uri)) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
        total += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
    }
    size[0] = total;
    return HexFormat.of().formatHex(digest.digest());
  }

}
