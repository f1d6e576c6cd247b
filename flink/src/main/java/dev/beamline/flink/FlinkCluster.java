package dev.beamline.flink;

import dev.beamline.core.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.runners.flink.FlinkPipelineOptions;

/**
 * The Flink session cluster a run is submitted to ({@code --runner=flink --flinkMaster=host:port}),
 * asked through its JobManager's REST API before the job is built, so that a run fits the cluster:
 *
 * <ul>
 *   <li>the parallelism is the cluster's free task slots unless one is asked for; asking for more than
 *       are free fails at once, naming both numbers (Flink would otherwise wait for slots in silence);
 *   <li>the job jar (one shaded jar, {@code runner/target/beamline-job.jar}) is the only file staged,
 *       unless {@code --filesToStage} names others;
 *   <li>a job that failed because a TaskManager was lost becomes a {@link ClusterFailureException}
 *       with one line naming the cause, the TaskManager, the run and the TaskManager's log.
 * </ul>
 *
 * <pre>{@code
 * if (FlinkCluster.isRemote(options)) {
 *   FlinkCluster cluster = FlinkCluster.prepare(options, false, JobJar.besides(BeamlineCli.class));
 *   try { pipeline.run().waitUntilFinish(); } catch (RuntimeException e) { throw cluster.explain(e, runId); }
 * }
 * }</pre>
 */
public final class FlinkCluster {
  /** Set by {@code flink/cluster.sh} in the cluster's configuration: the folder of its logs. */
  public static final String LOG_DIR_KEY = "beamline.cluster.log-dir";

  private static final List<Pattern> LOST =
      List.of(
          // Netty's messages name the peer as 'host/ip:port [ resource-id ] '.
          Pattern.compile("(?:Connecting to|closed by|Lost connection to) remote task manager '[^'\\[]*\\[ (\\S+) \\][^']*'"),
          Pattern.compile("TaskManager with id (\\S+?) is no longer reachable"),
          Pattern.compile("Heartbeat of TaskManager with id (\\S+?) timed out"),
          Pattern.compile("TaskManager with id (\\S+?) has been disconnected"),
          Pattern.compile("Connection unexpectedly closed by remote task manager '([^']+)'"),
          Pattern.compile("Lost connection to task manager '([^']+)'"),
          Pattern.compile("Disconnect TaskManager (\\S+)"));

  /** The host:port of a TaskManager's RPC path, pekko.tcp://flink@host:port/user/rpc/taskmanager_0. */
  private static final Pattern RPC_ADDRESS = Pattern.compile("@([^/]+)/");

  private final String master;
  private final FlinkRest rest;
  private final FlinkRest.Overview overview;
  private final int parallelism;
  /** TaskManager id to its address, as registered when the run started. */
  private final Map<String, String> taskManagers;
  private final String logDir;

  private FlinkCluster(String master, FlinkRest rest, FlinkRest.Overview overview, int parallelism, Map<String, String> taskManagers, String logDir) {
    this.master = master;
    this.rest = rest;
    this.overview = overview;
    this.parallelism = parallelism;
    this.taskManagers = taskManagers;
    this.logDir = logDir;
  }

  /** Whether {@code options} submit to a cluster at {@code host:port} rather than to an embedded Flink. */
  public static boolean isRemote(FlinkPipelineOptions options) {
    String m = options.getFlinkMaster();
    return m != null && !m.isBlank() && !m.startsWith("[");
  }

  /**
   * Asks the cluster at {@code options}' Flink master for its slots and TaskManagers and sets the
   * parallelism (its free slots unless {@code parallelismGiven}) and the files to stage ({@code jobJar}
   * unless some are given).
   *
   * @throws ConfigException when no JobManager answers there, when no slot is free, when the asked
   *     parallelism exceeds the free slots, or when the job jar is missing
   */
  public static FlinkCluster prepare(FlinkPipelineOptions options, boolean parallelismGiven, Path jobJar) {
    String master = options.getFlinkMaster();
    FlinkRest rest = new FlinkRest(master);
    FlinkRest.Overview overview;
    Map<String, String> taskManagers = new LinkedHashMap<>();
    String logDir;
    try {
      overview = rest.overview();
      for (FlinkRest.TaskManager t : rest.taskManagers()) {
        Matcher m = RPC_ADDRESS.matcher(t.path());
        taskManagers.put(t.id(), m.find() ? m.group(1) : t.path());
      }
      logDir = rest.config(LOG_DIR_KEY).orElse(null);
    } catch (IOException e) {
      throw new ConfigException(
          "no Flink JobManager answers at " + rest.base() + " (--flinkMaster=" + master + "): "
              + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + "; start the bundled cluster with flink/cluster.sh start, or name a running one");
    }
    int free = overview.slotsAvailable();
    int parallelism;
    if (parallelismGiven) {
      parallelism = options.getParallelism();
      if (parallelism > free) {
        throw new ConfigException(
            "parallelism " + parallelism + " needs " + parallelism + " free task slots, but the Flink cluster at " + rest.base()
                + " has " + free + " free (" + overview.slotsTotal() + " in all, on " + overview.taskManagers() + " TaskManagers)");
      }
    } else {
      if (free == 0) {
        throw new ConfigException(
            "the Flink cluster at " + rest.base() + " has no free task slot (" + overview.slotsTotal() + " in all, on "
                + overview.taskManagers() + " TaskManagers, all busy or none registered)");
      }
      parallelism = free;
      options.setParallelism(parallelism);
    }
    if (options.getFilesToStage() == null || options.getFilesToStage().isEmpty()) {
      if (!Files.isRegularFile(jobJar)) {
        throw new ConfigException("no job jar at " + jobJar + " to stage on the Flink cluster; build it with mvn package");
      }
      options.setFilesToStage(List.of(jobJar.toString()));
    }
    return new FlinkCluster(master, rest, overview, parallelism, Map.copyOf(taskManagers), logDir);
  }

  /** One line for the console: the cluster, its TaskManagers and the run's parallelism. */
  public String describe() {
    return String.format(
        "Flink %s session cluster at %s: %d TaskManagers, parallelism %d (%d of %d task slots free)",
        overview.flinkVersion(), rest.base(), overview.taskManagers(), parallelism, overview.slotsAvailable(), overview.slotsTotal());
  }

  /** Where the job named {@code jobName} ran: its id and its TaskManagers, if the cluster still lists it. */
  public Optional<String> placement(String jobName) {
    try {
      Optional<FlinkRest.Job> job = rest.lastJobNamed(jobName);
      if (job.isEmpty()) {
        return Optional.empty();
      }
      Set<String> used = rest.taskManagersOf(job.get().id());
      return Optional.of(String.format("Flink job %s ran on %d TaskManager(s): %s", job.get().id(), used.size(), String.join(", ", used)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code failure} of run {@code runId}'s job as a {@link ClusterFailureException} when a TaskManager
   * was lost, else {@code failure} itself.
   */
  public RuntimeException explain(RuntimeException failure, String runId) {
    Optional<Lost> lost = lostTaskManager(failure);
    if (lost.isEmpty()) {
      // A TaskManager lost before its tasks were deployed shows only as slots that never came.
      lost = goneTaskManager(rootCause(failure));
    }
    return lost.<RuntimeException>map(l -> new ClusterFailureException(lostMessage(l, runId), failure)).orElse(failure);
  }

  /** A TaskManager registered when the run started and no longer registered now, if any. */
  private Optional<Lost> goneTaskManager(String cause) {
    try {
      Set<String> now = new java.util.HashSet<>();
      rest.taskManagers().forEach(t -> now.add(t.id()));
      return taskManagers.keySet().stream().filter(id -> !now.contains(id)).findFirst().map(id -> new Lost(id, cause));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String rootCause(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getClass().getSimpleName() + (root.getMessage() != null ? ": " + root.getMessage() : "");
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  private String lostMessage(Lost lost, String runId) {
    String id = lost.taskManager();
    String address = taskManagers.get(id);
    String log =
        logDir != null && taskManagers.containsKey(id)
            ? Path.of(logDir, id + ".log").toString()
            : "the cluster's TaskManager logs (JobManager log: " + rest.base() + "/#/job-manager/logs)";
    return "the Flink job of run " + runId + " failed: TaskManager " + id + (address != null ? " (" + address + ")" : "")
        + " was lost (" + lost.cause() + "); its log: " + log;
  }

  /** A lost TaskManager found in an exception's causes: its id (or address) and the message that said so. */
  record Lost(String taskManager, String cause) {}

  static Optional<Lost> lostTaskManager(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      for (Pattern p : LOST) {
        Matcher m = p.matcher(message);
        if (m.find()) {
          return Optional.of(new Lost(m.group(1), m.group().strip()));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "FlinkCluster[" + master + "]";
  }
}
