package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Publishes a model folder as a new version of a named model in TensorFlow Serving's layout, {@code
 * <servingBase>/<name>/<version>/}: the one piece of code that numbers versions and copies models,
 * used by the push stage and by {@code beamline rollback}.
 *
 * <p>The new version is 1 + the largest integer folder name under {@code <servingBase>/<name>} (1 when
 * there is none; other names, such as hidden staging folders, are ignored). The model is copied into a
 * hidden staging folder {@code <servingBase>/<name>/.staging-<version>-<random>} and renamed onto its
 * version in one step, so a server polling the folder never sees half a version. When the version was
 * taken meanwhile (a concurrent push), the next one is tried. When anything fails after the copy
 * began, the staging folder is removed. Files are read and written through {@link Storage}, so the
 * model and the serving base may each lie on any file system Beam supports (local disk, HDFS).
 *
 * <pre>{@code
 * ModelPush.Pushed p = ModelPush.into("/srv/models", "penguins").push("/runs/penguins/train/12");
 * // p.version() == 3, p.path() == "/srv/models/penguins/3"
 * }</pre>
 */
public final class ModelPush {
  /** A version folder's name: TensorFlow Serving reads it as a non-negative 64-bit integer. */
  private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");
  /** A model's folder name, as TensorFlow Serving's model names go: no separator, not hidden. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  /** How many versions taken by concurrent pushes one push steps over before it gives up. */
  private static final int MAX_ATTEMPTS = 100;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Copies one file; replaced in tests to make a copy fail half-way. */
  interface FileCopy {
    void copy(String from, String to);
  }

  private final String servingBase;
  private final String name;
  private final FileCopy fileCopy;

  private ModelPush(String servingBase, String name, FileCopy fileCopy) {
    this.servingBase = servingBase;
    this.name = name;
    this.fileCopy = fileCopy;
  }

  /**
   * Versions of the model {@code name} under {@code servingBase} (a path, made absolute, or a URI).
   *
   * @throws IllegalArgumentException when {@code name} is not a valid model folder name
   */
  public static ModelPush into(String servingBase, String name) {
    checkNotNull(servingBase, "servingBase");
    checkName(name);
    return new ModelPush(absolute(servingBase), name, ModelPush::copyFile);
  }

  /** The same push, copying each file with {@code copy}. */
  ModelPush withFileCopy(FileCopy copy) {
    return new ModelPush(servingBase, name, checkNotNull(copy, "copy"));
  }

  /**
   * Checks that {@code name} can name a model's folder: letters, digits, '.', '_' and '-', starting with
   * a letter or digit.
   *
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static String checkName(String name) {
    checkArgument(name != null && NAME.matcher(name).matches(),
        "model name '%s' cannot name a folder: use letters, digits, '.', '_' and '-', starting with a letter or digit", name);
    return name;
  }

  /** The serving base: the folder holding one folder per model name. */
  public String servingBase() {
    return servingBase;
  }

  public String name() {
    return name;
  }

  /** {@code <servingBase>/<name>}: what TensorFlow Serving's {@code model_base_path} points at. */
  public String modelDir() {
    return Storage.resolve(servingBase, name);
  }

  /** {@code <servingBase>/<name>/<version>}. */
  public String versionDir(long version) {
    checkArgument(version >= 0, "version must be >= 0, got %s", version);
    return Storage.resolve(modelDir(), Long.toString(version));
  }

  /**
   * The versions present, in increasing order: the folders under {@link #modelDir()} whose name is an
   * integer and that hold at least one file.
   */
  public List<Long> versions() {
    String dir = modelDir();
    TreeSet<Long> versions = new TreeSet<>();
    // Storage lists files, not folders, on every file system alike: a version is seen through its files.
    for (String file : Storage.listRecursively(dir)) {
      String rel = Storage.relativize(dir, file);
      int slash = rel.indexOf('/');
      if (slash > 0 && VERSION.matcher(rel.substring(0, slash)).matches()) {
        versions.add(Long.parseLong(rel.substring(0, slash)));
      }
    }
    return List.copyOf(versions);
  }

  /** The largest version present, which TensorFlow Serving serves by default. */
  public Optional<Long> latest() {
    List<Long> v = versions();
    return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
  }

  /** The version the next push takes unless another push takes it first: 1 + the largest, 1 when none. */
  public long nextVersion() {
    return latest().map(v -> v + 1).orElse(1L);
  }

  /** A version published by {@link #push}. */
  public record Pushed(String name, long version, String path) {}

  /**
   * Copies every file of the folder {@code sourceDir} (at any depth; hidden files left out) into a new
   * version and publishes it with one rename.
   *
   * @throws IllegalArgumentException when {@code sourceDir} holds no file
   * @throws UncheckedIOException when a file cannot be read or written; nothing is then published and
   *     no staging folder is left
   */
  public Pushed push(String sourceDir) {
    String source = absolute(sourceDir);
    List<String> files = Storage.listRecursively(source);
    checkArgument(!files.isEmpty(), "%s holds no files to push", sourceDir);
    long version = nextVersion();
    String staging = null;
    try {
      for (int attempt = 1; ; attempt++) {
        // An encrypted file is bound to its version's folder (Encryption): each version is copied afresh.
        staging = Storage.resolve(modelDir(), ".staging-" + version + "-" + HexFormat.of().toHexDigits(RANDOM.nextInt()));
        for (String file : files) {
          fileCopy.copy(file, Storage.resolve(staging, Storage.relativize(source, file)));
        }
        String target = versionDir(version);
        if (!Storage.exists(target) && rename(staging, target)) {
          return new Pushed(name, version, target);
        }
        Storage.deleteRecursively(staging);
        if (attempt == MAX_ATTEMPTS) {
          throw new IllegalStateException(
              "cannot push " + sourceDir + " to " + modelDir() + ": " + MAX_ATTEMPTS + " versions in a row were taken by other pushes");
        }
        // Taken by a concurrent push (or an empty folder of that name): the next free one.
        version = Math.max(version + 1, nextVersion());
      }
    } catch (RuntimeException | Error e) {
      try {
        if (staging != null) {
          Storage.deleteRecursively(staging);
        }
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Renames {@code staging} onto {@code target}; false when another push published {@code target} first.
   */
  private static boolean rename(String staging, String target) {
    try {
      Storage.publish(staging, target);
    } catch (UncheckedIOException e) {
      // Our folder is still there and the target exists: the rename lost a race, not a file system error.
      if (Storage.exists(staging) && Storage.exists(target)) {
        return false;
      }
      throw e;
    }
    // Hadoop's rename moves a folder INTO a target folder that exists: a race lost that way leaves ours
    // nested inside the other version. Moved back out, it tries the next version.
    String nested = Storage.resolve(target, Storage.fileName(staging));
    if (!Storage.isLocal(target) && Storage.exists(nested)) {
      try {
        FileSystems.rename(List.of(FileSystems.matchNewResource(nested, true)), List.of(FileSystems.matchNewResource(staging, false)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot move " + nested + " back to " + staging + ": " + e.getMessage(), e);
      }
      return false;
    }
    return true;
  }

  /** Streams one file (a model's variables may not fit in memory). */
  private static void copyFile(String from, String to) {
    try (InputStream in = Storage.open(from);
        WritableByteChannel ch = Storage.create(to);
        OutputStream out = Channels.newOutputStream(ch)) {
      in.transferTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /**
   * The content fingerprint of an exported model: its graph and variables, as the training stage
   * fingerprints its MODEL artifact, so that a pushed version can be matched with the model it copies.
   */
  public static String modelFingerprint(String modelDir) {
    return FolderFingerprint.sha256(absolute(modelDir), rel -> rel.equals("saved_model.pb") || rel.startsWith("variables"));
  }

  /** A local path made absolute (listings name files absolutely); a URI as it is. */
  private static String absolute(String dir) {
    return Storage.isLocal(dir) && !dir.startsWith("file:") ? Paths.get(dir).toAbsolutePath().normalize().toString() : dir;
  }

  @Override
  public String toString() {
    return "ModelPush[" + modelDir() + "]";
  }
}
