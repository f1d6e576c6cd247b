package dev.beamline.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;

/**
 * One stage of a pipeline as the orchestrator sees it: what it reads and writes, with which
 * parameters, and how it adds itself to the Beam graph. Recording in the metadata store, caching and
 * provenance come from {@link PipelineRun} for every stage alike; a stage only describes itself.
 */
public interface Stage {
  /** An artifact the stage reads: a raw input file, or an earlier stage's output. */
  record Input(String role, String type, String uri, String fingerprint, ObjectNode properties) {}

  /** The stage's name, which is also its folder in the run layout, e.g. {@code ingest}. */
  String name();

  /** The stage's configuration as JSON: part of its cache key and of its recorded execution. */
  ObjectNode parameters();

  /** What the stage will read, resolved now (files listed, fingerprints taken) for the cache key. */
  List<Input> inputs();

  /** The kind of the artifact the stage publishes in its output folder. */
  ArtifactKind outputKind();

  /** The role name of that artifact in the lineage graph, e.g. {@code examples}. */
  String outputRole();

  /** Adds the stage's composite transform to {@code pipeline}, writing into {@code output}. */
  void expand(Pipeline pipeline, StageOutput output);

  /** The published artifact's content fingerprint, read from its folder after a successful run. */
  String outputFingerprint(Path outputDir);

  /** Facts about the published artifact for the store and for lineage (counts, spans, ...). */
  ObjectNode outputProperties(Path outputDir);

  /** Lines for the run's summary on the terminal. */
  List<String> summary(Path outputDir);
}
