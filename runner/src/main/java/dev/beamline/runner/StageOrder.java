package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Stage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which a pipeline's stages run, from the artifact kinds they declare: each consumed port
 * is wired to the one stage producing that kind, and a stage comes after every stage it reads from.
 *
 * <p>When several stages produce a kind, the one whose main output (its folder) is of that kind is
 * chosen: the statistics stage's {@code STATISTICS}, not the statistics inside the transform's folder.
 *
 * <pre>{@code
 * StageOrder order = StageOrder.of("penguins", spec.stages());
 * for (Stage<?> s : order.stages()) { Map<String, StageOrder.Wire> in = order.wiresOf(s); ... }
 * }</pre>
 */
final class StageOrder {
  /** A consumed port of one stage, wired to a produced port of another. */
  record Wire(Port consumed, Stage<?> producer, Port produced) {}

  private final List<Stage<?>> ordered;
  private final Map<String, List<Wire>> wires;

  private StageOrder(List<Stage<?>> ordered, Map<String, List<Wire>> wires) {
    this.ordered = ordered;
    this.wires = wires;
  }

  /**
   * Orders {@code stages}.
   *
   * @throws ConfigException when the pipeline has no stage, when a required input has no producer or
   *     several equally good ones, or when stages read each other's outputs in a cycle
   */
  static StageOrder of(String pipeline, List<Stage<?>> stages) {
    if (stages.isEmpty()) {
      throw new ConfigException("pipeline '" + pipeline + "' has no stage: nothing to run");
    }
    Map<String, List<Wire>> wires = new LinkedHashMap<>();
    for (Stage<?> s : stages) {
      List<Wire> in = new ArrayList<>();
      for (Port consumed : s.consumes()) {
        Wire w = producerOf(pipeline, s, consumed, stages);
        if (w != null) {
          in.add(w);
        }
      }
      wires.put(s.name(), in);
    }
    // Kahn's algorithm, taking the stages in the order they were given whenever several are ready.
    List<Stage<?>> ordered = new ArrayList<>();
    List<Stage<?>> left = new ArrayList<>(stages);
    while (!left.isEmpty()) {
      Stage<?> next = null;
      for (Stage<?> s : left) {
        if (wires.get(s.name()).stream().allMatch(w -> ordered.contains(w.producer()))) {
          next = s;
          break;
        }
      }
      if (next == null) {
        throw new ConfigException(
            "pipeline '" + pipeline + "': the stages " + left.stream().map(Stage::name).toList() + " read each other's outputs in a cycle");
      }
      ordered.add(next);
      left.remove(next);
    }
    return new StageOrder(List.copyOf(ordered), wires);
  }

  private static Wire producerOf(String pipeline, Stage<?> consumer, Port consumed, List<Stage<?>> stages) {
    List<Wire> main = new ArrayList<>();
    List<Wire> inside = new ArrayList<>();
    for (Stage<?> p : stages) {
      if (p == consumer) {
        continue;
      }
      List<Port> produced = p.produces();
      for (int i = 0; i < produced.size(); i++) {
        if (produced.get(i).kind().equals(consumed.kind())) {
          (i == 0 ? main : inside).add(new Wire(consumed, p, produced.get(i)));
        }
      }
    }
    List<Wire> candidates = main.isEmpty() ? inside : main;
    if (candidates.size() == 1) {
      return candidates.get(0);
    }
    if (candidates.isEmpty()) {
      if (consumed.optional()) {
        return null;
      }
      throw new ConfigException(
          "pipeline '" + pipeline + "': stage '" + consumer.name() + "' reads " + consumed.kind() + " ('" + consumed.role()
              + "'), which no stage of the pipeline produces");
    }
    throw new ConfigException(
        "pipeline '" + pipeline + "': stage '" + consumer.name() + "' reads " + consumed.kind() + ", which several stages produce: "
            + candidates.stream().map(w -> w.producer().name()).toList());
  }

  /** The stages, each after those it reads from. */
  List<Stage<?>> stages() {
    return ordered;
  }

  /** The wired inputs of {@code stage}, in the order it declares them. */
  List<Wire> wiresOf(Stage<?> stage) {
    return wires.get(stage.name());
  }
}
