package dev.beamline.core.crypto;

import java.io.Serializable;

/**
 * {@code pipeline.encryption:}: the Tink keyset that encrypts every artifact holding data or a model,
 * and the environment variable holding the master key that wraps the keyset.
 *
 * <pre>{@code
 * pipeline:
 *   encryption: {keyset: keys/penguins.keyset.json, master_key_env: BEAMLINE_MASTER_KEY}
 * }</pre>
 *
 * @param keyset the wrapped keyset's file (absolute, or a URI Beam's file systems read)
 * @param masterKeyEnv the name of the environment variable holding the master key (base64 of 32 bytes);
 *     the key itself is never part of a configuration, a log or an artifact
 */
public record EncryptionConfig(String keyset, String masterKeyEnv) implements Serializable {
  /** The variable named when the YAML names none. */
  public static final String DEFAULT_MASTER_KEY_ENV = "BEAMLINE_MASTER_KEY";

  public EncryptionConfig {
    if (keyset == null || keyset.isBlank()) {
      throw new IllegalArgumentException("an encryption keyset file is required");
    }
    if (masterKeyEnv == null || masterKeyEnv.isBlank()) {
      masterKeyEnv = DEFAULT_MASTER_KEY_ENV;
    }
    if (!masterKeyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException("'" + masterKeyEnv + "' is not an environment variable's name");
    }
  }

  /** Opens the keyset with the master key from the environment: the cipher every artifact goes through. */
  public ArtifactCipher open() {
    return Keysets.cipher(this);
  }
}
