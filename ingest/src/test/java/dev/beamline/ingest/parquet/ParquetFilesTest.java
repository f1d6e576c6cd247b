package dev.beamline.ingest.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.ingest.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The footer helpers and the record reader on files written by parquet-avro. */
class ParquetFilesTest {
  static final Schema SCHEMA = SchemaBuilder.record("Penguin").namespace("dev.beamline").fields()
      .requiredLong("id")
      .optionalString("species")
      .optionalDouble("mass")
      .name("tags").type(Schema.createArray(Schema.create(Schema.Type.LONG))).noDefault()
      .endRecord();

  @TempDir Path dir;

  static GenericRecord record(int i) {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("id", (long) i);
    r.put("species", i % 5 == 0 ? null : "Adelie " + (i % 3));
    r.put("mass", i % 7 == 0 ? null : 3000.0 + i / 4.0);
    r.put("tags", List.of((long) i, (long) -i));
    return r;
  }

  /** {@code groups} row groups of 100 records, records 1 to {@code 100 * groups}. */
  static Path write(Path file, int groups) throws IOException {
    return ParquetTestFiles.rowGroups(file, SCHEMA, groups, ParquetFilesTest::record);
  }

  @Test
  void schemaAndRowCountFromTheFooter() throws IOException {
    Path file = write(dir.resolve("p.parquet"), 3);
    assertThat(ParquetFiles.rowCount(file.toString())).isEqualTo(300);
    Schema schema = ParquetFiles.avroSchema(file.toString());
    assertThat(schema.getFields()).extracting(Schema.Field::name).containsExactly("id", "species", "mass", "tags");
    assertThat(schema.getField("id").schema().getType()).isEqualTo(Schema.Type.LONG);
    assertThat(schema.getField("mass").schema().getTypes()).extracting(Schema::getType).containsExactly(Schema.Type.NULL, Schema.Type.DOUBLE);
  }

  @Test
  void aFileThatIsNotParquetIsADataError() throws IOException {
    Path text = Files.writeString(dir.resolve("text.parquet"), "species,year\n");
    assertThatThrownBy(() -> ParquetFiles.avroSchema(text.toString()))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(text + ": not a readable Parquet file: ");
  }
}
