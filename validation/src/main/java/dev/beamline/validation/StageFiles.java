package dev.beamline.validation;

import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExternalInput;
import java.io.UncheckedIOException;
import java.nio.file.Paths;

/**
 * The files the validation stages fingerprint: their published main files, and the files they read
 * from outside the pipeline (a user's schema, skew statistics), on any file system Beam supports.
 */
final class StageFiles {
  private StageFiles() {}

  /** The SHA-256 of {@code content}, in hex: the fingerprint of a published file. */
  static String sha256(byte[] content) {
    return Hashing.sha256().hashBytes(content).toString();
  }

  /**
   * The file {@code file} as an input from outside the pipeline in {@code role}, fingerprinted by its
   * content; a local path is made absolute, so that the recorded URI does not depend on the working folder.
   *
   * @param what the file's description in the message when it cannot be read ({@code "schema file"})
   * @throws ConfigException when it cannot be read
   */
  static ExternalInput external(String role, String file, String what) {
    String uri = file.contains("://") || file.startsWith("file:") ? file : Paths.get(file).toAbsolutePath().normalize().toString();
    byte[] content;
    try {
      content = Storage.read(uri);
    } catch (UncheckedIOException e) {
      String reason = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
      throw new ConfigException("cannot read " + what + " " + file + ": " + reason, e);
    }
    return ExternalInput.file(role, uri, sha256(content), null);
  }
}
