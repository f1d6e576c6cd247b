package dev.beamline.ingest.parquet;

import dev.beamline.core.Storage;
import dev.beamline.core.crypto.Encryption;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} over any file that Beam's {@link FileSystems} can open (local, and
 * whatever file systems are registered: GCS, S3, HDFS), without Hadoop's file system classes.
 *
 * <pre>{@code
 * try (ParquetFileReader r = ParquetFileReader.open(new BeamInputFile("/runs/p/transform/5/examples/train/part-00000.parquet"))) {
 *   long rows = r.getRecordCount();
 * }
 * }</pre>
 */
public final class BeamInputFile implements InputFile {
  private final String path;
  private final long length;

  /** The file at {@code path} (a Beam resource id); reads its length now. */
  public BeamInputFile(String path) throws IOException {
    this.path = path;
    // An encrypted file's length is its plaintext's, as its decrypting channel reports it.
    this.length = Encryption.binding(path) == null ? FileSystems.matchSingleFileSpec(path).sizeBytes() : plainSize(path);
  }

  private static long plainSize(String path) throws IOException {
    try (SeekableByteChannel ch = Storage.openSeekable(path)) {
      return ch.size();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    SeekableByteChannel channel;
    try {
      channel = Storage.openSeekable(path);
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
      @Override
      public long getPos() throws IOException {
        return channel.position();
      }

      @Override
      public void seek(long newPos) throws IOException {
        channel.position(newPos);
      }
    };
  }

  @Override
  public String toString() {
    return path;
  }
}
