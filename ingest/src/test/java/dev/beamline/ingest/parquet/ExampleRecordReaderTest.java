package dev.beamline.ingest.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.ingest.ParquetTestFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records read back as written, record after record or row group by row group; a corrupt row group. */
class ExampleRecordReaderTest {
  @TempDir Path dir;

  /** Records {@code from} to {@code to} (1-based, inclusive) as text. */
  private static List<String> expected(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(ParquetFilesTest.record(i).toString());
    }
    return out;
  }

  @Test
  void readsEveryRecordAsWritten() throws IOException {
    Path file = ParquetFilesTest.write(dir.resolve("p.parquet"), 3);
    List<GenericRecord> all = ExampleRecordReader.readAll(file.toString());
    assertThat(all).extracting(Object::toString).isEqualTo(expected(1, 300));
    assertThat(all.get(0).getSchema()).isEqualTo(ParquetFilesTest.SCHEMA);
    try (ExampleRecordReader reader = ExampleRecordReader.open(file.toString())) {
      assertThat(reader.rowGroups()).isEqualTo(3);
      assertThat(reader.rows(2)).isEqualTo(100);
      ExampleRecordReader.RowGroup second = reader.readRowGroup(1);
      List<String> records = new ArrayList<>();
      for (GenericRecord r = second.read(); r != null; r = second.read()) {
        records.add(r.toString());
      }
      assertThat(records).isEqualTo(expected(101, 200));
    }
  }

  @Test
  void aCorruptRowGroupIsADataErrorNamingTheFileAndTheRowGroup() throws IOException {
    Path file = ParquetFilesTest.write(dir.resolve("c.parquet"), 3);
    ParquetTestFiles.corrupt(file, 1, "id");
    assertThatThrownBy(() -> ExampleRecordReader.readAll(file.toString()))
        .isInstanceOf(DataCheckException.class)
        .hasMessageStartingWith(file + ": row group 1 (0-based, of 3; 100 rows) cannot be read: ")
        .hasMessageContaining("CRC checksum verification failed");
    try (ExampleRecordReader reader = ExampleRecordReader.open(file.toString())) {
      assertThatThrownBy(() -> reader.readRowGroup(1)).hasMessageContaining("CRC checksum verification failed");
      // The other row groups are still read.
      ExampleRecordReader.RowGroup last = reader.readRowGroup(2);
      assertThat(last.read().toString()).isEqualTo(expected(201, 201).get(0));
    }
  }
}
