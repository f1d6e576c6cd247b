package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input for the vocabulary analyzer: 10 million distinct strings (plus ten heavy ones) through
 * its CombineFn in a child JVM limited to {@value #HEAP} of heap, where exact counts of every string
 * (about 1 GiB) cannot fit. It must finish, keep the default cap of 100,000 tokens with the heavy ones
 * first, their counts within the stated error, and warn naming the feature and its cardinality.
 */
class AnalyzerMemoryTest {
  // 128 MiB held the sketches but left the encoded accumulator no margin on a busy machine (an OOM in one
  // full run of the suite); exact counts, about 1 GiB, still cannot fit in 192.
  private static final String HEAP = "192m";
  private static final long DISTINCT = 10_000_000;
  private static final long TIMEOUT_SECONDS = 300;

  @TempDir Path tmp;

  @Test
  void tenMillionDistinctStringsFitInABoundedHeapAndTheVocabularyIsCappedWithAWarning() throws Exception {
    Path out = tmp.resolve("stdout.txt");
    Path err = tmp.resolve("stderr.txt");
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx" + HEAP, "-cp", System.getProperty("java.class.path"),
            DistinctTokensProbe.class.getName(), Long.toString(DISTINCT))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("the analyzer did not finish 10 M distinct strings in %s s; stderr: %s", TIMEOUT_SECONDS, tail(err));
      }
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as("exit code; stderr: %s", tail(err)).isZero();
    String stdout = Files.readString(out);
    String stderr = Files.readString(err);
    assertThat(stdout).contains("rows=10100000\n", "heavy_rows=100000\n", "vocabulary_size=100000\n");
    long maxError = Long.parseLong(find(stderr, "each at most ([\\d,]+) above the true count").replace(",", ""));
    // ItemsSketch's a priori bound for 10.1 M tokens and 2^19 slots: 3.5 N / 2^19 = 67.
    assertThat((double) maxError).isLessThanOrEqualTo(3.5 * 10_100_000 / (1 << 19));
    Matcher top = Pattern.compile("top (\\S+) (\\d+)").matcher(stdout);
    int heavy = 0;
    while (top.find()) {
      assertThat(top.group(1)).startsWith("heavy-");
      assertThat(Long.parseLong(top.group(2))).isBetween(10_000L, 10_000L + maxError);
      heavy++;
    }
    assertThat(heavy).isEqualTo(10);
    // The warning names the feature and its cardinality (an HLL estimate, standard error 1.6%).
    long cardinality = Long.parseLong(find(stderr,
        "WARN dev.beamline.transform.AnalysisAccumulator - transform 'token': about ([\\d,]+) distinct tokens, more than the default"
            + " vocabulary size: keeping the 100,000 most frequent \\(set vocabulary.top_k to choose\\)").replace(",", ""));
    assertThat((double) cardinality).isCloseTo(DISTINCT + 10, org.assertj.core.data.Percentage.withPercentage(5));
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("/%s/ in:%n%s", regex, text).isTrue();
    return m.group(1);
  }

  private static String tail(Path file) throws IOException {
    List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
