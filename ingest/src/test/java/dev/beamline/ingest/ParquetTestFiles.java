package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.parquet.BeamInputFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Parquet files with several row groups, and ways to break them, for tests of unreadable data (here and
 * in {@code dev.beamline.ingest.parquet}).
 */
public final class ParquetTestFiles {
  private ParquetTestFiles() {}

  /**
   * Writes {@code groups} row groups of 100 records each, record {@code i} (1-based) made by {@code
   * record}: Snappy-compressed, plain-encoded (so that a column chunk is mostly its values), with the
   * page checksums that parquet-mr writes by default. The writer checks its size every 100 records,
   * and a row group size of one byte makes it close the row group at every check.
   */
  public static Path rowGroups(Path file, Schema schema, int groups, IntFunction<GenericRecord> record) throws IOException {
    return rowGroups(file, schema, groups, record, CompressionCodecName.SNAPPY, true);
  }

  /** As {@link #rowGroups(Path, Schema, int, IntFunction)}, with pages compressed by {@code codec}, with or without checksums. */
  public static Path rowGroups(Path file, Schema schema, int groups, IntFunction<GenericRecord> record,
      CompressionCodecName codec, boolean checksums) throws IOException {
    Files.deleteIfExists(file);
    try (ParquetWriter<GenericRecord> w =
        AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(
                    new org.apache.hadoop.fs.Path(file.toString()), new org.apache.hadoop.conf.Configuration()))
            .withSchema(schema)
            .withRowGroupSize(1L)
            .withDictionaryEncoding(false)
            .withCompressionCodec(codec)
            .withPageWriteChecksumEnabled(checksums)
            .build()) {
      for (int i = 1; i <= 100 * groups; i++) {
        w.write(record.apply(i));
      }
    }
    try (ParquetFileReader r = ParquetFileReader.open(new BeamInputFile(file.toString()))) {
      assertThat(r.getRowGroups()).extracting(BlockMetaData::getRowCount).containsOnly(100L).hasSize(groups);
    }
    return file;
  }

  /** Overwrites 16 bytes in the middle of the values of {@code column} in row group {@code group}. */
  public static void corrupt(Path file, int group, String column) throws IOException {
    long at;
    try (ParquetFileReader r = ParquetFileReader.open(new BeamInputFile(file.toString()))) {
      ColumnChunkMetaData chunk =
          r.getRowGroups().get(group).getColumns().stream()
              .filter(c -> c.getPath().toDotString().equals(column))
              .findFirst()
              .orElseThrow();
      at = chunk.getFirstDataPageOffset() + chunk.getTotalSize() / 2;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(
          ByteBuffer.wrap(
              new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
          at);
    }
  }

  /** A copy of {@code file} cut in the middle: the first half of its bytes. */
  public static Path truncated(Path file, Path copy) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(copy, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    return copy;
  }
}
