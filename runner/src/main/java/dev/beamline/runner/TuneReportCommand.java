package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.Published;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import dev.beamline.tuning.TrialOutcome;
import dev.beamline.tuning.TrialTable;
import dev.beamline.tuning.Tune;
import dev.beamline.tuning.TuneConfig;
import dev.beamline.tuning.TuneStage;
import dev.beamline.tuning.TuningReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline tune-report [<run>]}: the trials of a run's tune stage, read from the metadata store
 * (each trial is a step of the tune execution), best first, with the best trial and where its HTML
 * report lies. A run is named by its id, or by an artifact it made (id, path, {@code name:version});
 * without one, the newest run that has a tune stage. A run whose tune stage came from the cache shows
 * the trials of the execution it reused; one whose every trial failed shows them failed, with their
 * errors.
 *
 * <pre>{@code
 * beamline tune-report --pipeline-root runs                 # the newest tuned run
 * beamline tune-report 20261130-121027-3250 --html tune.html
 * beamline tune-report penguins:3 --json
 * }</pre>
 */
@Command(
    name = "tune-report",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the trials of a run's tune stage, best first: each trial's state, objective, parameter values,",
      "epochs, wall time and error; the best trial; the path of its HTML report."
    })
final class TuneReportCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "<run>",
      description = "A run id (as `beamline runs` lists it), or an artifact the run made: an id, a path, or name:version of a"
          + " pushed model. Default: the newest run with a tune stage.")
  String ref;

  @Option(names = "--pipeline", description = "Only runs of this pipeline.")
  String pipeline;

  @Option(
      names = "--html",
      paramLabel = "<file>",
      description = "Write the HTML report to this file: a copy of the tune stage's report.html, or one made from the store when"
          + " the stage published none (every trial failed).")
  Path html;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      Execution tune = tuneExecution(s, pipeline, ref);
      // A stage taken from the cache ran its trials in the execution whose output it reused.
      Execution ran = tune.cachedFrom() != null ? s.execution(tune.cachedFrom()).orElseThrow() : tune;
      TuneConfig config = TuneStage.configOf(ran.parameters());
      List<TrialOutcome> trials = new ArrayList<>();
      for (Execution step : s.steps(ran.id())) {
        trials.add(TuneStage.outcomeOf(new Published.Step(step.stage(), step.parameters(), step.properties(), step.error(),
            step.startTime(), step.endTime()), config));
      }
      trials.sort(TrialOutcome.BY_OBJECTIVE);
      Optional<Artifact> hyperparameters = output(s, ran);
      Optional<ObjectNode> best = hyperparameters.filter(a -> a.properties().has("trial")).map(Artifact::properties);
      String report = hyperparameters.map(a -> Storage.resolve(a.uri(), Tune.REPORT_FILE)).filter(Storage::exists).orElse(null);
      if (html != null) {
        writeHtml(config, trials, best, report);
      }
      if (store.json) {
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(tune, ran, config, trials, best, report)));
      } else {
        printText(out, tune, ran, config, trials, best, report);
      }
      out.flush();
    }
    return BeamlineCli.OK;
  }

  /**
   * The tune execution of the run {@code ref} names (of {@code pipeline}, when given), or of the newest
   * run with a tune stage when {@code ref} is null.
   *
   * @throws ConfigException when no run matches, or the run has no tune stage
   */
  static Execution tuneExecution(MetadataStore s, String pipeline, String ref) {
    List<RunSummary> runs = s.runs(pipeline, Integer.MAX_VALUE);
    String which = pipeline == null ? "" : " of pipeline '" + pipeline + "'";
    if (ref == null) {
      return runs.stream().flatMap(r -> tuneOf(r).stream()).findFirst().orElseThrow(() -> new ConfigException(
          "no run" + which + " in " + s.url() + " has a tune stage (a tune: section in the pipeline file)"));
    }
    List<RunSummary> byId = runs.stream().filter(r -> r.runId().equals(ref)).toList();
    if (byId.size() > 1) {
      throw new ConfigException("run '" + ref + "' is a run of " + byId.size() + " pipelines ("
          + String.join(", ", byId.stream().map(RunSummary::pipeline).toList()) + "): give --pipeline");
    }
    RunSummary run = byId.isEmpty() ? runOfArtifact(s, pipeline, ref, runs) : byId.get(0);
    return tuneOf(run).orElseThrow(() -> new ConfigException("run " + run.runId() + " of pipeline '" + run.pipeline()
        + "' has no tune stage (its stages: " + String.join(", ", run.executions().stream().map(Execution::stage).toList()) + ")"));
  }

  private static Optional<Execution> tuneOf(RunSummary run) {
    return run.executions().stream().filter(e -> e.stage().equals(TuneStage.NAME)).reduce((a, b) -> b);
  }

  /** The run that made the artifact {@code ref} names, as {@code beamline lineage} names artifacts. */
  private static RunSummary runOfArtifact(MetadataStore s, String pipeline, String ref, List<RunSummary> runs) {
    Artifact artifact;
    try {
      artifact = LineageCommand.resolve(s, ref);
    } catch (ConfigException e) {
      throw new ConfigException("no run" + (pipeline == null ? "" : " of pipeline '" + pipeline + "'") + " and no artifact matches '" + ref
          + "' in " + s.url() + " (give a run id as `beamline runs` lists it, an artifact id or path, or name:version of a pushed model)");
    }
    Execution producer = s.eventsOfArtifact(artifact.id()).stream()
        .filter(e -> e.type() == Event.Type.OUTPUT)
        .map(e -> s.execution(e.executionId()).orElseThrow())
        .filter(e -> pipeline == null || e.pipeline().equals(pipeline))
        .findFirst()
        .orElseThrow(() -> new ConfigException("artifact #" + artifact.id() + " (" + artifact.uri() + ") was made by no run"
            + (pipeline == null ? "" : " of pipeline '" + pipeline + "'") + " in " + s.url()));
    return runs.stream().filter(r -> r.pipeline().equals(producer.pipeline()) && r.runId().equals(producer.runId())).findFirst()
        .orElseThrow(() -> new ConfigException("artifact #" + artifact.id() + " was made by run " + producer.runId() + " of pipeline '"
            + producer.pipeline() + "', which " + s.url() + " does not list"));
  }

  /** The HYPERPARAMETERS artifact of the tune execution {@code e}: its whole output folder. */
  private static Optional<Artifact> output(MetadataStore s, Execution e) {
    return s.eventsOfExecution(e.id()).stream()
        .filter(v -> v.type() == Event.Type.OUTPUT && v.role().equals(TuneStage.HYPERPARAMETERS.role()))
        .map(v -> s.artifact(v.artifactId()).orElseThrow())
        .findFirst();
  }

  private void writeHtml(TuneConfig config, List<TrialOutcome> trials, Optional<ObjectNode> best, String report) throws IOException {
    String page = report != null
        ? Storage.readString(report)
        : TuningReport.render(config, trials, best.map(b -> b.get("trial").asInt()).orElse(-1));
    Path file = html.toAbsolutePath();
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, page);
  }

  private void printText(PrintWriter out, Execution tune, Execution ran, TuneConfig config, List<TrialOutcome> trials,
      Optional<ObjectNode> best, String report) {
    long failed = trials.stream().filter(TrialOutcome::failed).count();
    out.printf("tune: execution #%d of run %s (pipeline %s), %s%s%n", tune.id(), tune.runId(), tune.pipeline(), tune.state(),
        ran != tune ? ", the trials of execution #" + ran.id() + " (run " + ran.runId() + ")" : "");
    out.printf("%s search, %d trial(s), %d failed; objective: %s %s%n", config.algorithm().name().toLowerCase(Locale.ROOT), trials.size(),
        failed, config.objective().direction().name().toLowerCase(Locale.ROOT), config.objective().metric());
    if (ran.state() == ExecutionState.FAILED && ran.error() != null) {
      out.printf("FAILED: %s%n", ran.error());
    }
    out.print(TrialTable.render(config, trials));
    if (best.isPresent()) {
      ObjectNode b = best.get();
      List<String> values = new ArrayList<>();
      b.get("values").fields().forEachRemaining(e -> values.add(e.getKey() + "=" + e.getValue()));
      out.printf("best: trial %d, %s %s: %s%n", b.get("trial").asInt(), config.objective().metric(), b.get("metric").asText(), String.join(", ", values));
    } else {
      out.println("best: none" + (ran.state() == ExecutionState.RUNNING ? " yet (the stage is running)" : ""));
    }
    out.println("report: " + (report != null ? report : "none (the stage published none; --html <file> writes one from the store)"));
    if (html != null) {
      out.println("wrote " + html.toAbsolutePath());
    }
  }

  private static ObjectNode toJson(Execution tune, Execution ran, TuneConfig config, List<TrialOutcome> trials, Optional<ObjectNode> best,
      String report) {
    ObjectNode o = JSON.createObjectNode();
    o.put("pipeline", tune.pipeline());
    o.put("run_id", tune.runId());
    o.put("execution_id", tune.id());
    o.put("state", tune.state().name());
    o.put("trials_execution_id", ran.id());
    o.put("error", ran.error());
    o.put("algorithm", config.algorithm().name().toLowerCase(Locale.ROOT));
    o.putObject("objective").put("metric", config.objective().metric())
        .put("direction", config.objective().direction().name().toLowerCase(Locale.ROOT));
    ArrayNode names = o.putArray("parameters");
    config.searchSpace().names().forEach(names::add);
    // Each trial as trials.json holds it, best first.
    ArrayNode array = o.putArray("trials");
    trials.forEach(t -> array.add(t.toJson()));
    o.set("best", best.map(b -> (ObjectNode) JSON.createObjectNode().put("trial", b.get("trial").asInt())
        .put("metric", b.get("metric").asDouble()).set("values", b.get("values"))).orElse(null));
    o.put("report", report);
    return o;
  }
}
