package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading transformed shards column by column, batching and seeded shuffling. */
class ExampleStreamTest {
  @TempDir Path dir;

  static final FittedFeature ID = Fitted.vocabulary("id", List.of(), 1_000_000, null, FeatureTransform.Encoding.ID, false);
  static final FittedFeature F = Fitted.passThrough("f", 0);
  static final FittedFeature V = Fitted.tokens(FeatureTransform.string("v").withSeparator(",")
      .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(FeatureTransform.Encoding.MULTI_HOT), List.of("a", "b", "c"), null);
  static final FittedFeature IDS = Fitted.tokens(FeatureTransform.string("w").withSeparator(",")
      .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(FeatureTransform.Encoding.IDS).withMaxTokens(2), List.of("a", "b"), null);
  static final List<FittedFeature> FEATURES = List.of(ID, F, V, IDS);

  static Map<String, Object> row(long i) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("id", i);
    r.put("f", i / 2f);
    r.put("v", new float[] {i, -i, i % 3});
    r.put("w", new long[] {i * 10, i % 2 == 0 ? -1 : i});
    return r;
  }

  static List<Map<String, Object>> rows(int from, int to) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = from; i < to; i++) {
      rows.add(row(i));
    }
    return rows;
  }

  static List<Column> columns() {
    return FEATURES.stream().map(f -> new Column(f.name(), f.kind(), f.width())).toList();
  }

  @BeforeEach
  void shards() throws IOException {
    // Three shards; the second in small row groups (many row groups and pages), the third with the
    // three-level list structure.
    TransformedData.write(dir, "s", "b.parquet", FEATURES, rows(0, 1000));
    TransformedData.write(dir, "s", "a.parquet", FEATURES, rows(1000, 6000), new Configuration(false), 4096);
    Configuration threeLevel = new Configuration(false);
    threeLevel.setBoolean("parquet.avro.write-old-list-structure", false);
    TransformedData.write(dir, "s", "c.parquet", FEATURES, rows(6000, 6500), threeLevel, 8192);
  }

  /** Every row read, checked against {@link #row}, as the list of their ids in stream order. */
  static List<Long> drain(ExampleStream s, int batchSize) {
    List<Long> ids = new ArrayList<>();
    while (s.hasNext()) {
      Batch b = s.next();
      assertThat(b.size).isLessThanOrEqualTo(batchSize);
      for (int i = 0; i < b.size; i++) {
        long id = b.longs(0)[i];
        Map<String, Object> expected = row(id);
        assertThat(b.floats(1)[i]).isEqualTo((Float) expected.get("f"));
        assertThat(Arrays.copyOfRange(b.floats(2), i * 3, i * 3 + 3)).isEqualTo((float[]) expected.get("v"));
        assertThat(Arrays.copyOfRange(b.longs(3), i * 2, i * 2 + 2)).isEqualTo((long[]) expected.get("w"));
        ids.add(id);
      }
    }
    return ids;
  }

  @Test
  void inOrderWithoutASeed() {
    List<String> files = Trainer.shards(dir.toString(), "s");
    assertThat(files).hasSize(3);
    try (ExampleStream s = ExampleStream.open(files, columns(), 64, 100, null, -1)) {
      List<Long> ids = drain(s, 64);
      List<Long> expected = new ArrayList<>();
      for (long i = 1000; i < 6000; i++) {
        expected.add(i);
      }
      for (long i = 0; i < 1000; i++) {
        expected.add(i);
      }
      for (long i = 6000; i < 6500; i++) {
        expected.add(i);
      }
      assertThat(ids).isEqualTo(expected);
      assertThat(s.rows()).isEqualTo(6500);
    }
  }

  @Test
  void shuffledEveryRowOnceAndTheSameForTheSameSeed() {
    List<String> files = Trainer.shards(dir.toString(), "s");
    List<Long> first;
    try (ExampleStream s = ExampleStream.open(files, columns(), 100, 500, 7L, -1)) {
      first = drain(s, 100);
    }
    assertThat(first).hasSize(6500).doesNotHaveDuplicates();
    assertThat(first.subList(0, 100)).isNotEqualTo(first.stream().sorted().toList().subList(0, 100));
    try (ExampleStream s = ExampleStream.open(files, columns(), 100, 500, 7L, -1)) {
      assertThat(drain(s, 100)).isEqualTo(first);
    }
    try (ExampleStream s = ExampleStream.open(files, columns(), 100, 500, 8L, -1)) {
      assertThat(drain(s, 100)).isNotEqualTo(first).containsExactlyInAnyOrderElementsOf(first);
    }
  }

  @Test
  void rowsWithLabelMinusOneAreSkipped() throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long i = 0; i < 10; i++) {
      rows.add(Map.of("id", i % 3 == 0 ? -1L : i, "f", 1f));
    }
    TransformedData.write(dir, "t", "x.parquet", List.of(ID, F), rows);
    List<Column> cols = List.of(new Column("f", OutputKind.FLOAT, 1), new Column("id", OutputKind.ID, 1));
    try (ExampleStream s = ExampleStream.open(Trainer.shards(dir.toString(), "t"), cols, 3, 4, 1L, 1)) {
      int n = 0;
      while (s.hasNext()) {
        Batch b = s.next();
        for (long id : b.longs(1)) {
          assertThat(id).isNotNegative();
        }
        n += b.size;
      }
      assertThat(n).isEqualTo(6);
      assertThat(s.skipped()).isEqualTo(4);
    }
  }

  @Test
  void aMissingColumnOrAWrongWidthIsAClearError() {
    List<String> files = Trainer.shards(dir.toString(), "s");
    List<Column> missing = List.of(new Column("nope", OutputKind.FLOAT, 1));
    try (ExampleStream s = ExampleStream.open(files, missing, 10, 10, null, -1)) {
      assertThatThrownBy(s::hasNext).isInstanceOf(DataCheckException.class).hasMessageContaining("no column 'nope' (columns: [id, f, v, w])");
    }
    List<Column> wide = List.of(new Column("v", OutputKind.VECTOR, 4));
    try (ExampleStream s = ExampleStream.open(files, wide, 10, 10, null, -1)) {
      assertThatThrownBy(s::hasNext).isInstanceOf(DataCheckException.class).hasMessageContaining("'v' has a row with 3 values; its transformed width is 4");
    }
    List<Column> kind = List.of(new Column("f", OutputKind.ID, 1));
    try (ExampleStream s = ExampleStream.open(files, kind, 10, 10, null, -1)) {
      assertThatThrownBy(s::hasNext).isInstanceOf(DataCheckException.class).hasMessageContaining("column 'f' holds FLOAT, but transformed feature kind ID needs long");
    }
  }

  @Test
  void closingMidStreamStopsTheReader() {
    List<String> files = Trainer.shards(dir.toString(), "s");
    ExampleStream s = ExampleStream.open(files, columns(), 8, 8, 3L, -1);
    assertThat(s.next().size).isEqualTo(8);
    s.close();
    assertThat(s.rows()).isLessThan(6500);
  }
}
