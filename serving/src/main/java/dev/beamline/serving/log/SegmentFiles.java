package dev.beamline.serving.log;

import dev.beamline.core.crypto.Encryption;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Where segments are written and how they are published: {@link #LOCAL} on the local file system, a
 * test's stand-in to make writes fail or block.
 */
interface SegmentFiles {
  /**
   * Segments as local files: written through a buffer, forced to the disk when closed, published with
   * one atomic rename (then the folder is forced too, where the file system allows it).
   */
  SegmentFiles LOCAL = new SegmentFiles() {
    @Override
    public OutputFile create(Path temp) throws IOException {
      Files.createDirectories(temp.getParent());
      return new LocalOutputFile(temp);
    }

    @Override
    public void publish(Path temp, Path target) throws IOException {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel folder = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        folder.force(true);
      } catch (IOException | UnsupportedOperationException e) {
        // Not every file system lets a folder be opened and forced; the rename is done all the same.
      }
    }
  };

  /** The file of a new segment, at the hidden name {@code temp}; its folder is made when missing. */
  OutputFile create(Path temp) throws IOException;

  /** Publishes the closed segment {@code temp} as {@code target}, atomically. */
  void publish(Path temp, Path target) throws IOException;

  /** Removes what is left of an abandoned segment; never throws. */
  default void delete(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException | RuntimeException e) {
      // Left behind: a later log's sweep removes it (ParquetRequestLog).
    }
  }

  /** A local file that Parquet writes once, from the start. */
  final class LocalOutputFile implements OutputFile {
    private final Path path;

    LocalOutputFile(Path path) {
      this.path = path;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      return stream(FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      return stream(FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
    }

    /**
     * A stream into {@code channel}; encrypted when the log's folder is registered as encrypted, bound to
     * the name the segment is published as ({@code .requests-1.parquet.inprogress} is {@code
     * requests-1.parquet}).
     */
    private PositionOutputStream stream(FileChannel channel) throws IOException {
      String name = path.getFileName().toString();
      String published = name.startsWith(".") && name.endsWith(Segment.IN_PROGRESS)
          ? name.substring(1, name.length() - Segment.IN_PROGRESS.length()) : name;
      Encryption.Binding b = Encryption.binding(path.resolveSibling(published).toString());
      if (b == null) {
        return new ChannelOutputStream(channel, channel);
      }
      try {
        // The encrypting channel closes what it writes into when closed: the file is forced and closed after it.
        java.nio.channels.WritableByteChannel unclosed = new java.nio.channels.WritableByteChannel() {
          @Override
          public int write(java.nio.ByteBuffer src) throws IOException {
            return channel.write(src);
          }

          @Override
          public boolean isOpen() {
            return channel.isOpen();
          }

          @Override
          public void close() {}
        };
        return new ChannelOutputStream(channel, b.cipher().encrypting(unclosed, b.fileId()));
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }

    @Override
    public String toString() {
      return path.toString();
    }
  }

  /** Buffered writes to a file channel that count the position, and force the file to the disk on close. */
  final class ChannelOutputStream extends PositionOutputStream {
    private final FileChannel channel;
    private final OutputStream out;
    private long position;

    private final java.nio.channels.WritableByteChannel sink;

    /** Writes into {@code sink}, which writes into {@code channel} (itself, or an encrypting channel over it). */
    ChannelOutputStream(FileChannel channel, java.nio.channels.WritableByteChannel sink) {
      this.channel = channel;
      this.sink = sink;
      this.out = new BufferedOutputStream(Channels.newOutputStream(sink), 1 << 16);
    }

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      position++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      position += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (!channel.isOpen()) {
        return;
      }
      try {
        out.flush();
        if (sink != channel) {
          sink.close();
        }
        channel.force(true);
      } finally {
        channel.close();
      }
    }
  }
}
