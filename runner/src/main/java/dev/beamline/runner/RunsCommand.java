package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code beamline runs}: the recent runs, with state, duration and the stages taken from the cache. */
@Command(name = "runs", mixinStandardHelpOptions = true, description = "Lists recent runs, newest first.")
final class RunsCommand implements Callable<Integer> {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Option(names = "--pipeline", description = "Only runs of this pipeline.")
  String pipeline;

  @Option(names = "--limit", defaultValue = "20", description = "At most this many runs (default 20).")
  int limit;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      List<RunSummary> runs = s.runs(pipeline, limit);
      if (store.json) {
        ObjectMapper json = new ObjectMapper();
        ArrayNode array = json.createArrayNode();
        for (RunSummary r : runs) {
          ObjectNode o = array.addObject();
          o.put("pipeline", r.pipeline());
          o.put("run_id", r.runId());
          o.put("state", r.state());
          o.put("start_time", r.startTime());
          o.put("end_time", r.endTime());
          o.put("duration_ms", r.durationMillis());
          ArrayNode executions = o.putArray("executions");
          for (Execution e : r.executions()) {
            ObjectNode x = executions.addObject();
            x.put("id", e.id());
            x.put("stage", e.stage());
            x.put("state", e.state().name());
            if (e.cachedFrom() != null) {
              x.put("cached_from", e.cachedFrom());
            }
          }
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        return BeamlineCli.OK;
      }
      out.printf("%-12s %-24s %-9s %-19s %9s  %s%n", "PIPELINE", "RUN", "STATE", "STARTED (UTC)", "DURATION", "STAGES");
      for (RunSummary r : runs) {
        StringBuilder stages = new StringBuilder();
        for (Execution e : r.executions()) {
          stages.append(stages.length() == 0 ? "" : ", ").append(e.stage()).append(" #").append(e.id()).append(' ').append(e.state());
        }
        out.printf(
            "%-12s %-24s %-9s %-19s %9s  %s%n",
            r.pipeline(), r.runId(), r.state(), TIME.format(Instant.ofEpochMilli(r.startTime())),
            r.endTime() == 0 ? "-" : String.format("%.1f s", r.durationMillis() / 1000.0), stages);
      }
      if (runs.isEmpty()) {
        out.println("(no runs recorded in " + s.url() + ")");
      }
    }
    return BeamlineCli.OK;
  }
}
