package dev.beamline.core.stage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What a stage says of its published output, read back from the folder: the main artifact's content
 * fingerprint, the facts recorded with each produced artifact (by role) and the lines of the run's
 * summary on the terminal.
 *
 * <pre>{@code
 * return new Published(sha256, Map.of("statistics", facts), List.of("train 220 examples, 7 features"));
 * }</pre>
 */
public record Published(String fingerprint, Map<String, ObjectNode> properties, List<String> summary) {
  /**
   * The key, in the main artifact's facts, under which a stage that read {@linkplain ExternalInput#listed
   * listed files} states them: {@code [{"path": uri, "sha256": hex}, ...]}.
   */
  public static final String INPUT_FILES = "input_files";

  public Published {
    properties = Map.copyOf(properties);
    summary = List.copyOf(summary);
  }
}
