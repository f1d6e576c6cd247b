package dev.beamline.core.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Tink keysets for artifacts: created, rotated and opened, always wrapped (encrypted) by the master key
 * ({@link MasterKey}) with the associated data {@value #KEYSET_ASSOCIATED_DATA}. Keys are streaming AEAD,
 * AES-256-GCM with HKDF-derived per-file keys in 1 MiB segments ({@code AES256_GCM_HKDF_1MB}), so that a
 * Parquet reader seeks in a file without decrypting it whole.
 *
 * <pre>{@code
 * Aead master = MasterKey.fromEnvironment("BEAMLINE_MASTER_KEY");
 * String json = Keysets.create(master);              // one primary key
 * String rotated = Keysets.rotate(json, master);     // a new primary; the old key still decrypts
 * ArtifactCipher cipher = Keysets.cipher(new EncryptionConfig("keys.json", "BEAMLINE_MASTER_KEY"));
 * }</pre>
 */
public final class Keysets {
  /** Binds a wrapped keyset to its use: a ciphertext of the keyset made for anything else does not open. */
  static final String KEYSET_ASSOCIATED_DATA = "beamline artifact keyset";

  static {
    try {
      StreamingAeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot register Tink's streaming AEAD", e);
    }
  }

  private Keysets() {}

  /** A new keyset of one primary key, wrapped by {@code master}, as Tink's JSON. */
  public static String create(Aead master) {
    try {
      return wrap(KeysetHandle.generateNew(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB), master);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a key: " + e.getMessage(), e);
    }
  }

  /**
   * The keyset {@code json} with one more key, which becomes the primary: new artifacts are encrypted
   * with it, and every older key stays to decrypt what it encrypted ({@code beamline rekey} re-encrypts
   * those).
   */
  public static String rotate(String json, Aead master, String source) {
    KeysetHandle handle = unwrap(json, master, source);
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(handle);
      b.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB).withRandomId().makePrimary());
      return wrap(b.build(), master);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot add a key: " + e.getMessage(), e);
    }
  }

  /** The ids of the keys of {@code json}, the primary first; readable without the master key. */
  public static List<Integer> keyIds(String json, Aead master, String source) {
    KeysetHandle h = unwrap(json, master, source);
    List<Integer> ids = new ArrayList<>();
    ids.add(h.getPrimary().getId());
    for (int i = 0; i < h.size(); i++) {
      if (h.getAt(i).getId() != h.getPrimary().getId() && h.getAt(i).getStatus() == KeyStatus.ENABLED) {
        ids.add(h.getAt(i).getId());
      }
    }
    return ids;
  }

  /** Opens the keyset of {@code config} with the master key from the environment. */
  public static ArtifactCipher cipher(EncryptionConfig config) {
    String json = readKeyset(config.keyset());
    Aead master = MasterKey.fromEnvironment(config.masterKeyEnv());
    KeysetHandle handle = unwrap(json, master, config.keyset() + " (with the master key in " + config.masterKeyEnv() + ")");
    return new ArtifactCipher(json, config.masterKeyEnv(), config.keyset(), handle);
  }

  /** The text of the keyset file {@code keyset}: a local path or a URI. */
  public static String readKeyset(String keyset) {
    try {
      return Storage.isLocal(keyset) ? Files.readString(Path.of(keyset)) : new String(Storage.read(keyset), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("the encryption keyset " + keyset + " does not exist (`beamline keyset create --out " + keyset + "` makes one)");
    } catch (IOException | UncheckedIOException e) {
      throw new ConfigException("cannot read the encryption keyset " + keyset + ": " + e.getMessage(), e);
    }
  }

  /** The keyset {@code json} opened with {@code master}; {@code source} names it in messages. */
  static KeysetHandle unwrap(String json, Aead master, String source) {
    try {
      return TinkJsonProtoKeysetFormat.parseEncryptedKeyset(json, master, KEYSET_ASSOCIATED_DATA.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ConfigException(
          "cannot open the encryption keyset " + source + ": the master key is wrong, or the file is not a keyset that"
              + " `beamline keyset create` wrote, or it was changed");
    }
  }

  /** The keyset's streaming AEAD. */
  static StreamingAead streamingAead(KeysetHandle handle) {
    try {
      return handle.getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
    } catch (GeneralSecurityException e) {
      throw new ConfigException("the encryption keyset holds no streaming AEAD key: " + e.getMessage(), e);
    }
  }

  private static String wrap(KeysetHandle handle, Aead master) throws GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(handle, master, KEYSET_ASSOCIATED_DATA.getBytes(StandardCharsets.UTF_8));
  }
}
