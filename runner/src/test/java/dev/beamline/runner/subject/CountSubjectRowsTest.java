package dev.beamline.runner.subject;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.CsvFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CountSubjectRowsTest {
  @TempDir Path tmp;

  private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"Example\",\"namespace\":\"dev.beamline\",\"fields\":["
      + "{\"name\":\"user_id\",\"type\":[\"null\",\"long\"],\"default\":null},{\"name\":\"city\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

  private List<ScanTarget> targets() throws Exception {
    Path a = Files.writeString(tmp.resolve("a.csv"), "user_id,city\n1,Oslo\n2,Bergen\n1,Oslo\n");
    Path b = Files.writeString(tmp.resolve("b.csv"), "user_id,city\n3,Oslo\n");
    Path c = Files.writeString(tmp.resolve("c.csv"), "other,city\n1,Oslo\n");
    return List.of(
        new ScanTarget(1, "RAW_DATA", "raw_data", a.toString(), "csv", CsvFormat.defaults(), SCHEMA),
        new ScanTarget(2, "RAW_DATA", "raw_data", b.toString(), "csv", CsvFormat.defaults(), SCHEMA),
        // Columns other than the schema's: the file cannot be read as ingested.
        new ScanTarget(3, "RAW_DATA", "raw_data", c.toString(), "csv", CsvFormat.defaults(), SCHEMA));
  }

  @Test
  void countsEachFilesRowsAndTheSubjects() throws Exception {
    List<ScanTarget> t = targets();
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    var counted = p.apply(Create.of(KV.of(0, t.get(0)), KV.of(1, t.get(1)), KV.of(2, t.get(2)))
            .withCoder(KvCoder.of(VarIntCoder.of(), SerializableCoder.of(ScanTarget.class))))
        .apply(CountSubjectRows.of(SubjectKey.parse("user_id=1")));
    PAssert.that(counted).satisfies(found -> {
      java.util.Map<Integer, FileMatches> byTarget = new java.util.TreeMap<>();
      found.forEach(m -> byTarget.put(m.target(), m));
      assertThat(byTarget.get(0)).isEqualTo(new FileMatches(0, true, 3, 2, List.of("user_id", "city"), null));
      assertThat(byTarget.get(1)).isEqualTo(new FileMatches(1, true, 1, 0, List.of("user_id", "city"), null));
      assertThat(byTarget.get(2).error()).startsWith(t.get(2).file() + ": cannot be read: ");
      assertThat(byTarget.get(2).rows()).isZero();
      assertThat(byTarget).hasSize(3);
      return null;
    });
    p.run().waitUntilFinish();
  }

  @Test
  void theScanJobGivesOneResultPerFileInOrder() throws Exception {
    List<FileMatches> found = SubjectScan.run(targets(), SubjectKey.parse("city=Oslo"), PipelineOptionsFactory.create());
    assertThat(found).extracting(FileMatches::target).containsExactly(0, 1, 2);
    assertThat(found).extracting(FileMatches::matched).containsExactly(2L, 1L, 0L);
    assertThat(found).extracting(FileMatches::rows).containsExactly(3L, 1L, 0L);
  }
}
