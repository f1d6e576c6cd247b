package dev.beamline.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Publishes artifacts atomically: a staged file or folder becomes visible under its final name in one
 * rename, or not at all.
 *
 * <pre>{@code
 * Publisher.writeAtomically(dir.resolve("fingerprint.json"), json);
 * Publisher.publishDirectory(layout.stagingDir("ingest"), layout.outputDir("ingest"));
 * }</pre>
 */
public final class Publisher {
  private Publisher() {}

  /**
   * Renames {@code staging} to {@code target} atomically.
   *
   * @throws UncheckedIOException when {@code target} exists already (a run id is never reused) or the
   *     file system cannot rename atomically
   */
  public static void publishDirectory(Path staging, Path target) {
    try {
      Files.createDirectories(target.getParent());
      // An atomic rename(2) silently replaces an empty folder and reports a non-empty one only as a
      // generic error, so an existing target is refused first. A run id is never reused, so the window
      // between this check and the rename is not raced by another publisher of the same run.
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(target.toString());
      }
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      throw new UncheckedIOException("cannot publish " + staging + ": " + target + " exists already", e);
    } catch (AtomicMoveNotSupportedException e) {
      throw new UncheckedIOException(
          "cannot publish " + staging + " to " + target + ": the file system cannot rename atomically", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish " + staging + " to " + target + ": " + e, e);
    }
  }

  /** Writes {@code content} to a temporary file beside {@code target}, then renames it over {@code target}. */
  public static void writeAtomically(Path target, String content) {
    writeAtomically(target, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code content} to a temporary file beside {@code target}, then renames it over {@code target}. */
  public static void writeAtomically(Path target, byte[] content) {
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
      Files.write(tmp, content);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e, e);
    }
  }

  /** Deletes {@code dir} and everything below it; does nothing when it does not exist. */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e, e);
    }
  }
}
