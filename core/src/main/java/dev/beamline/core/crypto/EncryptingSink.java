package dev.beamline.core.crypto;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import org.apache.beam.sdk.io.FileIO;

/**
 * A Beam {@link FileIO.Sink} that encrypts what {@code sink} writes when its destination folder lies in
 * an encrypted root (and writes it as it is otherwise). A sink does not learn the name of the shard it
 * writes, so each shard is bound to its folder, the artifact's split ({@code
 * root:penguins/ingest/7/examples/train}): a shard swapped in from another artifact fails to decrypt.
 *
 * <pre>{@code
 * FileIO.<ExampleBatch>write().via(EncryptingSink.of(new ExampleBatchParquetSink(schema), dir)).to(dir)
 * }</pre>
 */
public final class EncryptingSink<T> implements FileIO.Sink<T> {
  private static final long serialVersionUID = 1L;

  private final FileIO.Sink<T> sink;
  /** Null when the destination is not encrypted. */
  private final ArtifactCipher cipher;
  private final String id;
  private transient WritableByteChannel encrypting;

  private EncryptingSink(FileIO.Sink<T> sink, ArtifactCipher cipher, String id) {
    this.sink = sink;
    this.cipher = cipher;
    this.id = id;
  }

  /** {@code sink}, encrypting when the folder {@code destination} lies in an encrypted root. */
  public static <T> FileIO.Sink<T> of(FileIO.Sink<T> sink, String destination) {
    Encryption.Binding b = Encryption.binding(destination);
    return b == null ? sink : new EncryptingSink<>(sink, b.cipher(), b.fileId());
  }

  @Override
  public void open(WritableByteChannel channel) throws IOException {
    encrypting = cipher.encrypting(channel, id);
    sink.open(encrypting);
  }

  @Override
  public void write(T element) throws IOException {
    sink.write(element);
  }

  @Override
  public void flush() throws IOException {
    sink.flush();
    // FileIO closes the channel it gave: closing the encrypting one writes the last segment first.
    encrypting.close();
  }
}
