package dev.beamline.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every metadata database must have; run against SQLite ({@link SqliteMetadataStoreTest})
 * and PostgreSQL ({@link PostgresMetadataStoreIT}).
 */
abstract class MetadataStoreContract {
  static final ObjectMapper JSON = new ObjectMapper();

  MetadataStore store;

  /** A JDBC URL of an empty database. */
  abstract String emptyDatabaseUrl() throws Exception;

  /**
   * A JDBC URL of a database with no tables, which may not exist yet; {@code name} differs per call
   * where databases can be told apart (SQLite files), else the one test database is emptied.
   */
  abstract String newDatabaseUrl(String name) throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = MetadataStore.open(emptyDatabaseUrl());
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /** The migrations recorded in the database at {@code url}, in order. */
  static List<Integer> schemaVersions(String url) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM schema_version ORDER BY version")) {
      List<Integer> versions = new ArrayList<>();
      while (rs.next()) {
        versions.add(rs.getInt(1));
      }
      return versions;
    }
  }

  static ObjectNode props(String key, long value) {
    return JSON.createObjectNode().put(key, value);
  }

  @Test
  void processesOpeningANewStoreAtOnceAllSucceedAndMigrateItOnce() throws Exception {
    // A run and a `beamline runs` (or a test polling the store) may open a store that does not exist yet at the same time.
    store.close();
    store = null;
    for (int round = 0; round < 5; round++) {
      String url = newDatabaseUrl("race-" + round);
      int openers = 6;
      CyclicBarrier start = new CyclicBarrier(openers);
      ExecutorService pool = Executors.newFixedThreadPool(openers);
      try {
        List<Future<Long>> opened = new ArrayList<>();
        for (int i = 0; i < openers; i++) {
          String uri = "/o" + i;
          opened.add(pool.submit(() -> {
            start.await();
            try (MetadataStore s = MetadataStore.open(url)) {
              return s.putArtifact("EXAMPLES", uri, null, ArtifactState.LIVE, null);
            }
          }));
        }
        for (Future<Long> f : opened) {
          assertThat(f.get()).isPositive();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(schemaVersions(url)).containsExactly(1);
      try (MetadataStore s = MetadataStore.open(url)) {
        assertThat(s.artifacts("EXAMPLES", 100)).hasSize(openers);
      }
    }
  }

  @Test
  void schemaIsAtTheLatestVersion() {
    assertThat(store.schemaVersion()).isEqualTo(MetadataStore.SCHEMA_VERSION);
  }

  @Test
  void artifactsRoundTrip() {
    long id = store.putArtifact("EXAMPLES", "/runs/p/ingest/1", null, ArtifactState.PENDING, props("rows", 3));
    Artifact a = store.artifact(id).orElseThrow();
    assertThat(a.type()).isEqualTo("EXAMPLES");
    assertThat(a.uri()).isEqualTo("/runs/p/ingest/1");
    assertThat(a.fingerprint()).isNull();
    assertThat(a.state()).isEqualTo(ArtifactState.PENDING);
    assertThat(a.properties().toString()).isEqualTo("{\"rows\":3}");
    assertThat(a.createTime()).isPositive();

    store.updateArtifact(id, ArtifactState.LIVE, "abc", props("rows", 4));
    Artifact live = store.artifact(id).orElseThrow();
    assertThat(live.state()).isEqualTo(ArtifactState.LIVE);
    assertThat(live.fingerprint()).isEqualTo("abc");
    assertThat(live.properties().get("rows").asLong()).isEqualTo(4);

    long raw = store.putArtifact("RAW_DATA", "/data/a.csv", "f1", ArtifactState.LIVE, null);
    assertThat(store.artifacts(null, 10)).extracting(Artifact::id).containsExactly(raw, id);
    assertThat(store.artifacts("RAW_DATA", 10)).extracting(Artifact::id).containsExactly(raw);
    assertThat(store.artifactsByUri("/data/a.csv")).extracting(Artifact::id).containsExactly(raw);
    assertThat(store.artifact(999)).isEmpty();
  }

  @Test
  void executionsEventsAndContextsRoundTrip() {
    ObjectNode params = JSON.createObjectNode().put("input", "a.csv");
    long exec = store.startExecution("p", "run-1", "ingest", params, "1.0", "key-1");
    Execution e = store.execution(exec).orElseThrow();
    assertThat(e.state()).isEqualTo(ExecutionState.RUNNING);
    assertThat(e.parameters()).isEqualTo(params);
    assertThat(e.codeVersion()).isEqualTo("1.0");
    assertThat(e.cacheKey()).isEqualTo("key-1");
    assertThat(e.owner()).isEqualTo(MetadataStore.owner());
    assertThat(e.endTime()).isZero();

    long in = store.putArtifact("RAW_DATA", "/data/a.csv", "f1", ArtifactState.LIVE, null);
    long out = store.putArtifact("EXAMPLES", "/runs/p/ingest/1", null, ArtifactState.PENDING, null);
    store.addEvent(exec, in, Event.Type.INPUT, "raw_data");
    store.addEvent(exec, out, Event.Type.OUTPUT, "examples");
    assertThat(store.eventsOfExecution(exec))
        .extracting(Event::artifactId, Event::type, Event::role)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(in, Event.Type.INPUT, "raw_data"),
            org.assertj.core.groups.Tuple.tuple(out, Event.Type.OUTPUT, "examples"));
    assertThat(store.eventsOfArtifact(out)).extracting(Event::executionId).containsExactly(exec);

    long pipeline = store.context("pipeline", "p");
    long run = store.context("run", "p/run-1");
    assertThat(store.context("pipeline", "p")).isEqualTo(pipeline);
    store.setParentContext(run, pipeline);
    store.associate(run, exec);
    store.attribute(run, out);

    store.finishExecution(exec, ExecutionState.COMPLETE, null);
    Execution done = store.execution(exec).orElseThrow();
    assertThat(done.state()).isEqualTo(ExecutionState.COMPLETE);
    assertThat(done.endTime()).isGreaterThanOrEqualTo(done.startTime());
  }

  @Test
  void aFailedExecutionAbandonsItsPendingOutputs() {
    long exec = store.startExecution("p", "r", "ingest", null, "1.0", "k");
    long out = store.putArtifact("EXAMPLES", "/o", null, ArtifactState.PENDING, null);
    store.addEvent(exec, out, Event.Type.OUTPUT, "examples");
    store.finishExecution(exec, ExecutionState.FAILED, "boom");
    assertThat(store.artifact(out).orElseThrow().state()).isEqualTo(ArtifactState.ABANDONED);
    assertThat(store.execution(exec).orElseThrow().error()).isEqualTo("boom");
  }

  /** Records a complete execution with one LIVE output; returns {execution, artifact}. */
  private long[] complete(String key) {
    long exec = store.startExecution("p", "r-" + key, "ingest", null, "1.0", key);
    long out = store.putArtifact("EXAMPLES", "/o/" + exec, null, ArtifactState.PENDING, null);
    store.addEvent(exec, out, Event.Type.OUTPUT, "examples");
    store.updateArtifact(out, ArtifactState.LIVE, "fp", null);
    store.finishExecution(exec, ExecutionState.COMPLETE, null);
    return new long[] {exec, out};
  }

  @Test
  void cacheFindsTheNewestCompleteExecutionWithLiveOutputs() {
    long[] first = complete("k");
    long[] second = complete("k");
    assertThat(store.findCached("p", "ingest", "k")).map(Execution::id).contains(second[0]);
    assertThat(store.findCached("p", "ingest", "other")).isEmpty();
    assertThat(store.findCached("q", "ingest", "k")).isEmpty();
    assertThat(store.findCached("p", "transform", "k")).isEmpty();

    // Deleted outputs cannot be reused: the older execution serves.
    store.setArtifactState(second[1], ArtifactState.DELETED);
    assertThat(store.findCached("p", "ingest", "k")).map(Execution::id).contains(first[0]);

    // Neither failed nor running executions serve.
    long failed = store.startExecution("p", "r", "ingest", null, "1.0", "f");
    store.finishExecution(failed, ExecutionState.FAILED, "x");
    store.startExecution("p", "r", "ingest", null, "1.0", "g");
    assertThat(store.findCached("p", "ingest", "f")).isEmpty();
    assertThat(store.findCached("p", "ingest", "g")).isEmpty();

    long cached = store.recordCached("p", "r2", "ingest", null, "1.0", "k", first[0]);
    Execution c = store.execution(cached).orElseThrow();
    assertThat(c.state()).isEqualTo(ExecutionState.CACHED);
    assertThat(c.cachedFrom()).isEqualTo(first[0]);
  }

  @Test
  void executionsOfDeadProcessesAreFailed() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    long exec = store.startExecution("p", "r", "ingest", null, "1.0", "k");
    long out = store.putArtifact("EXAMPLES", "/o", null, ArtifactState.PENDING, null);
    store.addEvent(exec, out, Event.Type.OUTPUT, "examples");
    long mine = store.startExecution("p", "r", "ingest", null, "1.0", "k2");
    setOwner(exec, gone.pid() + "@" + MetadataStore.owner().split("@")[1]);

    assertThat(store.failDeadExecutions()).extracting(Execution::id).containsExactly(exec);
    assertThat(store.execution(exec).orElseThrow().state()).isEqualTo(ExecutionState.FAILED);
    assertThat(store.execution(exec).orElseThrow().error()).contains("ended before it finished");
    assertThat(store.artifact(out).orElseThrow().state()).isEqualTo(ArtifactState.ABANDONED);
    assertThat(store.execution(mine).orElseThrow().state()).isEqualTo(ExecutionState.RUNNING);
  }

  abstract void setOwner(long executionId, String owner) throws Exception;

  @Test
  void runsAreGroupedAndNewestFirst() {
    long a = store.startExecution("p", "run-a", "ingest", null, "1.0", "k");
    store.finishExecution(a, ExecutionState.COMPLETE, null);
    long b = store.recordCached("p", "run-b", "ingest", null, "1.0", "k", a);
    long c = store.startExecution("q", "run-c", "ingest", null, "1.0", "k");
    List<RunSummary> runs = store.runs(null, 10);
    assertThat(runs).extracting(RunSummary::runId).containsExactly("run-c", "run-b", "run-a");
    assertThat(runs.get(0).state()).isEqualTo("RUNNING");
    assertThat(runs.get(1).cachedStages()).containsExactly("ingest");
    assertThat(runs.get(2).state()).isEqualTo("COMPLETE");
    assertThat(store.runs("p", 10)).extracting(RunSummary::runId).containsExactly("run-b", "run-a");
    assertThat(store.runs(null, 1)).hasSize(1);
    assertThat(b).isNotEqualTo(c);
  }

  @Test
  void lineageUpstreamAndDownstream() {
    long raw = store.putArtifact("RAW_DATA", "/data/a.csv", "f1", ArtifactState.LIVE, null);
    long ingest = store.startExecution("p", "r", "ingest", JSON.createObjectNode().put("input", "a.csv"), "1.0", "k");
    long examples = store.putArtifact("EXAMPLES", "/runs/p/ingest/1", "e1", ArtifactState.LIVE, props("rows", 344));
    store.addEvent(ingest, raw, Event.Type.INPUT, "raw_data");
    store.addEvent(ingest, examples, Event.Type.OUTPUT, "examples");
    store.finishExecution(ingest, ExecutionState.COMPLETE, null);
    long stats = store.startExecution("p", "r", "statistics", null, "1.0", "k2");
    long statistics = store.putArtifact("STATISTICS", "/runs/p/statistics/2", "s1", ArtifactState.LIVE, null);
    store.addEvent(stats, examples, Event.Type.INPUT, "examples");
    store.addEvent(stats, statistics, Event.Type.OUTPUT, "statistics");
    store.finishExecution(stats, ExecutionState.COMPLETE, null);
    long reuse = store.recordCached("p", "r2", "ingest", null, "1.0", "k", ingest);
    store.addEvent(reuse, examples, Event.Type.OUTPUT, "examples");

    Lineage.Node up = Lineage.upstream(store, statistics);
    assertThat(Lineage.artifacts(up)).extracting(Artifact::id).containsExactly(statistics, examples, raw);
    // The execution that really wrote the examples, not the cached reuse of them.
    assertThat(up.children().get(0).children().get(0).children().get(0).execution().id()).isEqualTo(ingest);
    String text = Lineage.toText(up);
    assertThat(text)
        .startsWith("artifact #" + statistics + " STATISTICS [LIVE] /runs/p/statistics/2\n")
        .contains("└── execution #" + stats + " statistics [COMPLETE] pipeline p, run r\n")
        .contains("└── examples: artifact #" + examples + " EXAMPLES [LIVE] /runs/p/ingest/1\n")
        .contains("rows: 344")
        .contains("raw_data: artifact #" + raw + " RAW_DATA [LIVE] /data/a.csv")
        .contains("parameters: {\"input\":\"a.csv\"}");

    Lineage.Node down = Lineage.downstream(store, raw);
    assertThat(Lineage.artifacts(down)).extracting(Artifact::id).containsExactly(raw, examples, statistics);
    assertThat(Lineage.toJson(down).get("children").get(0).get("stage").asText()).isEqualTo("ingest");
    String dot = Lineage.toDot(up, true);
    assertThat(dot)
        .startsWith("digraph lineage {")
        .contains("a" + examples + " -> e" + stats + ";")
        .contains("e" + ingest + " -> a" + examples + ";")
        .contains("a" + raw + " -> e" + ingest + ";");
  }
}
