package dev.beamline.core.stage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.values.PCollection;

/**
 * The inputs of one stage by role, as wired by the runner from the kinds the stage consumes.
 *
 * <pre>{@code
 * StageInput stats = inputs.get("statistics");
 * Optional<StageInput> anomalies = inputs.find("anomalies");
 * }</pre>
 */
public final class StageInputs {
  private final Map<String, StageInput> byRole;

  public StageInputs(List<StageInput> inputs) {
    Map<String, StageInput> m = new LinkedHashMap<>();
    inputs.forEach(i -> m.put(i.role(), i));
    this.byRole = java.util.Collections.unmodifiableMap(m);
  }

  /** No input: a stage that reads only from outside the pipeline (ingestion). */
  public static StageInputs none() {
    return new StageInputs(List.of());
  }

  /** The input in {@code role}; a required port is always present. */
  public StageInput get(String role) {
    StageInput in = byRole.get(role);
    if (in == null) {
      throw new IllegalArgumentException("no input '" + role + "'; inputs are " + byRole.keySet());
    }
    return in;
  }

  /** The input in the optional {@code role}, if the pipeline produces it. */
  public Optional<StageInput> find(String role) {
    return Optional.ofNullable(byRole.get(role));
  }

  /** Every input, in the order the stage declares its ports. */
  public List<StageInput> all() {
    return List.copyOf(byRole.values());
  }

  /** Every input's {@link StageInput#ready()} collection: what a stage waits on before it publishes. */
  public List<PCollection<?>> readySignals() {
    return byRole.values().stream().<PCollection<?>>map(StageInput::ready).toList();
  }
}
