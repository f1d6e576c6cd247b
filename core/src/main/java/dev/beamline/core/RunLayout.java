package dev.beamline.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Where a stage of a run writes: {@code <pipeline-root>/<pipeline>/<stage>/<run-id>/}.
 *
 * <p>When a metadata store records the run, the folder is named by the stage's execution id instead
 * of the run id ({@link #output(String, long)}). A stage first writes into a hidden staging folder
 * beside its output, {@code .staging-<id>/}, and publishes it with one atomic rename (see {@link
 * Storage#publish}), so that a reader never sees half an artifact.
 *
 * <pre>{@code
 * RunLayout layout = RunLayout.of(Paths.get("beamline-runs"), "penguins", RunLayout.newRunId());
 * Path examples = layout.outputDir("ingest");   // beamline-runs/penguins/ingest/<run-id>
 * }</pre>
 */
public final class RunLayout implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

  private final String pipelineRoot;
  private final String pipelineName;
  private final String runId;

  private RunLayout(String pipelineRoot, String pipelineName, String runId) {
    this.pipelineRoot = pipelineRoot;
    this.pipelineName = pipelineName;
    this.runId = runId;
  }

  /**
   * The layout of run {@code runId} of pipeline {@code pipelineName} under {@code pipelineRoot}.
   *
   * @throws IllegalArgumentException when a name holds characters other than letters, digits, '.', '_'
   *     and '-', or starts with a character other than a letter or digit
   */
  public static RunLayout of(Path pipelineRoot, String pipelineName, String runId) {
    checkNotNull(pipelineRoot, "pipelineRoot");
    return of(pipelineRoot.toAbsolutePath().normalize().toString(), pipelineName, runId);
  }

  /**
   * The layout of a run under {@code pipelineRoot}, a local path or the URI of any file system that
   * Beam supports (e.g. {@code hdfs://namenode:8020/beamline-runs}).
   */
  public static RunLayout of(String pipelineRoot, String pipelineName, String runId) {
    checkNotNull(pipelineRoot, "pipelineRoot");
    checkName("pipeline name", pipelineName);
    checkName("run id", runId);
    String root = Storage.isLocal(pipelineRoot) ? Paths.get(pipelineRoot).toAbsolutePath().normalize().toString() : pipelineRoot;
    return new RunLayout(root.endsWith("/") && root.length() > 1 ? root.substring(0, root.length() - 1) : root, pipelineName, runId);
  }

  private static void checkName(String what, String value) {
    checkArgument(
        value != null && NAME.matcher(value).matches(),
        "%s '%s' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        what,
        value);
  }

  /** A new run id: the UTC time to the second and four random hex digits, e.g. {@code 20261128-101502-3fa9}. */
  public static String newRunId() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME)
        + String.format("-%04x", ThreadLocalRandom.current().nextInt(0x10000));
  }

  /** The pipeline root on the local file system. */
  public Path pipelineRoot() {
    return Paths.get(pipelineRoot);
  }

  /** The pipeline root as given: a local path or a URI. */
  public String rootUri() {
    return pipelineRoot;
  }

  /** {@code <pipeline-root>/<pipeline>/<stage>} as a path or URI. */
  public String stageUri(String stage) {
    checkName("stage", stage);
    return Storage.resolve(Storage.resolve(pipelineRoot, pipelineName), stage);
  }

  public String pipelineName() {
    return pipelineName;
  }

  public String runId() {
    return runId;
  }

  /** {@code <pipeline-root>/<pipeline>/<stage>}: every run of one stage. */
  public Path stageDir(String stage) {
    checkName("stage", stage);
    return pipelineRoot().resolve(pipelineName).resolve(stage);
  }

  /** {@code <pipeline-root>/<pipeline>/<stage>/<run-id>}: the published output of this run's stage. */
  public Path outputDir(String stage) {
    return stageDir(stage).resolve(runId);
  }

  /** {@code <pipeline-root>/<pipeline>/<stage>/.staging-<run-id>}: where the stage writes before publishing. */
  public Path stagingDir(String stage) {
    return output(stage).stagingPath();
  }

  /** The output of {@code stage} in this run, in {@code <stage>/<run-id>}. */
  public StageOutput output(String stage) {
    return new StageOutput(outputDir(stage).toString(), runId, null);
  }

  /**
   * The output of {@code stage} in this run when a metadata store numbers executions: {@code
   * <stage>/<execution-id>}.
   */
  public StageOutput output(String stage, long executionId) {
    return new StageOutput(Storage.resolve(stageUri(stage), Long.toString(executionId)), runId, null);
  }

  @Override
  public String toString() {
    return pipelineRoot + "/" + pipelineName + "/<stage>/" + runId;
  }
}
