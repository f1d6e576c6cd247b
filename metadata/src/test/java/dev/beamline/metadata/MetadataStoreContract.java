package dev.beamline.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
  /** The URL of {@link #store}'s database, for further stores on it (other processes, other hosts). */
  String url;

  /** A JDBC URL of an empty database. */
  abstract String emptyDatabaseUrl() throws Exception;

  /**
   * A JDBC URL of a new database with no tables, which may not exist yet, named after {@code name}.
   */
  abstract String newDatabaseUrl(String name) throws Exception;

  @BeforeEach
  void open() throws Exception {
    url = emptyDatabaseUrl();
    store = MetadataStore.open(url);
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
      assertThat(schemaVersions(url)).containsExactly(1, 2, 3, 4);
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
    assertThat(e.owner()).isEqualTo(store.owner()).startsWith(ProcessHandle.current().pid() + "@");
    assertThat(e.leaseExpiry()).isGreaterThan(System.currentTimeMillis());
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
  void stepsAreRecordedUnderTheirExecutionAndStayOutOfRuns() {
    long tune = store.startExecution("p", "run-1", "tune", JSON.createObjectNode().put("algorithm", "random"), "1.0", "k");
    long ok = store.recordStep(tune, "tune/trial-0", JSON.createObjectNode().put("learning_rate", 0.01),
        JSON.createObjectNode().put("objective", 0.25), ExecutionState.COMPLETE, null, 1000, 4000);
    long failed = store.recordStep(tune, "tune/trial-1", JSON.createObjectNode().put("learning_rate", 10.0),
        JSON.createObjectNode(), ExecutionState.FAILED, "loss is NaN at epoch 2", 1500, 2000);
    store.finishExecution(tune, ExecutionState.COMPLETE, null);
    List<Execution> steps = store.steps(tune);
    assertThat(steps).extracting(Execution::id).containsExactly(ok, failed);
    Execution first = steps.get(0);
    assertThat(first.parentId()).isEqualTo(tune);
    assertThat(first.step()).isTrue();
    assertThat(first.pipeline()).isEqualTo("p");
    assertThat(first.runId()).isEqualTo("run-1");
    assertThat(first.stage()).isEqualTo("tune/trial-0");
    assertThat(first.parameters().get("learning_rate").asDouble()).isEqualTo(0.01);
    assertThat(first.properties().get("objective").asDouble()).isEqualTo(0.25);
    assertThat(first.startTime()).isEqualTo(1000);
    assertThat(first.endTime()).isEqualTo(4000);
    assertThat(steps.get(1).state()).isEqualTo(ExecutionState.FAILED);
    assertThat(steps.get(1).error()).isEqualTo("loss is NaN at epoch 2");
    Execution parent = store.execution(tune).orElseThrow();
    assertThat(parent.step()).isFalse();
    assertThat(parent.properties()).isEmpty();
    // A failed trial does not make the run failed: runs list stages only.
    RunSummary run = store.runs("p", 10).get(0);
    assertThat(run.state()).isEqualTo("COMPLETE");
    assertThat(run.executions()).extracting(Execution::stage).containsExactly("tune");
    assertThatThrownBy(() -> store.recordStep(tune, "x", null, null, ExecutionState.RUNNING, null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
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

  /** A clock that moves only when a test moves it. */
  static final class TestClock extends Clock {
    private volatile long millis;

    TestClock(long millis) {
      this.millis = millis;
    }

    void advance(Duration d) {
      millis += d.toMillis();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
      return millis;
    }
  }

  @Test
  void anExecutionWhoseLeaseExpiredIsKilledForAnyProcessOnAnyHost() {
    TestClock clock = new TestClock(1_000_000);
    LeasePolicy leases = LeasePolicy.defaults(); // 60 s, renewed every 10 s
    try (MetadataStore running = MetadataStore.open(url, leases, clock);
        MetadataStore elsewhere = MetadataStore.open(url, leases, clock)) {
      long exec = running.startExecution("p", "r", "ingest", null, "1.0", "k");
      long out = running.putArtifact("EXAMPLES", "/o", null, ArtifactState.PENDING, null);
      running.addEvent(exec, out, Event.Type.OUTPUT, "examples");
      long other = running.startExecution("p", "r", "statistics", null, "1.0", "k2");
      running.finishExecution(other, ExecutionState.COMPLETE, null);
      assertThat(running.execution(exec).orElseThrow().leaseExpiry()).isEqualTo(1_060_000L);

      clock.advance(Duration.ofSeconds(59));
      assertThat(elsewhere.expiredExecutions()).isEmpty();
      // Renewed at 59 s: the lease now ends at 119 s.
      assertThat(running.renewLeases()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(59));
      assertThat(elsewhere.expiredExecutions()).isEmpty();
      clock.advance(Duration.ofSeconds(2));
      List<Execution> expired = elsewhere.expiredExecutions();
      assertThat(expired).extracting(Execution::id).containsExactly(exec);
      assertThat(elsewhere.leaseExpired(expired.get(0))).isTrue();

      // Of two processes reclaiming it at once, one does.
      assertThat(elsewhere.failExpired(expired.get(0))).isTrue();
      assertThat(store.failExpired(expired.get(0))).isFalse();
      Execution killed = elsewhere.execution(exec).orElseThrow();
      assertThat(killed.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(killed.killed()).isTrue();
      assertThat(killed.error()).startsWith("killed: the process that ran it (" + running.owner() + ") stopped renewing its lease");
      assertThat(elsewhere.artifact(out).orElseThrow().state()).isEqualTo(ArtifactState.ABANDONED);
      assertThat(elsewhere.killedWithOutputsLeft()).extracting(Execution::id).containsExactly(exec);
      elsewhere.setArtifactState(out, ArtifactState.DELETED);
      assertThat(elsewhere.killedWithOutputsLeft()).isEmpty();

      // The process that ran it, had it only stalled, can no longer complete it, nor change why it failed.
      assertThatThrownBy(() -> running.finishExecution(exec, ExecutionState.COMPLETE, null))
          .isInstanceOf(MetadataException.class)
          .hasMessageContaining("cannot become COMPLETE: it is FAILED (killed: ");
      running.finishExecution(exec, ExecutionState.FAILED, "late");
      assertThat(elsewhere.execution(exec).orElseThrow().error()).isEqualTo(killed.error());
      assertThat(running.renewLeases()).isZero();
    }
  }

  @Test
  void aRenewedLeaseOutlivesItsLengthAndEndsWhenTheStoreCloses() throws Exception {
    LeasePolicy leases = LeasePolicy.defaults().withRenewal(Duration.ofMillis(100)).withLease(Duration.ofMillis(800));
    MetadataStore running = MetadataStore.open(url, leases);
    long exec;
    try {
      exec = running.startExecution("p", "r", "ingest", null, "1.0", "k");
      long first = running.execution(exec).orElseThrow().leaseExpiry();
      // Wait until the first lease would have ended: the heartbeat renewed it meanwhile.
      waitUntil(() -> System.currentTimeMillis() > first + 300, "the first lease to end");
      assertThat(store.execution(exec).orElseThrow().leaseExpiry()).isGreaterThan(first);
      assertThat(store.expiredExecutions()).isEmpty();
    } finally {
      running.close();
    }
    // No more renewals: the lease runs out.
    waitUntil(() -> !store.expiredExecutions().isEmpty(), "the lease to expire once its store is closed");
    assertThat(store.expiredExecutions()).extracting(Execution::id).containsExactly(exec);
  }

  static void waitUntil(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 20 s for %s", what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void leasesAreRenewedAtLeastTwicePerLease() {
    LeasePolicy tooRare = LeasePolicy.defaults().withLease(Duration.ofSeconds(10)).withRenewal(Duration.ofSeconds(6));
    assertThatThrownBy(() -> MetadataStore.open(url, tooRare))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the lease renewal (6000 ms) must be at most half the lease (10000 ms)");
    assertThatThrownBy(() -> LeasePolicy.defaults().withLease(Duration.ZERO))
        .hasMessage("lease must be a positive duration, got PT0S");
  }

  @Test
  void runningExecutionsRecordedBeforeLeasesCountAsExpired() throws Exception {
    String old = newDatabaseUrl("schema-1");
    try (Connection c = DriverManager.getConnection(old);
        Statement s = c.createStatement()) {
      Migrations.migrate(c, store.dialect(), 1);
      s.executeUpdate(
          "INSERT INTO execution (pipeline, run_id, stage, parameters, code_version, state, start_time, end_time, owner)"
              + " VALUES ('p', 'r', 'ingest', '{}', '1.0', 'RUNNING', 1, 0, '1@elsewhere')");
    }
    assertThat(schemaVersions(old)).containsExactly(1);
    try (MetadataStore s = MetadataStore.open(old)) {
      assertThat(schemaVersions(old)).containsExactly(1, 2, 3, 4);
      List<Execution> expired = s.expiredExecutions();
      assertThat(expired).extracting(Execution::owner).containsExactly("1@elsewhere");
      assertThat(expired.get(0).leaseExpiry()).isNull();
      assertThat(s.failExpired(expired.get(0))).isTrue();
      assertThat(s.execution(expired.get(0).id()).orElseThrow().error()).contains("recorded before leases existed");
    }
  }

  @Test
  void runsStartingAtOnceShareTheirPipelineContext() throws Exception {
    store.close();
    store = null;
    for (int round = 0; round < 5; round++) {
      String fresh = newDatabaseUrl("contexts-" + round);
      try (MetadataStore s = MetadataStore.open(fresh)) {
        assertThat(s.schemaVersion()).isEqualTo(MetadataStore.SCHEMA_VERSION);
      }
      int runs = 6;
      CyclicBarrier start = new CyclicBarrier(runs);
      ExecutorService pool = Executors.newFixedThreadPool(runs);
      try {
        List<Future<long[]>> contexts = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          String run = "p/r" + i;
          contexts.add(pool.submit(() -> {
            try (MetadataStore s = MetadataStore.open(fresh)) {
              start.await();
              long pipeline = s.context("pipeline", "p");
              long r = s.context("run", run);
              s.setParentContext(r, pipeline);
              s.setParentContext(r, pipeline);
              return new long[] {pipeline, r};
            }
          }));
        }
        Set<Long> pipelines = new HashSet<>();
        Set<Long> runContexts = new HashSet<>();
        for (Future<long[]> f : contexts) {
          pipelines.add(f.get()[0]);
          runContexts.add(f.get()[1]);
        }
        assertThat(pipelines).hasSize(1);
        assertThat(runContexts).hasSize(runs);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aRunIdIsUsedOnce() throws Exception {
    store.claimRunId("p", "r1");
    store.claimRunId("p", "r1"); // the same run, through the same store
    try (MetadataStore other = MetadataStore.open(url)) {
      assertThatThrownBy(() -> other.claimRunId("p", "r1"))
          .isInstanceOf(ConfigException.class)
          .hasMessage("run id 'r1' was used before by pipeline 'p' (metadata store " + other.url() + "): give another run id, or none for a new one");
      other.claimRunId("q", "r1"); // another pipeline's run
      // A run recorded without a run context (before run ids were claimed) counts as well.
      other.startExecution("p", "r2", "ingest", null, "1.0", "k");
      assertThatThrownBy(() -> store.claimRunId("p", "r2")).isInstanceOf(ConfigException.class);
    }
    // Runs claiming one id at once: one gets it.
    int runs = 6;
    CyclicBarrier start = new CyclicBarrier(runs);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    try {
      List<Future<Boolean>> claimed = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        claimed.add(pool.submit(() -> {
          try (MetadataStore s = MetadataStore.open(url)) {
            start.await();
            try {
              s.claimRunId("p", "same");
              return true;
            } catch (ConfigException e) {
              return false;
            }
          }
        }));
      }
      int winners = 0;
      for (Future<Boolean> f : claimed) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void oneRunAtATimeClaimsAStageWithAGivenKey() {
    TestClock clock = new TestClock(5_000_000);
    LeasePolicy leases = LeasePolicy.defaults();
    try (MetadataStore a = MetadataStore.open(url, leases, clock);
        MetadataStore b = MetadataStore.open(url, leases, clock)) {
      assertThat(a.claimStage("p", "ra", "ingest", "k")).isEmpty();
      assertThat(a.claimStage("p", "ra", "ingest", "k")).isEmpty();
      StageClaim held = b.claimStage("p", "rb", "ingest", "k").orElseThrow();
      assertThat(held).isEqualTo(new StageClaim("p", "ingest", "k", "ra", a.owner(), 5_060_000));
      assertThat(b.claimStage("p", "rb", "ingest", "other")).isEmpty();
      assertThat(b.claimStage("q", "rb", "ingest", "k")).isEmpty();

      // The claim lasts while a computes the stage, and ends with its execution.
      long exec = a.startExecution("p", "ra", "ingest", null, "1.0", "k");
      a.releaseIdleClaims();
      assertThat(b.claimStage("p", "rb", "ingest", "k")).isPresent();
      a.finishExecution(exec, ExecutionState.COMPLETE, null);
      assertThat(b.claimStage("p", "rb", "ingest", "k")).isEmpty();

      // A claim of a stage found in the cache ends once the run is planned.
      assertThat(a.claimStage("p", "ra", "schema", "s")).isEmpty();
      assertThat(b.claimStage("p", "rb", "schema", "s")).isPresent();
      a.releaseIdleClaims();
      assertThat(b.claimStage("p", "rb", "schema", "s")).isEmpty();

      // A claim is renewed with its owner's leases; once expired, it may be broken.
      assertThat(a.claimStage("p", "ra", "train", "t")).isEmpty();
      clock.advance(Duration.ofSeconds(50));
      a.renewLeases();
      clock.advance(Duration.ofSeconds(50));
      StageClaim train = b.claimStage("p", "rb", "train", "t").orElseThrow();
      assertThat(b.leaseExpired(train)).isFalse();
      assertThat(b.breakExpired(train)).isFalse();
      clock.advance(Duration.ofSeconds(11));
      assertThat(b.leaseExpired(train)).isTrue();
      assertThat(b.breakExpired(train)).isTrue();
      assertThat(b.claimStage("p", "rb", "train", "t")).isEmpty();

      // A failed execution ends its claim too, also when another process fails it as killed.
      assertThat(a.claimStage("p", "ra", "transform", "x")).isEmpty();
      long transform = a.startExecution("p", "ra", "transform", null, "1.0", "x");
      clock.advance(Duration.ofSeconds(61));
      b.renewLeases();
      Execution expired = b.expiredExecutions().stream().filter(e -> e.id() == transform).findFirst().orElseThrow();
      assertThat(b.failExpired(expired)).isTrue();
      assertThat(b.claimStage("p", "rb", "transform", "x")).isEmpty();

      // An execution started after its claim was last renewed outlives the claim: the claim is broken
      // only once that execution's lease has expired too (and it can be reclaimed first).
      assertThat(a.claimStage("p", "ra", "evaluate", "e")).isEmpty();
      clock.advance(Duration.ofSeconds(30));
      long late = a.startExecution("p", "ra", "evaluate", null, "1.0", "e");
      clock.advance(Duration.ofSeconds(31));
      StageClaim evaluate = b.claimStage("p", "rb", "evaluate", "e").orElseThrow();
      assertThat(b.leaseExpired(evaluate)).isTrue();
      assertThat(b.breakExpired(evaluate)).isFalse();
      clock.advance(Duration.ofSeconds(30));
      assertThat(b.expiredExecutions()).extracting(Execution::id).contains(late);
      assertThat(b.breakExpired(evaluate)).isTrue();
    }
    // Closing a store ends its claims.
    try (MetadataStore c = MetadataStore.open(url)) {
      assertThat(c.claimStage("p", "rc", "train", "t")).isEmpty();
    }
  }

  @Test
  void runsClaimingOneStageAtOnceLetOneComputeIt() throws Exception {
    int runs = 6;
    CyclicBarrier start = new CyclicBarrier(runs);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    List<MetadataStore> stores = new ArrayList<>();
    try {
      for (int i = 0; i < runs; i++) {
        stores.add(MetadataStore.open(url));
      }
      List<Future<Boolean>> claimed = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        MetadataStore s = stores.get(i);
        String run = "r" + i;
        claimed.add(pool.submit(() -> {
          start.await();
          return s.claimStage("p", run, "ingest", "k").isEmpty();
        }));
      }
      int winners = 0;
      for (Future<Boolean> f : claimed) {
        winners += f.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
      stores.forEach(MetadataStore::close);
    }
  }

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

  @Test
  void aPipelineLockIsHeldByOneOwnerUntilReleasedOrItsLeaseExpires() {
    TestClock clock = new TestClock(10_000_000);
    LeasePolicy leases = LeasePolicy.defaults(); // 60 s
    try (MetadataStore a = MetadataStore.open(url, leases, clock);
        MetadataStore b = MetadataStore.open(url, leases, clock)) {
      PipelineLock.Attempt first = a.tryLockPipeline("p", "watch-a");
      assertThat(first.acquired()).isTrue();
      assertThat(first.takenOver()).isNull();
      assertThat(first.lock()).isEqualTo(new PipelineLock("p", "watch-a", 10_000_000, 10_060_000));
      // Held: refused to another owner, naming the holder; another pipeline's lock is free.
      PipelineLock.Attempt refused = b.tryLockPipeline("p", "watch-b");
      assertThat(refused.acquired()).isFalse();
      assertThat(refused.lock().owner()).isEqualTo("watch-a");
      assertThat(b.tryLockPipeline("q", "watch-b").acquired()).isTrue();
      // Renewal extends the lease: 59 s later, renewed, then 59 s more, still held.
      clock.advance(Duration.ofSeconds(59));
      assertThat(a.renewPipelineLock("p", "watch-a")).isTrue();
      assertThat(b.pipelineLock("p").orElseThrow().leaseExpiry()).isEqualTo(10_119_000);
      clock.advance(Duration.ofSeconds(59));
      assertThat(b.tryLockPipeline("p", "watch-b").acquired()).isFalse();
      // Taking it again as its holder renews it.
      PipelineLock.Attempt again = a.tryLockPipeline("p", "watch-a");
      assertThat(again.acquired()).isTrue();
      assertThat(again.lock().acquiredAt()).isEqualTo(10_000_000);
      // Expired: taken over, saying whose it was; the old holder can neither renew nor release it.
      clock.advance(Duration.ofSeconds(61));
      PipelineLock.Attempt takeover = b.tryLockPipeline("p", "watch-b");
      assertThat(takeover.acquired()).isTrue();
      assertThat(takeover.takenOver().owner()).isEqualTo("watch-a");
      assertThat(takeover.takenOver().leaseExpiry()).isEqualTo(10_178_000);
      assertThat(a.renewPipelineLock("p", "watch-a")).isFalse();
      assertThat(a.releasePipelineLock("p", "watch-a")).isFalse();
      assertThat(a.tryLockPipeline("p", "watch-a").acquired()).isFalse();
      // Released: free for anyone at once.
      assertThat(b.releasePipelineLock("p", "watch-b")).isTrue();
      assertThat(a.pipelineLock("p")).isEmpty();
      PipelineLock.Attempt afterRelease = a.tryLockPipeline("p", "watch-a");
      assertThat(afterRelease.acquired()).isTrue();
      assertThat(afterRelease.takenOver()).isNull();
    }
  }

  @Test
  void theLastExecutionOfAStageCarriesPropertiesSetAfterItStarted() {
    assertThat(store.lastExecution("p", "watch")).isEmpty();
    long first = store.startExecution("p", "watch-1", "watch", null, "1.0", null);
    store.finishExecution(first, ExecutionState.COMPLETE, null);
    long second = store.startExecution("p", "watch-2", "watch", null, "1.0", null);
    store.startExecution("p", "watch-2", "ingest", null, "1.0", null);
    ObjectNode facts = new ObjectMapper().createObjectNode().put("exit_code", 1);
    store.setExecutionProperties(second, facts);
    Execution last = store.lastExecution("p", "watch").orElseThrow();
    assertThat(last.id()).isEqualTo(second);
    assertThat(last.properties()).isEqualTo(facts);
    assertThat(store.lastExecution("other", "watch")).isEmpty();
  }
}
