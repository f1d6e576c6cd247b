package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
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

  /** The outputs of the stages that {@code stage} reads, by stage name. */
  static Map<String, Stage.Upstream> upstreamOf(Stage stage, Map<String, Stage.Upstream> done) {
    Map<String, Stage.Upstream> up = new HashMap<>();
    for (String name : stage.upstreamStages()) {
      Stage.Upstream u = done.get(name);
      if (u == null) {
        throw new ConfigException("stage '" + stage.name() + "' reads the output of '" + name + "', which this pipeline lacks");
      }
      up.put(name, u);
    }
    return up;
  }

  /** The stages that {@code spec} configures, in the order they run. */
  public static List<Stage> stages(PipelineSpec spec) {
    List<Stage> stages = new ArrayList<>();
    if (spec.ingest() != null) {
      stages.add(new IngestStage(spec.ingest()));
    }
    if (spec.validation() != null) {
      if (spec.ingest() == null) {
        throw new ConfigException("pipeline '" + spec.name() + "' validates data but has no ingest stage");
      }
      stages.add(new StatisticsStage());
      stages.add(new SchemaStage(spec.validation()));
      stages.add(new ValidateStage(spec.validation(), spec.name(), spec.root()));
    }
    if (spec.transform() != null) {
      if (spec.ingest() == null) {
        throw new ConfigException("pipeline '" + spec.name() + "' transforms data but has no ingest stage");
      }
      stages.add(new TransformStage(spec.transform(), spec.validation() != null));
    }
    if (spec.train() != null) {
      if (spec.transform() == null) {
        throw new ConfigException("pipeline '" + spec.name() + "' trains a model but has no transform section: the trainer reads transformed features");
      }
      stages.add(new TrainStage(spec.train()));
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
    Map<String, Stage.Upstream> done = new HashMap<>();
    for (Stage stage : stages(spec)) {
      StageOutput output = layout.output(stage.name());
      Stage.Expanded e = stage.expand(pipeline, output, upstreamOf(stage, done));
      done.put(stage.name(), new Stage.Upstream(stage.name(), -1, output.path(), e.published(), e.result()));
    }
    return layout;
  }
}
