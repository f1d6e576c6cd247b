package dev.beamline.serving.log;

import static dev.beamline.serving.log.LogFixtures.await;
import static dev.beamline.serving.log.LogFixtures.glob;
import static dev.beamline.serving.log.LogFixtures.ingest;
import static dev.beamline.serving.log.LogFixtures.published;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.ResolvedInput;
import dev.beamline.ingest.parquet.ParquetFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed while it logs ({@code destroyForcibly}, SIGKILL): the segments it published read back
 * complete, and its open segment is invisible to ingestion.
 */
class RequestLogKillTest {
  @TempDir Path tmp;

  @Test
  void aKilledServerLosesOnlyItsOpenSegment() throws Exception {
    Path dir = tmp.resolve("log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(
            java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
            RequestLogChild.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile())
        .start();
    try {
      await(() -> published(dir).size() >= 3 || !child.isAlive(), Duration.ofMinutes(2), "three segments published");
      assertThat(child.isAlive()).as("the child is still logging; its output:%n%s", Files.readString(tmp.resolve("child.log")))
          .isTrue();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    List<String> segments = published(dir);
    assertThat(segments).hasSizeGreaterThanOrEqualTo(3);
    // What ingestion lists is what was published: no segment being written, whole or in part.
    List<String> listed = ResolvedInput.of(IngestExamples.Config.of(glob(dir))).files().files().stream()
        .map(InputFiles.InputFile::path).map(p -> dir.relativize(Path.of(p)).toString()).toList();
    assertThat(listed).isEqualTo(segments);
    // Whatever else the killed server left is a hidden segment being written.
    assertThat(LogFixtures.files(dir)).filteredOn(f -> !segments.contains(f))
        .allMatch(f -> Segment.isInProgress(Path.of(f).getFileName().toString()));

    long footerRows = 0;
    for (String s : segments) {
      footerRows += ParquetFiles.rowCount(dir.resolve(s).toString());
    }
    List<GenericRecord> rows = ingest(glob(dir));
    assertThat(rows).hasSize((int) footerRows);
    // One writer, one segment at a time, nothing dropped: the published segments hold the first requests,
    // each with its 3 instances, none missing and none twice.
    int requests = rows.size() / 3;
    assertThat(rows.size() % 3).isZero();
    assertThat(LogFixtures.instances(rows)).containsExactlyElementsOf(
        IntStream.range(0, requests).boxed()
            .flatMap(i -> IntStream.range(0, 3).mapToObj(k -> String.format("r%05d#%d", i, k))).toList());
    assertThat(rows.get(rows.size() - 1).get("bill_length_mm")).isEqualTo(30 + (requests - 1) + 0.2);
  }

  @Test
  void aLogStartedAfterTheKillWritesBesideTheLeftover() throws IOException {
    // The leftover of a killed server is recent here, so it is kept (it is deleted once stale), and
    // ingestion still sees only published segments.
    Path dir = tmp.resolve("log");
    Files.createDirectories(dir.resolve("penguins/3"));
    Path leftover = dir.resolve("penguins/3/.requests-20261130T000000.000Z-abcdef-000009-predict-serving_default.parquet.inprogress");
    Files.write(leftover, new byte[] {'P', 'A', 'R', '1', 1, 2, 3});
    try (ParquetRequestLog log = ParquetRequestLog.open(RequestLogConfig.of(dir))) {
      log.offer(LogFixtures.penguins("after", 1, 0));
    }
    assertThat(Files.exists(leftover)).isTrue();
    assertThat(LogFixtures.instances(ingest(glob(dir)))).containsExactly("after#0");
  }
}
