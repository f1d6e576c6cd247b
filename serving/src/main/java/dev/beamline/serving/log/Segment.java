package dev.beamline.serving.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * One open segment of the request log: a Parquet file written under a hidden name ({@code
 * .requests-...parquet.inprogress}) in its folder, published under its final name ({@code
 * requests-...parquet}) when closed. Used by the writer thread only.
 */
final class Segment {
  /** How the final name of a segment starts; ingestion reads {@code requests-*.parquet} or {@code *.parquet}. */
  static final String PREFIX = "requests-";
  static final String SUFFIX = ".parquet";
  /** How the name of a segment being written ends: no Parquet glob matches it. */
  static final String IN_PROGRESS = ".inprogress";

  /** The start time in file names: UTC, to the millisecond, sorting as time does. */
  static final DateTimeFormatter START = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** Snappy: ingestion decompresses it without Hadoop's codecs, as it does Zstandard. */
  static final CompressionCodecName CODEC = CompressionCodecName.SNAPPY;

  private final String key;
  private final Path temp;
  private final Path target;
  private final SegmentSchema schema;
  private final long startNanos;
  private final CapturingOutputFile file;
  private final ParquetWriter<GenericRecord> writer;
  private long rows;
  private long requests;

  private Segment(String key, Path temp, Path target, SegmentSchema schema, long startNanos, CapturingOutputFile file,
      ParquetWriter<GenericRecord> writer) {
    this.key = key;
    this.temp = temp;
    this.target = target;
    this.schema = schema;
    this.startNanos = startNanos;
    this.file = file;
    this.writer = writer;
  }

  /**
   * Opens a segment in {@code folder} named {@code name} ({@link #fileName}) for rows of {@code schema}.
   *
   * @param rowGroupBytes the size at which parquet-mr writes a row group out of memory
   */
  static Segment open(SegmentFiles files, String key, Path folder, String name, SegmentSchema schema, long startNanos,
      long rowGroupBytes) throws IOException {
    Path temp = folder.resolve("." + name + IN_PROGRESS);
    Path target = folder.resolve(name);
    CapturingOutputFile file = new CapturingOutputFile(files.create(temp));
    try {
      ParquetWriter<GenericRecord> writer =
          AvroParquetWriter.<GenericRecord>builder(file)
              .withSchema(schema.avro())
              .withDataModel(GenericData.get())
              // No default resources: nothing of Hadoop's configuration applies to a local segment.
              .withConf(new Configuration(false))
              .withCompressionCodec(CODEC)
              .withRowGroupSize(rowGroupBytes)
              .withPageWriteChecksumEnabled(true)
              .withWriteMode(ParquetFileWriter.Mode.CREATE)
              .build();
      return new Segment(key, temp, target, schema, startNanos, file, writer);
    } catch (IOException | RuntimeException e) {
      file.closeQuietly();
      files.delete(temp);
      throw e;
    }
  }

  /**
   * The final name of a segment started at {@code start}: {@code
   * requests-<yyyyMMddTHHmmss.SSSZ>-<writer>-<seq>-<method>-<signature>.parquet}, with {@code method} and
   * {@code signature} {@link #encode}d.
   */
  static String fileName(Instant start, String writer, long seq, String method, String signature) {
    return String.format(
        "%s%s-%s-%06d-%s-%s%s", PREFIX, START.format(start), writer, seq, encode(method), encode(signature), SUFFIX);
  }

  /**
   * {@code name} as one path element: letters, digits, {@code _}, {@code -} and {@code .} (except a
   * leading one) as they are, every other byte of its UTF-8 form as {@code %XX}; so that no name is
   * hidden, climbs a folder or splits into two.
   */
  static String encode(String name) {
    StringBuilder out = new StringBuilder(name.length());
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b == '-'
          || (b == '.' && i > 0);
      if (plain) {
        out.append((char) b);
      } else {
        out.append('%').append(String.format("%02X", b));
      }
    }
    return out.toString();
  }

  /** Whether {@code fileName} is the hidden name of a segment being written. */
  static boolean isInProgress(String fileName) {
    return fileName.startsWith("." + PREFIX) && fileName.endsWith(SUFFIX + IN_PROGRESS);
  }

  String key() {
    return key;
  }

  SegmentSchema schema() {
    return schema;
  }

  Path target() {
    return target;
  }

  long startNanos() {
    return startNanos;
  }

  /** The rows written so far (published only with the segment). */
  long rows() {
    return rows;
  }

  /** The requests written so far, and the one being written. */
  long requests() {
    return requests;
  }

  /** Writes one request's rows. */
  void write(List<GenericRecord> requestRows) throws IOException {
    requests++;
    for (GenericRecord r : requestRows) {
      writer.write(r);
      rows++;
    }
  }

  /** The size of the segment: the row groups written and the one buffered (parquet-mr's estimate). */
  long dataSize() {
    return writer.getDataSize();
  }

  /** Writes the footer, closes the file and publishes it under its final name. */
  void publish(SegmentFiles files) throws IOException {
    writer.close();
    files.publish(temp, target);
  }

  /** Gives up the segment: closes its file, whatever state it is in, and deletes it. */
  void abort(SegmentFiles files) {
    file.closeQuietly();
    files.delete(temp);
  }

  /** An output file that remembers the stream it opened, so that an abandoned segment's file is closed. */
  private static final class CapturingOutputFile implements OutputFile {
    private final OutputFile delegate;
    private PositionOutputStream stream;

    CapturingOutputFile(OutputFile delegate) {
      this.delegate = delegate;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
      stream = delegate.create(blockSizeHint);
      return stream;
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
      stream = delegate.createOrOverwrite(blockSizeHint);
      return stream;
    }

    @Override
    public boolean supportsBlockSize() {
      return delegate.supportsBlockSize();
    }

    @Override
    public long defaultBlockSize() {
      return delegate.defaultBlockSize();
    }

    void closeQuietly() {
      if (stream != null) {
        try {
          stream.close();
        } catch (IOException | RuntimeException e) {
          // Abandoned anyway.
        }
      }
    }
  }
}
