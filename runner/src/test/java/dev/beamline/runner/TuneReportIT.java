package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline tune-report} on the penguins example with a small tune section (some trials at a
 * learning rate that diverges): the table lists the trials recorded in the store in the order of their
 * objective, failed ones last with their errors, cell by cell as {@code trials.json} has them; the
 * best trial is the one {@code hyperparameters.json} names; {@code --json} gives each trial as {@code
 * trials.json} holds it; {@code --html} copies the report. A run is found by its id, by an artifact it
 * made, or as the newest tuned run (then one whose tune stage came from the cache); an unknown run, or
 * one without a tune stage, is exit code 2 with a message.
 */
class TuneReportIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TUNE = """
      tune:
        algorithm: random
        max_trials: 5
        max_parallel_trials: 2
        seed: 3
        search_space:
          learning_rate: {choice: [0.003, 0.03, 1.0e30]}
          hidden_units: {choice: [[8], [16, 8]]}
      """;

  @TempDir Path tmp;

  @Test
  void theReportListsTheRecordedTrialsBestFirst() throws Exception {
    Path root = tmp.resolve("runs");
    Path plain = TunedPenguins.pipeline(tmp.resolve("plain"), 3, "");
    BeamlineCliIT.Result first = BeamlineCliIT.cli("run", plain.toString(), "--pipeline-root", root.toString(), "--run-id", "plain");
    assertThat(first.code()).as(first.out() + first.err()).isZero();
    Path tuned = TunedPenguins.pipeline(tmp.resolve("tuned"), 3, TUNE);
    BeamlineCliIT.Result second = BeamlineCliIT.cli("run", tuned.toString(), "--pipeline-root", root.toString(), "--run-id", "tuned");
    assertThat(second.code()).as(second.out() + second.err()).isZero();

    long tuneId;
    try (MetadataStore s = TunedPenguins.store(root)) {
      tuneId = TunedPenguins.execution(s, "penguins", "tuned", "tune").id();
    }
    Path tuneDir = root.resolve("penguins/tune/" + tuneId);
    JsonNode trials = JSON.readTree(Files.readString(tuneDir.resolve("trials.json")));
    JsonNode h = JSON.readTree(Files.readString(tuneDir.resolve("hyperparameters.json")));
    List<JsonNode> sorted = new ArrayList<>();
    trials.forEach(sorted::add);
    // Best first: the finished trials by eval loss (minimised), then the failed ones, each by id.
    sorted.sort(Comparator.comparing((JsonNode t) -> t.get("state").asText().equals("FAILED"))
        .thenComparingDouble(t -> t.has("metric") ? t.get("metric").asDouble() : 0)
        .thenComparingInt(t -> t.get("id").asInt()));
    assertThat(sorted).extracting(t -> t.get("state").asText()).contains("COMPLETE", "FAILED");
    assertThat(sorted.get(0).get("id").asInt()).isEqualTo(h.get("trial").asInt());

    BeamlineCliIT.Result report = BeamlineCliIT.cli("tune-report", "tuned", "--pipeline-root", root.toString());
    assertThat(report.code()).as(report.out() + report.err()).isZero();
    List<String> lines = report.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("tune: execution #" + tuneId + " of run tuned (pipeline penguins), COMPLETE");
    long failed = sorted.stream().filter(t -> t.get("state").asText().equals("FAILED")).count();
    assertThat(lines.get(1)).isEqualTo("random search, 5 trial(s), " + failed + " failed; objective: minimize eval_loss");
    assertThat(cells(lines.get(2))).containsExactly("TRIAL", "STATE", "eval_loss", "learning_rate", "hidden_units", "EPOCHS", "SECONDS", "ERROR");
    List<List<String>> rows = lines.subList(3, 3 + sorted.size()).stream().map(TuneReportIT::cells).toList();
    assertThat(rows).containsExactlyElementsOf(sorted.stream().map(TuneReportIT::expectedRow).toList());
    assertThat(lines.get(3 + sorted.size())).isEqualTo("best: trial " + h.get("trial").asInt() + ", eval_loss " + h.get("metric").asText()
        + ": learning_rate=" + h.get("values").get("learning_rate") + ", hidden_units=" + h.get("values").get("hidden_units"));
    assertThat(lines.get(4 + sorted.size())).isEqualTo("report: " + tuneDir.resolve("report.html"));
    // The store's steps are what the table shows: one per trial, FAILED with the error trials.json has.
    try (MetadataStore s = TunedPenguins.store(root)) {
      List<Execution> steps = s.steps(tuneId);
      assertThat(steps).hasSize(5);
      for (JsonNode t : sorted) {
        Execution step = steps.stream().filter(e -> e.stage().equals("tune/trial-" + t.get("id").asInt())).findFirst().orElseThrow();
        assertThat(step.state()).isEqualTo(t.get("state").asText().equals("FAILED") ? ExecutionState.FAILED : ExecutionState.COMPLETE);
        assertThat(step.error()).isEqualTo(t.has("error") ? t.get("error").asText() : null);
      }
    }

    // --json: each trial as trials.json holds it, best first; --html: the stage's page.
    Path page = tmp.resolve("out/tune.html");
    BeamlineCliIT.Result json = BeamlineCliIT.cli("tune-report", "tuned", "--pipeline-root", root.toString(), "--json", "--html", page.toString());
    assertThat(json.code()).as(json.out() + json.err()).isZero();
    JsonNode o = JSON.readTree(json.out());
    assertThat(o.get("execution_id").asLong()).isEqualTo(tuneId);
    assertThat(o.get("state").asText()).isEqualTo("COMPLETE");
    assertThat(o.get("objective").toString()).isEqualTo("{\"metric\":\"eval_loss\",\"direction\":\"minimize\"}");
    List<JsonNode> reported = new ArrayList<>();
    o.get("trials").forEach(reported::add);
    assertThat(reported).containsExactlyElementsOf(sorted);
    assertThat(o.get("best").get("trial").asInt()).isEqualTo(h.get("trial").asInt());
    assertThat(o.get("best").get("values")).isEqualTo(h.get("values"));
    assertThat(o.get("report").asText()).isEqualTo(tuneDir.resolve("report.html").toString());
    assertThat(Files.readString(page)).isEqualTo(Files.readString(tuneDir.resolve("report.html")));

    // Named by an artifact the run made (the model's folder), the same table.
    long trainId;
    try (MetadataStore s = TunedPenguins.store(root)) {
      trainId = TunedPenguins.execution(s, "penguins", "tuned", "train").id();
    }
    BeamlineCliIT.Result byModel = BeamlineCliIT.cli("tune-report", root.resolve("penguins/train/" + trainId).toString(), "--pipeline-root", root.toString());
    assertThat(byModel.code()).as(byModel.out() + byModel.err()).isZero();
    assertThat(byModel.out()).isEqualTo(report.out());

    // The newest tuned run by default: one whose tune stage came from the cache shows the trials it reused.
    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", tuned.toString(), "--pipeline-root", root.toString(), "--run-id", "again");
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("tune: from cache (execution #" + tuneId + ")");
    BeamlineCliIT.Result latest = BeamlineCliIT.cli("tune-report", "--pipeline-root", root.toString());
    assertThat(latest.code()).as(latest.out() + latest.err()).isZero();
    List<String> latestLines = latest.out().lines().toList();
    assertThat(latestLines.get(0)).matches("tune: execution #\\d+ of run again \\(pipeline penguins\\), CACHED, the trials of execution #"
        + tuneId + " \\(run tuned\\)");
    assertThat(latestLines.subList(1, latestLines.size())).isEqualTo(lines.subList(1, lines.size()));

    // An unknown run, and a run without a tune stage: bad usage, exit code 2, saying why.
    BeamlineCliIT.Result unknown = BeamlineCliIT.cli("tune-report", "nosuch", "--pipeline-root", root.toString());
    assertThat(unknown.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(unknown.err()).startsWith("beamline: no run and no artifact matches 'nosuch' in jdbc:sqlite:" + root.resolve("metadata.sqlite"));
    BeamlineCliIT.Result untuned = BeamlineCliIT.cli("tune-report", "plain", "--pipeline-root", root.toString());
    assertThat(untuned.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(untuned.err().strip()).isEqualTo(
        "beamline: run plain of pipeline 'penguins' has no tune stage (its stages: ingest, statistics, schema, validate, transform, train)");
    BeamlineCliIT.Result otherPipeline = BeamlineCliIT.cli("tune-report", "--pipeline", "seattle", "--pipeline-root", root.toString());
    assertThat(otherPipeline.code()).isEqualTo(BeamlineCli.BAD_USAGE);
    assertThat(otherPipeline.err()).contains("no run of pipeline 'seattle' in jdbc:sqlite:").endsWith(" has a tune stage (a tune: section in the pipeline file)\n");
  }

  /** A line of the table, its cells two or more spaces apart. */
  private static List<String> cells(String line) {
    return List.of(line.strip().split(" {2,}"));
  }

  /** The row of trial {@code t} of trials.json: id, state, eval loss, values, epochs trained, seconds, error. */
  private static List<String> expectedRow(JsonNode t) {
    List<String> row = new ArrayList<>();
    row.add(t.get("id").asText());
    row.add(t.get("state").asText());
    row.add(t.has("metric") ? String.format(Locale.ROOT, "%.6g", t.get("metric").asDouble()) : "-");
    row.add(String.format(Locale.ROOT, "%.6g", t.get("values").get("learning_rate").asDouble()));
    List<String> units = new ArrayList<>();
    t.get("values").get("hidden_units").forEach(u -> units.add(u.asText()));
    row.add("[" + String.join(", ", units) + "]");
    row.add(t.has("history") ? Integer.toString(t.get("history").get("epochs").size()) : "-");
    row.add(String.format(Locale.ROOT, "%.1f", t.get("wall_seconds").asDouble()));
    if (t.has("error")) {
      row.add(t.get("error").asText());
    }
    return row;
  }
}
