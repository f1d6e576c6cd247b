package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile CSV files, written here as they are needed (streamed, never held in memory), each ingested by
 * {@link IngestFileMain} on the DirectRunner in a JVM of its own with a 256 MiB heap: a record is held up
 * to {@code ingest.csv.max_record_bytes} (1 MiB by default) whatever the file holds, and the lines lost
 * count as rejected rows.
 */
class HostileInputIT {
  private static final String HEAP = "-Xmx256m";
  private static final long TIMEOUT_S = 300;
  private static final int LIMIT = CsvFormat.DEFAULT_MAX_RECORD_BYTES;
  private static final int LINE = 1024;

  @TempDir Path tmp;

  private record Result(int code, String output) {}

  /** Ingests {@code input} in a child JVM, allowing any fraction of rejected rows, and returns its exit code and output. */
  private Result ingestInChildJvm(Path input) throws IOException, InterruptedException {
    Path log = tmp.resolve("child.log");
    List<String> command =
        List.of(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            HEAP,
            // Should memory run out, end at once (the DirectRunner would wait for its dead worker).
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            System.getProperty("java.class.path"),
            IngestFileMain.class.getName(),
            input.toString(),
            tmp.resolve("runs").toString(),
            "1.0");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      boolean finished = p.waitFor(TIMEOUT_S, TimeUnit.SECONDS);
      assertThat(finished).as("ingestion finished within %d s; output:%n%s", TIMEOUT_S, tail(log)).isTrue();
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static String tail(Path log) throws IOException {
    String s = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The dead-letter rows of the one published run, by line. */
  private List<RejectedRow> deadLetters() throws IOException {
    List<RejectedRow> rows = new ArrayList<>();
    for (String line : IngestOutput.open(tmp.resolve("runs/hostile/ingest/run-1")).rejectedRows()) {
      rows.add(RejectedRow.fromJson(line));
    }
    rows.sort(Comparator.comparingLong(RejectedRow::line));
    return rows;
  }

  /**
   * A quote opened on line 4 and never closed, followed by 50 MiB of text without a quote: first 1,025
   * lines of 1 KiB, then seven lines of 7 MiB, then one good row. The record that starts on line 4
   * reaches the 1 MiB limit on its 1,025th line (1,024 lines of 1,024 bytes fill it exactly); reading
   * resumes after that line, outside quotes, where each 7 MiB line is a record longer than the limit
   * in its turn; the last row is read as usual. So 8 dead-letter rows stand for 1,032 lines lost.
   * (Had the text after the first MiB been short lines, each would have been read as a row: nothing
   * can tell the inside of an unclosed quote from the rows after it.)
   */
  @Test
  void aFiftyMegabyteUnclosedQuoteIsReadInBoundedMemoryCountingEveryLineLost() throws Exception {
    Path csv = tmp.resolve("unclosed.csv");
    int quotedLines = LIMIT / LINE + 1; // 1,025: the lines of the first record, up to the one past the limit
    int longLines = 7;
    byte[] sevenMebibytes = new byte[7 << 20];
    java.util.Arrays.fill(sevenMebibytes, (byte) 'q');
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(csv), 1 << 20)) {
      out.write(ascii("id,text\n1,first\n2,second\n"));
      out.write(ascii("3,\"" + "q".repeat(LINE - 4) + "\n"));
      byte[] line = ascii("q".repeat(LINE - 1) + "\n");
      for (int i = 1; i < quotedLines; i++) {
        out.write(line);
      }
      for (int i = 0; i < longLines; i++) {
        out.write(sevenMebibytes);
        out.write('\n');
      }
      out.write(ascii("4,last\n"));
    }
    long quoted = (long) quotedLines * LINE + longLines * ((7L << 20) + 1);
    assertThat(quoted).isGreaterThan(50L << 20);
    assertThat(Files.size(csv)).isEqualTo(25 + quoted + 7);

    Result r = ingestInChildJvm(csv);

    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).as(r.output()).contains("rows=3 rejected=1032 dead_letter_lines=8 max_heap=");
    assertHeapWasBounded(r.output());
    List<RejectedRow> dead = deadLetters();
    assertThat(dead.get(0))
        .isEqualTo(
            new RejectedRow(csv.toString(), 4, null,
                "quoted field starting on line 4 is not closed within ingest.csv.max_record_bytes (1048576 bytes):"
                    + " skipped to the end of line 1028, 1025 lines lost (counted as 1025 rejected rows);"
                    + " content holds its first 1024 bytes",
                "3,\"" + "q".repeat(LINE - 4) + "\n", 1025, null));
    for (int i = 1; i <= longLines; i++) {
      long line = 1028 + i;
      assertThat(dead.get(i))
          .isEqualTo(
              new RejectedRow(csv.toString(), line, null,
                  "record starting on line " + line + " is longer than ingest.csv.max_record_bytes (1048576 bytes):"
                      + " skipped to the end of line " + line + ", 1 line lost (counted as 1 rejected row);"
                      + " content holds its first 1024 bytes",
                  "q".repeat(LINE)));
    }
    assertThat(dead).hasSize(1 + longLines);
    assertThat(IngestOutput.open(tmp.resolve("runs/hostile/ingest/run-1")).readSplit("all"))
        .extracting(e -> e.get("text").toString())
        .containsExactlyInAnyOrder("first", "second", "last");
  }

  /** The child's maximum heap, as it printed it, was the 256 MiB it was started with. */
  private static void assertHeapWasBounded(String output) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("max_heap=(\\d+)").matcher(output);
    assertThat(m.find()).as(output).isTrue();
    assertThat(Long.parseLong(m.group(1))).isLessThanOrEqualTo(256L << 20);
  }

  /** One line of 1 GiB between two good rows: rejected with a preview of its first KiB, the rows around it kept. */
  @Test
  void aOneGigabyteLineIsSkippedInBoundedMemory() throws Exception {
    Path csv = tmp.resolve("long-line.csv");
    byte[] mebibyte = new byte[1 << 20];
    java.util.Arrays.fill(mebibyte, (byte) 'q');
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(csv), 1 << 20)) {
      out.write(ascii("id,text\n1,first\n2,"));
      for (int i = 0; i < 1024; i++) {
        out.write(mebibyte);
      }
      out.write(ascii("\n3,last\n"));
    }
    assertThat(Files.size(csv)).isEqualTo(18 + (1L << 30) + 8);

    Result r = ingestInChildJvm(csv);

    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).as(r.output()).contains("rows=2 rejected=1 dead_letter_lines=1 max_heap=");
    assertHeapWasBounded(r.output());
    assertThat(deadLetters())
        .containsExactly(
            new RejectedRow(csv.toString(), 3, null,
                "record starting on line 3 is longer than ingest.csv.max_record_bytes (1048576 bytes):"
                    + " skipped to the end of line 3, 1 line lost (counted as 1 rejected row);"
                    + " content holds its first 1024 bytes",
                "2," + "q".repeat(LINE - 2)));
    assertThat(IngestOutput.open(tmp.resolve("runs/hostile/ingest/run-1")).readSplit("all"))
        .extracting(e -> e.get("text").toString())
        .containsExactlyInAnyOrder("first", "last");
  }
}
