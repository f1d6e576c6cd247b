package dev.beamline.core.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.subtle.AesGcmJce;
import dev.beamline.core.ConfigException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.UnaryOperator;

/**
 * The master key that wraps a keyset: 32 random bytes, base64-encoded, in an environment variable (an
 * AES-256-GCM key). It is read from the environment when a keyset is opened and kept only in memory; a
 * message names the variable, never its value.
 *
 * <pre>{@code
 * Aead master = MasterKey.fromEnvironment("BEAMLINE_MASTER_KEY");
 * String fresh = MasterKey.generate();   // what `beamline keyset create` prints once
 * }</pre>
 */
public final class MasterKey {
  /** The key's length in bytes. */
  public static final int BYTES = 32;

  /** Where variables are looked up: the process environment, replaced in tests. */
  private static volatile UnaryOperator<String> environment = System::getenv;

  private MasterKey() {}

  /** The AEAD of the master key in the variable {@code variable}. */
  public static Aead fromEnvironment(String variable) {
    String value = environment.apply(variable);
    if (value == null || value.isBlank()) {
      throw new ConfigException(
          "the master key variable " + variable + " is not set: export it with the base64 key that wrapped the keyset"
              + " (`beamline keyset master-key` prints a new one)");
    }
    return fromBase64(value.strip(), variable);
  }

  /** The AEAD of the base64 key {@code value}; {@code source} names it in messages. */
  public static Aead fromBase64(String value, String source) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("the master key in " + source + " is not base64: expected 32 random bytes, base64-encoded");
    }
    if (key.length != BYTES) {
      throw new ConfigException("the master key in " + source + " is " + key.length + " bytes long: expected " + BYTES);
    }
    try {
      return new AesGcmJce(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is part of every Java runtime", e);
    }
  }

  /** A new random master key, base64-encoded. */
  public static String generate() {
    byte[] key = new byte[BYTES];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  /** Looks variables up in {@code env} instead of the process environment; null restores it. For tests. */
  public static void useEnvironmentForTests(UnaryOperator<String> env) {
    environment = env == null ? System::getenv : env;
  }
}
