package dev.beamline.core.stage;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A stage's plan for one run, made before the graph is built (files listed and fingerprinted, a
 * schema inferred, a baseline found) and handed back to {@link Stage#expand} and {@link
 * Stage#describe}: the stage keeps no state of its own between those calls.
 *
 * @param externalInputs what the stage reads from outside the graph; their fingerprints go into the cache key
 * @param outputs what each produced artifact will hold, by role, for the stages that consume it
 * @param state anything else the stage resolved, for its own later calls (null for none)
 * @param <S> the type of that state
 */
public record Plan<S extends Serializable>(List<ExternalInput> externalInputs, Map<String, ArtifactInfo> outputs, S state) {
  public Plan {
    externalInputs = List.copyOf(externalInputs);
    outputs = Map.copyOf(outputs);
  }

  /** A plan with nothing from outside, nothing stated and no state. */
  public static <S extends Serializable> Plan<S> empty() {
    return new Plan<>(List.of(), Map.of(), null);
  }
}
