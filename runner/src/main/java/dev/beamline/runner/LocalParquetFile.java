package dev.beamline.runner;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * A Parquet {@link InputFile} on the local file system, read through a {@link FileChannel}: no Hadoop
 * file system and no Beam file system in between.
 *
 * <pre>{@code
 * try (ParquetFileReader r = ParquetFileReader.open(new LocalParquetFile(path), options)) { ... }
 * }</pre>
 */
final class LocalParquetFile implements InputFile {
  private final Path path;
  private final long length;

  LocalParquetFile(Path path) throws IOException {
    this.path = path;
    this.length = Files.size(path);
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() throws IOException {
    FileChannel channel = FileChannel.open(path);
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
    return path.toString();
  }
}
