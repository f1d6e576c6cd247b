package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublisherTest {
  @TempDir Path dir;

  private static List<String> listing(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private Path stagedRun(String name) throws IOException {
    Path staging = dir.resolve("penguins/ingest/.staging-" + name);
    Files.createDirectories(staging.resolve("examples"));
    Files.writeString(staging.resolve("schema.avsc"), "{}");
    Files.writeString(staging.resolve("examples/train-00000.parquet"), "rows");
    return staging;
  }

  @Test
  void publishesTheStagedFolderUnderItsFinalName() throws IOException {
    Path staging = stagedRun("r1");
    Path target = dir.resolve("penguins/ingest/r1");

    Publisher.publishDirectory(staging, target);

    assertThat(staging).doesNotExist();
    assertThat(listing(target)).containsExactly("examples", "schema.avsc");
    assertThat(target.resolve("examples/train-00000.parquet")).hasContent("rows");
    assertThat(listing(dir.resolve("penguins/ingest"))).containsExactly("r1");
  }

  @Test
  void createsTheTargetsParentFolders() throws IOException {
    Path staging = stagedRun("r1");
    Path target = dir.resolve("elsewhere/deep/r1");

    Publisher.publishDirectory(staging, target);

    assertThat(target.resolve("schema.avsc")).hasContent("{}");
  }

  @Test
  void refusesToPublishOntoAnExistingTarget() throws IOException {
    Path staging = stagedRun("r1");
    Path target = dir.resolve("penguins/ingest/r1");
    Files.createDirectories(target);
    Files.writeString(target.resolve("schema.avsc"), "earlier run");

    assertThatThrownBy(() -> Publisher.publishDirectory(staging, target))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot publish " + staging + ": " + target + " exists already");

    assertThat(target.resolve("schema.avsc")).hasContent("earlier run");
    assertThat(staging.resolve("schema.avsc")).hasContent("{}");
  }

  @Test
  void refusesToPublishOntoAnExistingEmptyFolder() throws IOException {
    // rename(2) silently replaces an empty folder; a run id is never reused, so this must fail too.
    Path staging = stagedRun("r1");
    Path target = dir.resolve("penguins/ingest/r1");
    Files.createDirectories(target);

    assertThatThrownBy(() -> Publisher.publishDirectory(staging, target))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot publish " + staging + ": " + target + " exists already");

    assertThat(listing(target)).isEmpty();
    assertThat(staging.resolve("schema.avsc")).hasContent("{}");
  }

  @Test
  void refusesToPublishOntoAnExistingFile() throws IOException {
    Path staging = stagedRun("r1");
    Path target = dir.resolve("penguins/ingest/r1");
    Files.writeString(target, "a file");

    assertThatThrownBy(() -> Publisher.publishDirectory(staging, target))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot publish " + staging + ": " + target + " exists already");

    assertThat(target).hasContent("a file");
  }

  @Test
  void failsWhenTheStagingFolderIsMissing() {
    Path staging = dir.resolve("penguins/ingest/.staging-none");
    Path target = dir.resolve("penguins/ingest/none");

    assertThatThrownBy(() -> Publisher.publishDirectory(staging, target))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("cannot publish " + staging + " to " + target + ": ");
    assertThat(target).doesNotExist();
  }

  @Test
  void writeAtomicallyWritesTheContentAndLeavesNoTemporaryFile() throws IOException {
    Path target = dir.resolve("meta/fingerprint.json");

    Publisher.writeAtomically(target, "{\"rows\": 344}");

    assertThat(target).hasContent("{\"rows\": 344}");
    assertThat(listing(dir.resolve("meta"))).containsExactly("fingerprint.json");
  }

  @Test
  void writeAtomicallyReplacesAnExistingFile() throws IOException {
    Path target = dir.resolve("fingerprint.json");
    Files.writeString(target, "old content that is longer than the new one");

    Publisher.writeAtomically(target, "new".getBytes(StandardCharsets.UTF_8));

    assertThat(target).hasContent("new");
    assertThat(listing(dir)).containsExactly("fingerprint.json");
  }

  @Test
  void writeAtomicallyEncodesTextAsUtf8() throws IOException {
    Path target = dir.resolve("names.txt");

    Publisher.writeAtomically(target, "Größe");

    assertThat(Files.readAllBytes(target)).isEqualTo("Größe".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void deleteRecursivelyRemovesTheWholeTree() throws IOException {
    Path staging = stagedRun("r1");

    Publisher.deleteRecursively(staging);

    assertThat(staging).doesNotExist();
    assertThat(dir.resolve("penguins/ingest")).isEmptyDirectory();
  }

  @Test
  void deleteRecursivelyIgnoresAMissingFolder() {
    Path missing = dir.resolve("missing");

    Publisher.deleteRecursively(missing);

    assertThat(missing).doesNotExist();
  }
}
