package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Throwables;
import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.RunLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Ingestion of every format through a real Beam pipeline on the DirectRunner. JUnit 4, for
 * {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's immutability and
 * encodability checks are on ({@link PipelineChecksTest}). Tests whose graph fails to build use a plain
 * pipeline, never run.
 */
public class IngestExamplesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ExampleSchema PENGUIN =
      ExampleSchema.of(
          List.of(
              FeatureSpec.of("species", FeatureType.STRING),
              FeatureSpec.of("culmen_length_mm", FeatureType.FLOAT),
              FeatureSpec.of("body_mass_g", FeatureType.INT),
              FeatureSpec.of("sex", FeatureType.STRING)));
  private static final Schema AVRO = PENGUIN.toAvro();

  private static final String CSV =
      "species,culmen_length_mm,body_mass_g,sex\n"
          + "Adelie,39.1,3750,MALE\n"
          + "\"Chinstrap, the second\",46.5,3500,FEMALE\n"
          + "Gentoo,,,\n"
          + "Gentoo,47.3,5200,\"\"\n"
          + "Adelie,36.7,3450,FEMALE\n"
          + "Chinstrap,50.0,3900,MALE\n";

  @Rule public final transient TestPipeline p = TestPipeline.create();
  /** A second pipeline, for the tests that run the same input twice. */
  @Rule public final transient TestPipeline q = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path tmp;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    PipelineChecks.enable(q);
    tmp = folder.getRoot().toPath();
  }

  private static GenericRecord row(String species, Double length, Long mass, String sex) {
    GenericData.Record r = new GenericData.Record(AVRO);
    r.put("species", species);
    r.put("culmen_length_mm", length);
    r.put("body_mass_g", mass);
    r.put("sex", sex);
    return r;
  }

  /** The rows of {@link #CSV}, as examples. */
  private static List<GenericRecord> expectedRows() {
    return List.of(
        row("Adelie", 39.1, 3750L, "MALE"),
        row("Chinstrap, the second", 46.5, 3500L, "FEMALE"),
        row("Gentoo", null, null, null),
        row("Gentoo", 47.3, 5200L, ""),
        row("Adelie", 36.7, 3450L, "FEMALE"),
        row("Chinstrap", 50.0, 3900L, "MALE"));
  }

  private RunLayout layout(String runId) {
    return RunLayout.of(tmp.resolve("runs"), "test", runId);
  }

  private Path write(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private static IngestExamples.Config oneSplit(Path input) {
    return IngestExamples.Config.of(input.toString()).withSplits(SplitConfig.of(Map.of("all", 1)));
  }

  private void assertIngests(IngestExamples.Config config, ExampleSchema expectedSchema) {
    IngestResult result = p.apply(IngestExamples.from(config).to(layout("r1")));
    assertThat(result.schema()).isEqualTo(expectedSchema);
    PAssert.that(result.split("all")).containsInAnyOrder(expectedRows());
    PAssert.that(result.rejected()).empty();
    p.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(result.outputDir());
    assertThat(out.readSplit("all")).containsExactlyInAnyOrderElementsOf(expectedRows());
    assertThat(out.fingerprint().get("rows").asLong()).isEqualTo(6);
    assertThat(out.fingerprint().get("rejected").asLong()).isZero();
    assertThat(out.rejectedRows()).isEmpty();
  }

  @Test
  public void csvWithInferredTypes() throws IOException {
    Path csv = write("in/penguins.csv", CSV);
    assertIngests(oneSplit(csv), PENGUIN);
  }

  @Test
  public void csvWithDeclaredSchemaAndSemicolons() throws IOException {
    Path csv = write("in/penguins.txt", CSV.replace(",", ";").replace("the second", "the second"));
    IngestExamples.Config config =
        oneSplit(csv)
            .withFormat(InputFormat.CSV)
            .withCsv(CsvFormat.defaults().withDelimiter(';'))
            .withSchema(PENGUIN);
    // The quoted field held a comma, which became ';' above: fix the expectation by reading it back.
    IngestResult result = p.apply(IngestExamples.from(config).to(layout("r1")));
    PAssert.that(result.split("all")).satisfies(rows -> {
      List<String> species = new ArrayList<>();
      rows.forEach(r -> species.add(String.valueOf(r.get("species"))));
      assertThat(species).contains("Chinstrap; the second");
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  public void jsonLines() throws IOException {
    Path jsonl =
        write(
            "in/penguins.jsonl",
            "{\"species\":\"Adelie\",\"culmen_length_mm\":39.1,\"body_mass_g\":3750,\"sex\":\"MALE\"}\n"
                + "{\"species\":\"Chinstrap, the second\",\"culmen_length_mm\":46.5,\"body_mass_g\":3500,\"sex\":\"FEMALE\"}\n"
                + "\n"
                + "{\"species\":\"Gentoo\",\"culmen_length_mm\":null,\"body_mass_g\":null,\"sex\":null}\n"
                + "{\"species\":\"Gentoo\",\"culmen_length_mm\":47.3,\"body_mass_g\":5200,\"sex\":\"\"}\n"
                + "{\"species\":\"Adelie\",\"culmen_length_mm\":36.7,\"body_mass_g\":3450,\"sex\":\"FEMALE\"}\n"
                + "{\"species\":\"Chinstrap\",\"culmen_length_mm\":50.0,\"body_mass_g\":3900,\"sex\":\"MALE\"}\n");
    assertIngests(oneSplit(jsonl), PENGUIN);
  }

  /** Avro input whose writer uses narrower types (int, float) than the examples (long, double). */
  @Test
  public void avro() throws IOException {
    Schema writer =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"P\",\"fields\":["
                    + "{\"name\":\"species\",\"type\":\"string\"},"
                    + "{\"name\":\"culmen_length_mm\",\"type\":[\"null\",\"double\"]},"
                    + "{\"name\":\"body_mass_g\",\"type\":[\"null\",\"int\"]},"
                    + "{\"name\":\"sex\",\"type\":[\"null\",\"string\"]}]}");
    Path file = tmp.resolve("in/penguins.avro");
    Files.createDirectories(file.getParent());
    try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(writer))) {
      w.create(writer, file.toFile());
      for (GenericRecord e : expectedRows()) {
        GenericData.Record r = new GenericData.Record(writer);
        r.put("species", e.get("species"));
        r.put("culmen_length_mm", e.get("culmen_length_mm"));
        r.put("body_mass_g", e.get("body_mass_g") == null ? null : ((Long) e.get("body_mass_g")).intValue());
        r.put("sex", e.get("sex"));
        w.append(r);
      }
    }
    // Inferred from the writer schema: body_mass_g is an int feature either way.
    assertIngests(oneSplit(file), PENGUIN);
  }

  @Test
  public void parquet() throws IOException {
    Path file = tmp.resolve("in/penguins.parquet");
    Files.createDirectories(file.getParent());
    try (ParquetWriter<GenericRecord> w =
        AvroParquetWriter.<GenericRecord>builder(
                HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), new Configuration()))
            .withSchema(AVRO)
            .build()) {
      for (GenericRecord r : expectedRows()) {
        w.write(r);
      }
    }
    assertIngests(oneSplit(file), PENGUIN);
  }

  /**
   * The default 2:1 split, checked against FarmHash fingerprints computed here: bucket = fingerprint of
   * the values joined by U+001F (U+0000 for missing) mod 3; buckets 0 and 1 are train, 2 is eval.
   */
  @Test
  public void splitsByHashOfTheWholeExample() throws IOException {
    Path csv = write("in/penguins.csv", CSV);
    List<GenericRecord> train = new ArrayList<>();
    List<GenericRecord> eval = new ArrayList<>();
    for (GenericRecord r : expectedRows()) {
      List<String> values = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        values.add(r.get(i) == null ? "\u0000" : r.get(i).toString());
      }
      long fp = Hashing.farmHashFingerprint64().hashString(String.join("\u001f", values), StandardCharsets.UTF_8).asLong();
      (Long.remainderUnsigned(fp, 3) < 2 ? train : eval).add(r);
    }
    IngestResult result = p.apply(IngestExamples.from(IngestExamples.Config.of(csv.toString())).to(layout("r1")));
    PAssert.that(result.split("train")).containsInAnyOrder(train);
    PAssert.that(result.split("eval")).containsInAnyOrder(eval);
    p.run().waitUntilFinish();
    JsonNode splits = IngestOutput.open(result.outputDir()).fingerprint().get("splits");
    assertThat(splits.get("train").asLong()).isEqualTo(train.size());
    assertThat(splits.get("eval").asLong()).isEqualTo(eval.size());
  }

  @Test
  public void fingerprintRecordsContentHashAndRowCountPerFile() throws IOException {
    Path a = write("in/a.csv", CSV);
    Path b = write("in/b.csv", "species,culmen_length_mm,body_mass_g,sex\nAdelie,40.0,4000,MALE\n");
    IngestResult result = p.apply(IngestExamples.from(IngestExamples.Config.of(tmp.resolve("in/*.csv").toString())).to(layout("r1")));
    p.run().waitUntilFinish();
    JsonNode f = IngestOutput.open(result.outputDir()).fingerprint();
    assertThat(f.get("rows").asLong()).isEqualTo(7);
    assertThat(f.get("files")).hasSize(2);
    JsonNode first = f.get("files").get(0);
    assertThat(first.get("path").asText()).isEqualTo(a.toString());
    assertThat(first.get("sha256").asText()).isEqualTo(Hashing.sha256().hashBytes(Files.readAllBytes(a)).toString());
    assertThat(first.get("bytes").asLong()).isEqualTo(Files.size(a));
    assertThat(first.get("rows").asLong()).isEqualTo(6);
    assertThat(f.get("files").get(1).get("rows").asLong()).isEqualTo(1);
    String expectedDataset =
        Hashing.sha256()
            .hashString(
                String.join(
                    "\n",
                    Stream.of(a, b)
                        .map(x -> {
                          try {
                            return Hashing.sha256().hashBytes(Files.readAllBytes(x)).toString();
                          } catch (IOException e) {
                            throw new RuntimeException(e);
                          }
                        })
                        .sorted()
                        .toList()),
                StandardCharsets.UTF_8)
            .toString();
    assertThat(f.get("fingerprint").asText()).isEqualTo(expectedDataset);
    assertThat(Files.readString(result.outputDir().resolve("schema.avsc"))).contains("\"body_mass_g\"");
  }

  @Test
  public void newestSpanAndVersionAreRead() throws IOException {
    write("in/span-1/v-1/data.csv", "x\n1\n");
    write("in/span-2/v-1/data.csv", "x\n2\n");
    write("in/span-2/v-3/data.csv", "x\n3\n");
    write("in/span-2/v-2/data.csv", "x\n4\n");
    IngestResult result =
        p.apply(
            IngestExamples.from(
                    IngestExamples.Config.of(tmp.resolve("in/span-{SPAN}/v-{VERSION}/*.csv").toString())
                        .withSplits(SplitConfig.of(Map.of("all", 1))))
                .to(layout("r1")));
    Schema x = result.schema().toAvro();
    GenericData.Record three = new GenericData.Record(x);
    three.put("x", 3L);
    PAssert.that(result.split("all")).containsInAnyOrder(three);
    p.run().waitUntilFinish();
    JsonNode spans = IngestOutput.open(result.outputDir()).fingerprint().get("spans");
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0).get("span").asLong()).isEqualTo(2);
    assertThat(spans.get(0).get("version").asLong()).isEqualTo(3);
  }

  @Test
  public void badRowsFailTheRunAfterWritingTheDeadLetterFile() throws IOException {
    Path csv =
        write(
            "in/bad.csv",
            "species,culmen_length_mm,body_mass_g,sex\n"
                + "Adelie,39.1,3750,MALE\n"
                + "Adelie,39.1,heavy,MALE\n"
                + "Gentoo,47.3,5200\n"
                + "Adelie,36.7,3450,FEMALE\n");
    IngestExamples.Config config =
        IngestExamples.Config.of(csv.toString()).withSchema(PENGUIN);
    RunLayout layout = layout("r1");
    p.apply(IngestExamples.from(config).to(layout));
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .satisfies(
            e -> {
              DataCheckException check = DataCheckException.findIn(e);
              assertThat(check).as("a DataCheckException in %s", Throwables.getStackTraceAsString(e)).isNotNull();
              assertThat(check.getMessage())
                  .contains("2 of 4 rows (50.00%) were rejected, more than the allowed 0.00%")
                  .contains(csv + " line 3, field body_mass_g: 'heavy' is not an integer (expected int)")
                  .contains(csv + " line 4: expected 4 fields, found 3");
            });
    Path out = layout.outputDir(IngestExamples.STAGE);
    List<JsonNode> dead = new ArrayList<>();
    for (String line : IngestOutput.readDeadLetters(out)) {
      dead.add(JSON.readTree(line));
    }
    dead.sort((x, y) -> Long.compare(x.get("line").asLong(), y.get("line").asLong()));
    assertThat(dead).hasSize(2);
    assertThat(dead.get(0).toString())
        .isEqualTo(
            "{\"file\":\"" + csv + "\",\"line\":3,\"field\":\"body_mass_g\","
                + "\"reason\":\"'heavy' is not an integer (expected int)\",\"content\":\"Adelie,39.1,heavy,MALE\"}");
    assertThat(dead.get(1).toString())
        .isEqualTo(
            "{\"file\":\"" + csv + "\",\"line\":4,\"field\":null,"
                + "\"reason\":\"expected 4 fields, found 3\",\"content\":\"Gentoo,47.3,5200\"}");
    // Nothing but the dead letters is published, and nothing is left in staging.
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("dead_letter");
    }
    assertThat(layout.stagingDir(IngestExamples.STAGE)).doesNotExist();
  }

  @Test
  public void rejectedRowsUnderTheThresholdArePublishedWithTheExamples() throws IOException {
    Path csv =
        write(
            "in/bad.csv",
            "species,culmen_length_mm,body_mass_g,sex\n"
                + "Adelie,39.1,3750,MALE\n"
                + "Adelie,39.1,heavy,MALE\n"
                + "Adelie,36.7,3450,FEMALE\n"
                + "Chinstrap,50.0,3900,MALE\n");
    IngestExamples.Config config = oneSplit(csv).withSchema(PENGUIN).withMaxRejectedFraction(0.25);
    IngestResult result = p.apply(IngestExamples.from(config).to(layout("r1")));
    PAssert.that(result.split("all"))
        .containsInAnyOrder(
            row("Adelie", 39.1, 3750L, "MALE"), row("Adelie", 36.7, 3450L, "FEMALE"), row("Chinstrap", 50.0, 3900L, "MALE"));
    p.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(result.outputDir());
    assertThat(out.fingerprint().get("rejected").asLong()).isEqualTo(1);
    assertThat(out.rejectedRows()).hasSize(1);
    assertThat(JSON.readTree(out.rejectedRows().get(0)).get("line").asLong()).isEqualTo(3);
  }

  @Test
  public void invalidUtf8IsRejectedWithItsLineAndField() throws IOException {
    Path csv = tmp.resolve("in/latin1.csv");
    Files.createDirectories(csv.getParent());
    byte[] header = "species,culmen_length_mm,body_mass_g,sex\nAdelie,39.1,3750,MALE\n".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {'G', 'e', 'n', 't', 'o', 'o', (byte) 0xC3, '(', ',', '4', '7', ',', '5', '2', '0', '0', ',', 'M', '\n'};
    byte[] data = new byte[header.length + bad.length];
    System.arraycopy(header, 0, data, 0, header.length);
    System.arraycopy(bad, 0, data, header.length, bad.length);
    Files.write(csv, data);
    IngestExamples.Config config = oneSplit(csv).withSchema(PENGUIN).withMaxRejectedFraction(0.5);
    IngestResult result = p.apply(IngestExamples.from(config).to(layout("r1")));
    PAssert.that(result.split("all")).containsInAnyOrder(row("Adelie", 39.1, 3750L, "MALE"));
    p.run().waitUntilFinish();
    List<String> dead = IngestOutput.open(result.outputDir()).rejectedRows();
    assertThat(dead).hasSize(1);
    RejectedRow r = RejectedRow.fromJson(dead.get(0));
    assertThat(r.line()).isEqualTo(3);
    assertThat(r.field()).isEqualTo("species");
    assertThat(r.reason()).isEqualTo("invalid UTF-8 byte sequence");
    // The decoded text shows U+FFFD; the original bytes are kept beside it.
    JsonNode line = JSON.readTree(dead.get(0));
    assertThat(line.get("content").asText()).isEqualTo("Gentoo\uFFFD(,47,5200,M");
    assertThat(java.util.Base64.getDecoder().decode(line.get("content_base64").asText()))
        .isEqualTo(java.util.Arrays.copyOf(bad, bad.length - 1));
    assertThat(line.has("rows")).isFalse();
  }

  @Test
  public void linesLostToARecordNeverClosedCountAgainstTheThreshold() throws IOException {
    Path csv =
        write(
            "in/broken.csv",
            "species,culmen_length_mm,body_mass_g,sex\n" // 1
                + "Adelie,39.1,3750,MALE\n" // 2
                + "Adelie,39.1,3800,\"FEMALE\n" // 3: a quote never closed within the 64-byte limit
                + "Gentoo,47.3,5200,MALE\n" // 4
                + "Gentoo,47.3,5300,MALE\n" // 5: the limit is passed here; reading resumes on line 6
                + "Adelie,36.7,3450,FEMALE\n" // 6
                + "Chinstrap,50.0,3900,MALE\n"); // 7
    IngestExamples.Config config =
        oneSplit(csv).withSchema(PENGUIN).withCsv(CsvFormat.defaults().withMaxRecordBytes(64)).withMaxRejectedFraction(0.5);
    RunLayout layout = layout("r1");
    p.apply(IngestExamples.from(config).to(layout));
    // Three of six rows are lost: 50%, not one of four.
    p.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(layout.outputDir(IngestExamples.STAGE));
    assertThat(out.fingerprint().get("rows").asLong()).isEqualTo(3);
    assertThat(out.fingerprint().get("rejected").asLong()).isEqualTo(3);
    assertThat(out.fingerprint().get("files").get(0).get("rejected").asLong()).isEqualTo(3);
    assertThat(out.rejectedRows())
        .containsExactly(
            "{\"file\":\"" + csv + "\",\"line\":3,\"field\":null,"
                + "\"reason\":\"quoted field starting on line 3 is not closed within ingest.csv.max_record_bytes (64 bytes):"
                + " skipped to the end of line 5, 3 lines lost (counted as 3 rejected rows); content holds its first 64 bytes\","
                + "\"content\":\"Adelie,39.1,3800,\\\"FEMALE\\nGentoo,47.3,5200,MALE\\nGentoo,47.3,5300,\",\"rows\":3}");

    // With a lower threshold the same file fails, counting the three lines.
    TestPipeline strict = q;
    RunLayout strictLayout = layout("r2");
    strict.apply(IngestExamples.from(config.withMaxRejectedFraction(0.4)).to(strictLayout));
    assertThatThrownBy(() -> strict.run().waitUntilFinish())
        .satisfies(
            e -> assertThat(DataCheckException.findIn(e).getMessage())
                .startsWith("3 of 6 rows (50.00%) were rejected, more than the allowed 40.00%")
                .contains(csv + " line 3: quoted field starting on line 3 is not closed within"));
  }

  /** A Penguin record for Parquet files: species, length {@code i / 2}, mass {@code i}, sex. */
  private static GenericRecord parquetRow(int i) {
    return row(i % 2 == 0 ? "Adelie" : "Gentoo", i / 2.0, (long) i, "MALE");
  }

  @Test
  public void anUnreadableParquetRowGroupIsRejectedAndCountsItsRows() throws IOException {
    Files.createDirectories(tmp.resolve("in"));
    Path file = ParquetTestFiles.rowGroups(tmp.resolve("in/corrupt.parquet"), AVRO, 3, IngestExamplesIT::parquetRow);
    ParquetTestFiles.corrupt(file, 2, "culmen_length_mm");

    RunLayout layout = layout("r1");
    p.apply(IngestExamples.from(oneSplit(file)).to(layout));
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .satisfies(
            e -> assertThat(DataCheckException.findIn(e).getMessage())
                .startsWith("100 of 300 rows (33.33%) were rejected, more than the allowed 0.00%")
                .contains(file + " line 201: row group 2 (0-based, of 3; records 201 to 300) cannot be read from record 201 on: "));
    List<String> dead = IngestOutput.readDeadLetters(layout.outputDir(IngestExamples.STAGE));
    assertThat(dead).hasSize(1);
    RejectedRow r = RejectedRow.fromJson(dead.get(0));
    assertThat(r.rows()).isEqualTo(100);
    assertThat(r.content()).isNull();
    assertThat(JSON.readTree(dead.get(0)).get("rows").asLong()).isEqualTo(100);

    TestPipeline lenient = q;
    IngestResult result = lenient.apply(IngestExamples.from(oneSplit(file).withMaxRejectedFraction(0.34)).to(layout("r2")));
    lenient.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(result.outputDir());
    assertThat(out.fingerprint().get("rows").asLong()).isEqualTo(200);
    assertThat(out.fingerprint().get("rejected").asLong()).isEqualTo(100);
    assertThat(out.readSplit("all")).extracting(e -> (Long) e.get("body_mass_g"))
        .containsExactlyInAnyOrderElementsOf(java.util.stream.LongStream.rangeClosed(1, 200).boxed().toList());
  }

  /** Data errors a new user meets, each a DataCheckException (exit code 1) that names the file, found before the pipeline runs. */
  @Test
  public void brokenInputFilesFailBeforeThePipelineRunsNamingTheFile() throws IOException {
    Path emptyParquet = write("in/empty.parquet", "");
    Path whole = ParquetTestFiles.rowGroups(tmp.resolve("in/whole.parquet"), AVRO, 2, IngestExamplesIT::parquetRow);
    Path cut = ParquetTestFiles.truncated(whole, tmp.resolve("in/cut.parquet"));
    Path twins = write("in/twins.csv", "species,Species,body_mass_g\nAdelie,x,3750\n");

    assertThatThrownBy(() -> IngestExamples.from(oneSplit(emptyParquet)))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(emptyParquet + ": the input file is empty");
    assertThatThrownBy(() -> IngestExamples.from(oneSplit(cut)))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(cut + ": not a readable Parquet file: ");
    assertThatThrownBy(() -> IngestExamples.from(oneSplit(cut).withSchema(PENGUIN)))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(cut + ": not a readable Parquet file: ");
    assertThatThrownBy(() -> IngestExamples.from(oneSplit(twins)))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(twins + " line 1: columns 1 ('species') and 2 ('Species') are both named 'species' once made valid"
            + " feature names; every column needs a name of its own");
  }

  /**
   * A schema that declares one column's type leaves the others to inference; a date without a time is
   * midnight UTC; a value that is not a timestamp is rejected naming its file, line and field.
   */
  @Test
  public void aSchemaDeclaringOneColumnInfersTheOthersAndReadsDatesAsMidnightUtc() throws IOException {
    Path csv = write("in/weather.csv",
        "date,precipitation,wind,weather\n"
            + "2012-01-01,0.0,4.7,drizzle\n"
            + "1969-12-31,10.9,4.5,rain\n"
            + "2012-02-30,0.8,2.3,rain\n"
            + "2012-01-04T06:00:00Z,20.3,4.7,rain\n");
    ExampleSchema declared = ExampleSchema.of(List.of(FeatureSpec.of("date", FeatureType.TIMESTAMP)));
    ExampleSchema expected = ExampleSchema.of(List.of(FeatureSpec.of("date", FeatureType.TIMESTAMP),
        FeatureSpec.of("precipitation", FeatureType.FLOAT), FeatureSpec.of("wind", FeatureType.FLOAT),
        FeatureSpec.of("weather", FeatureType.STRING)));
    IngestResult result = p.apply(IngestExamples.from(oneSplit(csv).withSchema(declared).withMaxRejectedFraction(0.25)).to(layout("r1")));
    assertThat(result.schema()).isEqualTo(expected);
    Schema avro = expected.toAvro();
    List<GenericRecord> rows = new ArrayList<>();
    for (Object[] v : new Object[][] {
        {1_325_376_000_000_000L, 0.0, 4.7, "drizzle"}, {-86_400_000_000L, 10.9, 4.5, "rain"},
        {1_325_656_800_000_000L, 20.3, 4.7, "rain"}}) {
      GenericData.Record r = new GenericData.Record(avro);
      for (int i = 0; i < v.length; i++) {
        r.put(i, v[i]);
      }
      rows.add(r);
    }
    PAssert.that(result.split("all")).containsInAnyOrder(rows);
    p.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(result.outputDir());
    assertThat(out.schema()).isEqualTo(expected);
    assertThat(out.rejectedRows()).hasSize(1);
    JsonNode rejected = JSON.readTree(out.rejectedRows().get(0));
    assertThat(rejected.get("file").asText()).isEqualTo(csv.toString());
    assertThat(rejected.get("line").asLong()).isEqualTo(4);
    assertThat(rejected.get("field").asText()).isEqualTo("date");
    assertThat(rejected.get("reason").asText()).isEqualTo("'2012-02-30' is not an ISO-8601 timestamp or date (expected timestamp)");
  }

  /** A declared column that a file lacks is a data error (exit code 1) naming the file, the header's line and the column. */
  @Test
  public void aDeclaredColumnMissingFromTheFileFailsBeforeThePipelineRuns() throws IOException {
    Path csv = write("in/penguins.csv", CSV);
    ExampleSchema declared =
        ExampleSchema.of(List.of(FeatureSpec.of("species", FeatureType.STRING), FeatureSpec.of("body_mass_kg", FeatureType.FLOAT)));

    assertThatThrownBy(() -> IngestExamples.from(oneSplit(csv).withSchema(declared)))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(csv + " line 1: columns do not match the schema; missing [body_mass_kg] (declared in ingest.schema;"
            + " the file's columns: species, culmen_length_mm, body_mass_g, sex)");
  }

  @Test
  public void emptyFileFailsBeforeThePipelineRuns() throws IOException {
    Path empty = write("in/empty.csv", "");
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    assertThatThrownBy(() -> unrun.apply(IngestExamples.from(IngestExamples.Config.of(empty.toString())).to(layout("r1"))))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(empty + ": the input file is empty");
  }

  @Test
  public void headerOnlyFileFailsWithNoRows() throws IOException {
    Path csv = write("in/header.csv", "species,culmen_length_mm,body_mass_g,sex\n");
    p.apply(IngestExamples.from(IngestExamples.Config.of(csv.toString()).withSchema(PENGUIN)).to(layout("r1")));
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .satisfies(e -> assertThat(DataCheckException.findIn(e)).hasMessage("input '" + csv + "' holds no rows"));
  }

  @Test
  public void missingInputIsNamed() {
    Path missing = tmp.resolve("in/nowhere.csv");
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    assertThatThrownBy(() -> unrun.apply(IngestExamples.from(IngestExamples.Config.of(missing.toString())).to(layout("r1"))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("input file not found: nothing matches '" + missing + "'");
  }

  @Test
  public void headerThatDoesNotMatchTheSchemaNamesTheColumns() throws IOException {
    Path csv = write("in/other.csv", "species,flipper\nAdelie,181\n");
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    assertThatThrownBy(
            () -> unrun.apply(IngestExamples.from(IngestExamples.Config.of(csv.toString()).withSchema(PENGUIN)).to(layout("r1"))))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(csv + " line 1: columns do not match the schema; missing [culmen_length_mm, body_mass_g, sex] (declared in"
            + " ingest.schema; the file's columns: species, flipper)");
  }

  @Test
  public void partitionFeatureKeepsAKeyInOneSplit() throws IOException {
    StringBuilder csv = new StringBuilder("user,v\n");
    for (int i = 0; i < 300; i++) {
      csv.append("u").append(i % 10).append(',').append(i).append('\n');
    }
    Path file = write("in/users.csv", csv.toString());
    Map<String, Integer> buckets = new LinkedHashMap<>();
    buckets.put("train", 1);
    buckets.put("eval", 1);
    IngestResult result =
        p.apply(
            IngestExamples.from(
                    IngestExamples.Config.of(file.toString()).withSplits(SplitConfig.of(buckets).withPartitionFeature("user")))
                .to(layout("r1")));
    p.run().waitUntilFinish();
    IngestOutput out = IngestOutput.open(result.outputDir());
    List<String> trainUsers = out.readSplit("train").stream().map(r -> r.get("user").toString()).distinct().toList();
    List<String> evalUsers = out.readSplit("eval").stream().map(r -> r.get("user").toString()).distinct().toList();
    assertThat(trainUsers).doesNotContainAnyElementsOf(evalUsers);
    assertThat(trainUsers.size() + evalUsers.size()).isEqualTo(10);
    assertThat(out.readSplit("train").size() + out.readSplit("eval").size()).isEqualTo(300);
  }
}
