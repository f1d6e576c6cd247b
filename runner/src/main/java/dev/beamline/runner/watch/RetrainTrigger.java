package dev.beamline.runner.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.Storage;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.MetadataStore;
import java.util.Optional;

/**
 * The retrain trigger of a run, as a watch reads it: the {@code RETRAIN_DECISION} artifact that the run
 * computed (not one it took from the cache), and in its folder {@code decision.json} with {@code
 * "fired": true} and its {@code "reason"}. The watch knows no feedback class: only the artifact type's
 * name and the file's two keys.
 *
 * <pre>{@code
 * Optional<String> fired = RetrainTrigger.firedIn(store, "penguins", "20261130-203000-1a2b");
 * }</pre>
 */
public final class RetrainTrigger {
  /** The artifact type of a retrain decision. */
  public static final String TYPE = "RETRAIN_DECISION";

  private RetrainTrigger() {}

  /** The reasons of the retrain trigger that run {@code runId} of {@code pipeline} fired; empty when none fired. */
  public static Optional<String> firedIn(MetadataStore store, String pipeline, String runId) {
    for (Artifact a : store.artifacts(TYPE, 20)) {
      if (a.state() != ArtifactState.LIVE || !madeBy(store, a, pipeline, runId)) {
        continue;
      }
      JsonNode decision = Storage.readJson(Storage.resolve(a.uri(), "decision.json"));
      if (!decision.path("fired").asBoolean(false)) {
        return Optional.empty();
      }
      // The retrain stage's sentence: "retrain: <each condition that held>: <why>".
      String reason = decision.path("reason").asText("").replaceFirst("^retrain: ", "");
      return Optional.of(reason.isEmpty() ? "(no reason given)" : reason);
    }
    return Optional.empty();
  }

  private static boolean madeBy(MetadataStore store, Artifact a, String pipeline, String runId) {
    for (Event e : store.eventsOfArtifact(a.id())) {
      if (e.type() == Event.Type.OUTPUT) {
        Optional<Execution> x = store.execution(e.executionId());
        if (x.isPresent() && x.get().pipeline().equals(pipeline) && x.get().runId().equals(runId)) {
          return true;
        }
      }
    }
    return false;
  }
}
