package dev.beamline.runner;

import com.google.common.hash.Hashing;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.Provenance;
import dev.beamline.core.RunLayout;
import dev.beamline.core.Storage;
import dev.beamline.flink.ClusterFailureException;
import dev.beamline.flink.FlinkCluster;
import dev.beamline.flink.JobJar;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.LeasePolicy;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline run <pipeline.yaml>}: builds the pipeline's Beam graph, records the run in the
 * metadata store, takes unchanged stages from the cache, and runs the rest.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a pipeline described by a YAML file, recording it in the metadata store.",
      "Stages whose code, parameters and inputs are unchanged since a complete run are taken from the cache.",
      "Any other --name=value option is passed to Beam (e.g. --flinkMaster=host:8081, --targetParallelism=4)."
    })
final class RunCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<pipeline.yaml>", description = "The pipeline configuration file.")
  Path pipelineFile;

  @Option(
      names = "--runner",
      defaultValue = "direct",
      description = "Beam runner: direct (default; in this JVM) or flink (embedded Flink unless --flinkMaster).")
  String runner;

  @Option(
      names = "--parallelism",
      defaultValue = "0",
      description = "Worker threads (direct) or task slots (flink); 0 (default): one per core, on a Flink cluster its free task slots.")
  int parallelism;

  @Option(
      names = "--pipeline-root",
      description = "Folder of all runs; overrides pipeline.root (default: ./beamline-runs).")
  String pipelineRoot;

  @Option(names = "--run-id", description = "Id of this run (default: UTC time and a random suffix).")
  String runId;

  @Option(
      names = "--metadata-url",
      description = "JDBC URL of the metadata store; overrides pipeline.metadata (default: <root>/metadata.sqlite).")
  String metadataUrl;

  @Option(names = "--no-cache", description = "Run every stage, even those the cache could serve.")
  boolean noCache;

  @Option(
      names = "--verify-cache",
      description = {
        "Read every cached output and raw input to check its content (SHA-256) before it is used.",
        "Without it: sizes always, content when the files together hold at most 64 MiB."
      })
  boolean verifyCache;

  @Option(
      names = "--cache-hash-limit",
      hidden = true,
      description = "Files holding at most this many bytes together are hashed to check the cache (default 64 MiB).")
  Long cacheHashLimit;

  @Option(
      names = "--code-version",
      hidden = true,
      description = "The code version recorded and used in cache keys (default: the Beamline version).")
  String codeVersion;

  @Option(
      names = "--lease-seconds",
      defaultValue = "60",
      paramLabel = "S",
      description = {
        "How long a running stage's lease lasts unless this run renews it (default 60). A run whose lease",
        "has expired is taken for killed: the next run, on any host, marks it FAILED and removes its files."
      })
  double leaseSeconds;

  @Option(
      names = "--heartbeat-seconds",
      defaultValue = "10",
      paramLabel = "S",
      description = "How often this run renews its leases; at most half the lease (default 10).")
  double heartbeatSeconds;

  @Option(
      names = "--wait-seconds",
      defaultValue = "3600",
      paramLabel = "S",
      description = "How long a stage waits for another run that computes it with the same inputs before computing it too (default 3600).")
  double waitSeconds;

  @Option(
      names = "--restart-attempts",
      paramLabel = "N",
      description =
          "On Flink: how often a failed job is restarted (Flink's fixed-delay restart strategy, --executionRetryDelay apart)"
              + " before the run fails (default 0). Above 0 the job runs on Flink's DataStream API in batch mode.")
  int restartAttempts;

  @CommandLine.Unmatched List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    for (String o : beamOptions) {
      if (!o.startsWith("--")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "unexpected argument '" + o + "'");
      }
    }
    PipelineSpec pipelineSpec = PipelineYaml.load(pipelineFile);
    if (pipelineRoot != null) {
      pipelineSpec = pipelineSpec.withRoot(pipelineRoot);
    }
    if (metadataUrl != null) {
      pipelineSpec = pipelineSpec.withMetadataUrl(metadataUrl);
    }
    PipelineOptions options = RunnerOptions.create(runner, parallelism, beamOptions);
    FileSystems.setDefaultPipelineOptions(options);
    // A wrong or missing key stops the run here (exit 2), before the store, the log or anything is written.
    pipelineSpec.openEncryption();
    String id = runId != null ? runId : RunLayout.newRunId();
    FlinkCluster cluster = onFlink(options, pipelineSpec.name() + "-" + id);
    // The log is a local file: under the pipeline root when that is local, else in the temporary folder.
    Path logRoot = Storage.isLocal(pipelineSpec.root()) ? Paths.get(pipelineSpec.root()) : Paths.get(System.getProperty("java.io.tmpdir"), "beamline-logs");
    Path logFile = logRoot.resolve(pipelineSpec.name()).resolve("logs").resolve(id + ".log");
    try (MetadataStore store = MetadataStore.open(pipelineSpec.metadataJdbcUrl(), leasePolicy())) {
      // A run id used before stops the run here (exit 2), before its log or anything else is written.
      store.claimRunId(pipelineSpec.name(), id);
      try (RunLog log = new RunLog(logFile);
          PrintWriter out = log.tee(spec.commandLine().getOut())) {
        try {
          return run(pipelineSpec, options, id, store, out, log, cluster);
        } catch (RuntimeException e) {
          DataCheckException check = DataCheckException.findIn(e);
          log.note("beamline: " + (check != null ? "check failed: " + check.getMessage() : e.toString()));
          if (e instanceof ClusterFailureException) {
            log.trace(e.getCause());
          }
          throw e;
        }
      }
    }
  }

  /**
   * On Flink: names the job after the pipeline and run, sets its restarts, and for a cluster fits the run
   * to it (parallelism from its free slots, the job jar); null on the DirectRunner or embedded Flink.
   */
  private FlinkCluster onFlink(PipelineOptions options, String jobName) {
    if (!(options instanceof FlinkPipelineOptions flink)) {
      return null;
    }
    flink.setJobName(jobName);
    if (restartAttempts < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--restart-attempts must be 0 or more, got " + restartAttempts);
    }
    if (!RunnerOptions.given(beamOptions, "numberOfExecutionRetries")) {
      flink.setNumberOfExecutionRetries(restartAttempts);
    }
    // Beam 2.62 gives a restart strategy only to Flink's DataStream API, in batch mode too.
    if (restartAttempts > 0 && !RunnerOptions.given(beamOptions, "useDataStreamForBatch")) {
      flink.setUseDataStreamForBatch(true);
    }
    if (!FlinkCluster.isRemote(flink)) {
      return null;
    }
    return FlinkCluster.prepare(flink, parallelism > 0 || RunnerOptions.given(beamOptions, "parallelism"), JobJar.besides(BeamlineCli.class));
  }

  /** The leases and the wait for other runs' stages, from --lease-seconds, --heartbeat-seconds and --wait-seconds. */
  private LeasePolicy leasePolicy() {
    try {
      LeasePolicy policy =
          LeasePolicy.defaults()
              .withLease(seconds(leaseSeconds, "--lease-seconds"))
              .withRenewal(seconds(heartbeatSeconds, "--heartbeat-seconds"))
              .withClaimWait(seconds(waitSeconds, "--wait-seconds"));
      policy.check();
      return policy;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static Duration seconds(double value, String option) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(option + " must be a number of seconds, zero or more, got " + value);
    }
    return Duration.ofMillis(Math.round(value * 1000));
  }

  private int run(
      PipelineSpec pipelineSpec, PipelineOptions options, String id, MetadataStore store, PrintWriter out, RunLog log, FlinkCluster cluster)
      throws IOException {
    long start = System.nanoTime();
    String version = codeVersion != null ? codeVersion : BeamlineCli.version();
    CacheCheck check = verifyCache ? CacheCheck.full() : cacheHashLimit != null ? new CacheCheck(cacheHashLimit) : CacheCheck.defaults();
    PipelineRun run = new PipelineRun(store, pipelineSpec, id, version, provenance(options), !noCache).withCacheCheck(check);
    out.printf("beamline: running pipeline '%s', run %s, on %s%n", pipelineSpec.name(), id, options.getRunner().getSimpleName());
    if (cluster != null) {
      out.printf("  %s%n", cluster.describe());
    }
    try {
      try {
        run.execute(Pipeline.create(options));
      } catch (RuntimeException e) {
        throw cluster != null ? cluster.explain(e, id) : e;
      }
    } catch (RuntimeException e) {
      printRefusedHits(run, out);
      // What the failed run kept: the stages published before the failure stay in the cache.
      for (PipelineRun.StageResult r : run.results()) {
        PipelineRun.Outcome o = run.outcome(r);
        if (r.cached()) {
          out.printf("  %s: from cache (execution #%d), artifact #%d%n", r.stage().name(), r.cachedFrom(), r.artifactId());
        } else if (o != null) {
          out.printf("  %s: execution #%d %s%s%n", r.stage().name(), r.executionId(), o.state(),
              o.state() == ExecutionState.COMPLETE ? ", artifact #" + r.artifactId() + " kept (published before the failure); output: " + r.outputDir() : "");
        }
      }
      out.printf("beamline: run %s FAILED; log: %s%n", id, log.file());
      throw e;
    }
    printRefusedHits(run, out);
    for (PipelineRun.StageResult r : run.results()) {
      PipelineRun.Outcome o = run.outcome(r);
      String how =
          r.cached()
              ? "from cache (execution #" + r.cachedFrom() + ")"
              : String.format("ran as execution #%d in %.1f s", r.executionId(), o.durationMillis() / 1e3);
      out.printf("  %s: %s, artifact #%d%n", r.stage().name(), how, r.artifactId());
      for (String line : run.published(r).summary()) {
        out.printf("      %s%n", line);
      }
      out.printf("      output: %s%n", r.outputDir());
    }
    if (cluster != null) {
      cluster.placement(options.getJobName()).ifPresent(p -> out.printf("  %s%n", p));
    }
    List<String> cached = run.results().stream().filter(PipelineRun.StageResult::cached).map(r -> r.stage().name()).toList();
    out.printf(
        "beamline: run %s finished in %.1f s%s; log: %s%n",
        id,
        (System.nanoTime() - start) / 1e9,
        cached.isEmpty() ? "" : " (from cache: " + String.join(", ", cached) + ")",
        log.file());
    return BeamlineCli.OK;
  }

  private static void printRefusedHits(PipelineRun run, PrintWriter out) {
    for (String line : run.refusedHits()) {
      out.printf("  %s%n", line);
    }
  }

  /** What every artifact of this run carries: versions, runner and options, and the configuration file. */
  private Provenance provenance(PipelineOptions options) throws IOException {
    Path file = pipelineFile.toAbsolutePath().normalize();
    return Provenance.ofRun(
        BeamlineCli.version(),
        options.getRunner().getSimpleName(),
        new Provenance.RunnerOptions(runner, parallelism, List.copyOf(beamOptions)),
        // Ingestion draws no random numbers: splits come from an unseeded, stable hash.
        Map.of("split_hash", "farmhash_fingerprint64 (deterministic, unseeded)"),
        file.toString(),
        Hashing.sha256().hashBytes(Files.readAllBytes(file)).toString(),
        Files.readString(file));
  }
}
