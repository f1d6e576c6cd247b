package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.RunLayout;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;

/**
 * The stages of a {@link PipelineSpec} in life-cycle order, and the Beam graph they make: one
 * composite transform each.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * PipelineGraph.build(p, spec, RunLayout.newRunId());
 * p.run().waitUntilFinish();
 * }</pre>
 *
 * {@link PipelineRun} builds the same graph while recording it in the metadata store.
 */
public final class PipelineGraph {
  private PipelineGraph() {}

  /** The stages that {@code spec} configures, in the order they run. */
  public static List<Stage> stages(PipelineSpec spec) {
    List<Stage> stages = new ArrayList<>();
    if (spec.ingest() != null) {
      stages.add(new IngestStage(spec.ingest()));
    }
    if (stages.isEmpty()) {
      throw new ConfigException("pipeline '" + spec.name() + "' has no stage: nothing to run");
    }
    return stages;
  }

  /**
   * Adds every stage of {@code spec} to {@code pipeline}, each writing to {@code
   * <root>/<pipeline>/<stage>/<runId>}, without recording anything; returns the layout.
   */
  public static RunLayout build(Pipeline pipeline, PipelineSpec spec, String runId) {
    RunLayout layout = RunLayout.of(spec.root(), spec.name(), runId);
    for (Stage stage : stages(spec)) {
      stage.expand(pipeline, layout.output(stage.name()));
    }
    return layout;
  }
}
