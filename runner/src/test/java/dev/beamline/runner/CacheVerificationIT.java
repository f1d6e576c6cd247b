package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache that checks what it serves: each published folder's manifest (files, sizes, SHA-256s) is
 * recorded when its run succeeds and checked before the folder is served again, and raw inputs are
 * keyed by their content, not by their path and modification time.
 */
class CacheVerificationIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();

  @TempDir Path tmp;

  private Path root() {
    return tmp.resolve("runs");
  }

  /** A copy of the example's data and pipeline, cut before {@code section} (e.g. "validation"). */
  private Path copyExample(String section) throws IOException {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir.resolve("data"));
    Files.copy(EXAMPLE_DIR.resolve("data/penguins.csv"), dir.resolve("data/penguins.csv"));
    String example = Files.readString(EXAMPLE_DIR.resolve("pipeline.yaml"));
    Files.writeString(dir.resolve("pipeline.yaml"), example.substring(0, example.indexOf("\n" + section + ":")) + "\n");
    return dir.resolve("pipeline.yaml");
  }

  private BeamlineCliIT.Result run(Path yaml, String runId, String... extra) {
    String[] args =
        Stream.concat(Stream.of("run", yaml.toString(), "--pipeline-root", root().toString(), "--run-id", runId), Stream.of(extra))
            .toArray(String[]::new);
    BeamlineCliIT.Result r = BeamlineCliIT.cli(args);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    return r;
  }

  private MetadataStore store() {
    return MetadataStore.open(MetadataStore.sqliteUrl(root().resolve("metadata.sqlite")));
  }

  /** The execution of {@code stage} in run {@code runId}. */
  private static Execution execution(MetadataStore s, String runId, String stage) {
    return s.runs(null, 100).stream()
        .filter(r -> r.runId().equals(runId))
        .flatMap(r -> r.executions().stream())
        .filter(e -> e.stage().equals(stage))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aDeletedOutputIsMarkedDeletedAndItsStageRunsAgain() throws IOException {
    Path yaml = copyExample("validation");
    assertThat(run(yaml, "r1").out()).contains("ingest: ran as execution #1");
    deleteRecursively(root().resolve("penguins/ingest/1"));

    BeamlineCliIT.Result second = run(yaml, "r2");
    assertThat(second.out())
        .contains("ingest: the output of execution #1 is not served from the cache: " + root().resolve("penguins/ingest/1") + " does not exist; marked DELETED")
        .contains("ingest: ran as execution #2")
        .doesNotContain("from cache");
    try (MetadataStore s = store()) {
      Artifact gone = s.artifact(2).orElseThrow();
      assertThat(gone.state()).isEqualTo(ArtifactState.DELETED);
      assertThat(gone.properties().get("cache_check").get("reason").asText()).endsWith("does not exist");
      assertThat(s.findCached("penguins", "ingest", s.execution(1).orElseThrow().cacheKey()).map(Execution::id)).contains(2L);
    }
    assertThat(run(yaml, "r3").out()).contains("ingest: from cache (execution #2)");
  }

  /**
   * Sizes are always checked, content when the folder is small (the penguins' is) or with
   * --verify-cache; the manifest records every file's size and SHA-256.
   */
  @Test
  void anEditedOutputIsMarkedInvalidSizesAlwaysContentWhenCheapOrAsked() throws Exception {
    Path yaml = copyExample("validation");
    run(yaml, "r1");
    Path first = root().resolve("penguins/ingest/1");
    // The same size, another content: an edit only a hash sees.
    Path schema = first.resolve("schema.avsc");
    Files.writeString(schema, Files.readString(schema).replace("\"species\"", "\"Species\""));

    // With hashing off (sizes only), the edit goes unseen ...
    assertThat(run(yaml, "r2", "--cache-hash-limit=0").out()).contains("ingest: from cache (execution #1)");
    // ... with --verify-cache it is found: INVALID, and the stage runs again.
    BeamlineCliIT.Result verified = run(yaml, "r3", "--verify-cache");
    assertThat(verified.out())
        .contains("ingest: the output of execution #1 is not served from the cache: schema.avsc has another content")
        .contains("marked INVALID")
        .contains("ingest: ran as execution #3");
    try (MetadataStore s = store()) {
      assertThat(s.artifact(2).orElseThrow().state()).isEqualTo(ArtifactState.INVALID);
    }

    // A truncated shard changes a size: found with hashing off too.
    Path third = root().resolve("penguins/ingest/3");
    Path shard;
    try (Stream<Path> shards = Files.list(third.resolve("examples/train"))) {
      shard = shards.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
      f.setLength(f.length() - 10);
    }
    assertThat(run(yaml, "r4", "--cache-hash-limit=0").out())
        .contains("ingest: the output of execution #3 is not served from the cache: examples/train/" + shard.getFileName() + " holds ")
        .contains("ingest: ran as execution #4");
    // The default hashes a folder this small: nothing changed, so it is served.
    assertThat(run(yaml, "r5").out()).contains("ingest: from cache (execution #4)");

    // The manifest: every file with its size and SHA-256, the hidden mark of the publish step left out.
    Path fifth = root().resolve("penguins/ingest/4");
    try (MetadataStore s = store()) {
      Artifact examples = s.artifactsByUri(fifth.toString()).get(0);
      JsonNode manifest = examples.properties().get("manifest");
      List<String> paths = manifest.get("files").findValuesAsText("path");
      assertThat(paths).contains("fingerprint.json", "schema.avsc", "provenance.json").noneMatch(p -> p.startsWith("."));
      assertThat(paths).anyMatch(p -> p.startsWith("examples/train/") && p.endsWith(".parquet"));
      long total = 0;
      for (JsonNode f : manifest.get("files")) {
        Path file = fifth.resolve(f.get("path").asText());
        assertThat(f.get("bytes").asLong()).isEqualTo(Files.size(file));
        assertThat(f.get("sha256").asText()).isEqualTo(sha256(file));
        total += f.get("bytes").asLong();
      }
      assertThat(manifest.get("bytes").asLong()).isEqualTo(total);
      try (Stream<Path> all = Files.walk(fifth)) {
        assertThat(all.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).count()).isEqualTo(paths.size());
      }
    }
  }

  /**
   * Raw inputs are keyed by content: a touched file still hits, an edit that keeps size and time misses.
   * Past the hash limit the content recorded for the same path, size and time is used without reading
   * the file, and a file whose content is unknown is read by its stage and the execution keyed by it.
   */
  @Test
  void rawInputsAreKeyedByTheirContent() throws IOException {
    Path yaml = copyExample("validation");
    Path csv = yaml.resolveSibling("data/penguins.csv");
    run(yaml, "r1");

    // Touched: a new modification time, the same bytes. Old behaviour: a miss.
    Files.setLastModifiedTime(csv, FileTime.fromMillis(Files.getLastModifiedTime(csv).toMillis() + 3_600_000));
    assertThat(run(yaml, "r2").out()).contains("ingest: from cache (execution #1)");

    // Edited in place with the same size and modification time. Old behaviour: served from the cache.
    editKeepingSizeAndTime(csv, "Adelie,Torgersen,39.1,", "Adelie,Torgersen,39.2,");
    assertThat(run(yaml, "r3").out()).contains("ingest: ran as execution #3");

    // Past the hash limit (0 here): the content recorded for this path, size and time.
    assertThat(run(yaml, "r4", "--cache-hash-limit=0").out()).contains("ingest: from cache (execution #3)");
    // A touch makes it unknown: the stage reads it, and its execution is keyed by what it read ...
    Files.setLastModifiedTime(csv, FileTime.fromMillis(Files.getLastModifiedTime(csv).toMillis() + 3_600_000));
    assertThat(run(yaml, "r5", "--cache-hash-limit=0").out()).contains("ingest: ran as execution #5");
    try (MetadataStore s = store()) {
      assertThat(execution(s, "r5", "ingest").cacheKey()).isEqualTo(execution(s, "r3", "ingest").cacheKey());
      assertThat(execution(s, "r5", "ingest").state()).isEqualTo(ExecutionState.COMPLETE);
    }
    // ... so that the next run finds it without reading the file.
    assertThat(run(yaml, "r6", "--cache-hash-limit=0").out()).contains("ingest: from cache (execution #5)");
    // An edit keeping size and time is trusted past the limit, and found with --verify-cache.
    editKeepingSizeAndTime(csv, "Adelie,Torgersen,39.2,", "Adelie,Torgersen,39.3,");
    assertThat(run(yaml, "r7", "--cache-hash-limit=0").out()).contains("ingest: from cache (execution #5)");
    assertThat(run(yaml, "r8", "--cache-hash-limit=0", "--verify-cache").out()).contains("ingest: ran as execution #8").contains("344 rows");
  }

  /** A stage whose output was deleted runs again, and so does every stage downstream; the rest comes from the cache. */
  @Test
  void theStagesDownstreamOfARemovedOutputRunAgain() throws IOException {
    Path yaml = copyExample("transform");
    run(yaml, "r1");
    Path statistics = root().resolve("penguins/statistics/2");
    assertThat(statistics.resolve("statistics.json")).exists();
    deleteRecursively(statistics);

    BeamlineCliIT.Result second = run(yaml, "r2");
    assertThat(second.out())
        .contains("ingest: from cache (execution #1)")
        .contains("statistics: the output of execution #2 is not served from the cache")
        .contains("statistics: ran as execution #6")
        .contains("schema: ran as execution #7")
        .contains("validate: ran as execution #8");
    try (MetadataStore s = store()) {
      assertThat(s.artifactsByUri(statistics.toString())).extracting(Artifact::state).containsExactly(ArtifactState.DELETED);
    }
  }

  private static void editKeepingSizeAndTime(Path file, String from, String to) throws IOException {
    FileTime time = Files.getLastModifiedTime(file);
    String text = Files.readString(file);
    assertThat(text).contains(from);
    assertThat(to).hasSameSizeAs(from);
    Files.writeString(file, text.replaceFirst(java.util.regex.Pattern.quote(from), to));
    Files.setLastModifiedTime(file, time);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
