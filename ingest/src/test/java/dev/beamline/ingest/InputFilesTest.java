package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import dev.beamline.core.ConfigException;
import dev.beamline.ingest.InputFiles.InputFile;
import dev.beamline.ingest.InputFiles.SpanSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.regex.Matcher;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
  @TempDir Path root;

  @BeforeAll
  static void registerFileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  /** Writes {@code relative} under the root with {@code bytes} bytes of content. */
  private Path write(String relative, int bytes) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "x".repeat(bytes));
    return p;
  }

  private InputFile file(String relative, int bytes) {
    return new InputFile(root.resolve(relative).toString(), bytes);
  }

  private String pattern(String relative) {
    return root.resolve(relative).toString();
  }

  @BeforeEach
  void layOutSpansAndVersions() throws IOException {
    write("span-1/v-1/a.csv", 11);
    write("span-2/v-1/a.csv", 21);
    write("span-2/v-1/b.csv", 22);
    write("span-2/v-2/a.csv", 23);
    write("span-2/v-2/c.csv", 24);
    write("span-2/v-2/notes.txt", 25);
    write("span-3/v-1/a.csv", 31);
  }

  @Test
  void takesTheNewestVersionOfTheNewestSpanByDefault() {
    InputFiles in = InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.latest());

    assertThat(in.files()).containsExactly(file("span-3/v-1/a.csv", 31));
    assertThat(in.spans()).containsExactly(Map.entry(3L, 1L));
    assertThat(in.pattern()).isEqualTo(pattern("span-{SPAN}/v-{VERSION}/*.csv"));
  }

  @Test
  void takesEveryFileOfTheNewestVersionOnly() throws IOException {
    Files.delete(root.resolve("span-3/v-1/a.csv"));

    InputFiles in = InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.latest());

    assertThat(in.files()).containsExactly(file("span-2/v-2/a.csv", 23), file("span-2/v-2/c.csv", 24));
    assertThat(in.spans()).containsExactly(Map.entry(2L, 2L));
  }

  @Test
  void takesTheNewestVersionOfEverySpanInARange() {
    InputFiles in = InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.range(1, 2));

    assertThat(in.files())
        .containsExactly(file("span-1/v-1/a.csv", 11), file("span-2/v-2/a.csv", 23), file("span-2/v-2/c.csv", 24));
    assertThat(in.spans()).containsExactly(Map.entry(1L, 1L), Map.entry(2L, 2L));
  }

  @Test
  void rangesAreInclusiveAndMayReachPastTheSpansFound() {
    assertThat(InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.range(2, 9)).spans())
        .containsExactly(Map.entry(2L, 2L), Map.entry(3L, 1L));
    assertThat(InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.range(3, 3)).spans())
        .containsExactly(Map.entry(3L, 1L));
    assertThat(InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.range(0, 1)).files())
        .containsExactly(file("span-1/v-1/a.csv", 11));
  }

  @Test
  void aRangeWithoutAnySpanNamesTheSpansFound() {
    String pattern = pattern("span-{SPAN}/v-{VERSION}/*.csv");

    assertThatThrownBy(() -> InputFiles.resolve(pattern, SpanSelection.range(4, 7)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("no span in [4, 7] matches '" + pattern + "'; spans found: [1, 2, 3]");
  }

  @Test
  void spansWithoutVersionsHaveANullVersion() {
    InputFiles in = InputFiles.resolve(pattern("span-{SPAN}/*/a.csv"), SpanSelection.range(1, 2));

    // Without {VERSION}, every file of a span is read, whatever folder the glob matched.
    assertThat(in.files())
        .containsExactly(file("span-1/v-1/a.csv", 11), file("span-2/v-1/a.csv", 21), file("span-2/v-2/a.csv", 23));
    assertThat(in.spans()).containsExactly(entry(1L, null), entry(2L, null));
  }

  @Test
  void comparesSpansAndVersionsAsNumbers() throws IOException {
    write("numeric/span-9/v-9/a.csv", 1);
    write("numeric/span-10/v-9/a.csv", 2);
    write("numeric/span-10/v-10/a.csv", 3);
    write("numeric/span-10/v-011/a.csv", 4);

    InputFiles in = InputFiles.resolve(pattern("numeric/span-{SPAN}/v-{VERSION}/a.csv"), SpanSelection.latest());

    assertThat(in.files()).containsExactly(file("numeric/span-10/v-011/a.csv", 4));
    assertThat(in.spans()).containsExactly(Map.entry(10L, 11L));
  }

  @Test
  void ignoresMatchesWithoutANumberWhereTheSpanIs() throws IOException {
    write("span-next/v-1/a.csv", 5);
    write("span-/v-1/a.csv", 5);

    InputFiles in = InputFiles.resolve(pattern("span-{SPAN}/v-{VERSION}/*.csv"), SpanSelection.latest());

    assertThat(in.spans()).containsExactly(Map.entry(3L, 1L));
  }

  @Test
  void failsWhenFilesMatchButNoneHasASpanNumber() throws IOException {
    write("other/span-new/a.csv", 5);
    String pattern = pattern("other/span-{SPAN}/*.csv");

    assertThatThrownBy(() -> InputFiles.resolve(pattern, SpanSelection.latest()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "input file not found: files match '" + pattern("other/span-*/*.csv") + "' but none has a number where '"
                + pattern + "' has {SPAN}");
  }

  @Test
  void readsPlainGlobsAndPathsWithoutSpans() {
    InputFiles glob = InputFiles.resolve(pattern("span-2/*/*.csv"), SpanSelection.latest());

    assertThat(glob.files())
        .containsExactly(
            file("span-2/v-1/a.csv", 21), file("span-2/v-1/b.csv", 22),
            file("span-2/v-2/a.csv", 23), file("span-2/v-2/c.csv", 24));
    assertThat(glob.spans()).isEmpty();

    InputFiles single = InputFiles.resolve(pattern("span-2/v-2/notes.txt"), SpanSelection.latest());
    assertThat(single.files()).containsExactly(file("span-2/v-2/notes.txt", 25));

    InputFiles deep = InputFiles.resolve(pattern("**/a.csv"), SpanSelection.latest());
    assertThat(deep.files())
        .containsExactly(
            file("span-1/v-1/a.csv", 11), file("span-2/v-1/a.csv", 21),
            file("span-2/v-2/a.csv", 23), file("span-3/v-1/a.csv", 31));
  }

  @Test
  void resolvesRelativePatternsAgainstTheWorkingDirectory() {
    Path cwd = Paths.get("").toAbsolutePath();
    String relative = cwd.relativize(root).resolve("span-{SPAN}/v-{VERSION}/*.csv").toString();

    InputFiles in = InputFiles.resolve(relative, SpanSelection.latest());

    assertThat(in.files()).containsExactly(file("span-3/v-1/a.csv", 31));
    assertThat(in.pattern()).isEqualTo(pattern("span-{SPAN}/v-{VERSION}/*.csv"));
  }

  @Test
  void noMatchNamesThePattern() {
    String plain = pattern("missing/*.csv");
    assertThatThrownBy(() -> InputFiles.resolve(plain, SpanSelection.latest()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("input file not found: nothing matches '" + plain + "'");

    String spans = pattern("span-{SPAN}/v-{VERSION}/*.parquet");
    assertThatThrownBy(() -> InputFiles.resolve(spans, SpanSelection.latest()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "input file not found: nothing matches '" + spans + "' (as '" + pattern("span-*/v-*/*.parquet") + "')");

    String missingFile = pattern("span-1/v-1/z.csv");
    assertThatThrownBy(() -> InputFiles.resolve(missingFile, SpanSelection.latest()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("input file not found: nothing matches '" + missingFile + "'");
  }

  @Test
  void rejectsVersionWithoutSpan() {
    String pattern = pattern("span-1/v-{VERSION}/*.csv");

    assertThatThrownBy(() -> InputFiles.resolve(pattern, SpanSelection.latest()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("input pattern '" + pattern + "' has {VERSION} but no {SPAN}");
  }

  @Test
  void rejectsARangeWithoutSpan() {
    String pattern = pattern("span-1/v-1/*.csv");

    assertThatThrownBy(() -> InputFiles.resolve(pattern, SpanSelection.range(1, 2)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("a span range is given but input pattern '" + pattern + "' has no {SPAN}");
  }

  @Test
  void rejectsAnEmptyRange() {
    assertThatThrownBy(() -> SpanSelection.range(3, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("span range [3, 2] is empty: from must not exceed to");
    assertThat(SpanSelection.latest().isLatest()).isTrue();
    assertThat(SpanSelection.range(2, 2).isLatest()).isFalse();
  }

  @Test
  void regexCapturesSpanAndVersionWithinOneFolderLevel() {
    java.util.regex.Pattern re = InputFiles.toRegex("/d/span-{SPAN}/v{VERSION}/part-?.*");

    Matcher m = re.matcher("/d/span-12/v3/part-0.csv");
    assertThat(m.matches()).isTrue();
    assertThat(m.group("span")).isEqualTo("12");
    assertThat(m.group("version")).isEqualTo("3");
    assertThat(re.matcher("/d/span-12/v3/sub/part-0.csv").matches()).isFalse();
    assertThat(re.matcher("/d/span-12/v3/part-10.csv").matches()).isFalse();
    assertThat(re.matcher("/d/span-x/v3/part-0.csv").matches()).isFalse();
    // Dots and other regex characters in the pattern are literal.
    assertThat(re.matcher("/d/span-12/v3/part-0xcsv").matches()).isFalse();
    assertThat(InputFiles.toRegex("/d/a.csv").matcher("/d/abcsv").matches()).isFalse();
    assertThat(InputFiles.toRegex("/d/**/a.csv").matcher("/d/x/y/a.csv").matches()).isTrue();
  }
}
