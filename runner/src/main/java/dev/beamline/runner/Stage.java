package dev.beamline.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;

/**
 * One stage of a pipeline as the orchestrator sees it: what it reads and writes, with which
 * parameters, and how it adds itself to the Beam graph. Recording in the metadata store, caching and
 * provenance come from {@link PipelineRun} for every stage alike; a stage only describes itself.
 */
public interface Stage {
  /**
   * An artifact the stage reads: a raw input file (no {@code artifactId}; recorded on first sight), or
   * the output of an earlier stage ({@code artifactId} set, fingerprinted by that id).
   */
  record Input(String role, String type, String uri, String fingerprint, ObjectNode properties, Long artifactId) {}

  /**
   * The output of an earlier stage of the same run: its artifact, its folder, and, when it runs in
   * this graph rather than coming from the cache, the signal that it is published and its in-graph
   * result (e.g. an {@code IngestResult}); both null when it came from the cache.
   */
  record Upstream(String stage, long artifactId, Path dir, PCollection<String> published, Object result) {
    public boolean inGraph() {
      return published != null;
    }
  }

  /**
   * A further artifact that a stage publishes inside its output folder, recorded with its own type and
   * role so that lineage can name it (e.g. the transformed examples beside the transform graph).
   *
   * @param path the artifact's path relative to the stage's output folder; empty for the folder itself
   */
  record ExtraOutput(String role, ArtifactKind kind, String path) {}

  /** What a stage added to the graph: the signal that its output is published, and its in-graph result. */
  record Expanded(PCollection<String> published, Object result) {}

  /** The stage's name, which is also its folder in the run layout, e.g. {@code ingest}. */
  String name();

  /** The names of the earlier stages whose outputs this stage reads. */
  default List<String> upstreamStages() {
    return List.of();
  }

  /** The stage's configuration as JSON: part of its cache key and of its recorded execution. */
  ObjectNode parameters();

  /**
   * What the stage will read, resolved now (files listed, fingerprints taken) for the cache key; {@code
   * store} (null without one) lets a stage find earlier artifacts, such as the previous statistics.
   */
  List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store);

  /** The kind of the artifact the stage publishes in its output folder. */
  ArtifactKind outputKind();

  /** The role name of that artifact in the lineage graph, e.g. {@code examples}. */
  String outputRole();

  /** Adds the stage's composite transform to {@code pipeline}, reading {@code upstream}, writing into {@code output}. */
  Expanded expand(Pipeline pipeline, StageOutput output, Map<String, Upstream> upstream);

  /** Further artifacts in the output folder, recorded beside the main one; none by default. */
  default List<ExtraOutput> extraOutputs() {
    return List.of();
  }

  /** Facts about an extra output for the store; none by default. */
  default ObjectNode extraOutputProperties(ExtraOutput extra, Path outputDir) {
    return null;
  }

  /** The published artifact's content fingerprint, read from its folder after a successful run. */
  String outputFingerprint(Path outputDir);

  /** Facts about the published artifact for the store and for lineage (counts, spans, ...). */
  ObjectNode outputProperties(Path outputDir);

  /** Lines for the run's summary on the terminal. */
  List<String> summary(Path outputDir);

  /** An input that is the output of the earlier stage {@code up}. */
  static Input upstreamInput(String role, Upstream up, String type) {
    return new Input(role, type, up.dir().toString(), "artifact:" + up.artifactId(), null, up.artifactId());
  }
}
