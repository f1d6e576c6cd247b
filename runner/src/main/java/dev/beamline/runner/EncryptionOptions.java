package dev.beamline.runner;

import dev.beamline.core.crypto.EncryptionConfig;
import picocli.CommandLine.Option;

/**
 * {@code --encryption-keyset} and {@code --master-key-env}: the keyset of a command that reads or writes
 * encrypted artifacts without a pipeline file (the server, {@code rekey}, {@code decrypt}, {@code predict},
 * {@code evaluate}, {@code subject}).
 */
final class EncryptionOptions {
  @Option(names = "--encryption-keyset", paramLabel = "<file>",
      description = "The Tink keyset that encrypted the artifacts (pipeline.encryption.keyset).")
  String keyset;

  @Option(names = "--master-key-env", paramLabel = "<VAR>", defaultValue = EncryptionConfig.DEFAULT_MASTER_KEY_ENV,
      description = "The environment variable holding the master key that wraps the keyset (default: ${DEFAULT-VALUE}).")
  String masterKeyEnv;

  /**
   * With a keyset: opens it and registers the pipeline root {@code root} and its default serving base
   * ({@code <root>/serving}) as encrypted, for a command that reads their artifacts; without one, nothing.
   *
   * @return the cipher, or null without a keyset
   * @throws dev.beamline.core.ConfigException when the keyset or its master key is missing or wrong
   */
  dev.beamline.core.crypto.ArtifactCipher openFor(String root) {
    EncryptionConfig c = config();
    if (c == null) {
      return null;
    }
    dev.beamline.core.crypto.ArtifactCipher cipher = c.open();
    dev.beamline.core.crypto.Encryption.register(root, dev.beamline.core.crypto.Encryption.PIPELINE, cipher);
    dev.beamline.core.crypto.Encryption.register(
        dev.beamline.core.Storage.resolve(root, "serving"), dev.beamline.core.crypto.Encryption.SERVING, cipher);
    return cipher;
  }

  /** The configuration given, or null when no keyset was. */
  EncryptionConfig config() {
    return keyset == null ? null : new EncryptionConfig(java.nio.file.Paths.get(keyset).toAbsolutePath().toString(), masterKeyEnv);
  }
}
