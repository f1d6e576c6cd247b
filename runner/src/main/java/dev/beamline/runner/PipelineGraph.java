package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.RunLayout;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestResult;
import org.apache.beam.sdk.Pipeline;

/**
 * Builds the Beam graph of a {@link PipelineSpec}: every configured stage, as one composite transform
 * each, wired in life-cycle order.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * PipelineGraph graph = PipelineGraph.build(p, spec, RunLayout.newRunId());
 * p.run().waitUntilFinish();
 * }</pre>
 */
public final class PipelineGraph {
  private final RunLayout layout;
  private final IngestResult ingest;

  private PipelineGraph(RunLayout layout, IngestResult ingest) {
    this.layout = layout;
    this.ingest = ingest;
  }

  /** Adds the stages of {@code spec} to {@code pipeline}, writing under run {@code runId}. */
  public static PipelineGraph build(Pipeline pipeline, PipelineSpec spec, String runId) {
    if (spec.ingest() == null) {
      throw new ConfigException("pipeline '" + spec.name() + "' has no ingest stage: nothing to run");
    }
    RunLayout layout = RunLayout.of(spec.root(), spec.name(), runId);
    IngestResult ingest = pipeline.apply("IngestExamples", IngestExamples.from(spec.ingest()).to(layout));
    return new PipelineGraph(layout, ingest);
  }

  public RunLayout layout() {
    return layout;
  }

  public IngestResult ingest() {
    return ingest;
  }
}
