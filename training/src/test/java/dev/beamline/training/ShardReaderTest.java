package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shard reader on files it is not given by the transform stage: other physical types than the
 * stage writes (double, int), and what it refuses (nulls, lists wider than the feature, corrupt pages).
 */
class ShardReaderTest {
  private static final Schema SCHEMA = SchemaBuilder.record("Shard").fields()
      .name("d").type().nullable().doubleType().noDefault()
      .name("i").type().intType().noDefault()
      .name("v").type(Schema.createArray(Schema.create(Schema.Type.DOUBLE))).noDefault()
      .endRecord();

  @TempDir Path dir;

  private Path write(String name, int rows, boolean withNull) throws IOException {
    Path file = dir.resolve(name);
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new org.apache.hadoop.fs.Path(file.toUri()))
        .withSchema(SCHEMA).withConf(new Configuration(false)).withPageSize(1024).build()) {
      for (int i = 0; i < rows; i++) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("d", withNull && i == rows / 2 ? null : i / 4.0);
        r.put("i", i % 5 - 2);
        r.put("v", List.of((double) i, -0.5 * i, i % 3 == 0 ? 1.0 : 0.0));
        w.write(r);
      }
    }
    return file;
  }

  @Test
  void doublesAndIntsAsFloatsAndLongs() throws IOException {
    Path file = write("a.parquet", 1000, false);
    List<Column> columns = List.of(new Column("d", OutputKind.FLOAT, 1), new Column("i", OutputKind.ID, 1), new Column("v", OutputKind.VECTOR, 3));
    List<float[]> v = new ArrayList<>();
    float[] d = new float[1000];
    long[] ids = new long[1000];
    try (ShardReader r = new ShardReader(file.toString(), columns)) {
      Object[] arrays = {new float[300], new long[300], new float[900]};
      int at = 0;
      for (int n = r.read(arrays, 0, 300); n > 0; n = r.read(arrays, 0, 300)) {
        System.arraycopy(arrays[0], 0, d, at, n);
        System.arraycopy(arrays[1], 0, ids, at, n);
        for (int k = 0; k < n; k++) {
          v.add(Arrays.copyOfRange((float[]) arrays[2], 3 * k, 3 * k + 3));
        }
        at += n;
      }
      assertThat(at).isEqualTo(1000);
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(d[i]).isEqualTo(i / 4f);
      assertThat(ids[i]).isEqualTo(i % 5 - 2);
      assertThat(v.get(i)).containsExactly(i, -0.5f * i, i % 3 == 0 ? 1f : 0f);
    }
  }

  private void assertFirstReadFails(Path file, List<Column> columns, String message) throws IOException {
    try (ShardReader r = new ShardReader(file.toString(), columns)) {
      Object[] arrays = columns.stream().map(c -> c.newArray(100)).toArray();
      assertThatThrownBy(() -> {
        while (r.read(arrays, 0, 100) > 0) {
          // reads until it fails
        }
      }).isInstanceOf(DataCheckException.class).hasMessageStartingWith(message);
    }
  }

  @Test
  void aNullAWiderListAndACorruptPageAreDataErrors() throws IOException {
    Path nulls = write("nulls.parquet", 300, true);
    assertFirstReadFails(nulls, List.of(new Column("d", OutputKind.FLOAT, 1)),
        nulls + ": 'd' has a missing value; transformed features are never null");
    assertFirstReadFails(nulls, List.of(new Column("v", OutputKind.VECTOR, 2)),
        nulls + ": 'v' has a row with more than 2 values");

    Path corrupt = write("corrupt.parquet", 3000, false);
    try (FileChannel ch = FileChannel.open(corrupt, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}), Files.size(corrupt) / 3);
    }
    assertFirstReadFails(corrupt, List.of(new Column("d", OutputKind.FLOAT, 1), new Column("v", OutputKind.VECTOR, 3)),
        corrupt + ": row group 0 (0-based, of 1; 3000 rows) cannot be read: ");
  }
}
