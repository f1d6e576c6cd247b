package dev.beamline.runner;

import com.google.common.hash.Hashing;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.Provenance;
import dev.beamline.core.RunLayout;
import dev.beamline.core.Storage;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
      description = "Worker threads (direct) or task slots (flink); 0 (default): one per core.")
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
      names = "--code-version",
      hidden = true,
      description = "The code version recorded and used in cache keys (default: the Beamline version).")
  String codeVersion;

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
    String id = runId != null ? runId : RunLayout.newRunId();
    // The log is a local file: under the pipeline root when that is local, else in the temporary folder.
    Path logRoot = Storage.isLocal(pipelineSpec.root()) ? Paths.get(pipelineSpec.root()) : Paths.get(System.getProperty("java.io.tmpdir"), "beamline-logs");
    Path logFile = logRoot.resolve(pipelineSpec.name()).resolve("logs").resolve(id + ".log");
    try (RunLog log = new RunLog(logFile);
        PrintWriter out = log.tee(spec.commandLine().getOut());
        MetadataStore store = MetadataStore.open(pipelineSpec.metadataJdbcUrl())) {
      try {
        return run(pipelineSpec, options, id, store, out, log);
      } catch (RuntimeException e) {
        DataCheckException check = DataCheckException.findIn(e);
        log.note("beamline: " + (check != null ? "check failed: " + check.getMessage() : e.toString()));
        throw e;
      }
    }
  }

  private int run(PipelineSpec pipelineSpec, PipelineOptions options, String id, MetadataStore store, PrintWriter out, RunLog log)
      throws IOException {
    long start = System.nanoTime();
    String version = codeVersion != null ? codeVersion : BeamlineCli.version();
    PipelineRun run = new PipelineRun(store, pipelineSpec, id, version, provenance(options), !noCache);
    out.printf("beamline: running pipeline '%s', run %s, on %s%n", pipelineSpec.name(), id, options.getRunner().getSimpleName());
    try {
      run.execute(Pipeline.create(options));
    } catch (RuntimeException e) {
      out.printf("beamline: run %s FAILED; log: %s%n", id, log.file());
      throw e;
    }
    for (PipelineRun.StageResult r : run.results()) {
      String how = r.cached() ? "from cache (execution #" + r.cachedFrom() + ")" : "ran as execution #" + r.executionId();
      out.printf("  %s: %s, artifact #%d%n", r.stage().name(), how, r.artifactId());
      for (String line : run.published(r).summary()) {
        out.printf("      %s%n", line);
      }
      out.printf("      output: %s%n", r.outputDir());
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
