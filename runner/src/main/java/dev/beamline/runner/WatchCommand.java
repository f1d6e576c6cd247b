package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.RunLayout;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.LeasePolicy;
import dev.beamline.metadata.MetadataException;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.PipelineLock;
import dev.beamline.runner.watch.DurationText;
import dev.beamline.runner.watch.InputState;
import dev.beamline.runner.watch.LockHeartbeat;
import dev.beamline.runner.watch.RetrainTrigger;
import dev.beamline.runner.watch.WatchDecision;
import dev.beamline.runner.watch.WatchedInputs;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline watch <pipeline.yaml>}: a long-running orchestrator that runs the pipeline when its
 * input changes (a new span or version, files added, changed or removed, new request-log segments or
 * label files of its {@code feedback:} section), when an interval has passed since its last run, or when
 * the last run's retrain trigger fired ({@link WatchDecision}). It holds the pipeline's lock in the
 * metadata store ({@link MetadataStore#tryLockPipeline}), so that no two watches run the same pipeline,
 * and records each run it starts as a {@code watch} execution (reason, input state, run id, exit code),
 * from which a restarted watch resumes. SIGTERM or SIGINT stops it after the current run.
 *
 * <pre>{@code
 * beamline watch pipeline.yaml --poll 30s --interval 1d
 * }</pre>
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a pipeline whenever its input changes (a new span or version, changed files, new request-log segments or labels), every --interval, or when its last run's retrain trigger fired.",
      "One watch per pipeline (a lock in the metadata store); a restarted watch resumes where the store says it was.",
      "Each decision is logged; SIGTERM stops it after the current run.",
      "Any other --name=value option is passed to each run (e.g. --no-cache, --wait-seconds=600, --flinkMaster=host:8081)."
    })
final class WatchCommand implements Callable<Integer> {
  /** The stage name of the executions that record the runs a watch started. */
  static final String STAGE = "watch";

  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<pipeline.yaml>", description = "The pipeline configuration file.")
  Path pipelineFile;

  @Option(names = "--poll", defaultValue = "30s", paramLabel = "DURATION", description = "How often the inputs are looked at (default 30s; units ms, s, m, h, d).")
  String poll;

  @Option(names = "--interval", paramLabel = "DURATION", description = "Also run when this long has passed since the last run started, changed input or not (e.g. 1d).")
  String interval;

  @Option(names = "--max-runs", defaultValue = "0", paramLabel = "N", description = "Stop after starting N runs (default 0: never).")
  int maxRuns;

  @Option(names = "--once", description = "Look once, run if needed, and stop; the exit code is the run's (0 when none).")
  boolean once;

  @Option(names = "--no-wait", description = "Exit with code 2 when another live watch holds the pipeline's lock, instead of waiting for it.")
  boolean noWait;

  @Option(names = "--runner", defaultValue = "direct", description = "Beam runner of each run: direct (default) or flink.")
  String runner;

  @Option(names = "--parallelism", defaultValue = "0", description = "Worker threads or task slots of each run (0, default: one per core).")
  int parallelism;

  @Option(names = "--pipeline-root", description = "Folder of all runs; overrides pipeline.root (default: ./beamline-runs).")
  String pipelineRoot;

  @Option(names = "--metadata-url", description = "JDBC URL of the metadata store; overrides pipeline.metadata (default: <root>/metadata.sqlite).")
  String metadataUrl;

  @Option(
      names = "--lease-seconds",
      defaultValue = "60",
      paramLabel = "S",
      description = "The lease of the pipeline lock and of each run's stages (default 60): a watch killed without a word loses its lock this long after its last renewal.")
  double leaseSeconds;

  @Option(names = "--heartbeat-seconds", defaultValue = "10", paramLabel = "S", description = "How often leases are renewed; at most half the lease (default 10).")
  double heartbeatSeconds;

  @Option(
      names = "--stop-timeout",
      defaultValue = "1h",
      paramLabel = "DURATION",
      description = "After SIGTERM, how long the current run may take to finish before the watch exits without it (exit code 3; default 1h).")
  String stopTimeout;

  @CommandLine.Unmatched List<String> runOptions = new ArrayList<>();

  private PrintWriter out;
  private String pipeline;
  private final Stop stop = new Stop();
  private volatile String lockLost;

  @Override
  public Integer call() {
    for (String o : runOptions) {
      if (!o.startsWith("--")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "unexpected argument '" + o + "'");
      }
    }
    out = spec.commandLine().getOut();
    PipelineSpec pipelineSpec = PipelineYaml.load(pipelineFile);
    if (pipelineRoot != null) {
      pipelineSpec = pipelineSpec.withRoot(pipelineRoot);
    }
    if (metadataUrl != null) {
      pipelineSpec = pipelineSpec.withMetadataUrl(metadataUrl);
    }
    pipelineSpec.openEncryption();
    pipeline = pipelineSpec.name();
    WatchedInputs inputs = WatchedInputs.of(pipelineFile);
    Duration pollEvery = duration(poll, "--poll");
    Optional<Duration> every = interval == null ? Optional.empty() : Optional.of(duration(interval, "--interval"));
    Duration stopWithin = duration(stopTimeout, "--stop-timeout");
    if (maxRuns < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-runs must be 0 (no limit) or more, got " + maxRuns);
    }
    LeasePolicy leases = leasePolicy();
    String url = pipelineSpec.metadataJdbcUrl();
    String owner = "watch " + ProcessHandle.current().pid() + "@" + hostName() + "/" + String.format("%08x", ThreadLocalRandom.current().nextInt());
    try (MetadataStore store = MetadataStore.open(url, leases, java.time.Clock.systemUTC());
        Stop.Signals signals = stop.onSignals(this::log, stopWithin)) {
      log("watching pipeline '" + pipeline + "' (" + pipelineFile + ") as " + owner + "; poll every " + DurationText.format(pollEvery)
          + every.map(d -> ", run at least every " + DurationText.format(d)).orElse("") + "; inputs: " + describe(inputs));
      if (!lock(store, owner, pollEvery)) {
        return stop.requested() ? BeamlineCli.OK : BeamlineCli.BAD_USAGE;
      }
      try (LockHeartbeat beat =
          new LockHeartbeat(MetadataStore.open(url, leases), pipeline, owner, leases.renewal(), this::loseLock, this::log)) {
        return watch(store, inputs, pollEvery, every);
      } finally {
        boolean released = store.releasePipelineLock(pipeline, owner);
        log(released ? "released the lock; stopped" : "stopped (the lock was no longer this watch's)");
      }
    }
  }

  /** Takes the pipeline's lock, waiting for a live holder unless --no-wait; false when it did not. */
  private boolean lock(MetadataStore store, String owner, Duration pollEvery) {
    String waitingFor = null;
    while (true) {
      PipelineLock.Attempt a = store.tryLockPipeline(pipeline, owner);
      if (a.acquired()) {
        if (a.takenOver() != null) {
          log("took over the lock of pipeline '" + pipeline + "' from " + a.takenOver().owner() + ", whose lease expired at "
              + Instant.ofEpochMilli(a.takenOver().leaseExpiry()) + " (taken for dead)");
        } else {
          log("took the lock of pipeline '" + pipeline + "'");
        }
        return true;
      }
      PipelineLock holder = a.lock();
      if (noWait) {
        log("pipeline '" + pipeline + "' is locked by " + holder.owner() + " (lease until " + Instant.ofEpochMilli(holder.leaseExpiry())
            + "): not waiting (--no-wait)");
        return false;
      }
      if (!holder.owner().equals(waitingFor)) {
        waitingFor = holder.owner();
        log("pipeline '" + pipeline + "' is locked by " + holder.owner() + " (lease until " + Instant.ofEpochMilli(holder.leaseExpiry())
            + "): waiting for it");
      }
      // Look again when the holder's lease would end, or at the next poll if that comes first.
      long untilExpiry = Math.max(50, holder.leaseExpiry() - store.now() + 50);
      if (stop.sleep(Duration.ofMillis(Math.min(untilExpiry, pollEvery.toMillis())))) {
        log("stopped while waiting for the lock");
        return false;
      }
    }
  }

  private int watch(MetadataStore store, WatchedInputs inputs, Duration pollEvery, Optional<Duration> every) {
    Optional<WatchDecision.LastRun> last = lastRun(store);
    log(last.map(l -> "resuming after run " + l.runId() + " (started " + l.started() + ", "
                + (l.finished() ? "exit code " + l.exitCode() : "did not finish") + ", " + l.inputs().files().size() + " input files)")
            .orElse("no run of this watch recorded yet"));
    int runs = 0;
    int lastCode = BeamlineCli.OK;
    while (!stop.requested() && lockLost == null) {
      InputState state = inputs.scan();
      Optional<String> fired = Optional.empty();
      if (last.isPresent() && last.get().finished()) {
        try {
          fired = RetrainTrigger.firedIn(store, pipeline, last.get().runId());
        } catch (RuntimeException e) {
          log("cannot read the retrain decision of run " + last.get().runId() + ": " + e.getMessage());
        }
      }
      WatchDecision d = WatchDecision.decide(state, last, every, Instant.now(), fired);
      if (!d.run()) {
        log("idle: " + d.reason());
      } else {
        String id = RunLayout.newRunId();
        log("run " + id + ": " + d.reason());
        Instant started = Instant.now();
        lastCode = runOnce(store, id, d.reason(), state);
        last = Optional.of(new WatchDecision.LastRun(id, started, state, true, lastCode));
        runs++;
        if (maxRuns > 0 && runs >= maxRuns) {
          log("started " + runs + " run" + (runs == 1 ? "" : "s") + " (--max-runs)");
          break;
        }
      }
      if (once || stop.requested() || lockLost != null) {
        break;
      }
      stop.sleep(pollEvery);
    }
    if (lockLost != null) {
      log(lockLost + "; stopping");
      return BeamlineCli.INTERNAL_ERROR;
    }
    return stop.requested() ? BeamlineCli.OK : lastCode;
  }

  /** Starts run {@code id} in this JVM, recorded as a watch execution; returns its exit code. */
  private int runOnce(MetadataStore store, String id, String reason, InputState state) {
    ObjectNode parameters = JSON.createObjectNode();
    parameters.put("run_id", id);
    parameters.put("reason", reason);
    parameters.put("pipeline_file", pipelineFile.toAbsolutePath().normalize().toString());
    parameters.put("input_fingerprint", state.fingerprint());
    parameters.set("inputs", state.toJson());
    String watchRun = STAGE + "-" + id;
    store.claimRunId(pipeline, watchRun);
    long pipelineContext = store.context("pipeline", pipeline);
    long runContext = store.context("run", pipeline + "/" + watchRun);
    store.setParentContext(runContext, pipelineContext);
    long execution = store.startExecution(pipeline, watchRun, STAGE, parameters, BeamlineCli.version(), null);
    store.associate(runContext, execution);
    store.associate(pipelineContext, execution);
    long start = System.nanoTime();
    int code;
    stop.running(true);
    try {
      code = BeamlineCli.commandLine(out, spec.commandLine().getErr()).execute(runArguments(id).toArray(String[]::new));
    } catch (RuntimeException | Error e) {
      log("run " + id + " ended with an unexpected error: " + e);
      code = BeamlineCli.INTERNAL_ERROR;
    } finally {
      stop.running(false);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ObjectNode facts = JSON.createObjectNode();
    facts.put("exit_code", code);
    facts.put("duration_s", Math.round(seconds * 10) / 10.0);
    try {
      store.setExecutionProperties(execution, facts);
      store.finishExecution(execution, code == BeamlineCli.OK ? ExecutionState.COMPLETE : ExecutionState.FAILED,
          code == BeamlineCli.OK ? null : "run " + id + " exited with code " + code);
    } catch (MetadataException e) {
      log("cannot record the end of run " + id + ": " + e.getMessage());
    }
    log(String.format("run %s %s in %.1f s%s", id, code == BeamlineCli.OK ? "finished" : "FAILED with exit code " + code, seconds,
        code == BeamlineCli.OK ? "" : "; next run on new input" + (interval == null ? "" : " or after the interval")));
    return code;
  }

  private List<String> runArguments(String id) {
    List<String> args = new ArrayList<>(List.of("run", pipelineFile.toString(), "--run-id=" + id));
    args.add("--runner=" + runner);
    args.add("--parallelism=" + parallelism);
    args.add("--lease-seconds=" + leaseSeconds);
    args.add("--heartbeat-seconds=" + heartbeatSeconds);
    if (pipelineRoot != null) {
      args.add("--pipeline-root=" + pipelineRoot);
    }
    if (metadataUrl != null) {
      args.add("--metadata-url=" + metadataUrl);
    }
    args.addAll(runOptions);
    return args;
  }

  /** The last run a watch of this pipeline started, as the store recorded it. */
  private Optional<WatchDecision.LastRun> lastRun(MetadataStore store) {
    Optional<Execution> found = store.lastExecution(pipeline, STAGE);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Execution e = found.get();
    if (e.state() == ExecutionState.RUNNING && store.leaseExpired(e) && store.failExpired(e)) {
      log("run " + e.parameters().path("run_id").asText() + " was started by a watch that was killed (" + e.owner() + ")");
      e = store.execution(e.id()).orElse(e);
    }
    JsonNode code = e.properties().get("exit_code");
    boolean finished = code != null && code.isInt();
    return Optional.of(
        new WatchDecision.LastRun(
            e.parameters().path("run_id").asText(),
            Instant.ofEpochMilli(e.startTime()),
            InputState.fromJson(e.parameters().get("inputs")),
            finished,
            finished ? code.asInt() : null));
  }

  private void loseLock(String why) {
    lockLost = why;
    log(why + "; stopping after the current run");
    stop.request();
  }

  private String describe(WatchedInputs inputs) {
    List<String> s = new ArrayList<>();
    inputs.patterns().forEach(p -> s.add(p.role() + " " + p.pattern()));
    return String.join(", ", s);
  }

  /** One line of the watch's log: the time (UTC) and the message. */
  private synchronized void log(String message) {
    out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " watch " + pipeline + ": " + message);
    out.flush();
  }

  private LeasePolicy leasePolicy() {
    try {
      LeasePolicy policy =
          LeasePolicy.defaults()
              .withLease(Duration.ofMillis(Math.round(positive(leaseSeconds, "--lease-seconds") * 1000)))
              .withRenewal(Duration.ofMillis(Math.round(positive(heartbeatSeconds, "--heartbeat-seconds") * 1000)));
      policy.check();
      return policy;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static double positive(double value, String option) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(option + " must be a positive number of seconds, got " + value);
    }
    return value;
  }

  private Duration duration(String text, String option) {
    try {
      return DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }

  /**
   * A request to stop: set by SIGTERM or SIGINT (or a lost lock), waking a watch that sleeps between
   * polls. A run in progress is let finish, up to a bound after which the process exits without it.
   */
  static final class Stop {
    private final CountDownLatch requested = new CountDownLatch(1);
    private volatile boolean running;

    void request() {
      requested.countDown();
    }

    boolean requested() {
      return requested.getCount() == 0;
    }

    void running(boolean running) {
      this.running = running;
    }

    /** Sleeps for {@code d} or until a stop is requested; returns whether one was. */
    boolean sleep(Duration d) {
      try {
        return requested.await(d.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        request();
        return true;
      }
    }

    /**
     * Handles SIGTERM and SIGINT until closed: the first asks to stop after the current run (a run still
     * going after {@code within} is abandoned: the process exits with code 3), a second exits at once.
     * Handling the signal, rather than a shutdown hook, keeps the JVM and its file systems alive while
     * the run finishes.
     */
    Signals onSignals(java.util.function.Consumer<String> log, Duration within) {
      List<Object[]> previous = new ArrayList<>();
      for (String name : List.of("TERM", "INT")) {
        try {
          sun.misc.Signal signal = new sun.misc.Signal(name);
          sun.misc.SignalHandler old =
              sun.misc.Signal.handle(
                  signal,
                  s -> {
                    if (requested()) {
                      log.accept("SIG" + name + " again: exiting now" + (running ? ", abandoning the current run" : ""));
                      Runtime.getRuntime().halt(128 + s.getNumber());
                    }
                    log.accept("SIG" + name + ": stopping" + (running ? " after the current run" : ""));
                    request();
                    if (running) {
                      Thread t = new Thread(() -> {
                        try {
                          Thread.sleep(within.toMillis());
                        } catch (InterruptedException e) {
                          return;
                        }
                        if (running) {
                          log.accept("the current run did not finish within " + DurationText.format(within) + " (--stop-timeout): exiting without it");
                          Runtime.getRuntime().halt(BeamlineCli.INTERNAL_ERROR);
                        }
                      }, "beamline-watch-stop-timeout");
                      t.setDaemon(true);
                      t.start();
                    }
                  });
          previous.add(new Object[] {signal, old});
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
          log.accept("cannot handle SIG" + name + " here (" + e.getMessage() + "): it stops the watch at once");
        }
      }
      return () -> {
        for (Object[] p : previous) {
          sun.misc.Signal.handle((sun.misc.Signal) p[0], (sun.misc.SignalHandler) p[1]);
        }
      };
    }

    /** Restores the signal handlers that {@link #onSignals} replaced. */
    interface Signals extends AutoCloseable {
      @Override
      void close();
    }
  }
}
