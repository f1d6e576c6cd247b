package dev.beamline.core.stage;

import dev.beamline.core.ArtifactKind;
import java.util.List;

/**
 * What a stage may look at while it is planned, before the graph is built: its inputs (with what
 * they hold) and the live artifacts of earlier runs of the same pipeline.
 *
 * <pre>{@code
 * Optional<StoredArtifact> previous = ctx.live("statistics", ArtifactKind.STATISTICS).stream().findFirst();
 * }</pre>
 */
public interface PlanContext {
  /** The pipeline's name. */
  String pipeline();

  /**
   * Where the runner writes this pipeline's runs (a path or URI), for a stage whose default location
   * lies beside them (the push stage's serving folder); null outside the runner.
   */
  default String root() {
    return null;
  }

  /** The stage's inputs, wired by kind. */
  StageInputs inputs();

  /**
   * The LIVE artifacts of {@code kind} that the stage called {@code stage} published in earlier runs of
   * this pipeline, newest first; empty when no metadata store records the run.
   */
  List<StoredArtifact> live(String stage, ArtifactKind kind);

  /**
   * The artifacts that the execution which produced {@code artifactId} read in {@code role} (lineage one
   * step up: the examples a statistics artifact summarises, the files an ingestion read), in the order
   * they were recorded; empty without a store or such an input.
   */
  default List<StoredArtifact> inputs(long artifactId, String role) {
    return List.of();
  }

  /**
   * A context without a metadata store: {@code inputs} and nothing from earlier runs. For a stage used
   * from Java without the runner, and for tests.
   */
  static PlanContext of(String pipeline, StageInputs inputs) {
    return new PlanContext() {
      @Override
      public String pipeline() {
        return pipeline;
      }

      @Override
      public StageInputs inputs() {
        return inputs;
      }

      @Override
      public List<StoredArtifact> live(String stage, ArtifactKind kind) {
        return List.of();
      }
    };
  }
}
