package dev.beamline.core.crypto;

/**
 * An encrypted artifact file that cannot be decrypted although its key is at hand: its bytes were
 * changed, it was moved or swapped from another artifact (its associated data names another place), or
 * it is not encrypted where everything must be. The message names the file. A missing or wrong key is a
 * {@link dev.beamline.core.ConfigException} instead (the command line's exit code 2).
 */
public class EncryptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EncryptionException(String message) {
    super(message);
  }

  public EncryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
