package dev.beamline.ingest.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.ingest.ParquetTestFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The column decoder against the values a test wrote: files written by parquet-mr with every physical
 * type, nulls, lists in both list structures, both page versions, with and without dictionaries, so
 * that every path is taken (dictionary ids, plain values, a dictionary that overflows mid-chunk,
 * parquet-mr's reader for the delta encodings); a file written by {@link ExampleBatchParquetSink} as the
 * transform stage writes its vectors; and pages built by hand for what parquet-mr does not write (a row
 * that goes on in the next page) and for corrupt data.
 */
class ColumnChunkDecoderTest {
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
      "message m {\n"
          + "  required int64 id;\n"
          + "  optional int32 small;\n"
          + "  optional int64 big;\n"
          + "  optional float f;\n"
          + "  required double d;\n"
          + "  optional boolean b;\n"
          + "  optional binary s (STRING);\n"
          + "  optional binary t (STRING);\n"
          + "  required group fl (LIST) { repeated float array; }\n"
          + "  optional group ll (LIST) { repeated group list { optional int64 element; } }\n"
          + "}");
  private static final List<String> FIELDS = List.of("id", "small", "big", "f", "d", "b", "s", "t", "fl", "ll");
  private static final byte[] MALFORMED = {'b', 'a', 'd', (byte) 0xC3, (byte) 0x28, '!'};

  @TempDir Path dir;

  /** Row {@code i}'s value of each of {@link #FIELDS}, as {@link ColumnRows} gives them; seeded. */
  private static List<Object[]> rows(int n) {
    Random random = new Random(7);
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object[] r = new Object[FIELDS.size()];
      r[0] = (long) i;
      r[1] = i % 7 == 0 ? null : (long) (i * 31 % 10 - 3);
      r[2] = i % 11 == 0 ? null : (i / 3) * 1_000_003L - random.nextInt(2);
      r[3] = i % 5 == 0 ? null : i % 50 == 1 ? Float.NaN : i % 50 == 2 ? -0.0f : (float) random.nextGaussian();
      r[4] = i % 97 == 3 ? Double.POSITIVE_INFINITY : random.nextGaussian() * 1e6;
      r[5] = i % 3 == 0 ? null : random.nextBoolean();
      r[6] = i % 13 == 0 ? null : (i % 2 == 0 ? "é" : "s") + (i % 12);
      // Values that repeat, more and more of them: the dictionary is worth it at first, then overflows.
      r[7] = i % 17 == 0 ? null : i == 5 ? new String(MALFORMED, StandardCharsets.UTF_8) : "t" + i / 2;
      List<Object> fl = new ArrayList<>();
      for (int k = 0; k < i % 4; k++) {
        fl.add((float) (i + k) / 4);
      }
      r[8] = fl;
      if (i % 6 != 0) {
        List<Object> ll = new ArrayList<>();
        for (int k = 0; k < i % 3; k++) {
          ll.add(k == 1 && i % 4 == 0 ? null : (long) i * 1000 + k);
        }
        r[9] = ll;
      }
      rows.add(r);
    }
    return rows;
  }

  private static Path write(Path file, List<Object[]> rows, ParquetProperties.WriterVersion version, boolean dictionary,
      CompressionCodecName codec) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withType(SCHEMA)
        .withConf(new Configuration(false))
        .withWriterVersion(version)
        .withDictionaryEncoding(dictionary)
        .withCompressionCodec(codec)
        .withRowGroupSize(48 * 1024)
        .withPageRowCountLimit(333)
        .withDictionaryPageSize(2 * 1024)
        .build()) {
      for (Object[] r : rows) {
        Group g = groups.newGroup();
        g.add("id", (Long) r[0]);
        if (r[1] != null) {
          g.add("small", (int) (long) (Long) r[1]);
        }
        if (r[2] != null) {
          g.add("big", (Long) r[2]);
        }
        if (r[3] != null) {
          g.add("f", (Float) r[3]);
        }
        g.add("d", (Double) r[4]);
        if (r[5] != null) {
          g.add("b", (Boolean) r[5]);
        }
        if (r[6] != null) {
          g.add("s", (String) r[6]);
        }
        if (r[7] != null) {
          g.add("t", r[0].equals(5L) ? Binary.fromConstantByteArray(MALFORMED) : Binary.fromString((String) r[7]));
        }
        Group fl = g.addGroup("fl");
        for (Object v : (List<?>) r[8]) {
          fl.add("array", (Float) v);
        }
        if (r[9] != null) {
          Group ll = g.addGroup("ll");
          for (Object v : (List<?>) r[9]) {
            Group element = ll.addGroup("list");
            if (v != null) {
              element.add("element", (Long) v);
            }
          }
        }
        w.write(g);
      }
    }
    return file;
  }

  private static List<Object> column(List<Object[]> rows, int field) {
    return rows.stream().map(r -> r[field]).collect(Collectors.toList());
  }

  /** The encodings of column {@code field}, per row group. */
  private static List<Set<Encoding>> encodings(Path file, String field) throws IOException {
    try (ParquetFileReader r = ParquetFiles.open(file.toString())) {
      return r.getRowGroups().stream()
          .flatMap(g -> g.getColumns().stream())
          .filter(c -> c.getPath().toArray()[0].equals(field))
          .map(ColumnChunkMetaData::getEncodings)
          .toList();
    }
  }

  @ParameterizedTest(name = "{0}, dictionary {1}, {2}")
  @CsvSource({
      "PARQUET_1_0, true, SNAPPY",
      "PARQUET_1_0, false, UNCOMPRESSED",
      "PARQUET_2_0, true, ZSTD",
      "PARQUET_2_0, false, GZIP",
  })
  void everyColumnReadsBackExactlyWhatWasWritten(ParquetProperties.WriterVersion version, boolean dictionary,
      CompressionCodecName codec) throws IOException {
    List<Object[]> rows = rows(5000);
    Path file = write(dir.resolve("all.parquet"), rows, version, dictionary, codec);
    try (ColumnarFile f = ColumnarFile.open(file.toString())) {
      assertThat(f.rowGroups()).isGreaterThan(1);
    }
    for (int slice : new int[] {1, 100, 4096}) {
      for (int c = 0; c < FIELDS.size(); c++) {
        ColumnRows.Result r = ColumnRows.read(file.toString(), FIELDS.get(c), slice);
        assertThat(r.rows()).as("%s, %d rows a read", FIELDS.get(c), slice).isEqualTo(column(rows, c));
        if (!dictionary) {
          assertThat(r.sawIds()).as(FIELDS.get(c)).isFalse();
        }
      }
    }
    if (dictionary) {
      // A small dictionary serves the whole chunk; a large one overflows and the writer goes on without.
      assertThat(ColumnRows.read(file.toString(), "small", 100).sawIds()).isTrue();
      assertThat(ColumnRows.read(file.toString(), "s", 100).sawIds()).isTrue();
      ColumnRows.Result t = ColumnRows.read(file.toString(), "t", 100);
      assertThat(t.sawIds()).isTrue();
      assertThat(t.sawValues()).isTrue();
    }
    if (version == ParquetProperties.WriterVersion.PARQUET_2_0) {
      // Delta encodings, which parquet-mr's column reader decodes: the fallback was taken.
      assertThat(encodings(file, "big")).anySatisfy(e -> assertThat(e).contains(Encoding.DELTA_BINARY_PACKED));
      assertThat(encodings(file, "t")).anySatisfy(e -> assertThat(e).contains(Encoding.DELTA_BYTE_ARRAY));
    }
    if (version == ParquetProperties.WriterVersion.PARQUET_2_0 && dictionary) {
      // Dictionary pages, then delta pages in the same chunk: the fallback takes over mid-chunk.
      assertThat(encodings(file, "big")).anySatisfy(e -> assertThat(e).contains(Encoding.RLE_DICTIONARY, Encoding.DELTA_BINARY_PACKED));
      assertThat(encodings(file, "t")).anySatisfy(e -> assertThat(e).contains(Encoding.RLE_DICTIONARY, Encoding.DELTA_BYTE_ARRAY));
    }
  }

  @Test
  void listsAsTheTransformStageWritesThem() throws IOException {
    // The sink and schema shape of the transform stage: non-null arrays of float and of long.
    Schema schema = SchemaBuilder.record("Transformed").namespace("dev.beamline").fields()
        .name("v").type(Schema.createArray(Schema.create(Schema.Type.FLOAT))).noDefault()
        .name("w").type(Schema.createArray(Schema.create(Schema.Type.LONG))).noDefault()
        .name("x").type(Schema.create(Schema.Type.FLOAT)).noDefault()
        .endRecord();
    List<GenericRecord> records = new ArrayList<>();
    List<Object> v = new ArrayList<>();
    List<Object> w = new ArrayList<>();
    List<Object> x = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      GenericRecord r = new GenericData.Record(schema);
      List<Float> floats = List.of((float) i, i % 3 == 0 ? 1f : 0f, -i / 8f);
      List<Long> longs = List.of((long) i % 17, -1L);
      r.put("v", floats);
      r.put("w", longs);
      r.put("x", i / 2f);
      records.add(r);
      v.add(new ArrayList<Object>(floats));
      w.add(new ArrayList<Object>(longs));
      x.add(i / 2f);
    }
    Path file = dir.resolve("transformed.parquet");
    ExampleBatchParquetSink sink = new ExampleBatchParquetSink(schema);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(channel);
      sink.write(ExampleBatch.of(records));
      sink.flush();
    }
    try (ColumnarFile f = ColumnarFile.open(file.toString())) {
      ColumnDescriptor vector = f.columnsOf("v").get(0);
      // parquet-avro's default list structure: a repeated leaf inside the list group.
      assertThat(vector.getPath()).containsExactly("v", "array");
      assertThat(vector.getMaxRepetitionLevel()).isEqualTo(1);
      assertThat(vector.getMaxDefinitionLevel()).isEqualTo(1);
    }
    for (int slice : new int[] {1, 7, 5000}) {
      assertThat(ColumnRows.read(file.toString(), "v", slice).rows()).isEqualTo(v);
      assertThat(ColumnRows.read(file.toString(), "w", slice).rows()).isEqualTo(w);
      assertThat(ColumnRows.read(file.toString(), "x", slice).rows()).isEqualTo(x);
    }
    // And the record reader reads the same file back as the records written.
    assertThat(ExampleRecordReader.readAll(file.toString())).hasSize(3000)
        .allSatisfy(r -> assertThat(r.getSchema()).isEqualTo(schema))
        .extracting(Object::toString)
        .isEqualTo(records.stream().map(Object::toString).toList());
  }

  // ---- pages built by hand ------------------------------------------------------------------------

  private static final MessageType LIST = MessageTypeParser.parseMessageType(
      "message m { required group v (LIST) { repeated float array; } }");
  private static final MessageType FLAT = MessageTypeParser.parseMessageType("message m { required float x; }");
  private static final String WHERE = "hand.parquet: row group 0 (0-based, of 1; 9 rows)";

  private static BytesInput hybrid(int width, int... values) throws IOException {
    RunLengthBitPackingHybridEncoder e = new RunLengthBitPackingHybridEncoder(width, 64, 1024, new HeapByteBufferAllocator());
    for (int v : values) {
      e.writeInt(v);
    }
    return BytesInput.copy(e.toBytes());
  }

  /** Levels as a version 1 page holds them: their length in bytes, then the hybrid encoding. */
  private static BytesInput prefixed(BytesInput levels) throws IOException {
    return BytesInput.concat(BytesInput.fromInt((int) levels.size()), levels);
  }

  private static BytesInput floats(float... values) throws IOException {
    PlainValuesWriter w = new PlainValuesWriter(64, 1024, new HeapByteBufferAllocator());
    for (float v : values) {
      w.writeFloat(v);
    }
    return BytesInput.copy(w.getBytes());
  }

  /** Dictionary ids as a data page holds them: the bit width, then the hybrid encoding. */
  private static BytesInput ids(int width, int... ids) throws IOException {
    return BytesInput.concat(BytesInput.from(new byte[] {(byte) width}), hybrid(width, ids));
  }

  private static DataPageV1 v1(int entries, BytesInput bytes, Encoding values) throws IOException {
    return new DataPageV1(BytesInput.copy(bytes), entries, (int) bytes.size(), null, Encoding.RLE, Encoding.RLE, values);
  }

  private static PageReader pages(long entries, DictionaryPage dictionary, DataPage... pages) {
    Iterator<DataPage> it = Arrays.asList(pages).iterator();
    return new PageReader() {
      @Override
      public DictionaryPage readDictionaryPage() {
        return dictionary;
      }

      @Override
      public long getTotalValueCount() {
        return entries;
      }

      @Override
      public DataPage readPage() {
        return it.hasNext() ? it.next() : null;
      }
    };
  }

  private static ColumnChunkDecoder decoder(MessageType schema, PageReader pages) {
    return new ColumnChunkDecoder(WHERE, schema.getColumns().get(0), pages, null);
  }

  @Test
  void aRowThatGoesOnInTheNextPageIsReadWhole() throws IOException {
    // Rows [1, 2, 3], [4, 5], [], [6]: the second row starts in a version 1 page and ends in a version 2 one.
    DataPageV1 first = v1(4,
        BytesInput.concat(prefixed(hybrid(1, 0, 1, 1, 0)), prefixed(hybrid(1, 1, 1, 1, 1)), floats(1, 2, 3, 4)),
        Encoding.PLAIN);
    DataPageV2 second = DataPageV2.uncompressed(2, 0, 3, hybrid(1, 1, 0, 0), hybrid(1, 1, 0, 1), Encoding.PLAIN, floats(5, 6), null);
    for (int slice : new int[] {1, 2, 3, 10}) {
      ColumnRows.Result r = ColumnRows.readChunk(decoder(LIST, pages(7, null, first, second)), 1, slice);
      assertThat(r.rows()).as("%d rows a read", slice)
          .isEqualTo(List.of(List.of(1f, 2f, 3f), List.of(4f, 5f), List.of(), List.of(6f)));
    }
    DecodedValues v = new DecodedValues();
    ColumnChunkDecoder d = decoder(LIST, pages(7, null, first, second));
    assertThat(d.readRows(1, v)).isEqualTo(1);
    assertThat(d.readRows(1, v)).isEqualTo(1);
    assertThat(Arrays.copyOf(v.repetitionLevels(), v.size())).containsExactly(0, 1);
    assertThat(Arrays.copyOf(v.floats(), v.valueCount())).containsExactly(4f, 5f);
    assertThat(d.readRows(5, v)).isEqualTo(2);
    assertThat(Arrays.copyOf(v.definitionLevels(), v.size())).containsExactly(0, 1);
    assertThat(d.readRows(5, v)).isZero();
  }

  private static DictionaryPage dictionary(float... entries) throws IOException {
    return new DictionaryPage(floats(entries), entries.length, Encoding.PLAIN_DICTIONARY);
  }

  @Test
  void aReadOfDictionaryPagesOnlyGivesIdsOtherwiseValues() throws IOException {
    // Ids 2, 0, 1 into [0.5, 1.5, 2.5]; then a plain page (the writer's dictionary overflowed) holding 9.5.
    DataPageV1 ids = v1(3, ids(2, 2, 0, 1), Encoding.PLAIN_DICTIONARY);
    DataPageV1 plain = v1(1, floats(9.5f), Encoding.PLAIN);
    DecodedValues v = new DecodedValues();

    ColumnChunkDecoder d = decoder(FLAT, pages(4, dictionary(0.5f, 1.5f, 2.5f), ids, plain));
    assertThat(d.readRows(3, v)).isEqualTo(3);
    assertThat(v.isDictionaryEncoded()).isTrue();
    assertThat(Arrays.copyOf(v.dictionaryIds(), 3)).containsExactly(2, 0, 1);
    assertThat(v.dictionary().floats()).containsExactly(0.5f, 1.5f, 2.5f);
    assertThat(d.readRows(3, v)).isEqualTo(1);
    assertThat(v.isDictionaryEncoded()).isFalse();
    assertThat(v.floats()[0]).isEqualTo(9.5f);

    // Both pages in one read: the ids become values.
    d = decoder(FLAT, pages(4, dictionary(0.5f, 1.5f, 2.5f), v1(3, ids(2, 2, 0, 1), Encoding.PLAIN_DICTIONARY), v1(1, floats(9.5f), Encoding.PLAIN)));
    assertThat(d.readRows(10, v)).isEqualTo(4);
    assertThat(v.isDictionaryEncoded()).isFalse();
    assertThat(Arrays.copyOf(v.floats(), 4)).containsExactly(2.5f, 0.5f, 1.5f, 9.5f);
    assertThat(v.doubleValue(3)).isEqualTo(9.5);

    // A plain page, then a dictionary page: the ids are decoded as they come.
    d = decoder(FLAT, pages(4, dictionary(0.5f, 1.5f, 2.5f), v1(1, floats(9.5f), Encoding.PLAIN), v1(3, ids(2, 2, 0, 1), Encoding.RLE_DICTIONARY)));
    assertThat(d.readRows(10, v)).isEqualTo(4);
    assertThat(v.isDictionaryEncoded()).isFalse();
    assertThat(Arrays.copyOf(v.floats(), 4)).containsExactly(9.5f, 2.5f, 0.5f, 1.5f);
  }

  @Test
  void corruptPagesAreDataErrorsNamingTheFileAndTheRowGroup() throws IOException {
    DecodedValues v = new DecodedValues();
    ColumnChunkDecoder outOfRange = decoder(FLAT, pages(3, dictionary(0.5f, 1.5f), v1(3, ids(2, 0, 3, 1), Encoding.PLAIN_DICTIONARY)));
    assertThatThrownBy(() -> outOfRange.readRows(3, v))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(WHERE + " cannot be read: IllegalStateException: dictionary id 3 in a dictionary of 2 entries (a corrupt page)");

    // Definition level 3 in a column whose maximum is 2 (levels of 2 bits).
    MessageType optionalList = MessageTypeParser.parseMessageType("message m { optional group v (LIST) { repeated float array; } }");
    DataPageV1 badLevel = v1(2, BytesInput.concat(prefixed(hybrid(1, 0, 0)), prefixed(hybrid(2, 2, 3)), floats(1)), Encoding.PLAIN);
    assertThatThrownBy(() -> decoder(optionalList, pages(2, null, badLevel)).readRows(2, v))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(WHERE + " cannot be read: IllegalStateException: a level above the column's maximum 2 (a corrupt page)");

    // Fewer values in the pages than the chunk's metadata says.
    assertThatThrownBy(() -> decoder(FLAT, pages(5, null, v1(3, floats(1, 2, 3), Encoding.PLAIN))).readRows(5, v))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(WHERE + " cannot be read: IllegalStateException: the column chunk of 'x' ends 2 values before the number its metadata gives");

    // A page cut short: its values run past its end.
    assertThatThrownBy(() -> decoder(FLAT, pages(3, null, v1(3, floats(1, 2), Encoding.PLAIN))).readRows(3, v))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(WHERE + " cannot be read: BufferUnderflowException");
  }

  /**
   * Three row groups of 100 rows of a compressible string column, plain-encoded, Zstandard pages, with or
   * without page checksums; then 16 bytes overwritten in the middle of row group 1's column.
   */
  private static Path corruptZstd(Path file, boolean checksums) throws IOException {
    Schema schema = SchemaBuilder.record("Note").fields().requiredString("note").endRecord();
    ParquetTestFiles.rowGroups(file, schema, 3, i -> new GenericRecordBuilder(schema)
        .set("note", "an Adelie penguin seen on Torgersen island, number " + i).build(), CompressionCodecName.ZSTD, checksums);
    ParquetTestFiles.corrupt(file, 1, "note");
    return file;
  }

  @Test
  void aCorruptFileIsADataErrorNamingItAndTheRowGroup() throws IOException {
    Path unchecked = corruptZstd(dir.resolve("zstd.parquet"), false);
    Path checked = corruptZstd(dir.resolve("zstd-crc.parquet"), true);
    DecodedValues v = new DecodedValues();
    try (ColumnarFile f = ColumnarFile.open(unchecked.toString())) {
      assertThat(f.readRowGroup(0)[0].readRows(100, v)).isEqualTo(100);
      ColumnChunkDecoder broken = f.readRowGroup(1)[0];
      assertThatThrownBy(() -> broken.readRows(100, v))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(unchecked + ": row group 1 (0-based, of 3; 100 rows) cannot be read: ZstdException: Corrupted block detected");
      assertThat(f.readRowGroup(2)[0].readRows(100, v)).isEqualTo(100);
      assertThat(v.string(99)).isEqualTo("an Adelie penguin seen on Torgersen island, number 300");
    }
    try (ColumnarFile f = ColumnarFile.open(checked.toString())) {
      assertThatThrownBy(() -> f.readRowGroup(1))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(checked + ": row group 1 (0-based, of 3; 100 rows) cannot be read: ")
          .hasMessageContaining("CRC checksum verification failed");
    }
  }

  @Test
  void columnsOfAFieldAndSelection() throws IOException {
    Path file = write(dir.resolve("few.parquet"), rows(10), ParquetProperties.WriterVersion.PARQUET_1_0, true, CompressionCodecName.SNAPPY);
    try (ColumnarFile f = ColumnarFile.open(file.toString())) {
      assertThat(f.fieldNames()).isEqualTo(FIELDS);
      assertThat(f.columnsOf("nope")).isEmpty();
      assertThat(f.columnsOf("ll")).extracting(c -> String.join(".", c.getPath())).containsExactly("ll.list.element");
      f.select(List.of(f.columnsOf("s").get(0), f.columnsOf("id").get(0)));
      ColumnChunkDecoder[] chunks = f.readRowGroup(0);
      assertThat(chunks).extracting(c -> c.column().getPath()[0]).containsExactly("s", "id");
      DecodedValues v = new DecodedValues();
      assertThat(chunks[1].readRows(10, v)).isEqualTo(10);
      assertThat(Arrays.copyOf(v.longs(), 10)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
      assertThatThrownBy(() -> chunks[0].readRows(-1, v)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got -1");
    }
  }
}
