package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.flink.FlinkRest;
import dev.beamline.flink.JobJar;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.training.TrainingHistory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins pipeline on a real Flink 1.19 session cluster: one JobManager and two TaskManager JVMs
 * started by {@code flink/cluster.sh} for this class (stopped after it, whatever happens), the job jar
 * {@code runner/target/beamline-job.jar} staged by the runs. Two runs in a row (the second with
 * {@code --no-cache}, so TensorFlow loads again in the same TaskManagers) use both TaskManagers and give
 * the DirectRunner's artifacts; a TaskManager killed during a third run fails it cleanly (exit 3, a short
 * message naming the TaskManager, its log and the run; every execution FAILED); the next run succeeds on
 * the TaskManager left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlinkClusterIT {
  private static final Path REPO = Paths.get("..").toAbsolutePath().normalize();
  private static final String PIPELINE = REPO.resolve("examples/penguins/pipeline.yaml").toString();
  /** Model metrics may differ between runners by at most this (the README's figure). */
  private static final double METRIC_TOLERANCE = 0.01;

  private static final String MASTER_KEY_VAR = "BEAMLINE_CLUSTER_TEST_KEY";
  private static final String MASTER_KEY = dev.beamline.core.crypto.MasterKey.generate();

  @TempDir static Path tmp;
  private static Path clusterDir;
  private static int restPort;
  private static String master;
  private static FlinkRest rest;

  @BeforeAll
  static void startCluster() throws Exception {
    clusterDir = tmp.resolve("cluster");
    restPort = freePortPair();
    master = "localhost:" + restPort;
    rest = new FlinkRest(master);
    Process p = cluster("start", "--taskmanagers", "2", "--slots", "1", "--rest-port", String.valueOf(restPort));
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("cluster-start.out"))).isZero();
    FlinkRest.Overview o = rest.overview();
    assertThat(List.of(o.taskManagers(), o.slotsTotal(), o.slotsAvailable())).isEqualTo(List.of(2, 2, 2));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (clusterDir != null) {
      cluster("stop");
    }
  }

  private static Process cluster(String command, String... options) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", REPO.resolve("flink/cluster.sh").toString(), command));
    cmd.addAll(List.of(options));
    cmd.addAll(List.of("--dir", clusterDir.toString()));
    ProcessBuilder b = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("cluster-" + command + ".out").toFile());
    // The TaskManagers' environment holds the master key of the encrypted run (as a deployment's would).
    b.environment().put(MASTER_KEY_VAR, MASTER_KEY);
    Process p = b.start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("cluster.sh %s finished", command).isTrue();
    return p;
  }

  /** A free port whose neighbour 100 above (the JobManager's RPC port, as cluster.sh sets it) is free too. */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket a = new ServerSocket(0)) {
        int port = a.getLocalPort();
        if (port + 100 < 65536) {
          try (ServerSocket b = new ServerSocket(port + 100)) {
            return port;
          } catch (IOException taken) {
            // try another
          }
        }
      }
    }
    throw new IOException("no free pair of ports");
  }

  private static BeamlineCliIT.Result onCluster(String runId, String... extra) {
    List<String> args = new java.util.ArrayList<>(List.of("run", PIPELINE, "--runner=flink", "--flinkMaster=" + master,
        "--pipeline-root", tmp.resolve("cluster-runs").toString(), "--run-id", runId));
    args.addAll(List.of(extra));
    return BeamlineCliIT.cli(args.toArray(new String[0]));
  }

  private static FlinkRest.Job job(String runId) throws IOException {
    return rest.lastJobNamed("penguins-" + runId).orElseThrow(() -> new AssertionError("no Flink job named penguins-" + runId));
  }

  /**
   * The sizes of the distinct files the cluster's blob store holds for job {@code jobId} (the JobManager's
   * and each TaskManager's copy of the same upload count once).
   */
  private static List<Long> stagedFiles(String jobId) throws IOException {
    try (var files = Files.find(clusterDir.resolve("tmp/blob"), 3, (p, a) -> a.isRegularFile() && p.getParent().getFileName().toString().equals("job_" + jobId))) {
      Map<String, Long> byName = new java.util.TreeMap<>();
      for (Path f : files.toList()) {
        byName.put(f.getFileName().toString(), Files.size(f));
      }
      return List.copyOf(byName.values());
    }
  }

  @Test
  @Order(1)
  void twoRunsInARowUseBothTaskManagersAndGiveTheDirectRunnersArtifacts() throws Exception {
    BeamlineCliIT.Result direct =
        BeamlineCliIT.cli("run", PIPELINE, "--pipeline-root", tmp.resolve("direct-runs").toString(), "--run-id", "d1");
    assertThat(direct.code()).as(direct.err()).isZero();

    for (String runId : List.of("c1", "c2")) {
      BeamlineCliIT.Result r = runId.equals("c1") ? onCluster(runId) : onCluster(runId, "--no-cache");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out())
          .contains("Flink 1.19.0 session cluster at http://" + master + ": 2 TaskManagers, parallelism 2 (2 of 2 task slots free)")
          .contains("344 rows (0 rejected)")
          .contains("splits: train=220, eval=124")
          .doesNotContain("from cache");
      FlinkRest.Job job = job(runId);
      assertThat(job.state()).isEqualTo("FINISHED");
      assertThat(rest.taskManagersOf(job.id())).as("TaskManagers that ran tasks of %s", runId)
          .containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
      assertThat(r.out()).contains("Flink job " + job.id() + " ran on 2 TaskManager(s)");
      assertThat(stagedFiles(job.id())).as("files staged for %s", runId).containsExactly(Files.size(JobJar.besides(BeamlineCli.class)));
    }

    Path directRun = tmp.resolve("direct-runs/penguins");
    Path clusterRun = tmp.resolve("cluster-runs/penguins");
    RunnerParityIT.assertSameArtifacts(directRun, clusterRun);
    TrainingHistory d = TrainingHistory.fromJson(Files.readString(RunnerParityIT.latest(directRun, "train").resolve("training_history.json")));
    TrainingHistory c = TrainingHistory.fromJson(Files.readString(RunnerParityIT.latest(clusterRun, "train").resolve("training_history.json")));
    assertThat(c.best().evalMetrics().keySet()).containsExactly("eval_loss", "eval_accuracy", "eval_auc");
    for (String metric : List.of("eval_accuracy", "eval_auc")) {
      assertThat(c.best().evalMetrics().get(metric)).as(metric)
          .isCloseTo(d.best().evalMetrics().get(metric), org.assertj.core.data.Offset.offset(METRIC_TOLERANCE));
    }
    assertThat(RunnerParityIT.latest(clusterRun, "train").resolve("saved_model.pb")).exists();
  }

  @Test
  @Order(2)
  void anEncryptedRunWritesNoPlaintextFromTheTaskManagers() throws Exception {
    // The workers learn the encrypted roots from the pipeline options and open the keyset with the master
    // key of their own environment: every file they write (shards, dead letters, statistics, the
    // transform's outputs) must be encrypted.
    dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(java.util.Map.of(MASTER_KEY_VAR, MASTER_KEY)::get);
    try {
      Path keyset = tmp.resolve("keyset.json");
      Files.writeString(keyset, dev.beamline.core.crypto.Keysets.create(dev.beamline.core.crypto.MasterKey.fromEnvironment(MASTER_KEY_VAR)));
      String yaml = Files.readString(Paths.get(PIPELINE))
          .replace("input: data/penguins.csv", "input: " + REPO.resolve("examples/penguins/data/penguins.csv"))
          .replace("  name: penguins\n", "  name: penguins\n  encryption: {keyset: " + keyset + ", master_key_env: " + MASTER_KEY_VAR + "}\n");
      yaml = yaml.substring(0, yaml.indexOf("\ntrain:") + 1);
      Path file = tmp.resolve("encrypted.yaml");
      Files.writeString(file, yaml);
      Path root = tmp.resolve("encrypted-runs");
      BeamlineCliIT.Result r = BeamlineCliIT.cli("run", file.toString(), "--runner=flink", "--flinkMaster=" + master,
          "--pipeline-root", root.toString(), "--run-id", "e1");
      assertThat(r.code()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("344 rows (0 rejected)").contains("transformed examples (Parquet): train=220, eval=124");
      assertThat(rest.taskManagersOf(job("e1").id())).containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
      List<Path> files;
      try (var all = Files.walk(root)) {
        files = all.filter(Files::isRegularFile).filter(f -> !dev.beamline.core.crypto.Encryption.plaintextByDesign(f.toString())).toList();
      }
      assertThat(files).anyMatch(f -> f.toString().endsWith(".parquet")).hasSizeGreaterThan(15);
      for (Path f : files) {
        byte[] raw = Files.readAllBytes(f);
        assertThat(dev.beamline.core.crypto.ArtifactCipher.isEncrypted(raw)).as(f.toString()).isTrue();
        assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain("Torgersen");
      }
    } finally {
      dev.beamline.core.crypto.Encryption.clear();
      dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(null);
    }
  }

  @Test
  @Order(3)
  void askingForMoreSlotsThanTheClusterHasFailsAtOnceNamingBothNumbers() {
    BeamlineCliIT.Result r = onCluster("too-many", "--parallelism", "5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("parallelism 5 needs 5 free task slots, but the Flink cluster at http://" + master + " has 2 free (2 in all, on 2 TaskManagers)");
  }

  @Test
  @Order(4)
  void aKilledTaskManagerFailsTheRunCleanlyAndTheNextRunSucceeds() throws Exception {
    CompletableFuture<BeamlineCliIT.Result> run = CompletableFuture.supplyAsync(() -> onCluster("k1", "--no-cache"));
    // Kill the second TaskManager once the job's tasks are running.
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    Optional<FlinkRest.Job> running = Optional.empty();
    while (running.isEmpty() && System.nanoTime() < deadline && !run.isDone()) {
      running = rest.lastJobNamed("penguins-k1").filter(j -> j.state().equals("RUNNING") && j.runningTasks() > 0);
      Thread.sleep(100);
    }
    assertThat(running).as("the job of run k1 running").isPresent();
    long pid = Long.parseLong(Files.readString(clusterDir.resolve("pid/taskmanager-2.pid")).strip());
    ProcessHandle tm = ProcessHandle.of(pid).orElseThrow();
    tm.destroyForcibly();
    tm.onExit().get(30, TimeUnit.SECONDS);

    BeamlineCliIT.Result r = run.get(5, TimeUnit.MINUTES);
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(3);
    assertThat(r.err().strip())
        .startsWith("beamline: the Flink job of run k1 failed: TaskManager taskmanager-2")
        .contains("its log: " + clusterDir.resolve("log/taskmanager-2.log"))
        .hasLineCount(1);
    assertThat(r.out()).contains("run k1 FAILED; log: ");
    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(tmp.resolve("cluster-runs/metadata.sqlite")))) {
      Map<String, Execution> executions = RunOutcomesIT.executions(s, "k1");
      assertThat(executions).isNotEmpty();
      assertThat(executions.values()).allSatisfy(e -> assertThat(e.state()).as(e.stage()).isEqualTo(ExecutionState.FAILED));
    }
    // No staging folder of the failed run is left.
    try (var left = Files.find(tmp.resolve("cluster-runs/penguins"), 2, (f, a) -> f.getFileName().toString().startsWith(".staging-"))) {
      assertThat(left.toList()).isEmpty();
    }
    // The run's log holds the whole exception.
    Path log = tmp.resolve("cluster-runs/penguins/logs/k1.log");
    assertThat(Files.readString(log)).contains("org.apache.flink.runtime.client.JobExecutionException");

    BeamlineCliIT.Result next = onCluster("k2", "--no-cache");
    assertThat(next.code()).as(next.out() + next.err()).isZero();
    // The JobManager may list the killed TaskManager until its heartbeat times out, but never its slot as free.
    assertThat(next.out()).containsPattern("TaskManagers, parallelism 1 \\(1 of [12] task slots free\\)");
    assertThat(rest.taskManagersOf(job("k2").id())).containsExactly("taskmanager-1");
  }
}
