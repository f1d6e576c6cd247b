package dev.beamline.runner;

import dev.beamline.core.crypto.EncryptionConfig;
import picocli.CommandLine.Option;

/**
 * {@code --encryption-keyset} and {@code --master-key-env}: the keyset of a command that reads or writes
 * encrypted artifacts without a pipeline file (the server, {@code rekey}, {@code decrypt}).
 */
final class EncryptionOptions {
  @Option(names = "--encryption-keyset", paramLabel = "<file>",
      description = "The Tink keyset that encrypted the artifacts (pipeline.encryption.keyset).")
  String keyset;

  @Option(names = "--master-key-env", paramLabel = "<VAR>", defaultValue = EncryptionConfig.DEFAULT_MASTER_KEY_ENV,
      description = "The environment variable holding the master key that wraps the keyset (default: ${DEFAULT-VALUE}).")
  String masterKeyEnv;

  /** The configuration given, or null when no keyset was. */
  EncryptionConfig config() {
    return keyset == null ? null : new EncryptionConfig(java.nio.file.Paths.get(keyset).toAbsolutePath().toString(), masterKeyEnv);
  }
}
