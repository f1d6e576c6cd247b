package dev.beamline.runner.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowEraserTest {
  @TempDir Path tmp;

  private static final Schema USERS = ExampleSchema.of(List.of(
      FeatureSpec.of("user_id", FeatureType.INT), FeatureSpec.of("name", FeatureType.STRING), FeatureSpec.of("note", FeatureType.STRING)))
      .toAvro();

  // Lines: 1 header, 2-3 a quoted field over two lines (user 1), 4 user 2, 5 user 1, 6 rejected (not an int), 7 user 3
  // without a final line break.
  private static final String CSV = "User ID,name,note\r\n"
      + "1,Ann,\"two\r\nlines\"\r\n"
      + "2,Bob,plain\r\n"
      + "1,Ann,again\r\n"
      + "x,Cy,bad id\r\n"
      + "3,Di,last";

  private ScanTarget csv(Path file) {
    return new ScanTarget(1, "RAW_DATA", "raw_data", file.toString(), "csv", CsvFormat.defaults(), USERS.toString());
  }

  @Test
  void countsTheSubjectsRowsOfACsvFileAsIngestionReadsIt() throws Exception {
    Path f = Files.writeString(tmp.resolve("users.csv"), CSV);
    FileMatches m = FileScan.count(4, csv(f), SubjectKey.parse("user_id=1"));
    assertThat(m).isEqualTo(new FileMatches(4, true, 4, 2, List.of("user_id", "name", "note"), null));
    FileMatches none = FileScan.count(0, csv(f), SubjectKey.parse("email=a@b"));
    assertThat(none.columnPresent()).isFalse();
    assertThat(none.matched()).isZero();
  }

  @Test
  void rewritesACsvFileWithoutTheSubjectsRecordsKeepingEveryOtherByte() throws Exception {
    Path f = Files.writeString(tmp.resolve("users.csv"), CSV);
    Path out = tmp.resolve("erased.csv");
    RowEraser.Erased e = RowEraser.rewrite(csv(f), SubjectKey.parse("user_id=1"), out);
    assertThat(e).isEqualTo(new RowEraser.Erased(5, 2));
    assertThat(e.kept()).isEqualTo(3);
    assertThat(Files.readString(out)).isEqualTo("User ID,name,note\r\n2,Bob,plain\r\nx,Cy,bad id\r\n3,Di,last");

    Path last = tmp.resolve("last.csv");
    assertThat(RowEraser.rewrite(csv(f), SubjectKey.parse("user_id=3.0"), last)).isEqualTo(new RowEraser.Erased(5, 1));
    assertThat(Files.readString(last)).isEqualTo(CSV.substring(0, CSV.length() - "3,Di,last".length()));
    // The erased copy holds no row of the subject.
    assertThat(FileScan.count(0, csv(out), SubjectKey.parse("user_id=1")).matched()).isZero();
    assertThat(FileScan.count(0, csv(out), SubjectKey.parse("user_id=1")).rows()).isEqualTo(2);
  }

  @Test
  void refusesAFileWithoutTheColumn() throws Exception {
    Path f = Files.writeString(tmp.resolve("users.csv"), CSV);
    assertThatThrownBy(() -> RowEraser.rewrite(csv(f), SubjectKey.parse("email=a@b"), tmp.resolve("x.csv")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(f + " has no column 'email'; its columns: user_id, name, note");
  }

  @Test
  void rewritesJsonLines() throws Exception {
    Path f = Files.writeString(tmp.resolve("users.jsonl"),
        "{\"user_id\": 1, \"name\": \"Ann\", \"note\": \"a\"}\n{\"user_id\": 2, \"name\": \"Bob\", \"note\": null}\n");
    ScanTarget t = new ScanTarget(1, "RAW_DATA", "raw_data", f.toString(), "jsonl", null, USERS.toString());
    Path out = tmp.resolve("erased.jsonl");
    assertThat(RowEraser.rewrite(t, SubjectKey.parse("user_id=1"), out)).isEqualTo(new RowEraser.Erased(2, 1));
    assertThat(Files.readString(out)).isEqualTo("{\"user_id\": 2, \"name\": \"Bob\", \"note\": null}\n");
  }

  private static final Schema LOG = SchemaBuilder.record("Request").fields()
      .requiredString("request_id").optionalDouble("order_id").optionalString("island").endRecord();

  private static GenericRecord log(String id, Double order, String island) {
    GenericData.Record r = new GenericData.Record(LOG);
    r.put("request_id", id);
    r.put("order_id", order);
    r.put("island", island);
    return r;
  }

  private static List<GenericRecord> requests() {
    return List.of(log("a", 7.0, "Dream"), log("b", 8.0, "Biscoe"), log("c", 7.0, null), log("d", null, "Dream"), log("e", 9.5, "Dream"));
  }

  @Test
  void rewritesAParquetFileWithItsSchema() throws Exception {
    Path f = tmp.resolve("requests-1.parquet");
    ParquetIO.Sink sink = ParquetIO.sink(LOG);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(ch);
      for (GenericRecord r : requests()) {
        sink.write(r);
      }
      sink.flush();
    }
    ScanTarget t = ScanTarget.parquet(3, "RAW_DATA", "request_log", f.toString());
    assertThat(FileScan.count(1, t, SubjectKey.parse("order_id=7"))).isEqualTo(
        new FileMatches(1, true, 5, 2, List.of("request_id", "order_id", "island"), null));
    Path out = tmp.resolve("erased.parquet");
    assertThat(RowEraser.rewrite(t, SubjectKey.parse("order_id=7"), out)).isEqualTo(new RowEraser.Erased(5, 2));
    List<String> ids = new ArrayList<>();
    for (GenericRecord r : ExampleRecordReader.readAll(out.toString())) {
      ids.add(r.get("request_id") + "/" + r.get("order_id") + "/" + r.get("island"));
    }
    assertThat(ids).containsExactly("b/8.0/Biscoe", "d/null/Dream", "e/9.5/Dream");
  }

  @Test
  void rewritesAnAvroFileWithItsSchemaAndCodec() throws Exception {
    Path f = tmp.resolve("requests.avro");
    try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(LOG))) {
      w.setCodec(CodecFactory.deflateCodec(6));
      w.create(LOG, f.toFile());
      for (GenericRecord r : requests()) {
        w.append(r);
      }
    }
    ScanTarget t = new ScanTarget(2, "RAW_DATA", "raw_data", f.toString(), "avro", null, null);
    Path out = tmp.resolve("erased.avro");
    assertThat(RowEraser.rewrite(t, SubjectKey.parse("island=Dream"), out)).isEqualTo(new RowEraser.Erased(5, 3));
    try (DataFileStream<GenericRecord> in = new DataFileStream<>(Files.newInputStream(out), new GenericDatumReader<>())) {
      assertThat(in.getMetaString("avro.codec")).isEqualTo("deflate");
      List<String> ids = new ArrayList<>();
      in.forEach(r -> ids.add(r.get("request_id").toString()));
      assertThat(ids).containsExactly("b", "c");
    }
  }

  @Test
  void copyLinesDropsEveryLineOfADroppedRecordAcrossBufferBoundaries() throws Exception {
    // 100,000 lines of one record each, the header first; every third record dropped.
    StringBuilder in = new StringBuilder("h\n");
    StringBuilder expected = new StringBuilder("h\n");
    TreeSet<Long> starts = new TreeSet<>();
    Set<Long> drop = new java.util.HashSet<>();
    for (long line = 2; line <= 100_001; line++) {
      String l = "row " + line + " ".repeat((int) (line % 7)) + "\n";
      in.append(l);
      starts.add(line);
      if (line % 3 == 0) {
        drop.add(line);
      } else {
        expected.append(l);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RowEraser.copyLines(new ByteArrayInputStream(in.toString().getBytes(StandardCharsets.UTF_8)), out, starts, drop);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
    assertThat(drop).hasSize(33_333);
  }
}
