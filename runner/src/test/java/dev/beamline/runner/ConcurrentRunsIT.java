package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.PausePoint;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs of one pipeline at once, each in a JVM of its own ({@code BeamlineCli} on this test's class
 * path), into one metadata store: SQLite under the pipeline root, or a PostgreSQL schema of the test's
 * own (created for it and dropped after it; skipped where PostgreSQL is not installed).
 */
class ConcurrentRunsIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/beamline_test?user=beamline&password=beamline";

  @TempDir Path tmp;
  private String schema;

  private Path root() {
    return tmp.resolve("runs");
  }

  private static String postgresUrl() {
    String env = System.getenv("BEAMLINE_TEST_POSTGRES_URL");
    return env != null && !env.isBlank() ? env : POSTGRES_URL;
  }

  /** The URL of an empty store of the kind {@code database} names. */
  private String storeUrl(String database) throws SQLException {
    if (database.equals("sqlite")) {
      return MetadataStore.sqliteUrl(root().resolve("metadata.sqlite"));
    }
    String name = String.format("beamline_it_%016x", ThreadLocalRandom.current().nextLong());
    try (Connection c = DriverManager.getConnection(postgresUrl());
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + name);
    } catch (SQLException e) {
      File[] versions = new File("/usr/lib/postgresql").listFiles();
      Assumptions.assumeTrue(
          System.getenv("BEAMLINE_TEST_POSTGRES_URL") != null || (versions != null && versions.length > 0),
          "SKIPPED: PostgreSQL is not installed here; run .ci/postgres.sh to test on it");
      throw e;
    }
    schema = name;
    return postgresUrl() + "&currentSchema=" + name;
  }

  @AfterEach
  void dropSchema() throws SQLException {
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(postgresUrl());
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  /** A copy of the example reduced to ingestion. */
  private Path pipeline() throws IOException {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir.resolve("data"));
    Files.copy(EXAMPLE_DIR.resolve("data/penguins.csv"), dir.resolve("data/penguins.csv"));
    String example = Files.readString(EXAMPLE_DIR.resolve("pipeline.yaml"));
    Files.writeString(dir.resolve("pipeline.yaml"), example.substring(0, example.indexOf("\nvalidation:")) + "\n");
    return dir.resolve("pipeline.yaml");
  }

  private String[] runArgs(Path yaml, String url, String runId) {
    return new String[] {"run", yaml.toString(), "--pipeline-root", root().toString(), "--metadata-url", url, "--run-id", runId};
  }

  private static List<Execution> ingestExecutions(MetadataStore s) {
    return s.runs("penguins", 100).stream()
        .flatMap(r -> r.executions().stream())
        .filter(e -> e.stage().equals("ingest"))
        .sorted(Comparator.comparingLong(Execution::id))
        .toList();
  }

  /**
   * Two first runs into a new store, started together: both succeed, ingestion is computed and
   * published once. The run that computes it is held just before its publish (test hook) until the
   * other is seen waiting for it; the waiting one then takes it from the cache.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "postgresql"})
  @Timeout(300)
  void twoFirstRunsAtOnceBothSucceedAndComputeTheStageOnce(String database) throws Exception {
    String url = storeUrl(database);
    Path yaml = pipeline();
    Path resume = tmp.resolve("resume");
    List<String> hold = List.of("-D" + PausePoint.PROPERTY + "=staged:ingest", "-D" + PausePoint.RESUME_PROPERTY + "=" + resume);
    try (LoggedRun a = LoggedRun.cli(tmp.resolve("a.log"), hold, runArgs(yaml, url, "a"));
        LoggedRun b = LoggedRun.cli(tmp.resolve("b.log"), hold, runArgs(yaml, url, "b"))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      LoggedRun computing = null;
      LoggedRun waiting = null;
      while (computing == null) {
        for (LoggedRun[] pair : new LoggedRun[][] {{a, b}, {b, a}}) {
          if (pair[0].output().contains(PausePoint.MARKER + "staged:ingest") && pair[1].output().contains("ingest: waiting for run")) {
            computing = pair[0];
            waiting = pair[1];
          }
        }
        assertThat(a.child().isAlive() && b.child().isAlive())
            .as("both runs live until one computes ingest and the other waits for it;%n--- a:%n%s%n--- b:%n%s", a.output(), b.output())
            .isTrue();
        assertThat(System.nanoTime()).as("one computes, the other waits; a:%n%s%nb:%n%s", a.output(), b.output()).isLessThan(deadline);
        Thread.sleep(50);
      }
      Files.createFile(resume);
      assertThat(a.exitCode(180)).as(a.output()).isZero();
      assertThat(b.exitCode(180)).as(b.output()).isZero();

      try (MetadataStore s = MetadataStore.open(url)) {
        List<Execution> ingest = ingestExecutions(s);
        assertThat(ingest).extracting(Execution::state).containsExactly(ExecutionState.COMPLETE, ExecutionState.CACHED);
        Execution computed = ingest.get(0);
        assertThat(ingest.get(1).cachedFrom()).isEqualTo(computed.id());
        assertThat(computing.output()).contains("ingest: ran as execution #" + computed.id());
        assertThat(waiting.output()).contains("ingest: from cache (execution #" + computed.id() + ")");
        try (Stream<Path> published = Files.list(root().resolve("penguins/ingest"))) {
          assertThat(published.map(p -> p.getFileName().toString())).containsExactly(Long.toString(computed.id()));
        }
      }
    }
  }

  /** The lease options are checked before anything runs: a lease renewed less than twice per lease is exit 2. */
  @org.junit.jupiter.api.Test
  void leaseOptionsAreChecked() throws Exception {
    Path yaml = pipeline();
    BeamlineCliIT.Result rare = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--lease-seconds", "5", "--heartbeat-seconds", "3");
    assertThat(rare.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(rare.err()).contains("the lease renewal (3000 ms) must be at most half the lease (5000 ms)");
    BeamlineCliIT.Result negative = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root().toString(), "--wait-seconds", "-1");
    assertThat(negative.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(negative.err()).contains("--wait-seconds must be a number of seconds, zero or more, got -1.0");
    assertThat(root().resolve("penguins/logs")).doesNotExist();
  }

  /**
   * A run id used before is a usage error (exit 2) found before anything runs: the earlier run's log is
   * untouched and nothing is recorded. Two runs started together with one new id: one runs, the other
   * is refused.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "postgresql"})
  @Timeout(300)
  void aRunIdIsUsedOnce(String database) throws Exception {
    String url = storeUrl(database);
    Path yaml = pipeline();
    BeamlineCliIT.Result first = BeamlineCliIT.cli(runArgs(yaml, url, "r1"));
    assertThat(first.code()).as(first.err()).isZero();
    Path log = root().resolve("penguins/logs/r1.log");
    String firstLog = Files.readString(log);
    int recorded;
    try (MetadataStore s = MetadataStore.open(url)) {
      recorded = s.runs(null, 100).stream().mapToInt(r -> r.executions().size()).sum();
    }

    BeamlineCliIT.Result again = BeamlineCliIT.cli(runArgs(yaml, url, "r1"));
    assertThat(again.code()).as(again.out() + again.err()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(again.err()).contains("beamline: run id 'r1' was used before by pipeline 'penguins'").doesNotContain("Exception");
    assertThat(again.out()).isEmpty();
    assertThat(Files.readString(log)).isEqualTo(firstLog);
    try (MetadataStore s = MetadataStore.open(url)) {
      assertThat(s.runs(null, 100).stream().mapToInt(r -> r.executions().size()).sum()).isEqualTo(recorded);
    }

    List<Integer> codes = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    try (LoggedRun x = LoggedRun.cli(tmp.resolve("x.log"), List.of(), runArgs(yaml, url, "same"));
        LoggedRun y = LoggedRun.cli(tmp.resolve("y.log"), List.of(), runArgs(yaml, url, "same"))) {
      codes.add(x.exitCode(180));
      codes.add(y.exitCode(180));
      outputs.add(x.output());
      outputs.add(y.output());
    }
    assertThat(codes).as(String.join("\n---\n", outputs)).containsExactlyInAnyOrder(BeamlineCli.OK, BeamlineCli.BAD_USAGE);
    assertThat(outputs.get(codes.indexOf(BeamlineCli.BAD_USAGE))).contains("run id 'same' was used before by pipeline 'penguins'");
  }
}
