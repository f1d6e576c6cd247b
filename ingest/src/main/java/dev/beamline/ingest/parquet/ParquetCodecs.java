package dev.beamline.ingest.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopCodecs;
import org.xerial.snappy.Snappy;

/**
 * Decompressors of Parquet pages for reading: uncompressed, Snappy, gzip and Zstandard pages are
 * decompressed here directly, in one call per page, without the Hadoop codec machinery that
 * parquet-mr's default factory starts (a Hadoop {@code Configuration} and codec pool, which cost a few
 * hundred milliseconds at start-up); other codecs go to that default factory, made when first needed.
 * Reading only: {@link #getCompressor} throws.
 *
 * <pre>{@code
 * ParquetReadOptions options = ParquetReadOptions.builder().withCodecFactory(new ParquetCodecs()).build();
 * }</pre>
 */
final class ParquetCodecs implements CompressionCodecFactory {
  private CompressionCodecFactory hadoop;

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    throw new UnsupportedOperationException("ParquetCodecs only decompresses; asked for a " + codec + " compressor");
  }

  @Override
  public synchronized BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    switch (codec) {
      case UNCOMPRESSED:
        return new ArrayDecompressor(codec) {
          @Override
          byte[] decompress(byte[] in, int size) {
            return in;
          }
        };
      case SNAPPY:
        return new ArrayDecompressor(codec) {
          @Override
          byte[] decompress(byte[] in, int size) throws IOException {
            byte[] out = new byte[size];
            int n = Snappy.uncompress(in, 0, in.length, out, 0);
            check(n, size);
            return out;
          }
        };
      case GZIP:
        return new ArrayDecompressor(codec) {
          @Override
          byte[] decompress(byte[] in, int size) throws IOException {
            try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in), 1 << 16)) {
              byte[] out = gz.readNBytes(size);
              check(out.length, size);
              return out;
            }
          }
        };
      case ZSTD:
        return new ArrayDecompressor(codec) {
          @Override
          byte[] decompress(byte[] in, int size) throws IOException {
            byte[] out = new byte[size];
            long n = Zstd.decompressByteArray(out, 0, size, in, 0, in.length);
            if (Zstd.isError(n)) {
              throw new IOException("corrupt ZSTD page: " + Zstd.getErrorName(n));
            }
            check(n, size);
            return out;
          }
        };
      default:
        if (hadoop == null) {
          hadoop = HadoopCodecs.newFactory(0);
        }
        return hadoop.getDecompressor(codec);
    }
  }

  @Override
  public synchronized void release() {
    if (hadoop != null) {
      hadoop.release();
      hadoop = null;
    }
  }

  /** A decompressor from one byte array to another, for both of parquet-mr's calling conventions. */
  private abstract static class ArrayDecompressor implements BytesInputDecompressor {
    private final CompressionCodecName codec;

    ArrayDecompressor(CompressionCodecName codec) {
      this.codec = codec;
    }

    /** The {@code size} bytes that {@code in} decompresses to. */
    abstract byte[] decompress(byte[] in, int size) throws IOException;

    void check(long got, int expected) throws IOException {
      if (got != expected) {
        throw new IOException("corrupt " + codec + " page: " + got + " bytes decompressed, the page header says " + expected);
      }
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      return BytesInput.from(decompress(bytes.toByteArray(), uncompressedSize));
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
      byte[] in = new byte[compressedSize];
      input.get(in);
      output.put(decompress(in, uncompressedSize));
    }

    @Override
    public void release() {}
  }
}
