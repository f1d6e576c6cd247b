package dev.beamline.core.crypto;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.StreamingAead;
import dev.beamline.core.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * Encrypts and decrypts artifact files with a keyset's streaming AEAD. Every file starts with a short
 * plaintext header: the magic {@code BLENC} and a format version, the id of the key that encrypted it,
 * and its <em>associated data</em>, the id of the artifact file or folder it was written for
 * ({@code root:penguins/ingest/7/statistics.json}); the whole header is the AEAD's associated data, so a
 * file moved or swapped from another artifact fails to decrypt, and so does any changed byte.
 *
 * <p>Serializable, for the sinks that run on workers: it travels as the wrapped keyset and the name of
 * the master key's variable, and opens the keyset again from the worker's environment.
 *
 * <pre>{@code
 * byte[] sealed = cipher.encrypt(json, "root:penguins/statistics/2/statistics.json");
 * byte[] back = cipher.decrypt(sealed, uri, Set.of("root:penguins/statistics/2/statistics.json"));
 * }</pre>
 */
public final class ArtifactCipher implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The first bytes of every encrypted file. */
  static final byte[] MAGIC = {'B', 'L', 'E', 'N', 'C', 1};

  /** The most bytes of associated data a header holds. */
  private static final int MAX_ID = 4096;

  private final String keysetJson;
  private final String masterKeyEnv;
  private final String keysetName;
  private transient StreamingAead aead;
  private transient int primaryKeyId;
  private transient Set<Integer> keyIds;

  ArtifactCipher(String keysetJson, String masterKeyEnv, String keysetName, KeysetHandle handle) {
    this.keysetJson = keysetJson;
    this.masterKeyEnv = masterKeyEnv;
    this.keysetName = keysetName;
    init(handle);
  }

  private void init(KeysetHandle handle) {
    this.aead = Keysets.streamingAead(handle);
    this.primaryKeyId = handle.getPrimary().getId();
    this.keyIds = new HashSet<>();
    for (int i = 0; i < handle.size(); i++) {
      keyIds.add(handle.getAt(i).getId());
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    init(Keysets.unwrap(keysetJson, MasterKey.fromEnvironment(masterKeyEnv), keysetName + " (with the master key in " + masterKeyEnv + ")"));
  }

  /** The wrapped keyset, as its file holds it (not a secret). */
  String keysetJson() {
    return keysetJson;
  }

  /** The variable holding the master key. */
  String masterKeyEnv() {
    return masterKeyEnv;
  }

  /** The same keyset, opened again with the master key of this process's environment. */
  static ArtifactCipher reopen(String keysetJson, String masterKeyEnv, String keysetName) {
    return new ArtifactCipher(keysetJson, masterKeyEnv, keysetName,
        Keysets.unwrap(keysetJson, MasterKey.fromEnvironment(masterKeyEnv), keysetName + " (with the master key in " + masterKeyEnv + ")"));
  }

  /** The id of the key that encrypts new files. */
  public int primaryKeyId() {
    return primaryKeyId;
  }

  /** The ids of every key of the keyset. */
  public Set<Integer> keyIds() {
    return java.util.Collections.unmodifiableSet(keyIds);
  }

  /** The keyset's file, as configured: named in messages. */
  public String keysetName() {
    return keysetName;
  }

  /** Whether {@code head} (a file's first bytes, at least {@link #MAGIC}'s length) starts an encrypted file. */
  public static boolean isEncrypted(byte[] head) {
    return head.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC);
  }

  /** {@code plain} encrypted for the artifact id {@code id}. */
  public byte[] encrypt(byte[] plain, String id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length + 64 + id.length());
    try (OutputStream enc = Channels.newOutputStream(encrypting(Channels.newChannel(out), id))) {
      enc.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encrypt " + id + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /**
   * A channel that encrypts what is written to it for the artifact id {@code id} into {@code out}; closing
   * it writes the last segment and closes {@code out}.
   */
  public WritableByteChannel encrypting(WritableByteChannel out, String id) throws IOException {
    byte[] header = header(primaryKeyId, id);
    ByteBuffer b = ByteBuffer.wrap(header);
    while (b.hasRemaining()) {
      out.write(b);
    }
    try {
      return aead.newEncryptingChannel(out, header);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encrypt " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * The plaintext of the encrypted file {@code data}, read from {@code uri} (named in messages), whose
   * header must name one of {@code accepted}.
   *
   * @throws EncryptionException when it is not encrypted, names another artifact, or was changed
   * @throws ConfigException when its key is not in the keyset
   */
  public byte[] decrypt(byte[] data, String uri, Collection<String> accepted) {
    try (InputStream in = decrypting(new ByteArrayInputStream(data), uri, accepted)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw tampered(uri, e);
    }
  }

  /** A stream of the plaintext of the encrypted file that {@code in} reads from {@code uri}. */
  public InputStream decrypting(InputStream in, String uri, Collection<String> accepted) throws IOException {
    byte[] header = readHeader(in, uri, accepted);
    InputStream plain;
    try {
      plain = aead.newDecryptingStream(in, header);
    } catch (GeneralSecurityException e) {
      throw tampered(uri, e);
    }
    return new FilterInputStream(plain) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          EncryptionException t = tampered(uri, e);
          throw new IOException(t.getMessage(), t);
        }
      }

      @Override
      public int read(byte[] b, int off, int n) throws IOException {
        try {
          return super.read(b, off, n);
        } catch (IOException e) {
          EncryptionException t = tampered(uri, e);
          throw new IOException(t.getMessage(), t);
        }
      }
    };
  }

  /**
   * A seekable channel over the plaintext of the encrypted file {@code ch} reads from {@code uri} (for
   * Parquet readers: only the segments read are decrypted); its {@code size()} is the plaintext's.
   */
  public SeekableByteChannel decryptingSeekable(SeekableByteChannel ch, String uri, Collection<String> accepted) throws IOException {
    ch.position(0);
    // An unbuffered stream over the channel: after the header, the channel stands at Tink's ciphertext.
    byte[] header = readHeader(Channels.newInputStream(ch), uri, accepted);
    SeekableByteChannel plain;
    try {
      plain = aead.newSeekableDecryptingChannel(new OffsetChannel(ch, header.length), header);
    } catch (GeneralSecurityException e) {
      throw tampered(uri, e);
    }
    // The keyset's channel finds the key that decrypts on the first read, and knows its size only then:
    // that read also authenticates the first segment here, rather than in the middle of a reader's work.
    try {
      plain.read(ByteBuffer.allocate(1));
      plain.position(0);
    } catch (IOException e) {
      throw tampered(uri, e);
    }
    return plain;
  }

  /**
   * Reads the header at the start of {@code in}, exactly its bytes, and checks that the file's key and id
   * are the expected ones; returns the header, the AEAD's associated data.
   */
  private byte[] readHeader(InputStream in, String uri, Collection<String> accepted) throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] magic = new byte[MAGIC.length];
    try {
      d.readFully(magic);
    } catch (EOFException e) {
      throw notEncrypted(uri);
    }
    if (!isEncrypted(magic)) {
      throw notEncrypted(uri);
    }
    int keyId;
    byte[] id;
    try {
      keyId = d.readInt();
      int len = d.readUnsignedShort();
      if (len > MAX_ID) {
        throw tampered(uri, null);
      }
      id = new byte[len];
      d.readFully(id);
    } catch (EOFException e) {
      throw tampered(uri, e);
    }
    return check(uri, keyId, new String(id, StandardCharsets.UTF_8), accepted);
  }

  /** The header for {@code id}, after checking that the file's key and id are the expected ones. */
  private byte[] check(String uri, int keyId, String id, Collection<String> accepted) {
    if (!keyIds.contains(keyId)) {
      throw new ConfigException(
          uri + " was encrypted with key " + Integer.toUnsignedString(keyId) + ", which the keyset " + keysetName
              + " does not hold: is it the pipeline's keyset?");
    }
    if (!accepted.contains(id)) {
      throw new EncryptionException(
          uri + " was encrypted as " + id + ", not as " + String.join(" or ", accepted)
              + ": the file was moved or swapped from another artifact");
    }
    return header(keyId, id);
  }

  static byte[] header(int keyId, String id) {
    byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
    if (idBytes.length > MAX_ID) {
      throw new IllegalArgumentException("artifact id longer than " + MAX_ID + " bytes: " + id);
    }
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 6 + idBytes.length);
    b.put(MAGIC).putInt(keyId).putShort((short) idBytes.length).put(idBytes);
    return b.array();
  }

  /** The key id in the header of the encrypted file whose first bytes are {@code head}, or empty. */
  public static java.util.OptionalInt keyIdOf(byte[] head) {
    if (!isEncrypted(head) || head.length < MAGIC.length + 4) {
      return java.util.OptionalInt.empty();
    }
    return java.util.OptionalInt.of(ByteBuffer.wrap(head, MAGIC.length, 4).getInt());
  }

  /** The artifact id in the header of the encrypted file whose first bytes are {@code head}, or empty. */
  public static java.util.Optional<String> artifactIdOf(byte[] head) {
    if (!isEncrypted(head) || head.length < MAGIC.length + 6) {
      return java.util.Optional.empty();
    }
    int len = Short.toUnsignedInt(ByteBuffer.wrap(head, MAGIC.length + 4, 2).getShort());
    if (head.length < MAGIC.length + 6 + len) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new String(head, MAGIC.length + 6, len, StandardCharsets.UTF_8));
  }

  /** The most bytes a header takes: enough of a file's start for {@link #artifactIdOf}. */
  public static int maxHeaderBytes() {
    return MAGIC.length + 6 + MAX_ID;
  }

  private static EncryptionException notEncrypted(String uri) {
    return new EncryptionException(
        uri + " is not encrypted, but pipeline.encryption is on: every artifact file must be (`beamline rekey` encrypts"
            + " the files of a root written before encryption was turned on)");
  }

  private static EncryptionException tampered(String uri, Throwable cause) {
    return new EncryptionException(
        "cannot decrypt " + uri + ": its bytes were changed (authentication failed), or it was cut short", cause);
  }

  /** {@code ch} seen from byte {@code offset} on: Tink's ciphertext after Beamline's header. */
  private static final class OffsetChannel implements SeekableByteChannel {
    private final SeekableByteChannel ch;
    private final long offset;

    OffsetChannel(SeekableByteChannel ch, long offset) {
      this.ch = ch;
      this.offset = offset;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public int write(ByteBuffer src) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public long position() throws IOException {
      return ch.position() - offset;
    }

    @Override
    public SeekableByteChannel position(long p) throws IOException {
      ch.position(p + offset);
      return this;
    }

    @Override
    public long size() throws IOException {
      return ch.size() - offset;
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
