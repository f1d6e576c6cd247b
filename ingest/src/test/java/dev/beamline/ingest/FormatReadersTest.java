package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatReadersTest {
  /** 2024-05-01T12:00:00Z in microseconds since the epoch (19844 days and 12 hours). */
  private static final long MAY_1_2024_NOON_MICROS = (19844L * 86_400 + 12 * 3_600) * 1_000_000;

  @TempDir static Path dir;

  @BeforeAll
  static void registerFileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  /** Collects what a reader emits. */
  private static final class Collected implements FormatReader.Sink {
    final List<GenericRecord> examples = new ArrayList<>();
    final List<RejectedRow> rejected = new ArrayList<>();

    @Override
    public void accept(GenericRecord example) {
      examples.add(example);
    }

    @Override
    public void reject(RejectedRow row) {
      rejected.add(row);
    }
  }

  private static Collected read(FormatReader reader, Path file, ExampleSchema schema) throws IOException {
    Collected out = new Collected();
    reader.read(file.toString(), schema, schema.toAvro(), out);
    return out;
  }

  private static ExampleSchema schema(Object... namesAndTypes) {
    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < namesAndTypes.length; i += 2) {
      features.add(FeatureSpec.of((String) namesAndTypes[i], (FeatureType) namesAndTypes[i + 1]));
    }
    return ExampleSchema.of(features);
  }

  private static GenericRecord example(ExampleSchema schema, Object... values) {
    GenericData.Record r = new GenericData.Record(schema.toAvro());
    for (int i = 0; i < values.length; i++) {
      r.put(i, values[i]);
    }
    return r;
  }

  private static InputFiles.InputFile input(Path file) throws IOException {
    return new InputFiles.InputFile(file.toString(), Files.size(file));
  }

  private static Path writeBytes(String name, byte[]... parts) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      bytes.write(p);
    }
    Path file = dir.resolve(name);
    Files.write(file, bytes.toByteArray());
    return file;
  }

  private static Path writeText(String name, String text) throws IOException {
    return writeBytes(name, text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      bytes.writeBytes(p);
    }
    return bytes.toByteArray();
  }

  /** 0xC3 starts a two-byte sequence, and 0x28 ('(') cannot continue it. */
  private static final byte[] INVALID_UTF8 = {(byte) 0xC3, (byte) 0x28};

  @Nested
  class Csv {
    private final ExampleSchema penguins =
        schema("species", FeatureType.STRING, "body_mass_g", FeatureType.FLOAT, "year", FeatureType.INT,
            "note", FeatureType.STRING);
    private final FormatReader reader =
        FormatReader.of(InputFormat.CSV, CsvFormat.defaults().withNullValues(List.of("", "NA")));

    @Test
    void readsGoodRowsAndRejectsBadOnesWithTheirLines() throws IOException {
      Path file =
          writeBytes(
              "penguins.csv",
              utf8(
                  "species,Body Mass (g),year,note\n" // 1
                      + "Adelie,3750,2007,plain\n" // 2
                      + "Gentoo,abc,2008,x\n" // 3: not a number
                      + "Chinstrap,3500,2009\n" // 4: a field short
                      + "Adelie,,2007,\n" // 5: unquoted empty fields are missing
                      + "Adelie,NA,2007,\"\"\n" // 6: NA is missing; a quoted empty field is a string
                      + "Gentoo,4100.5,2008,\"multi\nline\"\n" // 7-8
                      + "Gentoo,4200,20x9,y\n" // 9: not an integer
                      + "Adelie,3900,2007,caf"), // 10: invalid UTF-8
              INVALID_UTF8,
              utf8(
                  "\n"
                      + "Adelie,\"3,800\",2007,z\n" // 11: a quoted comma is no decimal point
                      + "Adelie,\"\",2007,\"NA\"\n" // 12: quoted, so neither is missing
                      + "\n" // 13
                      + " Chinstrap , 3600 , 2009 ,  padded \n" // 14: numbers are trimmed, strings not
                      + "Adelie,3000,2007,\"oops\n")); // 15: never closed
      String path = file.toString();

      Collected out = read(reader, file, penguins);

      assertThat(out.examples)
          .containsExactly(
              example(penguins, "Adelie", 3750.0, 2007L, "plain"),
              example(penguins, "Adelie", null, 2007L, null),
              example(penguins, "Adelie", null, 2007L, ""),
              example(penguins, "Gentoo", 4100.5, 2008L, "multi\nline"),
              example(penguins, " Chinstrap ", 3600.0, 2009L, "  padded "));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(path, 3, "body_mass_g", "'abc' is not a number (expected float)", "Gentoo,abc,2008,x"),
              new RejectedRow(path, 4, null, "expected 4 fields, found 3", "Chinstrap,3500,2009"),
              new RejectedRow(path, 9, "year", "'20x9' is not an integer (expected int)", "Gentoo,4200,20x9,y"),
              // The decoded text, and the bytes as they were.
              new RejectedRow(path, 10, "note", "invalid UTF-8 byte sequence", "Adelie,3900,2007,caf\uFFFD(", 1,
                  concat(utf8("Adelie,3900,2007,caf"), INVALID_UTF8)),
              new RejectedRow(
                  path, 11, "body_mass_g", "'3,800' is not a number (expected float)", "Adelie,\"3,800\",2007,z"),
              new RejectedRow(path, 12, "body_mass_g", "'' is not a number (expected float)", "Adelie,\"\",2007,\"NA\""),
              new RejectedRow(
                  path, 15, null,
                  "quoted field starting on line 15 is never closed: the record takes the rest of the input, 1 line"
                      + " (counted as 1 rejected row)",
                  "Adelie,3000,2007,\"oops\n\""));
    }

    @Test
    void mapsColumnsToFeaturesByNameWhateverTheirOrder() throws IOException {
      Path file = writeText("reordered.csv", "note,year,species,body_mass_g\r\nhi,2007,Adelie,3750\r\n");

      Collected out = read(reader, file, penguins);

      assertThat(out.examples).containsExactly(example(penguins, "Adelie", 3750.0, 2007L, "hi"));
      assertThat(out.rejected).isEmpty();
    }

    @Test
    void readsWithoutHeaderUsingConfiguredNamesOrTheSchema() throws IOException {
      Path file = writeText("noheader.tsv", "Adelie\t3750\t2007\tx\nGentoo\tbad\t2008\ty\n");
      CsvFormat tsv = CsvFormat.defaults().withDelimiter('\t').withHeader(false);

      Collected bySchema = read(FormatReader.of(InputFormat.CSV, tsv), file, penguins);
      Collected byNames =
          read(
              FormatReader.of(InputFormat.CSV, tsv.withColumnNames(List.of("Species", "Body Mass (g)", "Year", "Note"))),
              file,
              penguins);

      for (Collected out : List.of(bySchema, byNames)) {
        assertThat(out.examples).containsExactly(example(penguins, "Adelie", 3750.0, 2007L, "x"));
        assertThat(out.rejected)
            .containsExactly(
                new RejectedRow(
                    file.toString(), 2, "body_mass_g", "'bad' is not a number (expected float)", "Gentoo\tbad\t2008\ty"));
      }
      // Without a header or names, the declared schema names the columns, in its order: nothing to check.
      FormatReader.of(InputFormat.CSV, tsv).checkFile(input(file), penguins);
    }

    @Test
    void infersTypesFromWellFormedRows() throws IOException {
      Path file =
          writeText(
              "infer.csv",
              "species,Body Mass (g),year,flag,when,empty\n"
                  + "Adelie,3750,2007,true,2024-05-01,\n"
                  + "Gentoo,,2008,False,,\n"
                  + "Chinstrap,4100.5,2009,TRUE,2024-05-02,\n"
                  + "bad,row\n"
                  + "\"unterminated,1,2,3,4,5\n");

      assertThat(reader.inferSchema(List.of(input(file)), 0))
          .isEqualTo(
              schema("species", FeatureType.STRING, "body_mass_g", FeatureType.FLOAT, "year", FeatureType.INT,
                  "flag", FeatureType.BOOLEAN, "when", FeatureType.STRING, "empty", FeatureType.STRING));
      // Only the first row: the mass is still an integer.
      assertThat(reader.inferSchema(List.of(input(file)), 1))
          .isEqualTo(
              schema("species", FeatureType.STRING, "body_mass_g", FeatureType.INT, "year", FeatureType.INT,
                  "flag", FeatureType.BOOLEAN, "when", FeatureType.STRING, "empty", FeatureType.STRING));
    }

    @Test
    void infersOneSchemaAcrossFilesWithReorderedColumns() throws IOException {
      Path first = writeText("part-1.csv", "species,year,mass\nAdelie,2007,3750\n");
      Path second = writeText("part-2.csv", "mass,species,year\n3800,Gentoo,2008.5\n");

      assertThat(reader.inferSchema(List.of(input(first), input(second)), 0))
          .isEqualTo(schema("species", FeatureType.STRING, "year", FeatureType.FLOAT, "mass", FeatureType.INT));
      // The row limit counts rows of all files together.
      assertThat(reader.inferSchema(List.of(input(first), input(second)), 1))
          .isEqualTo(schema("species", FeatureType.STRING, "year", FeatureType.INT, "mass", FeatureType.INT));
    }

    @Test
    void rejectsFilesThatDisagreeOnColumns() throws IOException {
      Path first = writeText("cols-1.csv", "species,year\nAdelie,2007\n");
      Path second = writeText("cols-2.csv", "species,mass\nAdelie,3750\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(first), input(second)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(second + ": columns [species, mass] differ from those of " + first + ": [species, year]");
    }

    @Test
    void checkFileNamesMissingAndExtraColumns() throws IOException {
      Path file = writeText("check.csv", "species,Body Mass (g),year,comment\n");

      // Checked against a declaration, only the declared columns the file lacks are wrong: the others are inferred.
      assertThatThrownBy(() -> reader.checkFile(input(file), penguins))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + " line 1: columns do not match the schema; missing [note] (declared in ingest.schema;"
              + " the file's columns: species, body_mass_g, year, comment)");
      // Read with the whole schema, the file must have its columns, no more, no fewer.
      assertThatThrownBy(() -> read(reader, file, penguins))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + " line 1: columns do not match the schema; missing [note]; not in the schema [comment]");

      Path good = writeText("check-good.csv", "note,year,Species,body mass g\n");
      assertThat(reader.checkFile(input(good), penguins)).containsExactly("note", "year", "species", "body_mass_g");
    }

    @Test
    void rejectsEmptyFilesAndColumnsThatSanitizeAlike() throws IOException {
      Path empty = writeText("empty.csv", "");
      Path blank = writeText("blank.csv", "\n\r\n\n");
      Path twins = writeText("twins.csv", "\nx,a b,a_b,A-B\n0,1,2,3\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(empty)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(empty + ": the file is empty (no header line)");
      assertThatThrownBy(() -> reader.inferSchema(List.of(input(blank)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(blank + ": the file is empty (no header line)");
      // The header is on line 2, after a blank line.
      String duplicate =
          twins + " line 2: columns 2 ('a b') and 3 ('a_b') are both named 'a_b' once made valid feature names;"
              + " every column needs a name of its own";
      assertThatThrownBy(() -> reader.inferSchema(List.of(input(twins)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(duplicate);
      assertThatThrownBy(() -> reader.checkFile(input(twins), schema("x", FeatureType.INT, "a_b", FeatureType.INT)))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(duplicate);
    }

    @Test
    void aDeclaredSchemaMayLeaveOutColumnsButNotNameColumnsTheFileLacks() throws IOException {
      Path file = writeText("partial.csv", "species,Body Mass (g),year,note,island,sex\nAdelie,3750,2007,x,Biscoe,MALE\n");
      ExampleSchema partial = schema("species", FeatureType.STRING, "body_mass_g", FeatureType.FLOAT);

      assertThat(reader.checkFile(input(file), partial)).containsExactly("species", "body_mass_g", "year", "note", "island", "sex");
      // A declared column missing from the file is the data's fault, named with the header's line.
      assertThatThrownBy(() -> reader.checkFile(input(file), schema("species", FeatureType.STRING, "weight", FeatureType.INT)))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + " line 1: columns do not match the schema; missing [weight] (declared in ingest.schema;"
              + " the file's columns: species, body_mass_g, year, note, island, sex)");
    }

    @Test
    void transliteratesColumnNamesToAscii() throws IOException {
      Path file =
          writeText(
              "names.csv",
              "Gr\u00f6\u00dfe (cm),Caf\u00e9,\u00c6ble \u00f8,\u00c5ngstr\u00f6m,Area (m\u00b2),Stra\u00dfe\n"
                  + "181,x,y,1.5,2,z\n");

      assertThat(reader.inferSchema(List.of(input(file)), 0).names())
          .containsExactly("grosse_cm", "cafe", "aeble_o", "angstrom", "area_m2", "strasse");
    }

    @Test
    void aHeaderThatCannotBeReadIsADataErrorNamingItsLine() throws IOException {
      Path file = writeText("header.csv", "species,\"mass\nAdelie,3750\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(file)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + " line 1: cannot read the header: quoted field starting on line 1 is never closed:"
              + " the record takes the rest of the input, 2 lines (counted as 2 rejected rows)");
    }

    @Test
    void recordsNeverClosedOrLongerThanTheLimitCountEveryLineTheyLose() throws IOException {
      FormatReader small =
          FormatReader.of(InputFormat.CSV, CsvFormat.defaults().withNullValues(List.of("", "NA")).withMaxRecordBytes(40));
      Path file =
          writeText(
              "long.csv",
              "species,body_mass_g,year,note\n" // 1
                  + "Adelie,3750,2007,a\n" // 2
                  + "Adelie,3750,2007,\"never closed\n" // 3: 31 bytes with the line break, then 9 of line 4
                  + "Gentoo,4100,2008,b\n" // 4: the limit is reached here: lines 3 and 4 are lost
                  + "Gentoo,4200,2008,c\n" // 5
                  + "Gentoo,4300,2008," + "x".repeat(100) + "\n" // 6: one line longer than the limit
                  + "Chinstrap,1,2,\"open\n" // 7: never closed, to the end: 3 lines
                  + "A,1\n"
                  + "B,2\n");
      String path = file.toString();

      Collected out = read(small, file, penguins);

      assertThat(out.examples)
          .containsExactly(example(penguins, "Adelie", 3750.0, 2007L, "a"), example(penguins, "Gentoo", 4200.0, 2008L, "c"));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(path, 3, null,
                  "quoted field starting on line 3 is not closed within ingest.csv.max_record_bytes (40 bytes):"
                      + " skipped to the end of line 4, 2 lines lost (counted as 2 rejected rows);"
                      + " content holds its first 40 bytes",
                  "Adelie,3750,2007,\"never closed\nGentoo,41", 2, null),
              new RejectedRow(path, 6, null,
                  "record starting on line 6 is longer than ingest.csv.max_record_bytes (40 bytes):"
                      + " skipped to the end of line 6, 1 line lost (counted as 1 rejected row);"
                      + " content holds its first 40 bytes",
                  "Gentoo,4300,2008," + "x".repeat(23), 1, null),
              new RejectedRow(path, 7, null,
                  "quoted field starting on line 7 is never closed: the record takes the rest of the input, 3 lines"
                      + " (counted as 3 rejected rows)",
                  "Chinstrap,1,2,\"open\nA,1\nB,2\n\"", 3, null));
    }

    @Test
    void cannotInferWithoutHeaderOrNames() throws IOException {
      Path file = writeText("bare.csv", "1,2\n");
      FormatReader bare = FormatReader.of(InputFormat.CSV, CsvFormat.defaults().withHeader(false));

      assertThatThrownBy(() -> bare.inferSchema(List.of(input(file)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage("CSV without a header needs column names (csv.columns) or a declared schema");
    }
  }

  @Nested
  class JsonLines {
    private final ExampleSchema penguins =
        schema("species", FeatureType.STRING, "body_mass_g", FeatureType.FLOAT, "year", FeatureType.INT);
    private final FormatReader reader = FormatReader.of(InputFormat.JSONL, CsvFormat.defaults());

    @Test
    void readsGoodLinesAndRejectsBadOnesWithTheirLines() throws IOException {
      Path file =
          writeBytes(
              "penguins.jsonl",
              utf8(
                  "{\"species\": \"Adelie\", \"Body Mass (g)\": 3750, \"year\": 2007}\n" // 1
                      + "{\"species\": \"Gentoo\", \"body_mass_g\": 4100.5}\n" // 2: a missing key is missing
                      + "   \n" // 3
                      + "{\"species\": \"Chinstrap\", \"year\": 2009,\n" // 4: cut short
                      + "{\"species\": \"Adelie\", \"island\": \"Torgersen\"}\n" // 5: not in the schema
                      + "{\"species\": \"Adelie\", \"year\": \"2007\"}\n" // 6: text is no integer
                      + "{\"species\": \"Adelie\", \"body_mass_g\": \"NaN\", \"year\": null}\r\n" // 7
                      + "[1, 2, 3]\n" // 8
                      + "{\"species\": \"caf"),
              INVALID_UTF8, // 9
              utf8(
                  "\"}\n"
                      + "{\"species\": \"Adelie\"} {\"species\": \"Gentoo\"}\n" // 10: two objects on a line
                      + "{\"species\": {\"nested\": [1, 2]}, \"year\": 2010}\n" // 11: kept as JSON text
                      + "{\"species\": \"Gentoo\", \"year\": 2008.0}\n" // 12
                      + "{\"species\": \"Gentoo\", \"body_mass_g\": true}")); // 13, no final line break
      String path = file.toString();

      Collected out = read(reader, file, penguins);

      assertThat(out.examples)
          .containsExactly(
              example(penguins, "Adelie", 3750.0, 2007L),
              example(penguins, "Gentoo", 4100.5, null),
              example(penguins, "Adelie", Double.NaN, null));
      assertThat(out.rejected).extracting(RejectedRow::line).containsExactly(4L, 5L, 6L, 8L, 9L, 10L, 11L, 12L, 13L);
      assertThat(out.rejected.get(0).field()).isNull();
      assertThat(out.rejected.get(0).reason()).startsWith("not valid JSON: Unexpected end-of-input");
      assertThat(out.rejected.get(0).content()).isEqualTo("{\"species\": \"Chinstrap\", \"year\": 2009,");
      assertThat(out.rejected.get(1))
          .isEqualTo(
              new RejectedRow(path, 5, "island", "field is not in the schema",
                  "{\"species\": \"Adelie\", \"island\": \"Torgersen\"}"));
      assertThat(out.rejected.get(2))
          .isEqualTo(
              new RejectedRow(path, 6, "year", "\"2007\" is not an integer (expected int)",
                  "{\"species\": \"Adelie\", \"year\": \"2007\"}"));
      assertThat(out.rejected.get(3)).isEqualTo(new RejectedRow(path, 8, null, "not a JSON object", "[1, 2, 3]"));
      // The decoded text, and the bytes as they were.
      assertThat(out.rejected.get(4))
          .isEqualTo(
              new RejectedRow(path, 9, null, "invalid UTF-8 byte sequence", "{\"species\": \"caf\uFFFD(\"}", 1,
                  concat(utf8("{\"species\": \"caf"), INVALID_UTF8, utf8("\"}"))));
      assertThat(out.rejected.get(5).field()).isNull();
      assertThat(out.rejected.get(5).reason()).startsWith("not valid JSON: Trailing token");
      assertThat(out.rejected.get(5).content()).isEqualTo("{\"species\": \"Adelie\"} {\"species\": \"Gentoo\"}");
      assertThat(out.rejected.get(6))
          .isEqualTo(
              new RejectedRow(path, 11, "species",
                  "the value of key 'species' is a JSON object; values must be scalars (string, number, boolean) or null",
                  "{\"species\": {\"nested\": [1, 2]}, \"year\": 2010}"));
      assertThat(out.rejected.get(7))
          .isEqualTo(
              new RejectedRow(path, 12, "year", "2008.0 is not an integer (expected int)",
                  "{\"species\": \"Gentoo\", \"year\": 2008.0}"));
      assertThat(out.rejected.get(8))
          .isEqualTo(
              new RejectedRow(path, 13, "body_mass_g", "true is not a number (expected float)",
                  "{\"species\": \"Gentoo\", \"body_mass_g\": true}"));
    }

    @Test
    void rejectsArraysDuplicateKeysAndKeysThatNameOneFeature() throws IOException {
      ExampleSchema s = schema("a_b", FeatureType.STRING, "tags", FeatureType.STRING, "grosse_cm", FeatureType.FLOAT);
      Path file =
          writeText(
              "keys.jsonl",
              "{\"tags\": [\"x\", \"y\"]}\n"
                  + "{\"a b\": \"1\", \"a_b\": \"2\"}\n"
                  + "{\"tags\": \"x\", \"tags\": \"y\"}\n"
                  + "{\"Gr\u00f6\u00dfe (cm)\": 181.5, \"tags\": \"[]\"}\n");
      String path = file.toString();

      Collected out = read(reader, file, s);

      assertThat(out.examples).containsExactly(example(s, null, "[]", 181.5));
      assertThat(out.rejected.get(0))
          .isEqualTo(
              new RejectedRow(path, 1, "tags",
                  "the value of key 'tags' is a JSON array; values must be scalars (string, number, boolean) or null",
                  "{\"tags\": [\"x\", \"y\"]}"));
      assertThat(out.rejected.get(1))
          .isEqualTo(
              new RejectedRow(path, 2, "a_b", "keys 'a b' and 'a_b' would both be feature 'a_b'",
                  "{\"a b\": \"1\", \"a_b\": \"2\"}"));
      assertThat(out.rejected.get(2).line()).isEqualTo(3);
      assertThat(out.rejected.get(2).reason()).startsWith("not valid JSON: Duplicate field 'tags'");
      assertThat(out.rejected).hasSize(3);
    }

    @Test
    void aLineLongerThanTheLimitIsRejectedWithItsPreview() throws IOException {
      FormatReader small = FormatReader.of(InputFormat.JSONL, CsvFormat.defaults().withMaxRecordBytes(40));
      ExampleSchema s = schema("note", FeatureType.STRING);
      String longLine = "{\"note\": \"" + "z".repeat(60) + "\"}";
      Path file = writeText("long.jsonl", "{\"note\": \"short\"}\r\n" + longLine + "\r\n{\"note\": \"after\"}");

      Collected out = read(small, file, s);

      assertThat(out.examples).containsExactly(example(s, "short"), example(s, "after"));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(file.toString(), 2, null,
                  "line 2 is longer than ingest.csv.max_record_bytes (40 bytes): skipped; content holds its first 40 bytes",
                  longLine.substring(0, 40)));
      assertThat(small.inferSchema(List.of(input(file)), 0)).isEqualTo(s);
    }

    @Test
    void readsBooleansAndTimestamps() throws IOException {
      ExampleSchema s = schema("tagged", FeatureType.BOOLEAN, "seen", FeatureType.TIMESTAMP);
      Path file =
          writeText(
              "typed.jsonl",
              "{\"tagged\": true, \"seen\": \"2024-05-01T12:00:00Z\"}\n"
                  + "{\"tagged\": false, \"seen\": 1714564800000000}\n"
                  + "{\"tagged\": \"true\"}\n"
                  + "{\"seen\": \"noon\"}\n");

      Collected out = read(reader, file, s);

      assertThat(out.examples)
          .containsExactly(example(s, true, MAY_1_2024_NOON_MICROS), example(s, false, MAY_1_2024_NOON_MICROS));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(file.toString(), 3, "tagged", "\"true\" is not a boolean (expected boolean)",
                  "{\"tagged\": \"true\"}"),
              new RejectedRow(file.toString(), 4, "seen",
                  "'noon' is not an ISO-8601 timestamp or date (expected timestamp)", "{\"seen\": \"noon\"}"));
    }

    @Test
    void infersTypesInOrderOfFirstAppearance() throws IOException {
      Path file =
          writeText(
              "infer.jsonl",
              "{\"species\": \"Adelie\", \"Body Mass (g)\": 3750, \"year\": 2007, \"tagged\": true, \"extra\": null}\n"
                  + "\n"
                  + "{\"species\": \"Gentoo\", \"body_mass_g\": 4100.5, \"year\": 2008, \"tagged\": false}\n"
                  + "not json\n"
                  + "{\"year\": 2009, \"tags\": [\"a\"]}\n"
                  + "{\"ignored\": 1} {\"also\": 2}\n");

      // The line with a nested value is rejected when read, and takes no part in inference.
      assertThat(reader.inferSchema(List.of(input(file)), 0))
          .isEqualTo(
              schema("species", FeatureType.STRING, "body_mass_g", FeatureType.FLOAT, "year", FeatureType.INT,
                  "tagged", FeatureType.BOOLEAN, "extra", FeatureType.STRING));
      assertThat(reader.inferSchema(List.of(input(file)), 1))
          .isEqualTo(
              schema("species", FeatureType.STRING, "body_mass_g", FeatureType.INT, "year", FeatureType.INT,
                  "tagged", FeatureType.BOOLEAN, "extra", FeatureType.STRING));
    }

    @Test
    void cannotInferFromAFileWithoutObjects() throws IOException {
      Path file = writeText("nothing.jsonl", "\n[1]\n{}\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(file)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessage("no JSON object with any key found in " + file);
    }
  }

  @Nested
  class Avro {
    private final FormatReader reader = FormatReader.of(InputFormat.AVRO, CsvFormat.defaults());
    private final Schema writer =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Penguin\",\"namespace\":\"zoo\",\"fields\":["
                    + "{\"name\":\"species\",\"type\":\"string\"},"
                    + "{\"name\":\"island\",\"type\":{\"type\":\"enum\",\"name\":\"Island\","
                    + "\"symbols\":[\"Biscoe\",\"Dream\",\"Torgersen\"]}},"
                    + "{\"name\":\"flipper_mm\",\"type\":[\"null\",\"int\"]},"
                    + "{\"name\":\"mass\",\"type\":[\"null\",\"float\"]},"
                    + "{\"name\":\"year\",\"type\":\"long\"},"
                    + "{\"name\":\"tagged\",\"type\":\"boolean\"},"
                    + "{\"name\":\"seen\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]},"
                    + "{\"name\":\"code\",\"type\":\"string\"}]}");

    private GenericRecord penguin(
        String species, String island, Integer flipper, Float mass, long year, boolean tagged, Long seenMillis,
        String code) {
      return new GenericRecordBuilder(writer)
          .set("species", species)
          .set("island", new GenericData.EnumSymbol(writer.getField("island").schema(), island))
          .set("flipper_mm", flipper)
          .set("mass", mass)
          .set("year", year)
          .set("tagged", tagged)
          .set("seen", seenMillis)
          .set("code", code)
          .build();
    }

    private Path writeAvro(String name, Schema schema, List<GenericRecord> records) throws IOException {
      Path file = dir.resolve(name);
      try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
        w.create(schema, file.toFile());
        for (GenericRecord r : records) {
          w.append(r);
        }
      }
      return file;
    }

    private Path penguins() throws IOException {
      return writeAvro(
          "penguins.avro",
          writer,
          List.of(
              penguin("Adelie", "Torgersen", 181, 3750.5f, 2007, true, 1_714_564_800_000L, "12"),
              penguin("Gentoo", "Biscoe", null, null, 2008, false, null, "x7"),
              penguin("Chinstrap", "Dream", 195, 3500.25f, 2009, true, 0L, "30")));
    }

    @Test
    void infersTheSchemaFromTheWriterSchema() throws IOException {
      assertThat(reader.inferSchema(List.of(input(penguins())), 0))
          .isEqualTo(
              schema("species", FeatureType.STRING, "island", FeatureType.STRING, "flipper_mm", FeatureType.INT,
                  "mass", FeatureType.FLOAT, "year", FeatureType.INT, "tagged", FeatureType.BOOLEAN,
                  "seen", FeatureType.TIMESTAMP, "code", FeatureType.STRING));
    }

    @Test
    void readsEveryRecordConvertingMillisToMicros() throws IOException {
      Path file = penguins();
      ExampleSchema s = reader.inferSchema(List.of(input(file)), 0);

      Collected out = read(reader, file, s);

      assertThat(out.examples)
          .containsExactly(
              example(s, "Adelie", "Torgersen", 181L, 3750.5, 2007L, true, MAY_1_2024_NOON_MICROS, "12"),
              example(s, "Gentoo", "Biscoe", null, null, 2008L, false, null, "x7"),
              example(s, "Chinstrap", "Dream", 195L, 3500.25, 2009L, true, 0L, "30"));
      assertThat(out.examples.get(0).get("species")).isInstanceOf(String.class);
      assertThat(out.rejected).isEmpty();
    }

    @Test
    void readsByNameIntoADeclaredSchemaRejectingValuesThatDoNotFit() throws IOException {
      Path file = penguins();
      ExampleSchema declared =
          schema("code", FeatureType.INT, "year", FeatureType.FLOAT, "species", FeatureType.STRING,
              "island", FeatureType.STRING, "flipper_mm", FeatureType.INT, "mass", FeatureType.FLOAT,
              "tagged", FeatureType.STRING, "seen", FeatureType.TIMESTAMP);

      Collected out = read(reader, file, declared);

      assertThat(out.examples)
          .containsExactly(
              example(declared, 12L, 2007.0, "Adelie", "Torgersen", 181L, 3750.5, "true", MAY_1_2024_NOON_MICROS),
              example(declared, 30L, 2009.0, "Chinstrap", "Dream", 195L, 3500.25, "true", 0L));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(
                  file.toString(), 2, "code", "'x7' is not an integer (expected int)",
                  "{\"species\": \"Gentoo\", \"island\": \"Biscoe\", \"flipper_mm\": null, \"mass\": null,"
                      + " \"year\": 2008, \"tagged\": false, \"seen\": null, \"code\": \"x7\"}"));
    }

    @Test
    void checkFileNamesTheFieldsThatDiffer() throws IOException {
      Path file = penguins();
      ExampleSchema fewer = schema("species", FeatureType.STRING, "island", FeatureType.STRING, "flipper_mm",
          FeatureType.INT, "mass", FeatureType.FLOAT, "year", FeatureType.INT, "tagged", FeatureType.BOOLEAN,
          "seen", FeatureType.TIMESTAMP, "sex", FeatureType.STRING);

      assertThatThrownBy(() -> reader.checkFile(input(file), fewer))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + ": columns do not match the schema; missing [sex] (declared in ingest.schema; the file's"
              + " columns: species, island, flipper_mm, mass, year, tagged, seen, code)");
      assertThatThrownBy(() -> read(reader, file, fewer))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + ": columns do not match the schema; missing [sex]; not in the schema [code]");
    }

    @Test
    void aFileCutShortIsADataErrorNamingIt() throws IOException {
      Path whole = penguins();
      byte[] bytes = Files.readAllBytes(whole);
      // Avro's own reader takes a file cut inside its last block for one that ends before it.
      Path cut = writeBytes("cut.avro", java.util.Arrays.copyOf(bytes, bytes.length - 20));
      ExampleSchema s = reader.inferSchema(List.of(input(cut)), 0);

      assertThatThrownBy(() -> read(reader, cut, s))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(cut + ": the Avro file is cut short (it does not end with its sync marker, as every block"
              + " does); 0 records could be read");
      assertThat(read(reader, whole, s).examples).hasSize(3);
      // With no record at all, the file ends with the header's sync marker.
      Path none = writeAvro("none.avro", writer, List.of());
      assertThat(read(reader, none, s).examples).isEmpty();
    }

    @Test
    void refusesNestedFieldsAndFilesThatAreNotAvro() throws IOException {
      Schema nested =
          new Schema.Parser()
              .parse(
                  "{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
                      + "{\"name\":\"address\",\"type\":{\"type\":\"record\",\"name\":\"A\",\"fields\":["
                      + "{\"name\":\"city\",\"type\":\"string\"}]}}]}");
      Path nestedFile = writeAvro("nested.avro", nested, List.of());
      Path notAvro = writeText("not-avro.avro", "species,year\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(nestedFile)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(nestedFile + ": field 'address' has Avro type ");
      assertThatThrownBy(() -> reader.inferSchema(List.of(input(notAvro)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(notAvro + ": not a readable Avro file: ");
    }
  }

  @Nested
  class Parquet {
    private final Schema writer =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Penguin\",\"fields\":["
                    + "{\"name\":\"species\",\"type\":\"string\"},"
                    + "{\"name\":\"mass\",\"type\":[\"null\",\"double\"]},"
                    + "{\"name\":\"year\",\"type\":\"int\"},"
                    + "{\"name\":\"seen\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}]},"
                    + "{\"name\":\"code\",\"type\":[\"null\",\"string\"]},"
                    + "{\"name\":\"tagged\",\"type\":\"boolean\"}]}");

    private final FormatReader reader = FormatReader.of(InputFormat.PARQUET, CsvFormat.defaults());

    private GenericRecord penguin(String species, Double mass, int year, Long seen, String code, boolean tagged) {
      return new GenericRecordBuilder(writer)
          .set("species", species)
          .set("mass", mass)
          .set("year", year)
          .set("seen", seen)
          .set("code", code)
          .set("tagged", tagged)
          .build();
    }

    private Path penguins() throws IOException {
      Path file = dir.resolve("penguins.parquet");
      Files.deleteIfExists(file);
      try (ParquetWriter<GenericRecord> w =
          AvroParquetWriter.<GenericRecord>builder(
                  HadoopOutputFile.fromPath(
                      new org.apache.hadoop.fs.Path(file.toString()), new org.apache.hadoop.conf.Configuration()))
              .withSchema(writer)
              .build()) {
        w.write(penguin("Adelie", 3750.5, 2007, MAY_1_2024_NOON_MICROS, "12", true));
        w.write(penguin("Gentoo", null, 2008, null, "x7", false));
        w.write(penguin("Chinstrap", 3500.0, 2009, -1_000_000L, null, true));
      }
      return file;
    }

    @Test
    void infersTheSchemaFromTheFooter() throws IOException {
      assertThat(reader.inferSchema(List.of(input(penguins())), 0))
          .isEqualTo(
              schema("species", FeatureType.STRING, "mass", FeatureType.FLOAT, "year", FeatureType.INT,
                  "seen", FeatureType.TIMESTAMP, "code", FeatureType.STRING, "tagged", FeatureType.BOOLEAN));
    }

    @Test
    void readsEveryRecord() throws IOException {
      Path file = penguins();
      ExampleSchema s = reader.inferSchema(List.of(input(file)), 0);

      Collected out = read(reader, file, s);

      assertThat(out.examples)
          .containsExactly(
              example(s, "Adelie", 3750.5, 2007L, MAY_1_2024_NOON_MICROS, "12", true),
              example(s, "Gentoo", null, 2008L, null, "x7", false),
              example(s, "Chinstrap", 3500.0, 2009L, -1_000_000L, null, true));
      assertThat(out.rejected).isEmpty();
    }

    @Test
    void rejectsRecordsByTheirNumber() throws IOException {
      Path file = penguins();
      ExampleSchema declared =
          schema("species", FeatureType.STRING, "mass", FeatureType.FLOAT, "year", FeatureType.INT,
              "seen", FeatureType.TIMESTAMP, "code", FeatureType.INT, "tagged", FeatureType.BOOLEAN);

      Collected out = read(reader, file, declared);

      assertThat(out.examples)
          .containsExactly(
              example(declared, "Adelie", 3750.5, 2007L, MAY_1_2024_NOON_MICROS, 12L, true),
              example(declared, "Chinstrap", 3500.0, 2009L, -1_000_000L, null, true));
      assertThat(out.rejected)
          .containsExactly(
              new RejectedRow(
                  file.toString(), 2, "code", "'x7' is not an integer (expected int)",
                  "{\"species\": \"Gentoo\", \"mass\": null, \"year\": 2008, \"seen\": null, \"code\": \"x7\","
                      + " \"tagged\": false}"));
    }

    /** {@code groups} row groups of 100 records: {@code year} 1, 2, ... and {@code mass} its half. */
    private Path rowGroups(String name, int groups) throws IOException {
      return ParquetTestFiles.rowGroups(
          dir.resolve(name), writer, groups, i -> penguin("Adelie", i / 2.0, i, null, null, i % 2 == 0));
    }

    @Test
    void aRowGroupThatCannotBeReadIsOneRejectedRowCountingItsRows() throws IOException {
      Path file = rowGroups("corrupt.parquet", 3);
      ParquetTestFiles.corrupt(file, 1, "mass");
      ExampleSchema s = reader.inferSchema(List.of(input(file)), 0);

      Collected out = read(reader, file, s);

      // Row groups 0 and 2 are read whole; row group 1, records 101 to 200, is one rejected row of 100.
      assertThat(out.examples).extracting(e -> (Long) e.get("year"))
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 300)
              .filter(i -> i <= 100 || i > 200).boxed().toList());
      assertThat(out.rejected).hasSize(1);
      RejectedRow r = out.rejected.get(0);
      assertThat(r.file()).isEqualTo(file.toString());
      assertThat(r.line()).isEqualTo(101);
      assertThat(r.field()).isNull();
      assertThat(r.rows()).isEqualTo(100);
      assertThat(r.content()).isNull();
      assertThat(r.reason())
          .startsWith("row group 1 (0-based, of 3; records 101 to 200) cannot be read from record 101 on: ")
          .contains("CRC checksum verification failed")
          .endsWith("; 100 rows lost (counted as 100 rejected rows)");
    }

    @Test
    void aFileCutShortOrEmptyIsADataErrorNamingIt() throws IOException {
      Path whole = rowGroups("whole.parquet", 2);
      Path cut = ParquetTestFiles.truncated(whole, dir.resolve("cut.parquet"));
      ExampleSchema s = reader.inferSchema(List.of(input(whole)), 0);

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(cut)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(cut + ": not a readable Parquet file: ")
          .hasMessageContaining("is not a Parquet file");
      assertThatThrownBy(() -> reader.checkFile(input(cut), s))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(cut + ": not a readable Parquet file: ");
      assertThatThrownBy(() -> read(reader, cut, s))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(cut + ": not a readable Parquet file: ");
    }

    @Test
    void aDeclaredSchemaMayLeaveOutColumns() throws IOException {
      Path file = penguins();
      ExampleSchema partial = schema("species", FeatureType.STRING, "year", FeatureType.INT);

      assertThat(reader.checkFile(input(file), partial)).containsExactly("species", "mass", "year", "seen", "code", "tagged");
      assertThatThrownBy(() -> reader.checkFile(input(file), schema("weight", FeatureType.INT)))
          .isInstanceOf(DataCheckException.class)
          .hasMessage(file + ": columns do not match the schema; missing [weight] (declared in ingest.schema; the file's"
              + " columns: species, mass, year, seen, code, tagged)");
    }

    @Test
    void refusesFilesThatAreNotParquet() throws IOException {
      Path notParquet = writeText("not.parquet", "species,year\n");

      assertThatThrownBy(() -> reader.inferSchema(List.of(input(notParquet)), 0))
          .isInstanceOf(DataCheckException.class)
          .hasMessageStartingWith(notParquet + ": not a readable Parquet file: ");
    }
  }
}
