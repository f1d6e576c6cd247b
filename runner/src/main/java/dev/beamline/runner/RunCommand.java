package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.RunLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code beamline run <pipeline.yaml>}: builds the pipeline's Beam graph and runs it. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a pipeline described by a YAML file.",
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
  Path pipelineRoot;

  @Option(names = "--run-id", description = "Id of this run (default: UTC time and a random suffix).")
  String runId;

  @CommandLine.Unmatched List<String> beamOptions = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    for (String o : beamOptions) {
      if (!o.startsWith("--")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "unexpected argument '" + o + "'");
      }
    }
    PipelineSpec pipelineSpec = PipelineYaml.load(pipelineFile);
    if (pipelineRoot != null) {
      pipelineSpec = pipelineSpec.withRoot(pipelineRoot);
    }
    PipelineOptions options = RunnerOptions.create(runner, parallelism, beamOptions);
    FileSystems.setDefaultPipelineOptions(options);
    String id = runId != null ? runId : RunLayout.newRunId();
    long start = System.nanoTime();
    Pipeline pipeline = Pipeline.create(options);
    PipelineGraph graph = PipelineGraph.build(pipeline, pipelineSpec, id);
    out.printf("beamline: running pipeline '%s', run %s, on %s%n", pipelineSpec.name(), id, options.getRunner().getSimpleName());
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (state != PipelineResult.State.DONE) {
      spec.commandLine().getErr().printf("beamline: the run ended in state %s%n", state);
      return BeamlineCli.INTERNAL_ERROR;
    }
    printSummary(out, graph.ingest().outputDir());
    out.printf("beamline: run %s finished in %.1f s%n", id, seconds);
    return BeamlineCli.OK;
  }

  private static void printSummary(PrintWriter out, Path ingestDir) throws IOException {
    JsonNode f = new ObjectMapper().readTree(Files.readString(ingestDir.resolve("fingerprint.json")));
    StringBuilder splits = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = f.get("splits").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      splits.append(splits.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().asLong());
    }
    out.printf(
        "  ingest: %d rows (%d rejected) from %d file(s), dataset fingerprint %s%n"
            + "          splits: %s%n"
            + "          output: %s%n",
        f.get("rows").asLong(),
        f.get("rejected").asLong(),
        f.get("files").size(),
        f.get("fingerprint").asText().substring(0, 16),
        splits,
        ingestDir);
  }
}
