package dev.beamline.validation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFormat;
import dev.beamline.validation.StatisticsSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local engine against the Beam engine ({@link BeamStatistics}, on the DirectRunner)
 * on the penguins example and on Parquet files with several row groups, dictionary and plain pages,
 * both page versions, several codecs and every feature type: exact fields identical, sketch fields
 * within their error ({@link EngineComparison}).
 */
class LocalStatisticsTest {
  private static final Path PENGUINS = Paths.get("../examples/penguins/data/penguins.csv").toAbsolutePath().normalize();

  /** Every column type the columnar reader maps, nullable and required. */
  private static final MessageType FLAT = MessageTypeParser.parseMessageType(
      "message flights {\n"
          + "  optional int64 departed (TIMESTAMP(MILLIS,true));\n"
          + "  optional int64 logged (TIMESTAMP(MICROS,false));\n"
          + "  optional int32 day (DATE);\n"
          + "  optional int32 delay;\n"
          + "  required int64 distance;\n"
          + "  optional double ratio;\n"
          + "  optional float speed;\n"
          + "  optional binary origin (STRING);\n"
          + "  optional binary tail (STRING);\n"
          + "  optional boolean cancelled;\n"
          + "}");

  @TempDir Path tmp;

  private static StatisticsSet local(String data, int threads) {
    return LocalStatistics.withThreads(threads).compute(data);
  }

  private StatisticsSet beam(String data) {
    return BeamStatistics.compute(data, tmp.resolve("beam-" + Math.abs(data.hashCode())));
  }

  /**
   * {@code rows} rows of {@link #FLAT}: nulls in every nullable column, zeros, NaN and infinities in
   * ratio, a 30-value origin (dictionary-encoded) and a 5,000-value tail (past the exact limit, and
   * past the dictionary page size, so that the writer falls back to plain pages).
   */
  private static Path writeFlat(Path file, int rows, CompressionCodecName codec, ParquetProperties.WriterVersion version)
      throws IOException {
    Random random = new Random(42);
    SimpleGroupFactory groups = new SimpleGroupFactory(FLAT);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withType(FLAT)
        .withConf(new Configuration(false))
        .withCompressionCodec(codec)
        .withWriterVersion(version)
        .withRowGroupSize(96 * 1024)
        .withPageSize(8 * 1024)
        .withDictionaryPageSize(16 * 1024)
        .build()) {
      for (int i = 0; i < rows; i++) {
        Group g = groups.newGroup();
        if (random.nextInt(20) != 0) {
          g.add("departed", 1_600_000_000_000L + random.nextInt(1_000_000_000));
        }
        if (random.nextInt(20) != 0) {
          g.add("logged", 1_600_000_000_000_000L + random.nextLong() % 1_000_000_000_000L);
        }
        if (random.nextInt(20) != 0) {
          g.add("day", 18_000 + random.nextInt(400));
        }
        if (random.nextInt(20) != 0) {
          g.add("delay", random.nextInt(300) - 60);
        }
        g.add("distance", (long) (20 + random.nextInt(5000)));
        int kind = random.nextInt(100);
        if (kind >= 5) {
          g.add("ratio", kind < 7 ? Double.NaN : kind < 8 ? Double.POSITIVE_INFINITY : kind < 9 ? Double.NEGATIVE_INFINITY
              : kind < 15 ? 0.0 : random.nextGaussian() * 1e3 + 7);
        }
        if (random.nextInt(20) != 0) {
          g.add("speed", (float) (random.nextGaussian() * 50 + 400));
        }
        if (random.nextInt(20) != 0) {
          g.add("origin", "A" + (char) ('A' + random.nextInt(26)) + random.nextInt(2));
        }
        if (random.nextInt(20) != 0) {
          // Skewed: a few frequent tails, many rare ones; some non-ASCII.
          int t = random.nextInt(3) == 0 ? random.nextInt(10) : random.nextInt(5000);
          g.add("tail", (t % 7 == 0 ? "Ñ" : "N") + t);
        }
        if (random.nextInt(4) != 0) {
          g.add("cancelled", random.nextInt(10) == 0);
        }
        w.write(g);
      }
    }
    return file;
  }

  private static int rowGroups(Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), new Configuration(false)))) {
      return r.getRowGroups().size();
    }
  }

  private static void check(Path file, InputFormat format, StatisticsSet local, StatisticsSet beam) throws IOException {
    EngineComparison.of(file, format).check(local, beam, "data");
  }

  @Test
  void penguinsCsvGivesTheStatisticsOfTheBeamEngine() throws IOException {
    StatisticsSet beam = beam(PENGUINS.toString());
    for (int threads : new int[] {1, 2, 3}) {
      check(PENGUINS, InputFormat.CSV, local(PENGUINS.toString(), threads), beam);
    }
  }

  @Test
  void aLargerCsvIsAccumulatedInChunksOnOtherThreads() throws IOException {
    // 100,000 rows: four chunks of 32,768 records, some handed to other threads, some accumulated by the reader.
    StringBuilder csv = new StringBuilder("id,score,label,flag\n");
    Random random = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      csv.append(i).append(',')
          .append(random.nextInt(30) == 0 ? "" : String.valueOf(random.nextGaussian() * 12.5 + 40)).append(',')
          .append("L").append(random.nextInt(random.nextBoolean() ? 40 : 4000)).append(',')
          .append(random.nextBoolean()).append('\n');
    }
    Path file = Files.writeString(tmp.resolve("large.csv"), csv);
    StatisticsSet beam = beam(file.toString());
    for (int threads : new int[] {1, 2, 4}) {
      check(file, InputFormat.CSV, local(file.toString(), threads), beam);
    }
  }

  @Test
  void parquetVersion1SnappyGivesTheStatisticsOfTheBeamEngine() throws IOException {
    Path file = writeFlat(tmp.resolve("v1.parquet"), 40_000, CompressionCodecName.SNAPPY, ParquetProperties.WriterVersion.PARQUET_1_0);
    assertThat(rowGroups(file)).isGreaterThan(3);
    StatisticsSet beam = beam(file.toString());
    for (int threads : new int[] {1, 2, 5}) {
      check(file, InputFormat.PARQUET, local(file.toString(), threads), beam);
    }
  }

  @Test
  void parquetVersion2ZstdGivesTheStatisticsOfTheBeamEngine() throws IOException {
    // Version 2 pages; the writer's fallback from dictionaries is then delta encodings.
    Path file = writeFlat(tmp.resolve("v2.parquet"), 30_000, CompressionCodecName.ZSTD, ParquetProperties.WriterVersion.PARQUET_2_0);
    assertThat(rowGroups(file)).isGreaterThan(3);
    check(file, InputFormat.PARQUET, local(file.toString(), 2), beam(file.toString()));
  }

  @Test
  void severalParquetFilesAndGzip() throws IOException {
    Path dir = tmp.resolve("many");
    Files.createDirectories(dir);
    writeFlat(dir.resolve("a.parquet"), 5_000, CompressionCodecName.GZIP, ParquetProperties.WriterVersion.PARQUET_1_0);
    writeFlat(dir.resolve("b.parquet"), 7_000, CompressionCodecName.UNCOMPRESSED, ParquetProperties.WriterVersion.PARQUET_1_0);
    String glob = dir.resolve("*.parquet").toString();
    StatisticsSet local = local(glob, 2);
    StatisticsSet beam = beam(glob);
    assertThat(local.split("data").orElseThrow().numExamples()).isEqualTo(12_000);
    // Exact fields only here (the truth is per file): the whole comparison runs on one file above.
    var a = local.split("data").orElseThrow();
    var b = beam.split("data").orElseThrow();
    for (var fa : a.features()) {
      var fb = b.feature(fa.name()).orElseThrow();
      assertThat(fa.count()).isEqualTo(fb.count());
      assertThat(fa.missing()).isEqualTo(fb.missing());
      if (fa.numeric() != null) {
        assertThat(Double.valueOf(fa.numeric().mean())).as(fa.name()).isEqualTo(Double.valueOf(fb.numeric().mean()));
        assertThat(Double.valueOf(fa.numeric().stdDev())).as(fa.name()).isEqualTo(Double.valueOf(fb.numeric().stdDev()));
        assertThat(Double.valueOf(fa.numeric().min())).isEqualTo(Double.valueOf(fb.numeric().min()));
        assertThat(Double.valueOf(fa.numeric().max())).isEqualTo(Double.valueOf(fb.numeric().max()));
      }
    }
  }

  @Test
  void columnsTheColumnarReaderDoesNotMapAreReadAsRecords() throws IOException {
    // An unsigned 32-bit column: parquet-avro widens it, so the file is read record by record.
    MessageType type = MessageTypeParser.parseMessageType(
        "message m {\n  optional int32 count (INTEGER(32,false));\n  optional binary name (STRING);\n}");
    Path file = tmp.resolve("unsigned.parquet");
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withType(type).withConf(new Configuration(false)).build()) {
      for (int i = 0; i < 1000; i++) {
        Group g = groups.newGroup();
        g.add("count", i % 3 == 0 ? -i : i);
        g.add("name", "n" + (i % 17));
        w.write(g);
      }
    }
    assertThat(ParquetColumns.open(file, ParquetColumns.schemaOf(file))).isNull();
    check(file, InputFormat.PARQUET, local(file.toString(), 2), beam(file.toString()));
  }

  @Test
  void anIngestionOutputHasEverySplit() throws IOException {
    // The penguins ingested as the example pipeline ingests them: train:eval = 2:1.
    Path ingest = tmp.resolve("runs/penguins/ingest/1");
    Pipeline p = Pipeline.create();
    p.apply("Ingest", IngestExamples.from(IngestExamples.Config.of(PENGUINS.toString())).to(new StageOutput(ingest.toString(), "one", null)));
    p.run().waitUntilFinish();
    StatisticsSet local = local(ingest.toString(), 2);
    StatisticsSet beam = beam(ingest.toString());
    assertThat(local.splitNames()).isEqualTo(beam.splitNames()).containsExactly("train", "eval");
    assertThat(local.split("train").orElseThrow().numExamples() + local.split("eval").orElseThrow().numExamples()).isEqualTo(344);
    for (String split : local.splitNames()) {
      var a = local.split(split).orElseThrow();
      var b = beam.split(split).orElseThrow();
      assertThat(a.numExamples()).isEqualTo(b.numExamples());
      for (var fa : a.features()) {
        var fb = b.feature(fa.name()).orElseThrow();
        assertThat(fa.count()).isEqualTo(fb.count());
        if (fa.numeric() != null) {
          assertThat(Double.valueOf(fa.numeric().mean())).as(split + " " + fa.name()).isEqualTo(Double.valueOf(fb.numeric().mean()));
          assertThat(Double.valueOf(fa.numeric().stdDev())).as(split + " " + fa.name()).isEqualTo(Double.valueOf(fb.numeric().stdDev()));
        } else {
          assertThat(fa.strings()).isEqualTo(fb.strings());
        }
      }
    }
  }

  /**
   * Three row groups of 100 rows (the writer checks its size every 100 rows; a row group size of one
   * byte closes the row group at each check) of a compressible string column, plain-encoded, Zstandard
   * pages, with or without page checksums; then 16 bytes overwritten in the middle of row group 1's
   * string column.
   */
  private static Path corruptZstd(Path file, boolean checksums) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType("message m { required binary note (STRING); required int64 n; }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withType(schema)
        .withConf(new Configuration(false))
        .withCompressionCodec(CompressionCodecName.ZSTD)
        .withDictionaryEncoding(false)
        .withPageWriteChecksumEnabled(checksums)
        .withRowGroupSize(1L)
        .build()) {
      for (int i = 0; i < 300; i++) {
        w.write(groups.newGroup().append("note", "an Adelie penguin seen on Torgersen island, number " + i).append("n", (long) i));
      }
    }
    long at;
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), new Configuration(false)))) {
      assertThat(r.getRowGroups()).hasSize(3).allSatisfy(g -> assertThat(g.getRowCount()).isEqualTo(100));
      var chunk = r.getRowGroups().get(1).getColumns().get(0);
      at = chunk.getFirstDataPageOffset() + chunk.getTotalSize() / 2;
    }
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), at);
    }
    return file;
  }

  @Test
  void aCorruptRowGroupIsADataErrorNamingTheFileAndTheRowGroup() throws IOException {
    Path unchecked = corruptZstd(tmp.resolve("zstd.parquet"), false);
    Path checked = corruptZstd(tmp.resolve("zstd-crc.parquet"), true);

    assertThatThrownBy(() -> local(unchecked.toString(), 2))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(unchecked + ": row group 1 (0-based, of 3; 100 rows) cannot be read: ZstdException: Corrupted block detected");
    assertThatThrownBy(() -> local(checked.toString(), 2))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(checked + ": row group 1 (0-based, of 3; 100 rows) cannot be read: ")
        .hasMessageContaining("CRC checksum verification failed");
  }

  @Test
  void badInputFailsAsTheBeamEngineDoes() throws IOException {
    Path empty = Files.createFile(tmp.resolve("empty.parquet"));
    assertThatThrownBy(() -> local(empty.toString(), 1)).isInstanceOf(DataCheckException.class).hasMessageContaining("the input file is empty");
    Path notParquet = Files.writeString(tmp.resolve("text.parquet"), "not parquet at all");
    assertThatThrownBy(() -> local(notParquet.toString(), 1)).isInstanceOf(DataCheckException.class).hasMessageContaining("not a readable Parquet file");
    assertThatThrownBy(() -> local(tmp.resolve("missing.csv").toString(), 1)).isInstanceOf(ConfigException.class).hasMessageContaining("input file not found");
    Path csv = Files.writeString(tmp.resolve("bad.csv"), "a,b\n1,x\n2,y,z\n");
    assertThatThrownBy(() -> local(csv.toString(), 2)).isInstanceOf(DataCheckException.class).hasMessageContaining("a row does not fit the schema");
    assertThatThrownBy(() -> LocalStatistics.withThreads(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got -1");
  }
}
