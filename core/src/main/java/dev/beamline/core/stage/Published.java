package dev.beamline.core.stage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What a stage says of its published output, read back from the folder: the main artifact's content
 * fingerprint, the facts recorded with each produced artifact (by role), the lines of the run's
 * summary on the terminal, and the steps inside the stage's run that the metadata store records as
 * executions of their own (a tuner's trials), each under the stage's execution.
 *
 * <pre>{@code
 * return new Published(sha256, Map.of("statistics", facts), List.of("train 220 examples, 7 features"));
 * return new Published(sha256, facts, lines, List.of(new Published.Step("trial-0", params, metrics, null, start, end)));
 * }</pre>
 */
public record Published(String fingerprint, Map<String, ObjectNode> properties, List<String> summary, List<Step> steps) {
  /**
   * The key, in the main artifact's facts, under which a stage that read {@linkplain ExternalInput#listed
   * listed files} states them: {@code [{"path": uri, "sha256": hex}, ...]}.
   */
  public static final String INPUT_FILES = "input_files";

  /**
   * One step of the stage's run, recorded as an execution named {@code <stage>/<name>} under the
   * stage's: its parameters, its facts (metrics, wall time), its error when it failed (null when it
   * succeeded; a failed step does not fail the stage), its start and end (ms since the epoch).
   */
  public record Step(String name, ObjectNode parameters, ObjectNode properties, String error, long startTime, long endTime) {
    public boolean failed() {
      return error != null;
    }
  }

  public Published {
    properties = Map.copyOf(properties);
    summary = List.copyOf(summary);
    steps = List.copyOf(steps);
  }

  /** A stage's output without steps. */
  public Published(String fingerprint, Map<String, ObjectNode> properties, List<String> summary) {
    this(fingerprint, properties, summary, List.of());
  }
}
