package dev.beamline.runner;

import dev.beamline.core.ArtifactKind;
import dev.beamline.core.Storage;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Lineage;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.push.PushRecord;
import dev.beamline.serving.push.PushStage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pushed model versions the metadata store records, for {@code beamline models} and {@code
 * beamline rollback}: every LIVE {@code PUSHED_MODEL} artifact, by the push stage or by a rollback,
 * with the {@link PushRecord} recorded as its facts, newest first.
 *
 * <pre>{@code
 * List<PushedVersions.Version> penguins = PushedVersions.of(store, "penguins");
 * }</pre>
 */
final class PushedVersions {
  private PushedVersions() {}

  /** One pushed version: its artifact and what the push recorded. */
  record Version(Artifact artifact, PushRecord record) {
    /** The folder holding the model's versions: TensorFlow Serving's model base path. */
    String modelDir() {
      return Storage.parent(record.servingPath());
    }
  }

  /** The pushed versions of the model {@code name} (every model when null), newest first. */
  static List<Version> of(MetadataStore store, String name) {
    List<Version> out = new ArrayList<>();
    for (Artifact a : store.artifacts(PushStage.PUSHED_MODEL.name(), Integer.MAX_VALUE)) {
      if (a.state() != ArtifactState.LIVE) {
        continue;
      }
      PushRecord r;
      try {
        r = PushRecord.fromJson(a.properties());
      } catch (IllegalArgumentException e) {
        // Recorded by a push that failed to describe itself: nothing to list or roll back to.
        continue;
      }
      if (name == null || r.modelName().equals(name)) {
        out.add(new Version(a, r));
      }
    }
    return out;
  }

  /**
   * The version each model folder serves: TensorFlow Serving's default policy serves the largest, so
   * per model folder the largest recorded version.
   */
  static Map<String, Long> served(List<Version> versions) {
    Map<String, Long> served = new HashMap<>();
    versions.forEach(v -> served.merge(v.modelDir(), v.record().version(), Math::max));
    return served;
  }

  /**
   * The fingerprint of the data the version's model was trained on: as recorded with the push, else
   * that of the nearest EXAMPLES artifact upstream of the model in the store's lineage.
   */
  static Optional<String> datasetFingerprint(MetadataStore store, Version v) {
    if (v.record().datasetFingerprint() != null) {
      return Optional.of(v.record().datasetFingerprint());
    }
    Optional<Artifact> model = Lineage.artifacts(Lineage.upstream(store, v.artifact().id())).stream()
        .filter(a -> a.type().equals(ArtifactKind.MODEL.name()))
        .findFirst();
    return model.flatMap(m -> Lineage.artifacts(Lineage.upstream(store, m.id())).stream()
        .filter(a -> a.type().equals(ArtifactKind.EXAMPLES.name()) && a.fingerprint() != null)
        .map(Artifact::fingerprint)
        .findFirst());
  }

  /** The pipeline of the execution that first recorded {@code artifact} as its output; empty when none did. */
  static Optional<String> pipelineOf(MetadataStore store, Artifact artifact) {
    return store.eventsOfArtifact(artifact.id()).stream()
        .filter(e -> e.type() == Event.Type.OUTPUT)
        .findFirst()
        .flatMap(e -> store.execution(e.executionId()))
        .map(x -> x.pipeline());
  }
}
