package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.InputFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrafficExport}: the labelled rows of a joined-traffic shard written as the next span, as CSV and
 * JSON lines; the microsecond values below were computed apart (Python's {@code datetime(...).timestamp()}).
 */
class TrafficExportTest {
  // 2024-05-01T10:00:00Z, 2024-05-02T10:00:00Z, 2024-05-03T12:30:00Z in microseconds since 1970.
  private static final long MAY1_10H = 1714557600000000L;
  private static final long MAY2_10H = 1714644000000000L;
  private static final long MAY3_1230 = 1714739400000000L;
  // 2024-04-01T00:00:00Z and 2024-04-02T06:00:00Z.
  private static final long APR1 = 1711929600000000L;
  private static final long APR2_6H = 1712037600000000L;

  private static final ExampleSchema TRAFFIC = ExampleSchema.of(List.of(
      FeatureSpec.of("request_id", FeatureType.STRING), FeatureSpec.of("time", FeatureType.TIMESTAMP), FeatureSpec.of("model", FeatureType.STRING),
      FeatureSpec.of("version", FeatureType.INT), FeatureSpec.of("label", FeatureType.STRING), FeatureSpec.of("island", FeatureType.STRING),
      FeatureSpec.of("bill", FeatureType.FLOAT), FeatureSpec.of("date", FeatureType.TIMESTAMP), FeatureSpec.of("feedback_label", FeatureType.STRING),
      FeatureSpec.of("feedback_time", FeatureType.TIMESTAMP)));

  /** The columns of the training data: the label under its training name, and a column the log does not have. */
  private static final List<String> COLUMNS = List.of("island", "bill", "date", "species", "sex");

  @TempDir Path dir;
  private String shard;

  private static GenericRecord row(Schema avro, String id, long time, String island, Double bill, Long date, String label) {
    GenericRecord r = new GenericData.Record(avro);
    r.put("request_id", id);
    r.put("time", time);
    r.put("model", "penguins");
    r.put("version", 2L);
    r.put("label", "stable");
    r.put("island", island);
    r.put("bill", bill);
    r.put("date", date);
    r.put("feedback_label", label);
    r.put("feedback_time", label == null ? null : time + 1);
    return r;
  }

  /**
   * Three requests: a labelled one on May 1st (its island holds a comma), an unlabelled one on May 2nd,
   * a labelled one on May 3rd at 12:30:00.5 (its bill missing).
   */
  @BeforeEach
  void traffic() throws Exception {
    Path file = dir.resolve("traffic/part-0.parquet");
    Files.createDirectories(file.getParent());
    Schema avro = TRAFFIC.toAvro();
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(HadoopOutputFile.fromPath(
        new org.apache.hadoop.fs.Path(file.toString()), new org.apache.hadoop.conf.Configuration())).withSchema(avro).build()) {
      w.write(row(avro, "a", MAY1_10H, "Biscoe, north", 39.5, APR1, "Adelie"));
      w.write(row(avro, "b", MAY2_10H, "Torgersen", 41.0, APR1, null));
      w.write(row(avro, "c", MAY3_1230 + 500_000L, "Dream", null, APR2_6H, "Gentoo"));
    }
    shard = file.toString();
  }

  private void span(String relative) throws Exception {
    Path f = dir.resolve(relative);
    Files.createDirectories(f.getParent());
    Files.writeString(f, "island,bill,date,species,sex\n");
  }

  private static List<String> names(Path folder) throws Exception {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void labelledCountsTheLabelledRowsAfterTheCutoff() {
    // Rows a and c are labelled; c is the newest, at 12:30:00.5.
    assertThat(TrafficExport.labelled(List.of(shard), null)).isEqualTo(new TrafficExport.Labelled(2, Instant.parse("2024-05-03T12:30:00.500Z")));
    // A request at the cutoff itself is not after it: only c.
    assertThat(TrafficExport.labelled(List.of(shard), Instant.parse("2024-05-01T10:00:00Z")))
        .isEqualTo(new TrafficExport.Labelled(1, Instant.parse("2024-05-03T12:30:00.500Z")));
    assertThat(TrafficExport.labelled(List.of(shard), Instant.parse("2024-05-03T12:30:00.500Z"))).isEqualTo(new TrafficExport.Labelled(0, null));
    assertThat(TrafficExport.labelled(List.of(), null)).isEqualTo(new TrafficExport.Labelled(0, null));
    // Two shards add up.
    assertThat(TrafficExport.labelled(List.of(shard, shard), null).rows()).isEqualTo(4);
  }

  @Test
  void writesTheNextSpanAsCsvWithoutLeavingAStagingFolder() throws Exception {
    span("data/span-1/a.csv");
    span("data/span-2/b.csv");
    TrafficExport export = new TrafficExport(dir + "/data/span-{SPAN}/*.csv", InputFormat.CSV, COLUMNS, "species", Set.of("date"));
    assertThat(export.nextSpan()).isEqualTo(3);
    TrafficExport.Written w = export.write(List.of(shard), null, "12");
    String file = dir + "/data/span-3/feedback-12.csv";
    assertThat(w).isEqualTo(new TrafficExport.Written(file, 2, Instant.parse("2024-05-03T12:30:00.500Z"), 3));
    // The comma is quoted, the timestamps are ISO instants, a null is empty, the label comes from feedback_label,
    // and "sex", which the log lacks, is empty. The unlabelled row b is not written.
    assertThat(Files.readString(Path.of(file))).isEqualTo("""
        island,bill,date,species,sex
        "Biscoe, north",39.5,2024-04-01T00:00:00Z,Adelie,
        Dream,,2024-04-02T06:00:00Z,Gentoo,
        """);
    assertThat(names(dir.resolve("data"))).containsExactly("span-1", "span-2", "span-3");
    assertThat(names(dir.resolve("data/span-3"))).containsExactly("feedback-12.csv");
    assertThat(export.existing("12")).isEqualTo(file);
    assertThat(export.existing("13")).isNull();
    assertThat(export.nextSpan()).isEqualTo(4);
  }

  @Test
  void onlyRowsAfterTheCutoffAreWritten() throws Exception {
    TrafficExport export = new TrafficExport(dir + "/data/span-{SPAN}/*.csv", InputFormat.CSV, List.of("island", "species"), "species", Set.of());
    TrafficExport.Written w = export.write(List.of(shard), Instant.parse("2024-05-02T00:00:00Z"), "5");
    // No span yet: this is span 1.
    assertThat(w).isEqualTo(new TrafficExport.Written(dir + "/data/span-1/feedback-5.csv", 1, Instant.parse("2024-05-03T12:30:00.500Z"), 1));
    assertThat(Files.readString(Path.of(w.path()))).isEqualTo("island,species\nDream,Gentoo\n");
  }

  @Test
  void noLabelledRowWritesNothing() throws Exception {
    span("data/span-1/a.csv");
    TrafficExport export = new TrafficExport(dir + "/data/span-{SPAN}/*.csv", InputFormat.CSV, COLUMNS, "species", Set.of("date"));
    assertThat(export.write(List.of(shard), Instant.parse("2024-06-01T00:00:00Z"), "9")).isEqualTo(new TrafficExport.Written(null, 0, null, 0));
    assertThat(names(dir.resolve("data"))).containsExactly("span-1");
    assertThat(export.existing("9")).isNull();
  }

  @Test
  void aVersionPlaceholderIsVersionOne() throws Exception {
    span("data/span-1/v1/a.csv");
    span("data/span-1/v2/a.csv");
    TrafficExport export = new TrafficExport(dir + "/data/span-{SPAN}/v{VERSION}/*.csv", InputFormat.CSV, COLUMNS, "species", Set.of("date"));
    assertThat(export.fileFor(4, "x")).isEqualTo(dir + "/data/span-4/v1/feedback-x.csv");
    TrafficExport.Written w = export.write(List.of(shard), null, "7");
    assertThat(w.path()).isEqualTo(dir + "/data/span-2/v1/feedback-7.csv");
    assertThat(w.span()).isEqualTo(2);
    assertThat(Files.readString(Path.of(w.path()))).startsWith("island,bill,date,species,sex\n\"Biscoe, north\",39.5,");
    assertThat(names(dir.resolve("data"))).containsExactly("span-1", "span-2");
    assertThat(names(dir.resolve("data/span-2"))).containsExactly("v1");
    assertThat(export.existing("7")).isEqualTo(w.path());
  }

  @Test
  void writesJsonLines() throws Exception {
    TrafficExport export = new TrafficExport(dir + "/json/span-{SPAN}/*.jsonl", InputFormat.JSONL, COLUMNS, "species", Set.of("date"));
    TrafficExport.Written w = export.write(List.of(shard), null, "3");
    assertThat(w.path()).isEqualTo(dir + "/json/span-1/feedback-3.jsonl");
    assertThat(Files.readString(Path.of(w.path()))).isEqualTo(
        "{\"island\":\"Biscoe, north\",\"bill\":39.5,\"date\":\"2024-04-01T00:00:00Z\",\"species\":\"Adelie\",\"sex\":null}\n"
            + "{\"island\":\"Dream\",\"bill\":null,\"date\":\"2024-04-02T06:00:00Z\",\"species\":\"Gentoo\",\"sex\":null}\n");
  }

  @Test
  void aTimestampColumnNotDeclaredAsOneIsWrittenAsItsMicroseconds() throws Exception {
    TrafficExport export = new TrafficExport(dir + "/raw/span-{SPAN}/*.csv", InputFormat.CSV, List.of("date", "species"), "species", Set.of());
    TrafficExport.Written w = export.write(List.of(shard), null, "1");
    assertThat(Files.readString(Path.of(w.path()))).isEqualTo("date,species\n1711929600000000,Adelie\n1712037600000000,Gentoo\n");
  }

  @Test
  void csvFieldsAreQuotedOnlyWhenTheyMustBe() {
    assertThat(TrafficExport.csv("plain")).isEqualTo("plain");
    assertThat(TrafficExport.csv("a,b")).isEqualTo("\"a,b\"");
    assertThat(TrafficExport.csv("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(TrafficExport.csv("two\nlines")).isEqualTo("\"two\nlines\"");
    assertThat(TrafficExport.csv("cr\r")).isEqualTo("\"cr\r\"");
  }

  @Test
  void checkRefusesPatternsItCannotFillIn() {
    assertThatCode(() -> TrafficExport.check("data/span-{SPAN}/*.csv")).doesNotThrowAnyException();
    assertThatCode(() -> TrafficExport.check("data/span-{SPAN}/v{VERSION}/*.csv")).doesNotThrowAnyException();
    assertThatThrownBy(() -> TrafficExport.check("data/*.csv")).isInstanceOf(ConfigException.class)
        .hasMessage("feedback.retrain.export: 'data/*.csv' has no {SPAN}: the joined traffic is written as a new span of the training data, so"
            + " ingest.input (or retrain.export) must read spans, e.g. data/span-{SPAN}/*.csv");
    String onlyOne = "': only one '*', in the file name, can be filled in (with feedback-<execution>)";
    assertThatThrownBy(() -> TrafficExport.check("data/span-{SPAN}/*-*.csv")).isInstanceOf(ConfigException.class)
        .hasMessage("feedback.retrain.export: 'data/span-{SPAN}/*-*.csv" + onlyOne);
    assertThatThrownBy(() -> TrafficExport.check("data/*/span-{SPAN}/x.csv")).hasMessage("feedback.retrain.export: 'data/*/span-{SPAN}/x.csv" + onlyOne);
    assertThatThrownBy(() -> TrafficExport.check("data/span-{SPAN}/part-?.csv")).hasMessage("feedback.retrain.export: 'data/span-{SPAN}/part-?.csv"
        + onlyOne);
    assertThatThrownBy(() -> TrafficExport.check("data/span-{SPAN}/[ab].csv")).hasMessage("feedback.retrain.export: 'data/span-{SPAN}/[ab].csv"
        + onlyOne);
  }

  @Test
  void theConstructorChecksItsArguments() {
    assertThatThrownBy(() -> new TrafficExport("data/*.csv", InputFormat.CSV, COLUMNS, "species", Set.of()))
        .hasMessage("the export pattern must hold {SPAN}, got 'data/*.csv'");
    assertThatThrownBy(() -> new TrafficExport("data/span-{SPAN}/*.parquet", InputFormat.PARQUET, COLUMNS, "species", Set.of()))
        .hasMessage("the feedback export writes csv or jsonl, not PARQUET");
    assertThatThrownBy(() -> new TrafficExport("data/span-{SPAN}/*.csv", InputFormat.CSV, List.of("island"), "species", Set.of()))
        .hasMessage("the columns [island] lack the label column 'species'");
  }
}
