package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.metadata.RunSummary;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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
            x.put("start_time", e.startTime());
            x.put("end_time", e.endTime());
            x.put("duration_ms", e.endTime() == 0 ? 0 : e.endTime() - e.startTime());
            if (e.cachedFrom() != null) {
              x.put("cached_from", e.cachedFrom());
            }
          }
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        return BeamlineCli.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("PIPELINE", "RUN", "STATE", "STARTED (UTC)", "DURATION", "STAGES"));
      for (RunSummary r : runs) {
        StringBuilder stages = new StringBuilder();
        for (Execution e : r.executions()) {
          stages.append(stages.length() == 0 ? "" : ", ").append(e.stage()).append(" #").append(e.id()).append(' ').append(e.state());
          // A stage's own time: from when it could start to when its output was published.
          if (e.state() == ExecutionState.COMPLETE || e.state() == ExecutionState.FAILED) {
            stages.append(' ').append(seconds(e.endTime() - e.startTime()));
          }
        }
        rows.add(List.of(
            r.pipeline(), r.runId(), r.state(), TIME.format(Instant.ofEpochMilli(r.startTime())),
            r.endTime() == 0 ? "-" : seconds(r.durationMillis()), stages.toString()));
      }
      printTable(out, rows);
      if (runs.isEmpty()) {
        out.println("(no runs recorded in " + s.url() + ")");
      }
    }
    return BeamlineCli.OK;
  }

  private static String seconds(long millis) {
    return String.format("%.1f s", millis / 1000.0);
  }

  /**
   * {@code rows} (the first the header) in columns as wide as their widest cell, two spaces apart; the
   * duration right-aligned, the last column (the stages) left as long as it is.
   */
  static void printTable(PrintWriter out, List<List<String>> rows) {
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < columns - 1; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns - 1; i++) {
        String cell = row.get(i);
        String pad = " ".repeat(width[i] - cell.length());
        line.append(i == columns - 2 ? pad + cell : cell + pad).append("  ");
      }
      line.append(row.get(columns - 1));
      out.println(line.toString().stripTrailing());
    }
  }
}
