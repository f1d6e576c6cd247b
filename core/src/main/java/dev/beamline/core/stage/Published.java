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
  public Published {
    properties = Map.copyOf(properties);
    summary = List.copyOf(summary);
  }
}
